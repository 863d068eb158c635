"""The spine's items: fetched URLs and their links (no verdicts); the `Record` suffix keeps them apart from
storage models. Every other fact the crawl yields is a `storage.facts.FactRow` of a declared fact table."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import NamedTuple


class LinkRecord(NamedTuple):
    """An outgoing reference of a page (a tuple: a page has dozens, a crawl hundreds of thousands)."""

    target: str
    tag: str = "a"
    text: str | None = None


@dataclass
class PageRecord:
    """One fetched URL: a crawled page (with its links and HTML) or a link target only checked."""

    run_id: int
    url: str
    crawled: bool
    method: str = "GET"
    final_url: str | None = None
    status: int | None = None
    error: str | None = None
    error_detail: str | None = None
    redirects: list = field(default_factory=list)
    content_type: str | None = None
    charset: str | None = None
    size: int | None = None
    elapsed_ms: float | None = None
    content_hash: str | None = None
    title: str | None = None
    text: str | None = None
    depth: int | None = None
    rendered: bool = False
    render_reason: str | None = None
    flags: list = field(default_factory=list)
    etag: str | None = None  # validators of the response (ETag, Last-Modified): the next audit asks conditionally
    last_modified: str | None = None
    html: str | None = None
    links: list[LinkRecord] = field(default_factory=list)
