"""A plain `pip install` of the wheel — no extras — gives a working `govaudit` (the demo audit runs).

The wheel is built from this checkout and installed into a fresh virtual environment outside it, so
nothing of the source tree or the development environment (test extras such as pytest) is on the path.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _run(*args: str | Path, cwd: Path, timeout: float = 600) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV", "GOVAUDIT_DB")}
    proc = subprocess.run([str(a) for a in args], cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    assert proc.returncode == 0, f"{args}: {proc.stdout[-2000:]}\n{proc.stderr[-4000:]}"
    return proc


@pytest.mark.slow
def test_wheel_without_extras_runs_the_demo(tmp_path: Path) -> None:
    # built from a copy of the tracked files: setuptools writes build/ beside the sources it builds
    source = tmp_path / "src"
    files = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True).stdout.split(b"\0")
    for name in filter(None, (f.decode() for f in files)):
        if (ROOT / name).is_file():
            (source / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, source / name)
    dist = tmp_path / "dist"
    _run(sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", dist, source, cwd=tmp_path)
    wheel = next(dist.glob("govaudit-*.whl"))
    venv = tmp_path / "venv"
    _run(sys.executable, "-m", "venv", venv, cwd=tmp_path)
    _run(venv / "bin" / "python", "-m", "pip", "install", "-q", wheel, cwd=tmp_path, timeout=900)
    missing = subprocess.run([venv / "bin" / "python", "-c", "import pytest"], capture_output=True, cwd=tmp_path)
    assert missing.returncode != 0, "the test extra leaked into a plain install"

    out = tmp_path / "out"
    _run(venv / "bin" / "govaudit", "demo", "--no-browser", "--as-of", "2026-11-27", "--db",
         f"sqlite:///{tmp_path / 'demo.db'}", "--out", out, cwd=tmp_path)
    doc = json.loads((out / "4213000001" / "findings.json").read_text(encoding="utf-8"))
    assert doc["run"]["state"] == "complete" and doc["findings"]
    assert (out / "summary.xlsx").stat().st_size > 0 and (out / "4213000001" / "report.html").is_file()
    # the module entry point and the contract's alias work from the installed package too
    _run(venv / "bin" / "python", "-m", "govaudit", "--help", cwd=tmp_path, timeout=60)
    _run(venv / "bin" / "python", "-m", "crawler", "--help", cwd=tmp_path, timeout=60)
