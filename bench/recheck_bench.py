"""Re-check bench: how many requests a re-check of three claimed fixes makes against a full audit of the
demo portal (docs/problems.md), counted by the fixture servers.

Run: ``.venv/bin/python bench/recheck_bench.py [--browser]``. Audits the demo portal twice through the CLI
(between them the soft-404 page is fixed and the 通知公告 list left to go stale), exports the 整改清单,
claims three fixes (the 404 link restored for real, 公安备案 not fixed, the column "fixed" by re-posting an
old notice), re-checks, and prints the requests of the first audit and of the re-check, the re-check's
wall time and each outcome.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from openpyxl import load_workbook  # noqa: E402

from demo.portal import sites_yaml, start_demo  # noqa: E402
from reports.rectify import COLUMNS, SHEET  # noqa: E402
from tests.problems import portal as change  # noqa: E402

AS_OF = date(2026, 11, 27)


def _cli(*args: str) -> subprocess.CompletedProcess:
    res = subprocess.run([sys.executable, "-m", "govaudit", *args], capture_output=True, text=True, cwd=ROOT,
                         env={**os.environ, "PYTHONPATH": str(ROOT)})
    if res.returncode:
        raise SystemExit(f"govaudit {' '.join(args[:2])} exited {res.returncode}:\n{res.stderr[-3000:]}")
    return res


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--browser", action="store_true", help="audit and re-check with Chromium")
    args = parser.parse_args()
    mode = () if args.browser else ("--no-browser",)
    with tempfile.TemporaryDirectory() as tmp, start_demo(AS_OF) as demo:
        tmp_path = Path(tmp)
        db = f"sqlite:///{tmp_path / 'bench.db'}"
        sites = tmp_path / "sites.yaml"
        sites.write_text(sites_yaml(demo), encoding="utf-8")
        audit = ("audit", "--sites", str(sites), "--db", db, "--as-of", AS_OF.isoformat(), *mode)
        before = demo.server.requests, demo.external.requests
        _cli(*audit, "--out", str(tmp_path / "run1"))
        full = demo.server.requests - before[0], demo.external.requests - before[1]
        change.fix_soft_404(demo)
        stale = change.stale_notices(demo)
        _cli(*audit, "--out", str(tmp_path / "run2"))
        doc = json.loads((tmp_path / "run2" / demo.portal.site_id / "findings.json").read_text(encoding="utf-8"))
        base = demo.portal.base_url
        claims = {f["problem"]["id"]: url for f in doc["findings"] for key, url in (
            (("link.broken", base + "/xxgk/old-notice.html"), base + "/xxgk/old-notice.html"),
            (("identity.missing", "psb"), demo.url), (("column.stale", base + "/tzgg/"), base + "/tzgg/"))
            if (f["rule"], f["subject"]) == key}
        sheet = tmp_path / "整改清单.xlsx"
        _cli("rectify", "export", "--out", str(sheet), "--db", db)
        wb = load_workbook(sheet)
        ws = wb[SHEET]
        for row in range(2, ws.max_row + 1):
            pid = ws.cell(row, COLUMNS.index("问题编号") + 1).value
            if pid in claims:
                ws.cell(row, COLUMNS.index("整改情况") + 1).value = "已整改"
                ws.cell(row, COLUMNS.index("整改链接") + 1).value = claims[pid]
        wb.save(sheet)
        _cli("rectify", "import", str(sheet), "--by", "bench", "--db", db)
        change.restore_old_notice(demo)
        day = AS_OF + timedelta(days=3)
        change.repost_old_notice(demo, stale, day)
        before = demo.server.requests, demo.external.requests
        started = time.perf_counter()
        _cli("recheck", "--site", demo.portal.site_id, "--db", db, "--out", str(tmp_path / "recheck"),
             "--as-of", day.isoformat(), *mode)
        wall = time.perf_counter() - started
        rechecked = demo.server.requests - before[0], demo.external.requests - before[1]
        result = json.loads((tmp_path / "recheck" / demo.portal.site_id / "findings.json").read_text(encoding="utf-8"))
    print(f"mode: {'browser' if args.browser else 'no browser'}")
    print(f"full audit: {full[0]} portal + {full[1]} external requests")
    print(f"re-check:   {rechecked[0]} portal + {rechecked[1]} external requests "
          f"({100 * sum(rechecked) / sum(full):.1f}% of the full audit), {wall:.1f} s wall (CLI start-up included)")
    for r in result["recheck"]:
        print(f"  problem {r['problem']} {r['rule']} {r['subject']}: {r['result']} — {r['reason']}")


if __name__ == "__main__":
    main()
