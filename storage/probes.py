"""Facts of availability probes and TLS checks, and their queries (read by storage/snapshot.py and the CLI)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.models import Probe, TlsCheck

# 监测 days are Beijing calendar days: the sites, their operators and the 监测时间点 all live in UTC+8.
BEIJING = timezone(timedelta(hours=8), "CST")


@dataclass(frozen=True)
class ProbeFact:
    """One availability sample of the homepage (see storage.models.Probe)."""

    started_at: datetime
    status: int | None = 200
    error: str | None = None
    error_detail: str | None = None
    total_ms: float | None = None
    first_byte_ms: float | None = None
    url: str | None = None
    final_url: str | None = None
    timeout_s: float = 30.0
    flags: tuple[str, ...] = ()

    @property
    def local_time(self) -> datetime:
        """When the sample was taken, in Beijing time."""
        at = self.started_at if self.started_at.tzinfo else self.started_at.replace(tzinfo=timezone.utc)
        return at.astimezone(BEIJING)


@dataclass(frozen=True)
class TlsFact:
    """What the homepage host showed over HTTPS at audit time (see storage.models.TlsCheck)."""

    host: str
    https_url: str
    handshake_ok: bool = False
    https_status: int | None = None
    error: str | None = None
    error_detail: str | None = None
    cert_verified: bool | None = None
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
    http_error: str | None = None


def window_bounds(as_of: date, days: int) -> tuple[datetime, datetime]:
    """The `days` Beijing calendar days ending with `as_of`, as an aware [start, end) interval."""
    end = datetime.combine(as_of + timedelta(days=1), time(0), BEIJING)
    return end - timedelta(days=days), end


def load_probes(session: Session, site_id: str, start: datetime, end: datetime) -> list[ProbeFact]:
    """The site's probes taken in [start, end), oldest first."""
    # Bounds in UTC: SQLite stores the UTC wall time without a zone and compares as text.
    start, end = start.astimezone(timezone.utc), end.astimezone(timezone.utc)
    rows = session.scalars(
        select(Probe).where(Probe.site_id == site_id, Probe.started_at >= start, Probe.started_at < end)
        .order_by(Probe.started_at, Probe.id)
    )
    return [ProbeFact(started_at=_aware(p.started_at), status=p.status, error=p.error, error_detail=p.error_detail,
                      total_ms=p.total_ms, first_byte_ms=p.first_byte_ms, url=p.url, final_url=p.final_url,
                      timeout_s=p.timeout_s, flags=tuple(p.flags or ())) for p in rows]


def load_tls(session: Session, run_id: int) -> list[TlsFact]:
    """The TLS checks a run gathered (one per homepage host)."""
    rows = session.scalars(select(TlsCheck).where(TlsCheck.run_id == run_id).order_by(TlsCheck.id))
    return [TlsFact(host=t.host, https_url=t.https_url, handshake_ok=t.handshake_ok, https_status=t.https_status,
                    error=t.error, error_detail=t.error_detail, cert_verified=t.cert_verified,
                    verify_error=t.verify_error, host_match=t.host_match, cert_subject=t.cert_subject,
                    cert_issuer=t.cert_issuer, cert_names=tuple(t.cert_names or ()), not_before=t.not_before,
                    not_after=t.not_after, self_signed=t.self_signed, http_url=t.http_url,
                    http_status=t.http_status, http_final_url=t.http_final_url, http_error=t.http_error)
            for t in rows]


def _aware(dt: datetime) -> datetime:
    # SQLite hands back naive datetimes; they were stored in UTC.
    return dt if dt.tzinfo else dt.replace(tzinfo=timezone.utc)

