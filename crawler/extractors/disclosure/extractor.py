"""Page extractors for 政府信息公开 (`DisclosureExtractor`) and 互动交流 (`InteractionExtractor`).

They record facts only: which platform parts a page links, the metadata block of a document page,
the annual reports with their parsed tables, the channels and their messages. Attachments of
annual reports (PDF, DOCX, DOC/WPS, OFD, images) are fetched here, once each, because the spider
only checks them, and read by `crawler.attachments.convert` in contained child processes.
"""
from __future__ import annotations

import re
from collections.abc import AsyncIterator, Iterator
from typing import Any
from urllib.parse import urlsplit

from lxml import etree
from scrapy import Request
from scrapy.http import Response
from twisted.python.failure import Failure

from crawler.attachments.convert import AttachmentText, read_attachment_async
from crawler.dates import find_date
from crawler.extractors import Extractor, PageContext
from crawler.extractors.disclosure import annual_report as ar
from crawler.extractors.disclosure.messages import EXCLUDED_KINDS, channel_kind, detail_message, table_messages
from crawler.extractors.disclosure.metadata import is_normative, read_metadata
from storage.facts import FactRow
from storage.facts.disclosure import AnnualReportFact, DisclosurePartFact, DocumentFact
from storage.facts.interaction import ChannelFact, MessageFact
from storage.vocabulary import canonical, host_of

ROOT_TEXT = re.compile(r"^(政府)?信息公开(专栏|平台|网)?$|^政务公开(专栏)?$")
PARTS: list[tuple[str, re.Pattern]] = [
    ("guide", re.compile(r"公开指南")),
    ("rules", re.compile(r"公开制度|公开规定")),
    ("annual_report", re.compile(r"年度报告|年报")),
    ("apply", re.compile(r"依申请")),
    ("catalog", re.compile(r"法定主动公开|主动公开目录|公开目录|主动公开")),
]
MAX_PART_TEXT = 16
MAX_REPORT_IMAGES = 20  # page images of a report read by OCR (a report is 6–20 pages)
MIN_SCAN_SIDE = 300  # an <img> declared smaller is an icon, not a scanned page
ICON = re.compile(r"logo|icon|qrcode|erweima|share|btn|arrow|spacer|blank\.gif", re.IGNORECASE)
REPORT_FILES = (".pdf", ".docx", ".doc", ".wps", ".ofd", ".jpg", ".jpeg", ".png", ".gif", ".bmp", ".tif")
# Links that name the document an interpretation explains (inside the content, not the navigation).
RELATED = re.compile(r"《[^》]{2,}》|原文|原件|相关文件|相关政策|政策文件[:：]")
# "原文链接：<a>示例县关于…的通知</a>": the label sits beside the link, in its parent.
RELATED_LABEL = re.compile(r"原文|原件|相关文件|文件链接|政策文件|附件")
_CHROME_START = ("nav", "menu", "header", "footer", "crumb", "breadcrumb", "topbar", "sidenav")
_CHROME_END = ("nav", "menu", "header", "footer", "crumb", "crumbs")
_CHROME_WORDS = {"top", "bottom", "head", "foot", "position", "dh", "daohang", "wzdh"}  # dh: 导航 in pinyin
PAGER = re.compile(r"^\s*(下一页|下页|后一页|\d{1,3}|>|›|»)\s*$")
# A 解读 column's own page (政策解读, 图文解读 …) and pages listing several 解读 are lists, not interpretations.
COLUMN_TITLE = re.compile(r"^\s*(政策|文件|图文|图片|图解|视频|专家|部门|媒体|领导|负责人)?解读\s*$")
LIST_LINKS = 4
_PUBLISHED = re.compile(r"(?:发布|公开)(?:日期|时间)\s*[:：]\s*([^\n]{0,30})")


def _text(el: etree._Element) -> str:
    return " ".join(el.text_content().split())


def _anchors(ctx: PageContext) -> Iterator[tuple[etree._Element, str, str]]:
    tree = ctx.parsed.tree
    if tree is None:
        return
    for a in tree.iter("a"):
        href = a.get("href")
        if not href or href.startswith(("javascript:", "mailto:", "#")):
            continue
        url = canonical(href, ctx.final_url)
        if url:
            yield a, url, _text(a)


def _own_text(el: etree._Element | None) -> str:
    """An element's own text and its children's tails (the words around its links), not the links'."""
    if el is None:
        return ""
    return " ".join([el.text or "", *[(c.tail or "") for c in el]])


