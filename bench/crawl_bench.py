"""Crawl benchmark: govaudit against LinkChecker 10.6 (throttle lifted) on a 5,000-page loopback site.

Run: ``.venv/bin/python bench/crawl_bench.py`` (``--pages 200 --skip-linkchecker`` for a smoke run).
Prints pages/s, wall and peak RSS of ``govaudit audit --no-browser``, LinkChecker's wall, their ratio,
and how many of the planted missing targets each found.
"""
from __future__ import annotations

import argparse
import csv
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import yaml  # noqa: E402
from bigsite import build_big_site  # noqa: E402  (sibling module; bench/ is not a package)

from demo.server import FixtureServer  # noqa: E402

SITE_ID = "9999000001"
TIME_BIN = "/usr/bin/time"


@dataclass
class Measured:
    """Wall time, peak RSS and exit code of one child process."""

    wall: float
    peak_kb: int | None
    returncode: int
    cpu: float | None = None  # user + system seconds (GNU time): steadier than wall on a shared machine
    tree_peak_kb: int | None = None  # highest sum of VmRSS over the process and its descendants (writer …)


def run_measured(cmd: list[str], log: Path, cwd: Path, env: dict[str, str] | None = None) -> Measured:
    """Run `cmd`, stdout and stderr to `log`; peak RSS from GNU time, else from /proc polling."""
    timefile = log.with_suffix(".time")
    use_time = os.access(TIME_BIN, os.X_OK)
    full = [TIME_BIN, "-v", "-o", str(timefile), *cmd] if use_time else cmd
    peak = [0]
    tree_peak = [0]
    start = time.perf_counter()
    with log.open("wb") as out:
        proc = subprocess.Popen(full, stdout=out, stderr=subprocess.STDOUT, cwd=cwd, env=env)
        poller = None
        if not use_time:  # VmHWM of the child itself: the best we have without GNU time
            poller = threading.Thread(target=_poll_hwm, args=(proc, peak), daemon=True)
            poller.start()
        tree_poller = threading.Thread(target=_poll_tree_rss, args=(proc, tree_peak), daemon=True)
        tree_poller.start()
        rc = proc.wait()
    wall = time.perf_counter() - start
    tree_poller.join(timeout=1)
    if poller:
        poller.join(timeout=1)
    if use_time and timefile.exists():
        m = re.search(r"Maximum resident set size \(kbytes\): (\d+)", timefile.read_text())
        peak[0] = int(m.group(1)) if m else 0
        m = re.search(r"Exit status: (\d+)", timefile.read_text())
        rc = int(m.group(1)) if m else rc
        times = [float(x) for x in re.findall(r"(?:User|System) time \(seconds\): ([\d.]+)", timefile.read_text())]
        return Measured(wall, peak[0] or None, rc, sum(times) if times else None, tree_peak[0] or None)
    return Measured(wall, peak[0] or None, rc, tree_peak_kb=tree_peak[0] or None)


def _descendants(pid: int) -> list[int]:
    """The process and all its descendants (from /proc/<pid>/task/*/children)."""
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        for task in Path(f"/proc/{p}/task").glob("*/children"):
            try:
                todo += [int(c) for c in task.read_text().split()]
            except (OSError, ValueError):
                pass
    return out


def _poll_tree_rss(proc: subprocess.Popen, peak: list[int]) -> None:
    """Sum VmRSS over the process tree every 50 ms (GNU time reports the largest single process)."""
    while proc.poll() is None:
        total = 0
        for pid in _descendants(proc.pid):
            try:
                m = re.search(r"VmRSS:\s+(\d+)", Path(f"/proc/{pid}/status").read_text())
            except OSError:
                continue
            total += int(m.group(1)) if m else 0
        peak[0] = max(peak[0], total)
        time.sleep(0.05)


def _poll_hwm(proc: subprocess.Popen, peak: list[int]) -> None:
    status = Path(f"/proc/{proc.pid}/status")
    while proc.poll() is None:
        try:
            m = re.search(r"VmHWM:\s+(\d+)", status.read_text())
            if m:
                peak[0] = max(peak[0], int(m.group(1)))
        except OSError:
            return
        time.sleep(0.05)


