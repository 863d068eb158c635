"""Declarative base whose constraint names are stable across migrations."""
from __future__ import annotations

import hashlib
from datetime import datetime, timezone

from sqlalchemy import JSON, MetaData
from sqlalchemy.orm import DeclarativeBase

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {dict: JSON, list: JSON}


def text_hash(value: str) -> str:
    """SHA-256 hex of a text: what keys a unique row whose text may exceed a btree index entry (about
    2,700 bytes on PostgreSQL) — a crawled URL, a finding's subject."""
    return hashlib.sha256(value.encode("utf-8", "surrogatepass")).hexdigest()


def hash_of(column: str):  # noqa: ANN201 - a column default
    """A column default: `text_hash()` of another column of the inserted row."""
    def default(context) -> str | None:  # noqa: ANN001 - an insert's execution context
        value = context.get_current_parameters().get(column)
        return None if value is None else text_hash(value)

    return default


def utcnow() -> datetime:
    """Timezone-aware now, for bookkeeping columns (never used by rules)."""
    return datetime.now(timezone.utc)
