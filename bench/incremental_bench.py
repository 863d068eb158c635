"""Incremental re-audit benchmark: an unchanged re-audit of the 5,000-page bench site after a full audit.

    .venv/bin/python bench/incremental_bench.py [--pages 5000] [--change 20 --break 5]

The bench site (bench/bigsite.py) is served with validators (ETag / Last-Modified, 304s). Runs, on one
SQLite database: (1) a full audit; (2) the unchanged re-audit, incremental; (3) `--full`, a fresh full audit
of the same state. Prints, for (2), the requests answered with a body, the 304s, the HEAD checks and the
link targets skipped (carried over), its wall against (1) and (3), and whether its findings equal (3)'s.
With --change/--break it then edits pages (a new paragraph) and removes link targets, re-audits (4),
audits fully again (5) and prints whether (4) found the broken links and equals (5).
"""
from __future__ import annotations

import argparse
import json
import os
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
for path in (ROOT, ROOT / "bench"):
    if str(path) not in sys.path:
        sys.path.insert(0, str(path))

import yaml  # noqa: E402
from bigsite import build_big_site, page_path  # noqa: E402  (sibling module; bench/ is not a package)

from demo.server import FixtureServer, Route  # noqa: E402

SITE_ID = "9999000001"
AS_OF = "2026-12-01"


CPU: dict[str, float] = {}  # audit name → user + system seconds of the audit's process tree


PROFILE: dict[str, str] = {}  # audit name → cProfile output file (--profile)


def audit(tmp: Path, sites: Path, name: str, max_pages: int, *extra: str) -> tuple[float, dict]:
    out = tmp / name
    profile = ["-m", "cProfile", "-o", PROFILE[name]] if name in PROFILE else []
    cmd = [sys.executable, *profile, "-m", "govaudit", "audit", "--sites", str(sites), "--db", f"sqlite:///{tmp}/bench.db",
           "--out", str(out), "--no-browser", "--max-pages", str(max_pages), "--as-of", AS_OF, *extra]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
    started, before = time.perf_counter(), resource.getrusage(resource.RUSAGE_CHILDREN)
    res = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True)
    wall, after = time.perf_counter() - started, resource.getrusage(resource.RUSAGE_CHILDREN)
    CPU[name] = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if res.returncode != 0:
        raise SystemExit(f"audit {name} exited {res.returncode}: {res.stderr[-3000:]}")
    steps = [ln.split("audit steps: ", 1)[1] for ln in res.stderr.splitlines() if "audit steps: " in ln]
    if steps:  # GOVAUDIT_LOG_LEVEL=INFO
        print(f"  {name} steps: {steps[-1]}", flush=True)
    return wall, json.loads((out / SITE_ID / "findings.json").read_text(encoding="utf-8"))


def _order_free(finding: dict) -> dict:
    """A finding without what depends on the order the crawl met its pages in (two full audits differ there
    too): which linking page is named first (`page`, `anchor`, `tag`), the order of `pages` (and which are
    listed when more than 20 link to the target)."""
    f = {k: v for k, v in finding.items() if k != "problem"}
    evidence = {k: v for k, v in (f.get("evidence") or {}).items() if k != "carried_over"}
    if isinstance(evidence.get("pages"), list):
        # only the first 20 linking pages are listed: which 20 depends on the order too
        evidence["pages"] = sorted(evidence["pages"]) if evidence.get("pages_count") == len(evidence["pages"]) else []
        for k in ("anchor", "tag"):
            evidence.pop(k, None)
        if f.get("page") in evidence["pages"] or not evidence["pages"]:
            f.pop("page", None)
    return {**f, "evidence": evidence}


def judged(doc: dict) -> dict:
    """Findings (carried-over marks, problem tracking and crawl order aside), rule statuses and the score."""
    findings = sorted(json.dumps(_order_free(f), sort_keys=True, ensure_ascii=False) for f in doc["findings"])
    return {"findings": findings, "rules": sorted(json.dumps(r, sort_keys=True) for r in doc["rules"]),
            "score": doc["score"]}


def run_stats(tmp: Path, run_id: int) -> dict:
    from sqlalchemy import create_engine, text

    engine = create_engine(f"sqlite:///{tmp}/bench.db")
    try:
        with engine.connect() as conn:
            raw = conn.execute(text("SELECT stats FROM run WHERE id = :id"), {"id": run_id}).scalar()
    finally:
        engine.dispose()
    return json.loads(raw) if isinstance(raw, str) else (raw or {})


def requests(servers: list[FixtureServer]) -> dict[str, int]:
    """Requests since the logs were cleared: GETs answered with a body, 304s, HEADs."""
    log = [e for s in servers for e in s.log]
    not_modified = sum(1 for k, _ in log if k == "GET 304")
    gets = sum(1 for k, _ in log if k == "GET")
    return {"body": gets - not_modified, "304": not_modified, "HEAD": sum(1 for k, _ in log if k == "HEAD")}


