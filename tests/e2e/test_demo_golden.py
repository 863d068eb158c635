"""`govaudit demo` writes the same findings.json as the golden copy (without and with the browser).

The goldens were written by the code before the architecture change (issue 13); anything that
changes what a user reads in findings.json — a finding, a status, a reason, a score, the key order —
shows up here. Only what differs from run to run is normalised: the portal's port, the run's
timestamps and the screenshot file names (hashes of URLs that contain the port).
"""
from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

GOLDEN = Path(__file__).resolve().parents[1] / "golden"
AS_OF = "2026-11-27"


def normalise(text: str) -> str:
    text = re.sub(r"127\.0\.0\.\d+:\d+", "HOST", text)
    text = re.sub(r'"(started_at|finished_at)": "[^"]*"', r'"\1": "T"', text)
    return re.sub(r'"evidence/[0-9a-f]{16}\.jpg"', '"evidence/SHOT.jpg"', text)


def _demo(cli, tmp_path: Path, *extra: str) -> str:
    out = tmp_path / "out"
    res = cli("demo", "--db", f"sqlite:///{tmp_path / 'demo.db'}", "--out", str(out), "--as-of", AS_OF, *extra)
    assert res.returncode == 0, res.stderr
    return normalise((out / "4213000001" / "findings.json").read_text(encoding="utf-8"))


def _compare(got: str, name: str) -> None:
    path = GOLDEN / name
    if os.environ.get("GOVAUDIT_WRITE_GOLDEN") == "1":
        path.write_text(got, encoding="utf-8")
    assert got == path.read_text(encoding="utf-8"), f"demo findings.json differs from {path}"


@pytest.mark.slow
def test_demo_findings_equal_the_golden_copy_without_browser(cli, tmp_path: Path) -> None:
    _compare(_demo(cli, tmp_path, "--no-browser"), "demo-findings.no-browser.json")


@pytest.mark.slow
@pytest.mark.browser
def test_demo_findings_equal_the_golden_copy_with_browser(cli, tmp_path: Path) -> None:
    _compare(_demo(cli, tmp_path), "demo-findings.browser.json")
