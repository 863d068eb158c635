"""Wall time and peak RSS of the hostile-input cases (issue 21, helper hostile), each in its own process.

    PYTHONPATH=. .venv/bin/python bench/faults_bench.py

Cases (tests/faults/server.py has the same inputs): a 146-byte feed trickled one byte per 50 ms against a
2 s timeout; 1 MB of `<style>` without a brace, 1 MB of unclosed comments, 1 MB of `{`; 300 and 3,000
unclosed `<font>` then spam through content.spam_injection; a YAML alias bomb as sites.yaml. One line each:
case, wall seconds of the case itself (imports excluded; the feed case includes starting its server),
peak RSS MB of its process, result.
"""
from __future__ import annotations

import json
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

CASES: dict[str, str] = {
    "trickled_feed_146B_2s_timeout": """
from demo.server import FixtureServer
from crawler.egress import EgressPolicy
from crawler.egress.fetch import FetchError, safe_fetch
from tests.faults import server as faults
#--
with FixtureServer(faults.routes()) as srv:
    try:
        safe_fetch(srv.base_url + "/feed/trickle.xml", EgressPolicy(allow_private=True), timeout_s=2)
        result = "read"
    except FetchError as exc:
        result = exc.kind
""",
    "css_1MB_no_brace": """
from storage.html import parse_document
from checks.content.dom import Styles
#--
tree = parse_document("<html><head><style>" + "a" * 1_000_000 + "</style></head><body><p>x</p></body></html>")
result = str(Styles(tree).hidden_reason(tree.find(".//p")))
""",
    "css_1MB_unclosed_comments": """
from storage.html import parse_document
from checks.content.dom import Styles
#--
tree = parse_document("<html><head><style>" + "/*a" * 333_333 + "</style></head><body><p>x</p></body></html>")
result = str(Styles(tree).hidden_reason(tree.find(".//p")))
""",
    "css_1MB_open_braces": """
from storage.html import parse_document
from checks.content.dom import Styles
#--
tree = parse_document("<html><head><style>" + "{" * 1_000_000 + "</style></head><body><p>x</p></body></html>")
result = str(Styles(tree).hidden_reason(tree.find(".//p")))
""",
    "font_300_then_spam": """
from checks.runner import run_rules
from reports.scheme import load_scheme
from tests.checks.snapshots import build
from tests.faults import server as faults
#--
url = "http://www.example.gov.cn/a.html"
snap = build({"pages": [{"url": url, "status": 200}], "bodies": {url: faults.routes()["/deep/"].body.decode()}})
rule = "content.spam_injection"
result = run_rules(snap, [rule], load_scheme("national-2019").params)[rule].status
""",
    "font_3000_then_spam": """
from checks.runner import run_rules
from reports.scheme import load_scheme
from tests.checks.snapshots import build
from tests.faults import server as faults
#--
url = "http://www.example.gov.cn/a.html"
snap = build({"pages": [{"url": url, "status": 200}], "bodies": {url: faults.routes()["/deeper/"].body.decode()}})
rule = "content.spam_injection"
result = run_rules(snap, [rule], load_scheme("national-2019").params)[rule].status
""",
    "yaml_alias_bomb_sites": """
import tempfile, pathlib
from govaudit.registry import RegistryError, load_registry
from tests.faults.test_hostile_input import BOMB
#--
path = pathlib.Path(tempfile.mkdtemp()) / "sites.yaml"
path.write_text(BOMB, encoding="utf-8")
try:
    load_registry(path)
    result = "loaded"
except RegistryError as exc:
    result = "refused: " + str(exc).split(": ", 2)[-1][:40]
""",
}

_WRAP = """
import json, resource, time
{setup}
t = time.perf_counter()
{case}
print(json.dumps({{"wall_s": round(time.perf_counter() - t, 3),
                  "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
                  "result": str(result)}}))
"""


def main() -> None:
    print(f"{'case':34} {'wall_s':>8} {'peak_rss_mb':>12}  result")
    for name, body in CASES.items():
        started = time.perf_counter()
        setup, case = body.split("#--")
        proc = subprocess.run([sys.executable, "-c", _WRAP.format(setup=setup, case=case)], cwd=ROOT,
                              capture_output=True, text=True, timeout=120, env={"PYTHONPATH": str(ROOT)})
        if proc.returncode != 0:
            print(f"{name:34} {time.perf_counter() - started:8.2f} {'?':>12}  ERROR {proc.stderr.strip()[-200:]}")
            continue
        got = json.loads(proc.stdout.strip().splitlines()[-1])
        print(f"{name:34} {got['wall_s']:8.3f} {got['peak_rss_mb']:12.1f}  {got['result']}")
    own = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"largest child peak RSS: {own:.1f} MB")


if __name__ == "__main__":
    main()