def with_body(servers: list[FixtureServer]) -> dict[str, int]:
    """path → GETs answered with a body since the logs were cleared (a 304 is logged as GET and GET 304)."""
    out: dict[str, int] = {}
    for s in servers:
        for kind, path in s.log:
            if kind in ("GET", "GET 304"):
                out[path] = out.get(path, 0) + (1 if kind == "GET" else -1)
    return out


def differences(a: dict, b: dict) -> list[str]:
    """What differs between two documents' judged parts (for the figures when they are not identical)."""
    def keyed(doc: dict) -> dict:
        return {(f["rule"], f["subject"]): _order_free(f) for f in doc["findings"]}

    ka, kb = keyed(a), keyed(b)
    out = [f"only in the first: {k}" for k in sorted(set(ka) - set(kb))]
    out += [f"only in the second: {k}" for k in sorted(set(kb) - set(ka))]
    for k in sorted(set(ka) & set(kb)):
        fa, fb = ka[k], kb[k]
        for field_ in sorted((set(fa) | set(fb)) - {"evidence"}):
            if fa.get(field_) != fb.get(field_):
                out.append(f"{k} {field_}: {fa.get(field_)!r} vs {fb.get(field_)!r}")
        ea, eb = fa["evidence"], fb["evidence"]
        for field_ in sorted(set(ea) | set(eb)):
            if ea.get(field_) != eb.get(field_):
                out.append(f"{k} evidence.{field_}: {ea.get(field_)!r} vs {eb.get(field_)!r}")
    ja, jb = judged(a), judged(b)
    out += [f"rule {x} vs {y}" for x, y in zip(sorted(set(ja["rules"]) - set(jb["rules"])),
                                               sorted(set(jb["rules"]) - set(ja["rules"])), strict=False)]
    if ja["score"] != jb["score"]:
        out.append(f"score {ja['score'].get('total')} vs {jb['score'].get('total')}")
    return out


