"""Issue 17's storage acceptance: a second nightly run of an unchanged site grows the database by at most
5% of the first run's bytes (SQLite and PostgreSQL) — the incremental run points at its base run's pages
and links (storage/crawlset.py) — and finds what the first found. bench/storage_bench.py measures 5,000 pages."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from bench.queue_fixtures import Sites
from bench.storage_bench import measure

PAGES = 600
GROWTH = 0.05


def _findings(out: Path) -> list[tuple]:
    doc = json.loads((out / "site00" / "findings.json").read_text(encoding="utf-8"))
    return sorted((f["rule"], f["subject"]) for f in doc["findings"])


@pytest.mark.slow
def test_an_unchanged_night_adds_at_most_five_percent(db_url: str, tmp_path: Path) -> None:
    sites = Sites(tmp_path, 1, PAGES, missing=20, links_per_page=30)
    try:
        first, second = measure(sites, db_url, tmp_path, PAGES + 500)
    finally:
        sites.stop()
    one, two = sum(first.values()), sum(second.values())
    assert one > 1_000_000  # the first run stored the site (pages, links, bodies)
    assert two <= GROWTH * one, f"second run +{two} B = {100 * two / one:.1f}% of {one} B: " \
        + ", ".join(f"{n} +{b}" for n, b in sorted(second.items(), key=lambda kv: -kv[1])[:6])
    found = _findings(tmp_path / "out1")
    broken = {s for r, s in found if r == "link.broken"}
    assert broken >= sites.missing["site00"]  # every planted dead link …
    assert _findings(tmp_path / "out2") == found  # … and the same findings the second night
