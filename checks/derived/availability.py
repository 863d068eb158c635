"""Availability samples read the scheme's way: which probe failed, and the history per Beijing day."""
from __future__ import annotations

import statistics
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta

from storage.probes import ProbeFact
from storage.vocabulary import WALL_STATUSES


# Probe error classes that say nothing about the site (crawler.gatherers.probe): not samples.
UNMEASURED_ERRORS = frozenset({"refused_private", "other"})


def walled(p: ProbeFact) -> bool:
    """An anti-bot wall answered quickly: the server is up, a person's browser passes the challenge."""
    return "js_challenge" in p.flags and (p.status in WALL_STATUSES or p.status == 200)


def measured(p: ProbeFact, timeout_s: float) -> bool:
    """False for a sample that cannot say "not open after 15 s": it gave up before the scheme's limit,
    or every site of its round failed at the network level, or the round's canaries failed too (the
    monitor's own network was down), or it was redirected into a private address it may not follow, or the
    probe broke on its own side (class `other`: an exception of ours or of the monitoring machine — not a
    site that failed to open; counting it made a monitor's defect an availability failure)."""
    if "all_sites_failed" in p.flags or "monitor_offline" in p.flags or p.error in UNMEASURED_ERRORS:
        return False
    return not (p.error == "timeout" and p.timeout_s < timeout_s and (p.total_ms or 0) < timeout_s * 1000)


def failure(p: ProbeFact, timeout_s: float) -> str | None:
    """Why the sample counts as "not open within timeout_s" (V2), or None when the homepage loaded."""
    if p.total_ms is not None and p.total_ms >= timeout_s * 1000:
        return "timeout"  # ≥ 15 s: 超过（含）15秒网站仍打不开
    if p.error:
        return p.error
    if walled(p):
        return None
    if p.status is None or p.status >= 400:
        return f"http_{p.status}"
    return None


@dataclass
class DaySummary:
    day: date
    probes: int = 0
    failures: int = 0
    walled: int = 0
    unmeasured: int = 0
    loads_ms: list[float] = field(default_factory=list)  # successful loads only
    errors: dict[str, int] = field(default_factory=dict)

    @property
    def ratio(self) -> float:
        return self.failures / self.probes if self.probes else 0.0

    @property
    def median_ms(self) -> float | None:
        return median(self.loads_ms)


def median(values: Iterable[float]) -> float | None:
    """The median, or None of no values."""
    xs = list(values)
    return statistics.median(xs) if xs else None


def window_days(as_of: date, days: int) -> list[date]:
    """The `days` Beijing calendar days ending with as_of, oldest first."""
    return [as_of - timedelta(days=n) for n in range(days - 1, -1, -1)]


def by_day(probes: Iterable[ProbeFact], timeout_s: float) -> dict[date, DaySummary]:
    """Probes (measured samples), failures and load times per Beijing calendar day, in day order."""
    days: dict[date, DaySummary] = {}
    for p in sorted(probes, key=lambda x: x.started_at):
        day = p.local_time.date()
        s = days.setdefault(day, DaySummary(day))
        if not measured(p, timeout_s):
            s.unmeasured += 1
            continue
        s.probes += 1
        why = failure(p, timeout_s)
        if why:
            s.failures += 1
            s.errors[why] = s.errors.get(why, 0) + 1
        else:
            if walled(p):
                s.walled += 1  # a wall's answer time is not the homepage's load time
            elif p.total_ms is not None:
                s.loads_ms.append(p.total_ms)
    return days
