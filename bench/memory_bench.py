"""Memory benchmark: peak RSS of `govaudit audit --no-browser` on the bench site at several sizes, in one run.

Run: ``.venv/bin/python bench/memory_bench.py`` (default 5,000, 20,000 and 50,000 pages;
``--sizes 2000,5000`` for a quicker look). For each size it builds bench/bigsite.py's site (30 links a
page), audits it in a child process and prints pages/s, wall, the peak RSS of the audit process (GNU
time), of all its processes (the writer …), and the peak of each pipeline step (bench/_memstep.py),
then the growth from the smallest to the largest size. Goal (issue 17): ≤ 400 MB at 50,000 pages and
≤ 1.5× growth from 5,000 to 50,000. ``GOVAUDIT_TRACEMALLOC=N`` prints the N largest live allocation
sites after each step (slow; for finding what grows).
"""
from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
for p in (str(ROOT), str(ROOT / "bench")):
    if p not in sys.path:
        sys.path.insert(0, p)

import yaml  # noqa: E402
from bigsite import build_big_site  # noqa: E402
from crawl_bench import SITE_ID, _mb, run_measured  # noqa: E402

from demo.server import FixtureServer  # noqa: E402


def audit_once(pages: int, links_per_page: int, missing: int, keep: bool, code: Path = ROOT) -> dict:
    tmp = Path(tempfile.mkdtemp(prefix="govaudit-membench-"))
    site = FixtureServer({}, host="127.0.0.1").start()
    external = FixtureServer({}, host="127.0.0.2").start()
    try:
        routes, ext_routes, expected = build_big_site(site.base_url, external.base_url, pages, links_per_page,
                                                      min(missing, max(pages // 10, 1)))
        for path, route in routes.items():
            site.add(path, route)
        for path, route in ext_routes.items():
            external.add(path, route)
        del routes, ext_routes
        sites = tmp / "sites.yaml"
        sites.write_text(yaml.safe_dump({"sites": [{"id": SITE_ID, "name": "基准测试站点", "url": site.base_url + "/",
                                                    "kind": "portal"}]}, allow_unicode=True), encoding="utf-8")
        out = tmp / "out"
        cmd = [sys.executable, str(ROOT / "bench" / "_memstep.py"), "audit", "--sites", str(sites),
               "--db", f"sqlite:///{tmp}/bench.db", "--out", str(out), "--no-browser",
               "--max-pages", str(pages + 1000)]
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(code), os.environ.get("PYTHONPATH")]))}
        log = tmp / "govaudit.log"
        measured = run_measured(cmd, log, cwd=code, env=env)
        text = log.read_text(errors="replace")
        steps = {m[1]: (int(m[2]), int(m[3]), float(m[4]))
                 for m in re.finditer(r"^MEMSTEP (\S+) (\d+) (\d+) ([\d.]+)$", text, re.M)}
        doc = out / SITE_ID / "findings.json"
        findings = json.loads(doc.read_text(encoding="utf-8")) if doc.exists() else {}
        crawled = findings.get("run", {}).get("pages")
        found = {f["subject"] for f in findings.get("findings", []) if f.get("rule") == "link.broken"}
        if measured.returncode not in (0, 1) or not findings:
            print(text[-3000:], file=sys.stderr)
        return {"pages": pages, "crawled": crawled, "measured": measured, "steps": steps,
                "broken": f"{len(found & expected)}/{len(expected)}", "log": str(log) if keep else None,
                "tracemalloc": [ln for ln in text.splitlines() if ln.startswith(("TRACEMALLOC", "  "))]}
    finally:
        site.stop()
        external.stop()
        if not keep:
            shutil.rmtree(tmp, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="5000,20000,50000", help="comma-separated page counts")
    ap.add_argument("--links-per-page", type=int, default=30)
    ap.add_argument("--missing", type=int, default=200)
    ap.add_argument("--keep", action="store_true", help="keep each size's temporary directory")
    ap.add_argument("--code", type=Path, default=ROOT,
                    help="audit with the code of this checkout (e.g. main's, for a before/after comparison)")
    args = ap.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    results = []
    for pages in sizes:
        t0 = time.perf_counter()
        r = audit_once(pages, args.links_per_page, args.missing, args.keep, args.code.resolve())
        m = r["measured"]
        rate = f"{r['crawled'] / m.wall:.0f}" if r["crawled"] else "n/a"
        print(f"{pages:>7} pages: exit {m.returncode}, crawled {r['crawled']}, {m.wall:.1f} s ({rate} pages/s), "
              f"peak RSS {_mb(m.peak_kb)} (all processes {_mb(m.tree_peak_kb)}), CPU {m.cpu or 0:.1f} s, "
              f"broken found {r['broken']}  [{time.perf_counter() - t0:.0f} s with site build]", flush=True)
        print("         steps: " + ", ".join(f"{k} {v[0] / 1024:.0f} MB/{v[2]:.1f} s" for k, v in r["steps"].items()
                                           if v[2] >= 0.05 or v[0] > 0), flush=True)
        for line in r["tracemalloc"]:
            print("         " + line)
        if r["log"]:
            print(f"         log {r['log']}")
        results.append(r)
    if len(results) > 1 and results[0]["measured"].peak_kb and results[-1]["measured"].peak_kb:
        a, b = results[0], results[-1]
        print(f"growth {a['pages']} → {b['pages']} pages: {b['measured'].peak_kb / a['measured'].peak_kb:.2f}× "
              f"peak RSS")
    return 0


if __name__ == "__main__":
    sys.exit(main())