def run_govaudit(tmp: Path, sites: Path, max_pages: int) -> tuple[Measured, dict | None]:
    out = tmp / "out"
    cmd = [sys.executable, "-m", "crawler", "audit", "--sites", str(sites), "--db", f"sqlite:///{tmp}/bench.db",
           "--out", str(out), "--no-browser", "--max-pages", str(max_pages)]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
    measured = run_measured(cmd, tmp / "govaudit.log", cwd=ROOT, env=env)
    findings = out / SITE_ID / "findings.json"
    return measured, json.loads(findings.read_text(encoding="utf-8")) if findings.exists() else None


def run_linkchecker(tmp: Path, url: str, threads: int) -> tuple[Measured, set[str], int | None]:
    # Run as root, LinkChecker drops to user nobody: its directory must be writable by nobody.
    lc_dir = tmp / "linkchecker"
    lc_dir.mkdir(mode=0o777)
    lc_dir.chmod(0o777)
    config = lc_dir / "linkcheckerrc"
    # Without this (and the server's "LinkChecker" header) it throttles every host (STACK.md).
    config.write_text(f"[checking]\nmaxrequestspersecond=10000\nthreads={threads}\n")
    config.chmod(0o644)
    csv_out = lc_dir / "linkchecker.csv"
    exe = shutil.which("linkchecker", path=str(Path(sys.executable).parent)) or shutil.which("linkchecker")
    if exe is None:
        raise SystemExit("linkchecker is not installed (pip install 'govaudit[bench]')")
    cmd = [exe, "-f", str(config), "-t", str(threads), "-r", "-1", "--check-extern", "--no-status",
           "-F", f"csv/utf-8/{csv_out}", url]
    env = {**os.environ, "HOME": str(lc_dir)}  # no user config or state from the real home
    measured = run_measured(cmd, lc_dir / "linkchecker.log", cwd=lc_dir, env=env)
    broken: set[str] = set()
    if csv_out.exists():
        lines = [ln for ln in csv_out.read_text(encoding="utf-8").splitlines() if ln and not ln.startswith("#")]
        for row in csv.DictReader(lines, delimiter=";"):
            if row.get("valid") == "False" and row.get("url"):
                broken.add(row["url"])
    m = re.search(r"links? in (\d+) URLs? checked", (lc_dir / "linkchecker.log").read_text(errors="replace"))
    return measured, broken, int(m.group(1)) if m else None


