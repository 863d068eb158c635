"""Fact family `baselines`: the accepted state of each monitored page (sites.yaml `monitor:`), copied into
the run that is judged against it, so `check --run` later judges against the same baseline
(content.defacement; docs/supervision.md)."""
from __future__ import annotations

from datetime import datetime

from storage.facts.table import fact_table


@fact_table("monitor_baseline_fact", model="MonitorBaselineFactRow", family="baselines", snapshot="baselines",
            unique=("url",))
class BaselineFact:
    """What a monitored page showed when a person (or the first complete run) accepted it."""

    url: str  # the monitored page (canonical, as in page.url)
    title: str | None = None
    text: str | None = None  # visible text, capped as page.text
    script_hosts: tuple[str, ...] = ()  # hosts of <script src> outside the site
    iframe_hosts: tuple[str, ...] = ()  # hosts of <iframe src>/<frame src> outside the site
    redirect_host: str | None = None  # the outside host the page sent visitors to, when it did
    source_run_id: int | None = None  # the run whose page became the baseline
    accepted_at: datetime | None = None
    accepted_by: str | None = None  # "auto" for the first complete run, else the person
