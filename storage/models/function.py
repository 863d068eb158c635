"""Facts gathered after the crawl about what a site offers: search, mobile render, axe, host/IPv6/CMS."""
from __future__ import annotations

from sqlalchemy import Boolean, Float, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from storage.base import Base


class SearchProbe(Base):
    """One query of the site search: the title asked for, where the results were, whether it was listed."""

    __tablename__ = "search_probe"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("run.id", ondelete="CASCADE"), index=True)
    # found | no_search | not_found | error | needs_browser | no_query | blocked
    outcome: Mapped[str] = mapped_column(String(32))
    query: Mapped[str | None] = mapped_column(Text)
    query_source: Mapped[str | None] = mapped_column(Text)  # the article whose title was asked for
    form_page: Mapped[str | None] = mapped_column(Text)  # the page that carries the search box
    form_action: Mapped[str | None] = mapped_column(Text)
    results_url: Mapped[str | None] = mapped_column(Text)
    status: Mapped[int | None] = mapped_column(Integer)
    via: Mapped[str | None] = mapped_column(String(16))  # http | browser
    error: Mapped[str | None] = mapped_column(Text)
    shared: Mapped[bool] = mapped_column(Boolean, default=False)  # the platform's shared search endpoint
    screenshot: Mapped[str | None] = mapped_column(Text)


class MobileRender(Base):
    """A render of a page at phone size (375×812): viewport meta, overflow, text size."""

    __tablename__ = "mobile_render"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("run.id", ondelete="CASCADE"), index=True)
    url: Mapped[str] = mapped_column(Text)
    viewport_meta: Mapped[str | None] = mapped_column(Text)
    viewport_width: Mapped[int | None] = mapped_column(Integer)
    scroll_width: Mapped[int | None] = mapped_column(Integer)
    min_font_px: Mapped[float | None] = mapped_column(Float)  # smallest font size of visible text
    text_sizes: Mapped[dict] = mapped_column(default=dict)  # rendered font size (px, 0.5 steps) → visible characters
    error: Mapped[str | None] = mapped_column(Text)
    screenshot: Mapped[str | None] = mapped_column(Text)


class AxeResult(Base):
    """axe-core's violations on one page (rule id, impact, help, WCAG tags, a few node targets)."""

    __tablename__ = "axe_result"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("run.id", ondelete="CASCADE"), index=True)
    url: Mapped[str] = mapped_column(Text)
    axe_version: Mapped[str | None] = mapped_column(String(32))
    violations: Mapped[list] = mapped_column(default=list)
    error: Mapped[str | None] = mapped_column(Text)
    screenshot: Mapped[str | None] = mapped_column(Text)


class HostFact(Base):
    """The homepage host: AAAA records, a fetch over IPv6, CMS fingerprints, the 集约化 platform match."""

    __tablename__ = "host_fact"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("run.id", ondelete="CASCADE"), index=True)
    host: Mapped[str] = mapped_column(Text)
    aaaa: Mapped[list] = mapped_column(default=list)
    cnames: Mapped[list] = mapped_column(default=list)
    dns_error: Mapped[str | None] = mapped_column(Text)  # nxdomain | no_answer | timeout | …
    ipv6_route: Mapped[bool | None] = mapped_column(Boolean)  # the auditing machine can reach IPv6 at all
    ipv6_address: Mapped[str | None] = mapped_column(Text)
    ipv6_status: Mapped[int | None] = mapped_column(Integer)
    ipv6_error: Mapped[str | None] = mapped_column(Text)
    cms: Mapped[list] = mapped_column(default=list)  # [{name, evidence}]
    platform: Mapped[dict] = mapped_column(default=dict)  # {name, matched: [...], on_platform, shared_search}
