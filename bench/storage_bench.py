"""Database bytes of a first and a second (unchanged) nightly run of one generated site, per table.

    .venv/bin/python bench/storage_bench.py [--pages 5000] [--db sqlite|postgres|both]

Runs `govaudit audit --no-browser` twice on the same site and database and prints, per table, the bytes
the first run added and those the second added (SQLite: the dbstat table; PostgreSQL:
pg_total_relation_size, indexes included), and the second run's growth as a share of the first's.
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine, text  # noqa: E402

from bench.queue_fixtures import Sites, env  # noqa: E402

PG_ADMIN = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def table_bytes(url: str) -> dict[str, int]:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            if url.startswith("sqlite"):
                rows = conn.execute(text("SELECT name, SUM(pgsize) FROM dbstat GROUP BY name")).all()
                # indexes count with their table: sqlite_autoindex_<table>_N, ix_<table>_…
                return {name: int(size) for name, size in rows}
            rows = conn.execute(text("SELECT relname, pg_total_relation_size(c.oid) FROM pg_class c "
                                     "JOIN pg_namespace n ON n.oid = c.relnamespace "
                                     "WHERE n.nspname = 'public' AND c.relkind = 'r'")).all()
            return {name: int(size) for name, size in rows}
    finally:
        engine.dispose()


def audit(sites: Sites, url: str, out: Path, max_pages: int) -> None:
    import subprocess

    r = subprocess.run([sys.executable, "-m", "govaudit", "audit", "--sites", str(sites.yaml), "--db", url,
                        "--out", str(out), "--no-browser", "--max-pages", str(max_pages), "--as-of", "2026-12-01"],
                       cwd=ROOT, env=env(), capture_output=True, text=True)
    if r.returncode not in (0,):
        raise SystemExit(f"audit exited {r.returncode}: {r.stderr[-2000:]}")


def measure(sites: Sites, url: str, tmp: Path, max_pages: int) -> tuple[dict[str, int], dict[str, int]]:
    """Bytes per table added by the first run and by the second."""
    base = table_bytes(url) if not url.startswith("sqlite") else {}
    audit(sites, url, tmp / "out1", max_pages)
    first = table_bytes(url)
    audit(sites, url, tmp / "out2", max_pages)
    second = table_bytes(url)
    names = sorted(set(first) | set(second))
    return ({n: first.get(n, 0) - base.get(n, 0) for n in names},
            {n: second.get(n, 0) - first.get(n, 0) for n in names})


def report(label: str, one: dict[str, int], two: dict[str, int], pages: int) -> float:
    total1, total2 = sum(one.values()), sum(two.values())
    print(f"\n{label}: first run {total1 / 1e6:.2f} MB ({total1 / pages:.0f} B/page), "
          f"second run +{total2 / 1e6:.2f} MB ({total2 / pages:.0f} B/page) = {100 * total2 / total1:.1f}% of the first")
    for name in sorted(one, key=lambda n: -one[n])[:12]:
        if one[name] or two[name]:
            print(f"  {name:<40} {one[name] / 1e3:>10.0f} kB  +{two[name] / 1e3:>9.0f} kB")
    return total2 / total1


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pages", type=int, default=5000)
    ap.add_argument("--db", choices=("sqlite", "postgres", "both"), default="both")
    args = ap.parse_args(argv)
    tmp = Path(tempfile.mkdtemp(prefix="govaudit-storage-"))
    sites = Sites(tmp, 1, args.pages, missing=50, links_per_page=30)
    try:
        if args.db in ("sqlite", "both"):
            one, two = measure(sites, f"sqlite:///{tmp}/bench.db", tmp / "s", args.pages + 1000)
            report("SQLite", one, two, args.pages)
        if args.db in ("postgres", "both"):
            name = f"govaudit_sbench_{uuid.uuid4().hex[:8]}"
            admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
            with admin.connect() as conn:
                conn.execute(text(f'CREATE DATABASE "{name}"'))
            url = PG_ADMIN.rsplit("/", 1)[0] + f"/{name}"
            try:
                one, two = measure(sites, url, tmp / "p", args.pages + 1000)
                report("PostgreSQL", one, two, args.pages)
            finally:
                with admin.connect() as conn:
                    conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
                admin.dispose()
    finally:
        sites.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