def _in_chrome(el: etree._Element) -> bool:
    """True inside header, navigation or footer (by tag, class or id)."""
    for anc in el.iterancestors():
        if anc.tag in ("nav", "header", "footer"):
            return True
        tokens = re.split(r"[-_\s]+", ((anc.get("class") or "") + " " + (anc.get("id") or "")).lower())
        if any(t.startswith(_CHROME_START) or t.endswith(_CHROME_END) or t in _CHROME_WORDS for t in tokens if t):
            return True
    return False


def _item_date(a: etree._Element) -> Any:
    """The date printed beside a list item's link (its li/tr/dd/p, without the link's own text)."""
    for anc in a.iterancestors():
        if anc.tag in ("li", "tr", "dd", "p", "dl"):
            own = _text(a)
            return find_date(_text(anc).replace(own, " "))
        if anc.tag in ("ul", "table", "body"):
            return None
    return None


def _heading(ctx: PageContext) -> str:
    tree = ctx.parsed.tree
    for tag in ("h1", "h2"):
        el = next(tree.iter(tag), None) if tree is not None else None
        if el is not None and _text(el):
            return _text(el)
    return ctx.parsed.title or ""


class DisclosureExtractor(Extractor):
    """Platform parts, document metadata and annual reports (fact family `disclosure`)."""

    families = ("disclosure",)

    def __init__(self, run_id: int, site: dict, homepage: str) -> None:
        self.run_id = run_id
        self.homepage = homepage
        root = site.get("disclosure")
        self.root = canonical(root, site.get("url") or homepage) if root else None
        self.root_configured = self.root is not None
        self.parts: set[str] = set()
        self.report_links: dict[str, dict] = {}  # report URL → {title, year, list_date}
        self.reports_done: set[str] = set()
        self.fetched: set[str] = set()

    @classmethod
    def from_spider(cls, spider: Any) -> DisclosureExtractor:
        return cls(spider.run_id, spider.site or {}, spider.homepage)

    def on_page(self, ctx: PageContext) -> Iterator[Any]:
        if ctx.parsed.tree is None:
            return
        if ctx.depth == 0:
            yield from self._root(ctx)
        # Finding more parts only ever removes findings, so any page that names the platform is read too.
        if ctx.depth == 0 or self._in_platform(ctx.url) or "信息公开" in _heading(ctx):
            yield from self._parts(ctx)
        report_page = ctx.url in self.reports_done
        yield from self._report_page(ctx)
        # a report page's own attachment is its file; report titles name 政府信息公开 (ar.TITLE)
        if not report_page and ctx.url not in self.reports_done and "信息公开" in ctx.html:
            yield from self._report_links(ctx)
        yield from self._document(ctx)

    # --- the platform and its parts ----------------------------------------------------------
    def _root(self, ctx: PageContext) -> Iterator[Any]:
        if self.root is None:
            for a, url, text in _anchors(ctx):
                if ROOT_TEXT.search(text.replace(" ", "")) and len(text) <= MAX_PART_TEXT:
                    self.root = url
                    break
        if self.root is not None:
            yield FactRow(self.run_id, DisclosurePartFact(part="root", url=self.root, source=ctx.url, configured=self.root_configured))

    def _in_platform(self, url: str) -> bool:
        if self.root is None:
            return False
        root = urlsplit(self.root)
        path = root.path if root.path.endswith("/") else root.path.rsplit("/", 1)[0] + "/"
        here = urlsplit(url)
        return here.netloc == root.netloc and (url == self.root or here.path.startswith(path))

    def _parts(self, ctx: PageContext) -> Iterator[Any]:
        if ctx.url == self.root:  # the root page may itself be a part: <h3>法定主动公开内容</h3><ul>…</ul>
            for el in ctx.parsed.tree.iter("h1", "h2", "h3", "h4"):
                compact = _text(el).replace(" ", "")
                for part, pat in PARTS:
                    if part not in self.parts and compact and len(compact) <= MAX_PART_TEXT and pat.search(compact) \
                            and el.getnext() is not None:
                        self.parts.add(part)
                        yield FactRow(self.run_id, DisclosurePartFact(part=part, url=ctx.url, name=_text(el), source=ctx.url))
                        break
        for a, url, text in _anchors(ctx):
            compact = text.replace(" ", "")
            if not compact or len(compact) > MAX_PART_TEXT or re.search(r"(19|20)\d{2}", compact):
                continue
            for part, pat in PARTS:
                if part not in self.parts and pat.search(compact):
                    self.parts.add(part)
                    yield FactRow(self.run_id, DisclosurePartFact(part=part, url=url, name=text, source=ctx.url))
                    break

    # --- annual reports ----------------------------------------------------------------------
    def _report_links(self, ctx: PageContext) -> Iterator[Any]:
        for a, url, text in _anchors(ctx):
            year = ar.report_year(text) or ar.report_year(a.get("title"))
            if year is None or url == ctx.url:
                continue
            first = url not in self.report_links
            info = self.report_links.setdefault(url, {"title": a.get("title") or text, "year": year,
                                                      "list_date": _item_date(a), "list": ctx.url})
            path = url.split("?", 1)[0].lower()
            if first and not path.endswith(REPORT_FILES):
                # The report exists even if the crawl never reaches its page (page limit): a `listed` fact.
                yield self._record(url, None, info["title"], year, "html",
                                   ar.ReportParse(status="listed", detail=f"见于 {ctx.url}"), info["list_date"],
                                   "list")
            if path.endswith(REPORT_FILES) and url not in self.fetched and url not in self.reports_done:
                self.fetched.add(url)
                yield self._fetch(url, page_url=url, title=info["title"], year=year,
                                  published=info["list_date"], date_source="list" if info["list_date"] else None)

    def _report_page(self, ctx: PageContext) -> Iterator[Any]:
        linked = self.report_links.get(ctx.url)
        heading = _heading(ctx)
        year = ar.report_year(heading) or (linked or {}).get("year")
        if year is None or ctx.url in self.reports_done or not (linked or ar.report_year(heading)):
            return
        listed = sum(1 for _, url, text in _anchors(ctx) if ar.report_year(text) and url != ctx.url)
        if not ar.report_year(heading) and listed >= 2:
            return  # linked by a report's title, but it lists several reports: a 年报 column, not a report
        self.reports_done.add(ctx.url)
        title = heading if ar.report_year(heading) else linked["title"]
        published, source = self._published(ctx), "page"
        if published is None and linked and linked.get("list_date"):
            published, source = linked["list_date"], "list"
        text = ar.html_text(ctx.parsed.tree)
        if ar._loose("本年新收").search(text):
            parsed = ar.parse_report_text(text)
            yield self._record(ctx.url, None, title, year, "html", parsed, published, source)
            return
        files = [(a, url, text) for a, url, text in _anchors(ctx)
                 if url.split("?", 1)[0].lower().endswith(REPORT_FILES) and not _in_chrome(a)]
        # the report's own file first (named 年度报告/年报 or its year), not e.g. an application form
        files.sort(key=lambda f: not (re.search(r"年度报告|年报", f[2]) or str(year) in f[2]))
        for a, url, _ in files[:1]:
            if url in self.fetched:
                return
            self.fetched.add(url)
            yield self._fetch(url, page_url=ctx.url, title=title, year=year, published=published,
                              date_source=source if published else None)
            return
        images = self._page_images(ctx)
        if images:  # the report published as page images (scans in the article): fetched in turn, then OCR'd
            yield self._image_request(images, [], page_url=ctx.url, title=title, year=year, published=published,
                                      date_source=source if published else None)
            return
        parsed = ar.ReportParse(status="unparsed", detail="页面既无年报表格也无附件")
        yield self._record(ctx.url, None, title, year, "html", parsed, published, source)

    def _page_images(self, ctx: PageContext) -> list[str]:
        """The content images of a report page, in page order (not logos, icons or QR codes)."""
        out: list[str] = []
        for img in ctx.parsed.tree.iter("img"):
            src = canonical(img.get("src") or "", ctx.final_url)
            small = any((img.get(k) or "").isdigit() and int(img.get(k)) < MIN_SCAN_SIDE for k in ("width", "height"))
            if src and src not in out and not _in_chrome(img) and not small and not ICON.search(src):
                out.append(src)
        return out[:MAX_REPORT_IMAGES]

    def _image_request(self, todo: list[str], bodies: list[bytes], **info: Any) -> Request:
        return Request(todo[0], callback=self._on_report_image, errback=self._on_report_image_error,
                       dont_filter=True, priority=-50,
                       meta={"ga_role": "annual_report", "ga_report": info, "ga_images": (todo, bodies)})

    async def _on_report_image(self, response: Response) -> AsyncIterator[Any]:
        todo, bodies = response.meta["ga_images"]
        if response.status < 400 and response.body:
            bodies = [*bodies, response.body]
        async for item in self._next_image(todo[1:], bodies, response.meta["ga_report"]):
            yield item

    async def _on_report_image_error(self, failure: Failure) -> AsyncIterator[Any]:
        todo, bodies = failure.request.meta["ga_images"]
        async for item in self._next_image(todo[1:], bodies, failure.request.meta["ga_report"]):
            yield item

    async def _next_image(self, todo: list[str], bodies: list[bytes], info: dict) -> AsyncIterator[Any]:
        if todo:
            yield self._image_request(todo, bodies, **info)
            return
        texts, reads = [], []
        for body in bodies:
            read = await read_attachment_async(body, "image")
            reads.append(read)
            texts.append(read.text if read.status == "ok" else "")
        n = len(bodies)
        if not any(texts):
            why = next((r.detail for r in reads if r.status == "unreadable"), None) or "OCR 未识别出文字"
            parsed = ar.ReportParse(status="scanned", detail=f"年报以页面图片发布（{n} 张）：{why}")
        else:
            merged = AttachmentText("ok", "image", text="\n".join(texts), method="ocr", pages=n, pages_read=n,
                                    scan_pages=n, ocr_pages=sum(r.ocr_pages for r in reads),
                                    ocr_mean_conf=_mean([r.ocr_mean_conf for r in reads]),
                                    doubtful=[d for r in reads for d in r.doubtful])
            parsed = ar.from_text(merged)
        self.reports_done.add(info["page_url"])
        yield self._record(info["page_url"], None, info["title"], info["year"], "image", parsed, info["published"],
                           info["date_source"])

    def _published(self, ctx: PageContext) -> Any:
        meta = read_metadata(ctx.parsed.tree)
        if meta.fields.get("发布日期"):
            return find_date(meta.fields["发布日期"])
        m = _PUBLISHED.search(ctx.parsed.text)
        return find_date(m.group(1)) if m else None

    def _fetch(self, url: str, **meta: Any) -> Request:
        return Request(url, callback=self._on_attachment, errback=self._on_attachment_error, dont_filter=True,
                       meta={"ga_role": "annual_report", "ga_report": meta}, priority=-50)

    async def _on_attachment(self, response: Response) -> AsyncIterator[Any]:
        info = response.meta["ga_report"]
        ctype = response.headers.get(b"Content-Type", b"").decode("latin-1")
        if response.status >= 400:
            parsed = ar.ReportParse(status="fetch_failed", detail=f"附件返回 HTTP {response.status}")
            kind = ar.source_kind(response.url, ctype)
        else:  # read in a contained child off the event loop: the crawl goes on while a scan is OCR'd
            kind = ar.source_kind(response.url, ctype, response.body)
            parsed = await ar.parse_source_async(response.body, kind, url=response.url, content_type=ctype)
        self.reports_done.add(info["page_url"])
        yield self._record(info["page_url"], response.url if response.url != info["page_url"] or kind != "html"
                           else None, info["title"], info["year"], kind, parsed, info["published"],
                           info["date_source"])

    def _on_attachment_error(self, failure: Failure) -> Iterator[Any]:
        info = failure.request.meta["ga_report"]
        yield self._record(info["page_url"], failure.request.url, info["title"], info["year"],
                           ar.source_kind(failure.request.url), ar.ReportParse(
                               status="fetch_failed", detail=f"附件无法下载：{failure.getErrorMessage()}"[:300]),
                           info["published"], info["date_source"])

    def _record(self, url: str, attachment: str | None, title: str | None, year: int | None, kind: str,
                parsed: ar.ReportParse, published: Any, source: str | None) -> FactRow:
        return FactRow(self.run_id, AnnualReportFact(
            url=url, attachment_url=attachment, title=title, year=year, source_kind=kind, template=parsed.template,
            sections=parsed.sections, tables=parsed.tables, published_date=published,
            date_source=source if published else None, parse_status=parsed.status, parse_detail=parsed.detail))

    # --- document metadata -------------------------------------------------------------------
    def _document(self, ctx: PageContext) -> Iterator[Any]:
        meta = read_metadata(ctx.parsed.tree)
        title = meta.fields.get("标题") or _heading(ctx)
        is_interpretation = ("解读" in title and ctx.depth > 0 and not COLUMN_TITLE.match(title)
                             and sum(1 for _, _, text in _anchors(ctx) if "解读" in text) < LIST_LINKS)
        if not meta.fields and not (is_interpretation and _PUBLISHED.search(ctx.parsed.text)):
            return
        if ar.report_year(title):
            return  # an annual report page is judged as a report, not as a document
        named = re.findall(r"《([^》]{2,})》", title)
        related = [[url, text] for a, url, text in _anchors(ctx)
                   if is_interpretation and "解读" not in text and not _in_chrome(a) and url != ctx.url
                   and (RELATED.search(text) or RELATED_LABEL.search(_own_text(a.getparent()))
                        or any(n in text for n in named))]
        f = meta.fields
        normative = is_normative(f, title)
        kind = "interpretation" if is_interpretation else ("normative" if normative else "document")
        yield FactRow(self.run_id, DocumentFact(
            url=ctx.url, kind=kind, title=title, layout=meta.layout, fields=f, index_no=f.get("索引号"),
            subject_category=f.get("主题分类"), publisher=f.get("发布机构"), doc_number=f.get("发文字号"),
            validity=f.get("有效性"), written_date=find_date(f.get("成文日期")),
            published_date=find_date(f.get("发布日期")) or (self._published(ctx) if is_interpretation else None),
            related=related))


