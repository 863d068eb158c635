"""Crawled values bounded on write (issue 21): whatever a site sends, storing it never fails the run.

A crawled string longer than its column (`String(n)`: a 162-character Content-Type in `varchar(128)`, a
350-character feed title as an account's `name`) is cut to the column with a final "…"; a value whose
cut form would mislead (an ETag or Last-Modified sent back to the server as a validator) is dropped
instead. NUL characters, which PostgreSQL text cannot hold, become U+FFFD. Unbounded `Text` columns keep
the full value (URLs, titles, visible text: what evidence quotes), and the URLs that key a row are unique
by their hash (storage/models/page.py `url_hash`), not by an index on the URL itself.
"""
from __future__ import annotations

from typing import Any

from sqlalchemy import String, Table

ELLIPSIS = "…"
DROP_IF_LONG = frozenset({"etag", "last_modified"})  # validators: a cut one would be wrong, none is harmless
_limits: dict[str, tuple[tuple[str, int | None], ...]] = {}


def _columns(table: Table) -> tuple[tuple[str, int | None], ...]:
    if table.name not in _limits:
        _limits[table.name] = tuple((c.name, getattr(c.type, "length", None)) for c in table.columns
                                    if isinstance(c.type, String))
    return _limits[table.name]


def bound_value(name: str, value: Any, length: int | None) -> Any:
    if not isinstance(value, str):
        return value
    if "\x00" in value:
        value = value.replace("\x00", "\ufffd")
    if length is not None and len(value) > length:
        return None if name in DROP_IF_LONG else value[:length - 1] + ELLIPSIS
    return value


def bound_row(table: Table, row: dict[str, Any]) -> dict[str, Any]:
    """The row with every string value fitting its column (a new dict only when something changed)."""
    out = row
    for name, length in _columns(table):
        value = row.get(name)
        fitted = bound_value(name, value, length)
        if fitted is not value:
            if out is row:
                out = dict(row)
            out[name] = fitted
    return out


def bound_rows(table: Table, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [bound_row(table, r) for r in rows]
