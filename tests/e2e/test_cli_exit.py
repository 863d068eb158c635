"""What the CLI does at interpreter exit (govaudit/cli/__init__.py `_at_exit`): pooled database connections
closed, then the heap frozen so the interpreter's last collections do not walk it."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
ENV = {**os.environ, "PYTHONPATH": str(ROOT)}


def test_heap_frozen_at_exit() -> None:
    # registered before govaudit.cli is imported, this exit handler runs after the CLI's
    probe = ("import atexit, gc; atexit.register(lambda: print('frozen', gc.get_freeze_count() > 0)); "
             "import govaudit.cli")
    res = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, env=ENV, capture_output=True, text=True,
                         check=True)
    assert res.stdout.strip() == "frozen True"


def test_sqlite_wal_checkpointed_at_exit(tmp_path: Path) -> None:
    """The frozen heap is never collected, so the connections are closed explicitly: SQLite's last close
    checkpoints the WAL into the database file and removes -wal and -shm."""
    db = tmp_path / "govaudit.db"
    res = subprocess.run([sys.executable, "-m", "govaudit", "report", "--run", "1", "--db", f"sqlite:///{db}",
                          "--out", str(tmp_path / "out")], cwd=ROOT, env=ENV, capture_output=True, text=True)
    assert res.returncode == 2, res.stderr  # the schema was created, then: no such run
    assert db.is_file()
    assert not Path(f"{db}-wal").exists() and not Path(f"{db}-shm").exists()