def broken(doc: dict) -> set[str]:
    return {f["subject"] for f in doc["findings"] if f["rule"] == "link.broken"}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pages", type=int, default=5000)
    ap.add_argument("--links-per-page", type=int, default=30)
    ap.add_argument("--missing", type=int, default=200)
    ap.add_argument("--change", type=int, default=0, help="pages edited before a further re-audit")
    ap.add_argument("--break", dest="break_", type=int, default=0, help="link targets removed before it")
    ap.add_argument("--keep", action="store_true", help="keep the temporary directory")
    ap.add_argument("--profile", metavar="FILE", help="run the unchanged re-audit under cProfile, stats to FILE")
    args = ap.parse_args(argv)
    if args.profile:
        PROFILE["2-unchanged"] = str(Path(args.profile).resolve())
    missing = min(args.missing, max(args.pages // 10, 1))
    max_pages = args.pages + 1000
    tmp = Path(tempfile.mkdtemp(prefix="govaudit-incbench-"))
    site = FixtureServer({}, host="127.0.0.1", validators=True).start()
    external = FixtureServer({}, host="127.0.0.2", validators=True).start()
    servers = [site, external]
    rows: list[tuple[str, str]] = []
    diffs: list[str] = []
    try:
        routes, ext_routes, expected = build_big_site(site.base_url, external.base_url, args.pages,
                                                      args.links_per_page, missing)
        for path, route in routes.items():
            site.add(path, route)
        for path, route in ext_routes.items():
            external.add(path, route)
        sites = tmp / "sites.yaml"
        sites.write_text(yaml.safe_dump({"sites": [{"id": SITE_ID, "name": "基准测试站点", "url": site.base_url + "/",
                                                    "kind": "portal"}]}, allow_unicode=True, sort_keys=False),
                         encoding="utf-8")
        print(f"site: {args.pages} pages, {len(expected)} missing targets; {site.base_url}/", flush=True)
        for s in servers:
            s.log.clear()
        full_wall, first = audit(tmp, sites, "1-full", max_pages)
        full_req = requests(servers)
        print(f"1 full audit: {full_wall:.1f} s, {first['run']['pages']} pages, {full_req}", flush=True)
        for s in servers:
            s.log.clear()
        inc_wall, second = audit(tmp, sites, "2-unchanged", max_pages)
        inc_req = requests(servers)
        usual = with_body([site])  # what the unchanged re-audit fetched with a body, path → times
        inc = run_stats(tmp, second["run"]["id"]).get("incremental") or {}
        print(f"2 unchanged re-audit: {inc_wall:.1f} s, {inc_req}, {inc}", flush=True)
        for s in servers:
            s.log.clear()
        fresh_wall, fresh = audit(tmp, sites, "3-full", max_pages, "--full")
        print(f"3 fresh full audit (--full): {fresh_wall:.1f} s, {requests(servers)}", flush=True)
        pages = first["run"]["pages"]
        rows += [
            ("pages crawled (full audit)", str(pages)),
            ("re-audit mode", f"{inc.get('mode')} ({inc.get('reason') or 'previous run ' + str(inc.get('previous_run'))})"),
            ("re-audit: fetched with a body", f"{inc_req['body']} ({inc_req['body'] / max(pages, 1):.1%} of the pages)"),
            ("re-audit: answered 304", str(inc_req["304"])),
            ("re-audit: HEAD checks (link targets re-checked)", str(inc_req["HEAD"])),
            ("re-audit: link targets skipped (carried over)", str(inc.get("carried_checks", 0))),
            ("re-audit: pages carried over", str(second["run"]["reused_pages"])),
            ("full audit wall", f"{full_wall:.1f} s"),
            ("fresh full audit wall (--full)", f"{fresh_wall:.1f} s"),
            ("re-audit wall", f"{inc_wall:.1f} s"),
            ("wall ratio re-audit / full audit", f"{inc_wall / full_wall:.0%}"),
            ("wall ratio re-audit / fresh full audit", f"{inc_wall / fresh_wall:.0%}"),
            ("CPU (user+sys, all processes): full, re-audit, fresh full",
             f"{CPU['1-full']:.1f} s, {CPU['2-unchanged']:.1f} s, {CPU['3-full']:.1f} s"),
            ("CPU ratio re-audit / full audit", f"{CPU['2-unchanged'] / CPU['1-full']:.0%}"),
            ("findings identical to the fresh full audit¹", str(judged(second) == judged(fresh))),
            ("(¹ and the two full audits to each other)", str(judged(first)["findings"] == judged(fresh)["findings"])),
            ("link.broken found (re-audit, fresh full)", f"{len(broken(second))}, {len(broken(fresh))}"),
        ]
        diffs += [f"unchanged re-audit vs fresh full audit: {d}" for d in differences(second, fresh)]
        diffs += [f"first full audit vs fresh full audit: {d}" for d in differences(first, fresh)]
        if args.change or args.break_:
            rng = random.Random(16)
            edited = rng.sample(range(1, args.pages), min(args.change, args.pages - 1))
            for i in edited:
                route = routes[page_path(i)]
                site.add(page_path(i), Route(body=route.body.replace(b"</ul>", f"</ul><p>更新{i}</p>".encode(), 1)))
            removed = [page_path(i) for i in rng.sample(range(1, args.pages), min(args.break_, args.pages - 1))
                       if i not in edited]
            for path in removed:
                site.add(path, Route(status=404, body=b"<html><head><title>404 Not Found</title></head></html>"))
            for s in servers:
                s.log.clear()
            chg_wall, changed = audit(tmp, sites, "4-changed", max_pages)
            chg = run_stats(tmp, changed["run"]["id"]).get("incremental") or {}
            chg_req = requests(servers)
            now = with_body([site])
            more = {p: now.get(p, 0) - usual.get(p, 0) for p in set(now) | set(usual)
                    if now.get(p, 0) != usual.get(p, 0)}
            touched = {page_path(i) for i in edited} | set(removed)
            others = {p: n for p, n in more.items() if p not in touched}
            fresh_wall2, fresh2 = audit(tmp, sites, "5-full", max_pages, "--full")
            want = {site.base_url + p for p in removed}
            rows += [
                (f"after {len(edited)} pages changed, {len(removed)} links broken: mode",
                 f"{chg.get('mode')} ({chg.get('reason') or 'previous run ' + str(chg.get('previous_run'))}"
                 f"{': ' + str(chg.get('partial_refused') or chg.get('first_change')) if chg.get('reason') else ''})"),
                ("  re-audit requests", str(chg_req)),
                ("  re-audit: pages fetched with a body beyond the unchanged re-audit",
                 f"{len(more)} ({sum(1 for p in touched if more.get(p) == 2)}/{len(touched)} changed or gone pages"
                 f" twice: revalidation + re-crawl; others: {dict(sorted(others.items())[:10]) or 'none'})"),
                ("  partial plan", json.dumps({k: (len(v) if isinstance(v, list) else v) for k, v in chg.items()
                                               if k in ("changed", "gone", "depth_moved", "new_pages", "dropped",
                                                        "recrawled", "pages", "links", "documents_read")})),
                ("  re-audit wall", f"{chg_wall:.1f} s (fresh full {fresh_wall2:.1f} s)"),
                ("  broken links found", f"{len(want & broken(changed))}/{len(want)}"),
                ("  findings identical to the fresh full audit¹", str(judged(changed) == judged(fresh2))),
            ]
            diffs += [f"changed re-audit vs fresh full audit: {d}" for d in differences(changed, fresh2)]
    finally:
        site.stop()
        external.stop()
        if args.keep:
            print(f"kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    for line in diffs:
        print(line)
    width = max((len(k) for k, _ in rows), default=0)
    print("\n".join(f"{k:<{width}}  {v}" for k, v in rows))
    print("¹ up to the order the crawl met the linking pages in (which one is named first, the order of"
          " `pages`), in which two full audits differ too")
    return 0


if __name__ == "__main__":
    sys.exit(main())
