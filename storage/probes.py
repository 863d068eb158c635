"""Facts of availability probes and their queries (read by storage/snapshot.py and the CLI)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.models import Probe
from storage.vocabulary import BEIJING


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



def _aware(dt: datetime) -> datetime:
    # SQLite hands back naive datetimes; they were stored in UTC.
    return dt if dt.tzinfo else dt.replace(tzinfo=timezone.utc)


def store_probes(db_url: str, sites: list[dict], samples: list[dict]) -> None:
    """Register the sites (if new) and write one round of samples (`probe` rows) in one short transaction,
    tried again while the database is busy (another process's write: the round is never lost to it)."""
    from storage.models import Site
    from storage.session import retry_busy, session_scope

    def write() -> None:
        with session_scope(db_url) as session:
            for site in sites:
                if session.get(Site, site["id"]) is None:
                    session.add(Site(**site))
            session.flush()
            session.add_all(Probe(**sample) for sample in samples)

    retry_busy(write, what="storing a probe round")
