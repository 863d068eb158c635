"""The spine's facts: the site as registered, each fetched URL, and the links of crawled pages."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import NamedTuple

TEXT_CAP = 20000  # characters of visible text kept in Page.text and PageVariant.text


@dataclass(frozen=True)
class SiteFact:
    id: str
    name: str
    url: str
    kind: str = "portal"
    unit: str | None = None
    config: dict = field(default_factory=dict)


@dataclass(frozen=True)
class PageFact:
    """What a fetch of one URL showed (status or error class, timing, text)."""

    url: str
    status: int | None = 200
    final_url: str | None = None
    crawled: bool = True
    error: str | None = None
    error_detail: str | None = None
    redirects: tuple = ()
    content_type: str | None = "text/html"
    charset: str | None = None
    size: int | None = None
    elapsed_ms: float | None = None
    title: str | None = None
    text: str | None = None
    depth: int | None = None
    rendered: bool = False
    render_reason: str | None = None
    method: str = "GET"
    flags: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return self.error is None and self.status is not None and self.status < 400

    @property
    def is_html(self) -> bool:
        return bool(self.content_type) and "html" in self.content_type.lower()

    @property
    def complete_text(self) -> str | None:
        """The stored visible text when it is all of it (not capped, not missing), else None: a rule may
        skip a page whose complete text lacks what it looks for without loading the HTML. None as well when
        the crawler's parse was cut (flag `parse_truncated`): the text lacks what followed the cut."""
        if "parse_truncated" in self.flags:
            return None
        return self.text if self.text and len(self.text) < TEXT_CAP else None


class LinkFact(NamedTuple):
    """An outgoing reference of a crawled page (a tuple: a large site has ~150,000 of them)."""

    source: str
    target: str
    tag: str = "a"
    text: str | None = None
