"""Run parsers and converters of untrusted files in a contained child process.

A site's files (PDF, Word, WPS, OFD, spreadsheets, images) are the least trusted input an audit
reads: a crafted or merely broken file can loop, eat memory or crash a parser. So none of them is
parsed inside the crawl. Two entry points, both returning an `Outcome` and never raising for what
the file does:

- `call("package.module:function", data, limits, **kwargs)` runs a Python function in a fresh
  interpreter (`python -m crawler.attachments.child call …`): `data` arrives on its stdin, the
  function's JSON-serialisable result comes back as `Outcome.value`.
- `run_tool([program, arg…], limits)` runs an external program (tesseract, soffice) the same way.

Both children get `RLIMIT_CPU`, `RLIMIT_AS`, `RLIMIT_FSIZE` and no core files before the code runs,
their own process group (killed as a whole on timeout, and after every run, so a forked helper such
as `soffice.bin` never outlives its conversion) and the parent-death signal (a killed audit leaves no
converter behind). What went wrong is a short `Outcome.reason` ("超时（120 秒）", "CPU 时间超限（60 秒）",
"内存超限（1024 MB）", "未安装 tesseract" …) that callers store as the fact's `not_measured` /
`unparsed` reason.
"""
from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

_ROOT = str(Path(__file__).resolve().parents[2])  # so the child imports this checkout's packages
MAX_STDOUT = 32 * 1024 * 1024  # a child's answer is text already capped by the converters


@dataclass(frozen=True)
class Limits:
    """What one child may use: CPU seconds, address space, wall time, bytes per written file, pages."""

    cpu_s: int = 60
    memory_mb: int = 1024
    wall_s: float = 120.0
    file_mb: int = 256
    pages: int = 30

    def scaled(self, **changes: Any) -> Limits:
        return replace(self, **changes)


@dataclass
class Outcome:
    ok: bool
    value: Any = None  # `call`: the function's result
    stdout: bytes = b""  # `run_tool`: what the program printed
    reason: str | None = None  # why not ok, short, Chinese first
    returncode: int | None = None
    elapsed_s: float = 0.0


def call(target: str, data: bytes, limits: Limits, **kwargs: Any) -> Outcome:
    """Run `target(data, **kwargs)` ("module:function") in a contained interpreter."""
    argv = [sys.executable, "-m", "crawler.attachments.child", "call", target, _limits_arg(limits),
            json.dumps(kwargs, ensure_ascii=False)]
    out = _run(argv, limits, data, None, None)
    if out.returncode not in (0, 2, 3):
        return out  # timed out, killed by a signal, or not started
    try:
        answer = json.loads(out.stdout.decode("utf-8") or "null")
    except (UnicodeDecodeError, json.JSONDecodeError):
        return Outcome(False, reason=out.reason or "子进程输出无法读取 / unreadable child output",
                       returncode=out.returncode, elapsed_s=out.elapsed_s)
    if out.returncode == 0:
        return Outcome(True, value=answer, returncode=0, elapsed_s=out.elapsed_s)
    reason = answer.get("error") if isinstance(answer, dict) else None
    return Outcome(False, reason=str(reason or out.reason)[:300], returncode=out.returncode, elapsed_s=out.elapsed_s)


def run_tool(argv: list[str], limits: Limits, *, stdin: bytes | None = None, cwd: str | None = None,
             env: dict[str, str] | None = None) -> Outcome:
    """Run an external program under `limits`; `ok` when it exits 0."""
    wrapped = [sys.executable, "-m", "crawler.attachments.child", "exec", _limits_arg(limits), "--", *argv]
    return _run(wrapped, limits, stdin, cwd, env)


def program(name: str) -> str | None:
    """A converter program's path: `GOVAUDIT_<NAME>` when set (empty = treat as not installed), else PATH."""
    env = os.environ.get(f"GOVAUDIT_{name.upper()}")
    if env is not None:
        return env or None
    return shutil.which(name)


def _limits_arg(limits: Limits) -> str:
    return json.dumps(asdict(limits))


def _run(argv: list[str], limits: Limits, stdin: bytes | None, cwd: str | None,
         env: dict[str, str] | None) -> Outcome:
    child_env = dict(os.environ if env is None else env)
    child_env["PYTHONPATH"] = os.pathsep.join(filter(None, [_ROOT, child_env.get("PYTHONPATH")]))
    child_env.setdefault("OMP_THREAD_LIMIT", "1")  # tesseract's OpenMP threads only fight over 2 cores
    started = time.monotonic()
    try:
        proc = subprocess.Popen(argv, stdin=subprocess.PIPE if stdin is not None else subprocess.DEVNULL,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=cwd, env=child_env,
                                start_new_session=True)
    except OSError as exc:
        return Outcome(False, reason=f"子进程无法启动：{exc}"[:300])
    try:
        out, err = proc.communicate(stdin, timeout=limits.wall_s)
    except subprocess.TimeoutExpired:
        _kill_group(proc.pid)
        proc.communicate()
        return Outcome(False, reason=f"超时（{limits.wall_s:g} 秒） / timed out", returncode=None,
                       elapsed_s=time.monotonic() - started)
    finally:
        _kill_group(proc.pid)  # helpers it forked (soffice.bin …) end with it
    elapsed = time.monotonic() - started
    code = proc.returncode
    if code == 0:
        return Outcome(True, stdout=out[:MAX_STDOUT], returncode=0, elapsed_s=elapsed)
    return Outcome(False, stdout=out[:MAX_STDOUT], reason=_why(code, err, limits), returncode=code,
                   elapsed_s=elapsed)


def _why(code: int, err: bytes, limits: Limits) -> str:
    tail = err.decode("utf-8", "replace").strip().splitlines()[-1:] or [""]
    if code == -signal.SIGXCPU:
        return f"CPU 时间超限（{limits.cpu_s} 秒） / CPU limit"
    if code == -signal.SIGXFSZ:
        return f"输出文件超限（{limits.file_mb} MB） / file size limit"
    if code < 0:
        name = signal.Signals(-code).name if -code in signal.Signals._value2member_map_ else str(-code)
        hint = "（可能超出内存上限 {limits.memory_mb} MB）".format(limits=limits) if -code in (
            signal.SIGSEGV, signal.SIGABRT, signal.SIGBUS) else ""
        return f"子进程被信号 {name} 终止{hint} / killed by {name}"
    if code == 127:
        return tail[0][:300] or "程序未安装 / program not found"
    if code == 3:
        return f"内存超限（{limits.memory_mb} MB） / memory limit"
    return f"退出码 {code}：{tail[0][:240]}"


def _kill_group(pid: int) -> None:
    try:
        os.killpg(pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
