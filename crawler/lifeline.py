"""Child processes of an audit end with it: a killed parent (`kill -9`, OOM) never tells its children."""
from __future__ import annotations

import os
import threading
import time

CHECK_EVERY_S = 0.5


def exit_with(parent_pid: int) -> None:
    """Start a watchdog thread that ends this process (`os._exit`) once `parent_pid` is no longer its
    parent; an open database transaction is rolled back by the server or SQLite's journal."""
    threading.Thread(target=_watch, args=(parent_pid,), name="parent-watchdog", daemon=True).start()


def _watch(parent_pid: int) -> None:
    while os.getppid() == parent_pid:
        time.sleep(CHECK_EVERY_S)
    os._exit(1)
