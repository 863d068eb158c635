"""`govaudit` commands that do not crawl, run in this process (a child process per call costs seconds)."""
from __future__ import annotations

import sys
from dataclasses import dataclass

import pytest


@dataclass
class Result:
    returncode: int
    stdout: str
    stderr: str

    @property
    def output(self) -> str:
        """stdout and stderr with the console's line wrapping undone."""
        return " ".join((self.stdout + "\n" + self.stderr).split())


@pytest.fixture
def govaudit(capsys, monkeypatch):  # noqa: ANN001, ANN201
    """Run `govaudit ARGS…` through its real entry point (exit codes included) and capture what it prints."""
    from govaudit.cli import main

    def run(*args: str) -> Result:
        capsys.readouterr()
        monkeypatch.setattr(sys, "argv", ["govaudit", *args])
        code = 0
        try:
            main()
        except SystemExit as exc:
            code = int(exc.code or 0)
        out = capsys.readouterr()
        return Result(code, out.out, out.err)

    return run
