"""Run `govaudit …` in this process and report peak RSS per pipeline step (bench/memory_bench.py's child).

Each step's peak is the kernel's VmHWM after the step, reset before it (/proc/self/clear_refs "5").
Lines `MEMSTEP <step> <peak kB> <rss after kB> <seconds>` go to stderr. With GOVAUDIT_TRACEMALLOC=N the
N largest allocation sites still alive after each step are printed too (slow: profiling only).
"""
from __future__ import annotations

import os
import re
import sys
import time
from pathlib import Path


def _status(key: str) -> int:
    m = re.search(rf"{key}:\s+(\d+)", Path("/proc/self/status").read_text())
    return int(m.group(1)) if m else 0


def _reset_hwm() -> None:
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        pass


def _report(name: str, top: int) -> None:
    import tracemalloc

    current, peak = tracemalloc.get_traced_memory()
    print(f"TRACEMALLOC {name} current {current >> 20} MB peak {peak >> 20} MB", file=sys.stderr)
    tracemalloc.reset_peak()
    for stat in tracemalloc.take_snapshot().statistics("traceback")[:top]:
        print(f"  {stat.size >> 10:>8} kB {stat.count:>8} {stat.traceback.format()[-1].strip()}", file=sys.stderr)
        for line in stat.traceback.format()[:-1][-6:]:
            print(f"        {line.strip()}", file=sys.stderr)
    sys.stderr.flush()


def main() -> None:
    top = int(os.environ.get("GOVAUDIT_TRACEMALLOC") or 0)
    if top:
        import tracemalloc

        tracemalloc.start(int(os.environ.get("GOVAUDIT_TRACEMALLOC_FRAMES") or 1))
    at = float(os.environ.get("GOVAUDIT_TRACEMALLOC_AT") or 0)
    if top and at:  # also the live allocations `at` seconds in (mid-crawl: queues and per-URL sets at their largest)
        import threading

        def later() -> None:
            time.sleep(at)
            _report(f"t+{at:.0f}s", top)

        threading.Thread(target=later, daemon=True).start()
    from govaudit import pipeline

    def wrap(name, step):  # noqa: ANN001, ANN202
        def run(audit):  # noqa: ANN001, ANN202
            _reset_hwm()
            started = time.perf_counter()
            step(audit)
            took = time.perf_counter() - started
            print(f"MEMSTEP {name} {_status('VmHWM')} {_status('VmRSS')} {took:.2f}", file=sys.stderr, flush=True)
            if top:
                _report(name, top)
        return run

    pipeline.STEPS[:] = [(name, wrap(name, step)) for name, step in pipeline.STEPS]
    import runpy

    sys.argv = ["govaudit", *sys.argv[1:]]
    runpy.run_module("govaudit", run_name="__main__", alter_sys=True)


if __name__ == "__main__":
    main()