def _mb(kb: int | None) -> str:
    return f"{kb / 1024:.0f} MB" if kb else "n/a"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pages", type=int, default=5000)
    ap.add_argument("--links-per-page", type=int, default=30)
    ap.add_argument("--missing", type=int, default=200)
    ap.add_argument("--max-pages", type=int, help="govaudit --max-pages (default: pages + 1000)")
    ap.add_argument("--threads", type=int, default=10, help="LinkChecker threads")
    ap.add_argument("--skip-linkchecker", action="store_true")
    ap.add_argument("--skip-govaudit", action="store_true")
    ap.add_argument("--keep", action="store_true", help="keep the temporary directory")
    ap.add_argument("--repeat", type=int, default=1,
                    help="alternate the two tools N times and report median walls (a shared, noisy machine)")
    args = ap.parse_args(argv)
    missing = min(args.missing, max(args.pages // 10, 1))

    tmp = Path(tempfile.mkdtemp(prefix="govaudit-bench-"))
    tmp.chmod(0o777)  # LinkChecker (dropped to nobody) writes below it
    site = FixtureServer({}, host="127.0.0.1").start()
    external = FixtureServer({}, host="127.0.0.2").start()
    rows: list[tuple[str, str]] = []
    try:
        t0 = time.perf_counter()
        routes, ext_routes, expected = build_big_site(site.base_url, external.base_url, args.pages,
                                                      args.links_per_page, missing)
        for path, route in routes.items():
            site.add(path, route)
        for path, route in ext_routes.items():
            external.add(path, route)
        links = sum(r.body.count(b"<a href") for p, r in routes.items() if p != "/index.html")
        print(f"site: {args.pages} pages, {links} links, {len(expected)} missing targets, "
              f"built in {time.perf_counter() - t0:.1f} s; {site.base_url}/ (external {external.base_url})")
        home = site.base_url + "/"
        sites = tmp / "sites.yaml"
        sites.write_text(yaml.safe_dump({"sites": [{"id": SITE_ID, "name": "基准测试站点", "url": home,
                                                    "kind": "portal"}]}, allow_unicode=True, sort_keys=False),
                         encoding="utf-8")
        walls: dict[str, list[float]] = {"govaudit": [], "LinkChecker": []}
        base_tmp = tmp
        for round_ in range(args.repeat):
            tmp = base_tmp / f"round{round_}"
            tmp.mkdir(mode=0o777)
            tmp.chmod(0o777)
            rows = []
            gov: Measured | None = None
            lc: Measured | None = None
            if not args.skip_govaudit:  # first, so nothing else inflates the child RSS figures
                before = site.requests
                gov, findings = run_govaudit(tmp, sites, args.max_pages or args.pages + 1000)
                print(f"govaudit: exit {gov.returncode}, {gov.wall:.1f} s, {site.requests - before} requests "
                      f"(log {tmp / 'govaudit.log'})")
                pages = (findings or {}).get("run", {}).get("pages")
                found = {f["subject"] for f in (findings or {}).get("findings", []) if f.get("rule") == "link.broken"}
                rows += [
                    ("govaudit pages", str(pages) if pages is not None else "n/a (no findings.json)"),
                    ("govaudit pages/s", f"{pages / gov.wall:.0f}" if pages else "n/a"),
                    ("govaudit wall", f"{gov.wall:.1f} s"),
                    ("govaudit peak RSS", _mb(gov.peak_kb)),
                    ("govaudit peak RSS, all processes", _mb(gov.tree_peak_kb)),
                    ("govaudit CPU (user+sys)", f"{gov.cpu:.1f} s" if gov.cpu is not None else "n/a"),
                    ("govaudit broken found", f"{len(found & expected)}/{len(expected)}"
                                              + (f" (+{len(found - expected)} not planted)" if found - expected else "")),
                ]
            if not args.skip_linkchecker:
                before = site.requests
                lc, broken, urls = run_linkchecker(tmp, home, args.threads)
                print(f"linkchecker: exit {lc.returncode}, {lc.wall:.1f} s, {site.requests - before} requests")
                rows += [
                    ("LinkChecker wall", f"{lc.wall:.1f} s" + (f" ({urls / lc.wall:.0f} URLs/s)" if urls else "")),
                    ("LinkChecker peak RSS", _mb(lc.peak_kb)),
                    ("LinkChecker peak RSS, all processes", _mb(lc.tree_peak_kb)),
                    ("LinkChecker CPU (user+sys)", f"{lc.cpu:.1f} s" if lc.cpu is not None else "n/a"),
                    ("LinkChecker broken found", f"{len(broken & expected)}/{len(expected)}"
                                                 + (f" (+{len(broken - expected)} not planted)" if broken - expected else "")),
                ]
            if gov and lc:
                rows.append(("wall ratio govaudit/LinkChecker", f"{gov.wall / lc.wall:.2f}"))
                if gov.cpu and lc.cpu:
                    rows.append(("CPU ratio govaudit/LinkChecker", f"{gov.cpu / lc.cpu:.2f}"))
            if gov:
                walls["govaudit"].append(gov.wall)
            if lc:
                walls["LinkChecker"].append(lc.wall)
        tmp = base_tmp
        if args.repeat > 1 and walls["govaudit"] and walls["LinkChecker"]:
            med = {k: statistics.median(v) for k, v in walls.items()}
            rows += [(f"{k} walls", ", ".join(f"{w:.1f}" for w in v) + f" s (median {med[k]:.1f} s)")
                     for k, v in walls.items()]
            rows.append(("median wall ratio govaudit/LinkChecker", f"{med['govaudit'] / med['LinkChecker']:.2f}"))
    finally:
        site.stop()
        external.stop()
        if args.keep:
            print(f"kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    width = max((len(k) for k, _ in rows), default=0)
    print("\n".join(f"{k:<{width}}  {v}" for k, v in rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