def _mean(values: list[float | None]) -> float | None:
    known = [v for v in values if v is not None]
    return round(sum(known) / len(known), 1) if known else None


class InteractionExtractor(Extractor):
    """互动交流 channels and their messages (fact family `interaction`)."""

    families = ("interaction",)
    MAX_BOARD_PAGES = 20  # a year of messages on most boards; the crawl's page limit still applies
    MAX_CHANNEL_DEPTH = 3  # the homepage and two clicks (首页 → 互动交流 → 县长信箱)

    def __init__(self, run_id: int, site: dict, homepage: str) -> None:
        self.run_id = run_id
        base = site.get("url") or homepage
        self.configured = [u for u in (canonical(x, base) for x in site.get("interaction") or []) if u]
        self.channels: dict[str, tuple[str | None, str]] = {}  # list URL → (name, kind)
        self.details: dict[str, tuple[str, str | None, str]] = {}  # detail URL → (list URL, name, kind)
        self.recorded: set[str] = set()
        self.pages: dict[tuple, int] = {}  # board → next pages followed

    @classmethod
    def from_spider(cls, spider: Any) -> InteractionExtractor:
        return cls(spider.run_id, spider.site or {}, spider.homepage)

    def on_page(self, ctx: PageContext) -> Iterator[Any]:
        if ctx.parsed.tree is None:
            return
        if ctx.depth == 0:
            for url in self.configured:
                self.channels[url] = (None, "board")
                yield FactRow(self.run_id, ChannelFact(url=url, kind="board", configured=True, source=None))
        if ctx.depth < self.MAX_CHANNEL_DEPTH and ctx.url not in self.channels:  # a board's items are messages
            for a, url, text in _anchors(ctx):
                kind = channel_kind(text)
                if kind is None or url in self.channels or url in self.details:
                    continue
                self.channels[url] = (text, kind)
                yield FactRow(self.run_id, ChannelFact(url=url, kind=kind, name=text, excluded=kind in EXCLUDED_KINDS, source=ctx.url))
        if ctx.url in self.channels:
            yield from self._list(ctx, *self.channels[ctx.url])
        elif ctx.url in self.details and ctx.url not in self.recorded:
            list_url, name, kind = self.details[ctx.url]
            msg = detail_message(ctx.parsed.text, _heading(ctx), ctx.url)
            if msg is not None:
                self.recorded.add(ctx.url)
                yield self._message(msg, list_url, name, kind)

    def _list(self, ctx: PageContext, name: str | None, kind: str) -> Iterator[Any]:
        rows = table_messages(ctx.parsed.tree, lambda a: canonical(a.get("href") or "", ctx.final_url))
        for msg in rows:
            url = msg.url or ctx.url
            if url in self.recorded:
                continue
            self.recorded.add(url)
            yield self._message(msg, ctx.url, name, kind)
        site_host = host_of(ctx.final_url)
        for a, url, text in _anchors(ctx):  # the board's next pages are read as the board
            if PAGER.match(text) and host_of(url) == site_host and url not in self.channels \
                    and self.pages.get((name, kind), 0) < self.MAX_BOARD_PAGES:
                self.pages[(name, kind)] = self.pages.get((name, kind), 0) + 1
                self.channels[url] = (name, kind)
        for a, url, text in _anchors(ctx):
            if (url not in self.channels and url not in self.recorded and host_of(url) == site_host
                    and not _in_chrome(a) and not url.split("?", 1)[0].lower().endswith(REPORT_FILES)):
                self.details.setdefault(url, (ctx.url, name, kind))

    def _message(self, msg: Any, list_url: str, name: str | None, kind: str) -> FactRow:
        return FactRow(self.run_id, MessageFact(url=msg.url or list_url, list_url=list_url, channel_name=name, channel_kind=kind, title=msg.title, asked_at=msg.asked_at, replied_at=msg.replied_at, status=msg.status, answered=msg.answered, reply_unit=msg.reply_unit))
