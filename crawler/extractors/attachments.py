"""AttachmentExtractor: fetch the files a site's pages link (附件) and store their text (fact family `attachments`).

A link is an attachment when its path ends in a document or image format governments publish
(.pdf .doc .docx .wps .ofd .xlsx .jpg .png …) and it points into the site (its hosts, or a sub-domain
of its domain: attachments often live on a file host such as fj.example.gov.cn). Each file is
fetched once, read by `crawler.attachments.convert` in contained child processes off the event
loop, and stored with how it was read — or why it could not be. Links named like personal lists
(公示, 名单, 补贴 …: `crawler/extractors/attachments.yaml`) are fetched first; at most
`GOVAUDIT_ATTACHMENTS` files per site (default 100, 0 = off) are read, and the rest are counted in
`run.stats["attachments"]` (the extractor's `stats()`) so rules can say what was not read.
"""
from __future__ import annotations

import os
import re
from collections.abc import AsyncIterator, Iterator
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml
from scrapy import Request
from scrapy.http import Response
from twisted.python.failure import Failure

from crawler.attachments.convert import read_attachment_async
from crawler.extractors import Extractor, PageContext, SpiderPort
from storage.facts import FactRow
from storage.facts.attachments import AttachmentFact
from storage.vocabulary import canonical, host_of

DATA = Path(__file__).with_name("attachments.yaml")
MAX_STORED_TEXT = 200_000  # characters of an attachment's text kept in the database


@cache
def _data() -> tuple[tuple[str, ...], re.Pattern]:
    data = yaml.safe_load(DATA.read_text(encoding="utf-8"))
    return tuple(data["extensions"]), re.compile("|".join(map(re.escape, data["personal_list_words"])))


def limit() -> int:
    return int(os.environ.get("GOVAUDIT_ATTACHMENTS", "100"))


class AttachmentExtractor(Extractor):
    """Linked files → attachment facts with their text (see the module docstring)."""

    families = ("attachments",)

    def __init__(self, run_id: int, homepage: str, hosts: set[str], max_files: int | None = None) -> None:
        self.run_id = run_id
        self.hosts = hosts
        host = host_of(homepage)
        self.domain = host[4:] if host.startswith("www.") else host
        self.max_files = limit() if max_files is None else max_files
        self.requested: set[str] = set()
        self.skipped = 0  # attachments over the cap

    @classmethod
    def from_spider(cls, spider: SpiderPort) -> AttachmentExtractor:
        return cls(spider.run_id, spider.homepage, spider.site_hosts)

    def on_page(self, ctx: PageContext) -> Iterator[Request]:
        tree = ctx.parsed.tree
        if tree is None:
            return
        extensions, personal = _data()
        for a in tree.iter("a"):
            href = (a.get("href") or "").strip()
            if not href or href.startswith(("javascript:", "mailto:", "#")):
                continue
            url = canonical(href, ctx.final_url)
            if not url or url in self.requested or not self._in_site(url):
                continue
            if not urlsplit(url).path.lower().endswith(extensions):
                continue
            self.requested.add(url)
            if len(self.requested) > self.max_files:
                self.skipped += 1
                continue
            text = " ".join(a.text_content().split()) or (a.get("title") or "").strip()
            yield Request(url, callback=self._on_file, errback=self._on_error, dont_filter=True, priority=-40
                          if personal.search(text) else -60,
                          meta={"ga_role": "attachment", "ga_attachment": {"page": ctx.url, "text": text[:200]}})

    def _in_site(self, url: str) -> bool:
        host = host_of(url)
        return host in self.hosts or bool(self.domain) and "." in self.domain and host.endswith("." + self.domain)

    async def _on_file(self, response: Response) -> AsyncIterator[FactRow]:
        info = response.meta["ga_attachment"]
        if response.status >= 400:
            yield self._record(response.url, info, "other", "fetch_failed", detail=f"HTTP {response.status}")
            return
        ctype = response.headers.get(b"Content-Type", b"").decode("latin-1")
        read = await read_attachment_async(response.body, url=response.url, content_type=ctype)
        yield self._record(response.url, info, read.kind, read.status, method=read.method, pages=read.pages,
                           pages_read=read.pages_read, scan_pages=read.scan_pages, ocr_pages=read.ocr_pages,
                           ocr_conf=read.ocr_mean_conf, chars=len(read.text), text=read.text[:MAX_STORED_TEXT] or None,
                           detail=read.detail, elapsed_ms=round(read.elapsed_s * 1000, 1))

    def _on_error(self, failure: Failure) -> Iterator[FactRow]:
        request = failure.request
        yield self._record(request.url, request.meta["ga_attachment"], "other", "fetch_failed",
                           detail=f"无法下载：{failure.getErrorMessage()}"[:300])

    def _record(self, url: str, info: dict, kind: str, status: str, **kw: Any) -> FactRow:
        return FactRow(self.run_id, AttachmentFact(url=url, kind=kind, status=status, page_url=info["page"],
                                                   link_text=info["text"] or None, **kw))

    def stats(self) -> dict[str, Any]:
        """How many attachments were found, and how many were left unread (the cap)."""
        return {"attachments": {"found": len(self.requested), "skipped": self.skipped, "limit": self.max_files}}
