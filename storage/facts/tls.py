"""Fact family `tls`: what the homepage host showed over HTTPS at audit time (security.no_https)."""
from __future__ import annotations

from datetime import date
from typing import Annotated

from sqlalchemy import String

from storage.facts.table import fact_table


@fact_table("tls_check", model="TlsCheck", family="tls", snapshot="tls")
class TlsFact:
    """The homepage host over HTTPS: handshake, certificate, and whether plain HTTP redirects to HTTPS."""

    host: str
    https_url: str
    handshake_ok: bool = False
    https_status: int | None = None
    error: Annotated[str | None, String(32)] = None  # dns | connect | tls | timeout | reset | protocol
    error_detail: str | None = None
    cert_verified: bool | None = None  # chain and host name accepted by the system CAs
    verify_error: str | None = None
    host_match: bool | None = None
    cert_subject: str | None = None
    cert_issuer: str | None = None
    cert_names: tuple[str, ...] = ()
    not_before: date | None = None
    not_after: date | None = None
    self_signed: bool | None = None
    http_url: str | None = None
    http_status: int | None = None
    http_final_url: str | None = None
    http_error: Annotated[str | None, String(32)] = None
