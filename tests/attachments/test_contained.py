"""The contained child: limits hold, what went wrong is a reason, nothing raises into the caller."""
from __future__ import annotations

import os
import sys
import time
from pathlib import Path

from crawler.attachments.contained import Limits, call, run_tool

SMALL = Limits(cpu_s=2, memory_mb=256, wall_s=10)


def test_a_function_runs_in_a_child_and_answers_json() -> None:
    out = call("json:loads", b'{"a": [1, 2]}', SMALL)
    assert out.ok and out.value == {"a": [1, 2]} and out.returncode == 0


def test_a_broken_input_is_a_reason_not_an_exception() -> None:
    out = call("json:loads", b"{not json", SMALL)
    assert not out.ok and out.returncode == 2 and out.reason.startswith("JSONDecodeError")


def test_cpu_limit() -> None:
    out = run_tool([sys.executable, "-c", "while True: pass"], SMALL)
    assert not out.ok and "CPU 时间超限（2 秒）" in out.reason


def test_wall_limit_kills_the_whole_process_group(tmp_path) -> None:
    # the child forks a grandchild that would outlive it; both end with the timeout
    pidfile = tmp_path / "grandchild"
    script = (f"import os, time\nif os.fork() == 0:\n    open({str(pidfile)!r}, 'w').write(str(os.getpid()))\n"
              "    time.sleep(60)\nelse:\n    time.sleep(60)")
    out = run_tool([sys.executable, "-c", script], SMALL.scaled(wall_s=1.5))
    assert not out.ok and out.reason.startswith("超时（1.5 秒）")
    assert not _alive(int(pidfile.read_text()))


def _alive(pid: int) -> bool:
    for _ in range(40):
        try:
            state = Path(f"/proc/{pid}/status").read_text()
        except OSError:
            return False
        if "State:\tZ" in state:
            return False
        time.sleep(0.05)
    return True


def test_memory_limit() -> None:
    out = call("tests.attachments.test_contained:_allocate", b"", SMALL.scaled(memory_mb=200))
    assert not out.ok and out.returncode == 3 and "内存超限（200 MB）" in out.reason


def _allocate(data: bytes) -> int:
    return len(bytearray(400 * 1024 * 1024))


def test_file_size_limit() -> None:
    out = call("tests.attachments.test_contained:_write_big", b"", SMALL.scaled(file_mb=1))
    assert not out.ok and ("输出文件超限" in out.reason or "File too large" in out.reason)


def _write_big(data: bytes) -> None:
    import tempfile

    with tempfile.TemporaryFile() as f:
        f.write(b"x" * (4 * 1024 * 1024))
        f.flush()
        os.fsync(f.fileno())


def test_a_program_not_installed() -> None:
    out = run_tool(["govaudit-no-such-program"], SMALL)
    assert not out.ok and out.returncode == 127 and "govaudit-no-such-program" in out.reason
