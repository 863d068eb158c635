"""Judge one stored run and print CPU seconds, peak RSS and a digest of the results (for before/after).

Run: ``PYTHONPATH=CHECKOUT .venv/bin/python bench/judge_memory.py sqlite:///…/bench.db [--run 1]`` once with
each checkout (e.g. /work/main and this one) on the same database (``bench/memory_bench.py --keep`` leaves
one): equal digests mean equal rule results (status, reason, every finding's subject, page, message and
evidence). Nothing is written.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import re
import time
from pathlib import Path


def _kb(key: str) -> int:
    return int(re.search(rf"{key}:\s+(\d+)", Path("/proc/self/status").read_text())[1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("db")
    ap.add_argument("--run", type=int, default=1)
    ap.add_argument("--scheme", default="national-2019")
    args = ap.parse_args()
    from reports.judge import judge_stored
    from reports.scheme import load_scheme
    from storage.session import session_scope

    scheme = load_scheme(args.scheme)
    Path("/proc/self/clear_refs").write_text("5")  # VmHWM from here on
    before = _kb("VmRSS")
    started = time.process_time()
    with session_scope(args.db) as session:
        judged = judge_stored(session, args.run, scheme)
    cpu = time.process_time() - started
    results = [(rule, str(r.status), r.reason, [(f.subject, f.page, f.message, f.evidence) for f in r.findings])
               for rule, r in sorted(judged.results.items())]
    digest = hashlib.sha256(json.dumps(results, ensure_ascii=False, sort_keys=True, default=str).encode()).hexdigest()
    findings = sum(len(r.findings) for r in judged.results.values())
    import govaudit

    print(f"{Path(govaudit.__file__).parents[1]}: judge {cpu:.1f} s CPU, peak RSS {_kb('VmHWM') / 1024:.0f} MB "
          f"(before {before / 1024:.0f} MB), {findings} findings, results digest {digest[:16]}")


if __name__ == "__main__":
    main()
