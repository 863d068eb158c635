"""Browser bench: a 2,000-page site where only a few columns need JavaScript, audited with and without Chromium.

Run: ``.venv/bin/python bench/render_bench.py`` (``--pages 300 --js-columns 3`` for a smoke run).
Prints, for each mode, the pages crawled, the requests recorded, how many went to the browser
(rendered/total), pages/s over the crawl (run start to crawl end), the crawl time, the wall time
of the whole command (start-up, crawl, judging, screenshots, reports), and the peak memory of the whole process tree (the audit,
Playwright's driver and Chromium's processes; PSS and RSS summed over the tree, sampled every 50 ms).
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from render_site import build_render_site  # noqa: E402  (sibling module; bench/ is not a package)

from demo.server import FixtureServer  # noqa: E402

SITE_ID = "9999000002"


@dataclass
class Result:
    mode: str
    returncode: int
    wall: float
    peak_rss_kb: int
    peak_pss_kb: int
    pages: int
    recorded: int
    browser_requests: int
    rendered: int
    reasons: dict
    crawl_s: float


def tree_memory_kb(pid: int) -> tuple[int, int]:
    """(RSS, PSS) of a process and all its descendants, summed, in kB. Summed RSS counts the memory
    Chromium's processes share once per process; PSS splits it among them (the fairer total)."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(ppid, []).append(int(entry))
    rss = pss = 0
    stack = [pid]
    while stack:
        p = stack.pop()
        stack.extend(children.get(p, ()))
        try:
            for line in Path(f"/proc/{p}/smaps_rollup").read_text().splitlines():
                if line.startswith("Rss:"):
                    rss += int(line.split()[1])
                elif line.startswith("Pss:"):
                    pss += int(line.split()[1])
        except (OSError, ValueError):
            continue
    return rss, pss


def run_audit(tmp: Path, sites: Path, browser: bool, max_pages: int) -> Result:
    mode = "with browser" if browser else "--no-browser"
    db = tmp / f"{'browser' if browser else 'plain'}.db"
    out = tmp / f"out-{'browser' if browser else 'plain'}"
    cmd = [sys.executable, "-m", "crawler", "audit", "--sites", str(sites), "--db", f"sqlite:///{db}",
           "--out", str(out), "--max-pages", str(max_pages), *([] if browser else ["--no-browser"])]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
    peak_rss = peak_pss = 0
    start = time.perf_counter()
    with (tmp / f"{mode.strip('-').replace(' ', '-')}.log").open("wb") as log:
        proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, cwd=ROOT, env=env)
        while proc.poll() is None:
            rss, pss = tree_memory_kb(proc.pid)
            peak_rss, peak_pss = max(peak_rss, rss), max(peak_pss, pss)
            time.sleep(0.05)
    wall = time.perf_counter() - start
    with sqlite3.connect(db) as conn:
        stats, started, finished = conn.execute(
            "SELECT stats, started_at, finished_at FROM run ORDER BY id DESC LIMIT 1").fetchone()
        recorded, rendered = conn.execute("SELECT count(*), coalesce(sum(rendered), 0) FROM page").fetchone()
    stats = json.loads(stats)
    browser_stats = stats.get("browser", {})
    return Result(mode, proc.returncode, wall, peak_rss, peak_pss, stats.get("crawled", 0), recorded,
                  browser_stats.get("requests", 0), rendered, browser_stats.get("reasons", {}),
                  (datetime.fromisoformat(finished) - datetime.fromisoformat(started)).total_seconds())


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pages", type=int, default=2000)
    ap.add_argument("--js-columns", type=int, default=10)
    ap.add_argument("--keep", action="store_true", help="keep the temporary directory")
    args = ap.parse_args(argv)
    tmp = Path(tempfile.mkdtemp(prefix="govaudit-render-bench-"))
    site = FixtureServer({}, host="127.0.0.1").start()
    results: list[Result] = []
    try:
        routes, js = build_render_site(args.pages, args.js_columns)
        for path, route in routes.items():
            site.add(path, route)
        print(f"site: {args.pages} pages, {len(js)} columns filled by fetch(); {site.base_url}/")
        sites = tmp / "sites.yaml"
        sites.write_text(f'sites:\n  - id: "{SITE_ID}"\n    name: 渲染基准站点\n    url: {site.base_url}/\n',
                         encoding="utf-8")
        for browser in (False, True):
            before = site.requests
            results.append(run_audit(tmp, sites, browser, args.pages + 500))
            print(f"{results[-1].mode}: exit {results[-1].returncode}, {site.requests - before} HTTP requests served")
    finally:
        site.stop()
        if args.keep:
            print(f"kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    print(f"{'mode':<14} {'pages':>6} {'recorded':>8} {'browser':>8} {'rendered/total':>15} {'pages/s':>8} "
          f"{'crawl':>7} {'wall':>7} {'peak PSS (tree)':>16} {'peak RSS (tree)':>16}")
    for r in results:
        share = f"{r.rendered}/{r.recorded} ({100 * r.rendered / max(r.recorded, 1):.1f}%)"
        print(f"{r.mode:<14} {r.pages:>6} {r.recorded:>8} {r.browser_requests:>8} {share:>15} "
              f"{r.pages / r.crawl_s:>8.0f} {r.crawl_s:>6.1f}s {r.wall:>6.1f}s {r.peak_pss_kb / 1024:>13.0f} MB "
              f"{r.peak_rss_kb / 1024:>13.0f} MB")
    for r in results:
        if r.reasons:
            print(f"{r.mode} render reasons: {r.reasons}")
    return 0 if all(r.returncode == 0 for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
