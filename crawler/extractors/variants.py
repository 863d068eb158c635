"""Cloaking gatherer: fetch the homepage and a few pages again as search-engine spiders and as a visitor
arriving from a search engine, and store what each variant showed (facts for content.cloaking).

These are variant fetches of URLs the crawl already fetched, so they bypass `spider.claim` (which
allows one fetch per URL) with `dont_filter` and keep their own bookkeeping of sampled pages.
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from typing import Any
from urllib.parse import quote

from scrapy import Request
from scrapy.http import Response, TextResponse
from twisted.python.failure import Failure

from crawler.errors import classify
from crawler.extractors import Extractor, PageContext, SpiderPort
from crawler.page import ATTACHMENT_EXT, CRAWL_TAGS
from storage.facts import FactRow
from storage.facts.content import PageVariantFact
from storage.facts.pages import TEXT_CAP
from storage.html import crawler_view

BROWSER_UA = ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
              "Chrome/124.0.0.0 Safari/537.36")
# (variant, User-Agent, Referer template): the spiders Chinese search engines send, and a browser
# arriving from a Baidu result page for the site's name.
VARIANTS: tuple[tuple[str, str, str | None], ...] = (
    ("baiduspider", "Mozilla/5.0 (compatible; Baiduspider/2.0; +http://www.baidu.com/search/spider.html)", None),
    ("sogou", "Sogou web spider/4.0(+http://www.sogou.com/docs/help/webmasters.htm#07)", None),
    ("search_referer", BROWSER_UA, "https://www.baidu.com/s?wd={query}"),
)
_DATED = re.compile(r"/(?:19|20)\d{2}[01]?\d|\d{6,}|_\d{4,}")


def page_text(html: str) -> tuple[str | None, str]:
    """The title and everything a crawler reads (`storage.html.crawler_view`), capped as Page.text is."""
    title, text = crawler_view(html)
    return title, text[:TEXT_CAP]


class VariantFetcher(Extractor):
    """The homepage and up to `GOVAUDIT_VARIANT_PAGES − 1` pages it links to, one request per variant.

    Pages are picked from the homepage's links in document order, articles first (a headline of at
    least 8 characters or a dated path such as /202206/t20220601_1.html): hijackers plant spam in
    articles and the homepage, rarely in column lists.
    """

    def __init__(self, run_id: int, site_name: str, sample: int, site_hosts: set[str] | None = None) -> None:
        self.run_id = run_id
        self.query = quote(site_name or "")
        self.sample = sample
        self.site_hosts = site_hosts or set()
        self.sampled: set[str] = set()
        self.families: tuple[str, ...] = ()  # ("page_variants",) once a variant was requested

    @classmethod
    def from_spider(cls, spider: SpiderPort) -> VariantFetcher:
        sample = int(spider.setting("GOVAUDIT_VARIANT_PAGES", 5))
        return cls(spider.run_id, (spider.site or {}).get("name", ""), sample, spider.site_hosts)

    def on_page(self, ctx: PageContext) -> Iterable[Any]:
        if ctx.depth != 0 or self.sample < 1 or self.sampled:
            return
        picked = [ctx.url, *[u for u in self.pick(ctx.parsed.links, self.sample) if u != ctx.url][:self.sample - 1]]
        self.sampled.update(picked)
        self.families = ("page_variants",)
        for url in picked:
            yield from self.requests(url)

    def pick(self, links: list, n: int) -> list[str]:
        """Up to n internal pages linked from the homepage, articles first, in document order."""
        from storage.vocabulary import host_of

        pages = [ln for ln in links if ln.tag in CRAWL_TAGS and host_of(ln.target) in self.site_hosts
                 and not ln.target.split("?", 1)[0].lower().endswith(ATTACHMENT_EXT)]
        articles = [ln.target for ln in pages if len(ln.text or "") >= 8 or _DATED.search(ln.target)]
        others = [ln.target for ln in pages if ln.target not in articles]
        return list(dict.fromkeys(articles + others))[:n]

    def requests(self, url: str) -> Iterator[Request]:
        for variant, ua, referer in VARIANTS:
            headers = {"User-Agent": ua}
            ref = referer.format(query=self.query) if referer else None
            if ref:
                headers["Referer"] = ref
            yield Request(url, headers=headers, callback=self.on_variant, errback=self.on_error, dont_filter=True,
                          priority=-50, meta={"ga_role": "variant", "ga_variant": (url, variant, ua, ref),
                                              "dont_merge_cookies": True})

    def on_variant(self, response: Response) -> Iterator[FactRow]:
        url, variant, ua, ref = response.meta["ga_variant"]
        title, text = page_text(response.text) if isinstance(response, TextResponse) else (None, "")
        yield FactRow(self.run_id, PageVariantFact(url=url, variant=variant, user_agent=ua, referer=ref, status=response.status,
                                                   final_url=response.url, title=title, text=text))

    def on_error(self, failure: Failure) -> Iterator[FactRow]:

        url, variant, ua, ref = failure.request.meta["ga_variant"]
        error, _detail = classify(failure)
        yield FactRow(self.run_id, PageVariantFact(url=url, variant=variant, user_agent=ua, referer=ref, status=None, error=error,
                                                   final_url=failure.request.url))
