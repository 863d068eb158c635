"""Distributed audits: sites/hour with 1 worker and with 2 (separate processes, one queue, one PostgreSQL).

    .venv/bin/python bench/queue_bench.py [--sites 8] [--pages 2000] [--pg postgresql+psycopg://…/test]

Each worker runs one site at a time (`--concurrency 1`) — one crawl process and its writer process;
the fixture sites are served from this process (threads). Prints both walls and the ratio.
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine, text  # noqa: E402

from bench.queue_fixtures import Sites, queue_url, start_audit, start_worker, stop  # noqa: E402


def _database(admin_url: str) -> str:
    name = f"govaudit_qbench_{uuid.uuid4().hex[:8]}"
    engine = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    return admin_url.rsplit("/", 1)[0] + f"/{name}"


def _drop(admin_url: str, url: str) -> None:
    engine = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[1]}" WITH (FORCE)'))
    engine.dispose()


def round_(sites: Sites, workers: int, admin_url: str, tmp: Path, redis: str) -> float:
    db = _database(admin_url)
    url = queue_url(redis_url=redis)
    procs = [start_worker(url, db, tmp, f"w{workers}-{i}", extra_env={"GOVAUDIT_CRAWL_WORKERS": "1"})
             for i in range(workers)]
    try:
        time.sleep(2)  # the workers are up and polling before the clock starts
        t0 = time.perf_counter()
        audit = start_audit(sites.yaml, url, db, tmp / f"out{workers}")
        out, err = audit.communicate()
        wall = time.perf_counter() - t0
        if audit.returncode != 0:
            raise SystemExit(f"audit with {workers} worker(s) exited {audit.returncode}: {err[-2000:]}")
        return wall
    finally:
        for p in procs:
            stop(p)
        _drop(admin_url, db)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sites", type=int, default=8)
    ap.add_argument("--pages", type=int, default=2000)
    ap.add_argument("--pg", default="postgresql+psycopg://postgres@127.0.0.1:5432/test")
    ap.add_argument("--redis", default="redis://127.0.0.1:6379/15")
    args = ap.parse_args(argv)
    tmp = Path(tempfile.mkdtemp(prefix="govaudit-qbench-"))
    sites = Sites(tmp, args.sites, args.pages, missing=20, links_per_page=30)
    try:
        walls = {n: round_(sites, n, args.pg, tmp, args.redis) for n in (1, 2)}
    finally:
        sites.stop()
    for n, wall in walls.items():
        print(f"{n} worker(s): {args.sites} sites x {args.pages} pages in {wall:.1f} s = "
              f"{args.sites * 3600 / wall:.0f} sites/hour")
    print(f"ratio 2 workers / 1 worker: {walls[1] / walls[2]:.2f}x (logs in {tmp})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
