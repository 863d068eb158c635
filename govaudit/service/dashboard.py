"""The dashboard (placeholder until the pages land)."""
from __future__ import annotations

from fastapi import APIRouter


def router(db_url, out, *, secure_cookies=True, login_limit=(5, 300.0)) -> APIRouter:  # noqa: ANN001
    return APIRouter(include_in_schema=False)
