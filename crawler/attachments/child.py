"""The contained child (`crawler.attachments.contained`): set the limits, then run the code.

    python -m crawler.attachments.child exec LIMITS -- program arg…   # exec a program under limits
    python -m crawler.attachments.child call module:function LIMITS KWARGS   # stdin → function → JSON

Exit codes of `call`: 0 with the JSON result on stdout; 2 with {"error": …} when the function
raised (a broken file); 3 with {"error": …} on MemoryError. `exec` exits 127 when the program is not
installed.
"""
from __future__ import annotations

import ctypes
import importlib
import json
import os
import resource
import signal
import sys

PR_SET_PDEATHSIG = 1


def _contain(limits: dict) -> None:
    cpu = int(limits["cpu_s"])
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 2))
    memory = int(limits["memory_mb"]) * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    size = int(limits["file_mb"]) * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_FSIZE, (size, size))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    try:  # die with the process that started us (survives exec); Linux only
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):
        pass


def _exec(limits: dict, argv: list[str]) -> None:
    _contain(limits)
    try:
        os.execvp(argv[0], argv)
    except OSError as exc:
        print(f"未安装或无法执行 {argv[0]}：{exc.strerror} / cannot run {argv[0]}", file=sys.stderr)
        sys.exit(127)


def _call(target: str, limits: dict, kwargs: dict) -> None:
    data = sys.stdin.buffer.read()  # read before the address-space limit bites
    _contain(limits)
    module, _, name = target.partition(":")
    try:
        result = getattr(importlib.import_module(module), name)(data, **kwargs)
    except MemoryError:
        sys.stdout.write(json.dumps({"error": f"内存超限（{limits['memory_mb']} MB） / memory limit"}))
        sys.exit(3)
    except Exception as exc:  # noqa: BLE001 - a broken file is the answer, not a crash of ours
        sys.stdout.write(json.dumps({"error": f"{type(exc).__name__}: {exc}"[:300]}, ensure_ascii=False))
        sys.exit(2)
    sys.stdout.write(json.dumps(result, ensure_ascii=False))


def main(argv: list[str]) -> None:
    mode = argv[0]
    if mode == "exec":
        limits = json.loads(argv[1])
        _exec(limits, argv[argv.index("--") + 1:])
    elif mode == "call":
        _call(argv[1], json.loads(argv[2]), json.loads(argv[3]))
    else:
        sys.exit(f"unknown mode {mode!r}")


if __name__ == "__main__":
    main(sys.argv[1:])
