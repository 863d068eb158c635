"""Reading one page as a column list: item rows and their dates, pagination, sub-columns, markers.

Works on the page's one lxml tree. An item row is a leaf `li`/`tr`/`dd`/`p`/`div` holding a link;
its date is read from the row's text without the link's own text (so a date inside a title never
counts), else from the link's URL. Rows are grouped by their parent element: the largest group is
the column's list; on the homepage every dated group counts.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import lxml.html
from lxml import etree

from crawler.extractors.columns.dates import FoundDate, item_date, url_date
from storage.vocabulary import canonical, host_of

ROW_TAGS = ("li", "tr", "dd", "dt", "p", "div")
# Page chrome whose links are not list items: menus, header, footer, breadcrumbs.
_CHROME = re.compile(r"(^|[\s_-])(nav|navbar|menu|dh|daohang|header|topbar|footer|foot|crumbs?|breadcrumbs?|"
                     r"position|location|dqwz|weizhi|copyright)([\s_-]|$)", re.IGNORECASE)
_SIDE = re.compile(r"(^|[\s_-])(left|side|sidebar|subnav|sub-nav|submenu|column-list|erji)([\s_-]|$)",
                   re.IGNORECASE)
_NAV_BLOCK = re.compile(r"(^|[\s_-])(nav|navbar|menu|mainnav|main-nav|topnav|dh|daohang)([\s_-]|$)", re.IGNORECASE)
_MORE = re.compile(r"^\s*(更多|more|更多>>|更多>|>>|\+|更多\+|查看更多)\s*$", re.IGNORECASE)
_NEXT = re.compile(r"^\s*(下一页|下页|后页|尾页|末页|next|>|»|›)\s*$", re.IGNORECASE)
_TRS_PAGER = re.compile(r"createPageHTML\(\s*['\"]?(\d+)['\"]?\s*,\s*['\"]?(\d+)['\"]?\s*,\s*['\"]([^'\"]+)['\"]\s*,"
                        r"\s*['\"]([^'\"]+)['\"]")
_PAGE_COUNT = re.compile(r"共\s*(\d+)\s*页")
_ZERO = re.compile(r"共\s*0\s*(条|页|篇|记录)")
_EMPTY = re.compile(r"暂无(相关)?(信息|数据|内容|记录|文章|公告|通知)|没有(找到)?(相关)?(信息|数据|记录|内容)|"
                    r"无相关(信息|数据|记录)|信息正在(更新|整理|完善)中?|栏目(正在)?建设中|正在建设中")
# List loaders that are enough on their own (大汉 jpage/dataproxy, TRS list scripts, Vue/Angular/layui lists).
_STRONG_LOADER = re.compile(r"jpage|dataproxy\.jsp|unitbuild\.jsp|getTrsList|trs_list|TRSList|\bv-for\s*=|"
                            r"\bng-repeat\s*=|layui\.(laypage|table)", re.IGNORECASE)
_XHR = re.compile(r"\$\.(ajax|get|getJSON|post)\s*\(|\baxios\s*[.(]|\bfetch\s*\(|XMLHttpRequest|\.load\s*\(",
                  re.IGNORECASE)
_DATE_ONLY = re.compile(r"^[\[(（【\s]*((发布|更新)?(时间|日期)\s*[:：])?\s*("
                        r"(19|20)\d{2}\s*[-/.年]\s*\d{1,2}\s*[-/.月]\s*\d{1,2}\s*日?(\s+\d{1,2}:\d{2}(:\d{2})?)?"
                        r"|\d{1,2}\s*[-/月]\s*\d{1,2}\s*日?)\s*[\])）】]?$")
_ROOT_PAGE = re.compile(r"^/?((index|default|main|home)\.(s?html?|jsp|aspx?|php))?$", re.IGNORECASE)
_DATE_LABEL = re.compile(r"日期|时间")
_PUB_LABEL = re.compile(r"(发布|公开|更新|上网)(日期|时间)")
_OTHER_LABEL = re.compile(r"成文|印发|发文|生效|施行|实施|截止|有效|签发|制发|废止")
_PAGED = re.compile(r"_\d+\.(s?html?|jsp|aspx?|php)(\?|$)|[?&](page|pageno|pagenum|pn|p|curpage|currpage|pageindex|page_no|start|offset)=\d",
                    re.IGNORECASE)
_LOADING = re.compile(r"加载中|正在加载|loading", re.IGNORECASE)
_RECORD = re.compile(r"<record>\s*<!\[CDATA\[(.*?)\]\]>\s*</record>", re.DOTALL | re.IGNORECASE)
# Date-like text the reader could not place (22-11-15, 2022年11月): the item is not "undated"
_DATEISH = re.compile(r"\d{2,4}\s*[-/.年]\s*\d{1,2}")
_LIST_CONTAINER = re.compile(r"list|(^|[\s_-])lb([\s_-]|$)", re.IGNORECASE)
_PAGE_PARAMS = {"page", "pageno", "pagenum", "pn", "p", "curpage", "currpage", "pageindex", "page_no", "start",
                "offset", "pagesize", "size"}
_INDEX_PAGE = re.compile(r"/(index|default|list)(_\d+)?\.(s?html?|jsp|aspx?|php)$", re.IGNORECASE)
_LISTY_FILE = re.compile(r"/(index|default|list|more)[\w-]*\.(s?html?|jsp|aspx?|php)$", re.IGNORECASE)
_COLUMN_QUERY = re.compile(r"(^|&)(column|channel|cat|type|class|lm|node|chan)(id|_id|code)?=", re.IGNORECASE)
_ARTICLE = re.compile(r"(t(19|20)\d{6}_\d+|art_\d+_\d+|content_\d+|(?<![a-z])\d{4,}[\w-]*)\.(s?html?|jsp|aspx?|php)$",
                      re.IGNORECASE)


@dataclass
class ItemRow:
    title: str
    url: str | None
    found: FoundDate | None
    group: int  # index of the parent element in reading order (rows of one list share it)
    unparsed: bool = False  # the row shows something date-like the reader could not read
    side: bool = False  # the row sits in a side block


@dataclass
class ListReading:
    items: list[ItemRow] = field(default_factory=list)  # the main list (largest group)
    all_dated: list[ItemRow] = field(default_factory=list)  # every dated row (homepage freshness)
    pages: list[str] = field(default_factory=list)  # pagination URLs of this column
    page_count: int | None = None
    subcolumns: list[tuple[str, str]] = field(default_factory=list)  # (url, name) side/sub menu links
    more_links: list[tuple[str, str]] = field(default_factory=list)  # (url, block heading) of 更多 links
    nav_links: list[tuple[str, str, bool]] = field(default_factory=list)  # (url, text, in a submenu) in menus
    column_links: list[tuple[str, str]] = field(default_factory=list)  # (key, text) list-page links in the content
    empty_marker: str | None = None
    loader_marker: str | None = None


def is_article_url(url: str) -> bool:
    path = urlsplit(url).path
    return bool(_ARTICLE.search(path)) or bool(url_date(url)) and not path.endswith("/")


def is_column_url(url: str, homepage: str) -> bool:
    """A URL that looks like a list page (a folder, index/list file, or a column id query)."""
    parts = urlsplit(url)
    if column_key(url) == column_key(homepage) or _ROOT_PAGE.match(parts.path) and not parts.query:
        return False  # a site root (also the redirected homepage: https://www.…/index.html) is no column
    if parts.query and _COLUMN_QUERY.search(parts.query) and not is_article_url(url):
        return True
    if is_article_url(url):
        return False
    return parts.path.endswith("/") or bool(_LISTY_FILE.search(parts.path))


def is_later_page(url: str) -> bool:
    """A second or later page of a list (`index_2.html`, `?page=3`), not the one showing the newest items."""
    parts = urlsplit(url)
    if re.search(r"_\d+\.(s?html?|jsp|aspx?|php)$", parts.path, re.IGNORECASE):
        return True  # TRS/CMS static pages: index.html is the first, index_1.html the second
    for key, value in parse_qsl(parts.query):
        key = key.lower()
        if value.isdigit() and key in _PAGE_PARAMS - {"pagesize", "size"}:
            if int(value) > (0 if key in ("start", "offset") else 1):
                return True
    return False


def column_key(url: str) -> str:
    """The column a list page belongs to: `index.html`, `index_3.html` and page queries fold into the folder."""
    parts = urlsplit(url)
    query = urlencode([(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)
                       if k.lower() not in _PAGE_PARAMS])
    # a dynamic list (list.jsp?columnId=12) is its file plus query; a static one is its folder
    path = _INDEX_PAGE.sub("/", parts.path) if _INDEX_PAGE.search(parts.path) and not query else parts.path
    return urlunsplit((parts.scheme, parts.netloc, path, query, ""))


def _classes(el: etree._Element) -> str:
    return f"{el.get('class') or ''} {el.get('id') or ''}"


def _in(el: etree._Element, rx: re.Pattern) -> bool:
    node = el
    while node is not None and isinstance(node.tag, str):
        if node.tag in ("nav", "header", "footer") and rx is _CHROME:
            return True
        if rx.search(_classes(node)):
            return True
        node = node.getparent()
    return False


def _text(el: etree._Element) -> str:
    # itertext with separators: adjacent cells (<td>title</td><td>2022-11-15</td>) must not fuse
    return " ".join(" ".join(t for t in el.itertext() if isinstance(t, str)).split())


def _row_of(a: etree._Element) -> etree._Element | None:
    node = a.getparent()
    while node is not None and isinstance(node.tag, str):
        if node.tag in ("li", "tr", "dd", "dt", "p"):
            return node
        if node.tag == "div":
            return node if len(node.xpath(".//a[@href]")) <= 3 else None
        if node.tag in ("ul", "ol", "table", "tbody", "dl", "body"):
            return None
        node = node.getparent()
    return None


def _heading_of(el: etree._Element) -> str | None:
    """The heading of the block a 更多 link sits in (`<h3>通知公告 <a>更多</a></h3>` and similar)."""
    node = el.getparent()
    for _ in range(4):
        if node is None:
            return None
        own = " ".join(t.strip() for t in node.xpath("./text() | ./*[not(self::a)]//text() | ./*[not(self::a)]/text()")
                       if t.strip())
        own = _MORE.sub("", own).strip()
        if own and len(own) <= 16 and node.tag in ("h1", "h2", "h3", "h4", "h5", "span", "div", "p", "strong", "b"):
            return own
        for h in node.xpath("./h1|./h2|./h3|./h4|./h5|./*[contains(@class,'tit') or contains(@class,'hd')]"):
            words = _MORE.sub("", "".join(x for x in h.xpath("./text()|./*[not(self::a)]//text()"))).strip()
            if words and len(words) <= 16:
                return words
        node = node.getparent()
    return None


def read_list(tree: etree._Element, page_url: str, ref: date | None, homepage: str) -> ListReading:
    """Everything a list page shows about its column (see the module docstring)."""
    out = ListReading()
    # Elements themselves as keys: they stay referenced, so lxml keeps one proxy (id() would be reused).
    groups: dict[etree._Element, list[ItemRow]] = {}
    body = tree.find("body")
    root = body if body is not None else tree
    _collect(root, page_url, ref, homepage, out, groups)
    records = _datastore(tree)
    if records is not None:
        _collect(records, page_url, ref, homepage, ListReading(), groups)
    lists = []
    for rows in groups.values():
        dated = [r for r in rows if r.found is not None]
        if dated:
            out.all_dated.extend(dated)
        if any(r.side for r in rows):
            continue  # a side block (热点, 排行) is not the column's list
        if dated:
            lists.append(rows)
        elif len(rows) >= 3 and all(r.url and is_article_url(r.url) for r in rows):
            lists.append(rows)  # an undated list of articles: its items count as not updated
    if lists:
        out.items = max(lists, key=lambda rows: (sum(r.found is not None for r in rows), len(rows)))
    _pager(tree, page_url, out)
    if not any(r.found for r in out.items):
        # nothing dated: is the list empty, or does a script fill it (perhaps over a static placeholder list)?
        text = _content_text(root)
        if not out.items and (m := (_EMPTY.search(text) or _ZERO.search(text))):
            out.empty_marker = m.group(0)
        out.loader_marker = _loader(tree, root, out.empty_marker)
        if not out.items and out.empty_marker is None and out.loader_marker is None:
            out.empty_marker = _empty_container(root)
    return out


def _collect(root: etree._Element, page_url: str, ref: date | None, homepage: str, out: ListReading,
             groups: dict[etree._Element, list[ItemRow]]) -> None:
    """Item rows of `root` into `groups` (by parent element); menus, 更多, pager and sub-column links into `out`."""
    host = host_of(page_url)
    own = column_key(page_url)
    seen_rows: set[etree._Element] = set()
    for a in root.iter("a"):
        raw = (a.get("href") or "").strip()
        if raw.startswith(("mailto:", "tel:")) or not raw and a.get("onclick") is None:
            continue
        if not raw or raw.startswith(("javascript:", "#")):
            # a script link (onclick="openDetail(…)"): no target, but its row is still a list item
            if not _in(a, _CHROME):
                _add_row(a, None, page_url, ref, groups, seen_rows)
            continue
        url = canonical(raw, page_url)
        if url is None:
            continue
        if _PAGED.search(raw) and url != page_url and url not in out.pages and column_key(url) == own:
            out.pages.append(url)  # index_2.html, ?page=2: another page of this list
        text = _text(a) or (a.get("title") or "").strip()
        same_host = host_of(url) == host
        if _MORE.match(text) and same_host:
            out.more_links.append((column_key(url), _heading_of(a) or ""))
            continue
        if _NEXT.match(text) and same_host:
            if url != page_url and url not in out.pages and column_key(url) == own:
                out.pages.append(url)
            continue
        if _in(a, _CHROME):
            if same_host and _in(a, _NAV_BLOCK):
                out.nav_links.append((url, text, len(a.xpath("ancestor::li")) >= 2))
            continue
        columnish = same_host and is_column_url(url, homepage)
        if columnish and _in(a, _SIDE):
            out.subcolumns.append((column_key(url), text))
            continue
        if columnish:
            out.column_links.append((column_key(url), text))
            if a.xpath("ancestor::*[self::h1 or self::h2 or self::h3 or self::h4 or self::h5][1]"):
                out.more_links.append((column_key(url), text))  # a block heading that links its column
                continue
        _add_row(a, url, page_url, ref, groups, seen_rows)


def _add_row(a: etree._Element, url: str | None, page_url: str, ref: date | None,
             groups: dict[etree._Element, list[ItemRow]], seen_rows: set[etree._Element]) -> None:
    """The list row around link `a` (once per row): its title, link and date, grouped by parent element."""
    row = _row_of(a)
    if row is None or row in seen_rows:
        return
    seen_rows.add(row)
    anchors = [x for x in row.iter("a") if x.get("href") is not None or x.get("onclick") is not None]
    title_a = max(anchors, key=lambda x: len(_text(x) or x.get("title") or ""))
    # a date in its own node inside the link (<a><span>标题</span><span>2022-11-15</span></a>) is not title text
    words = [t for t in title_a.xpath(".//text()") if not _DATE_ONLY.match(t.strip())]
    title = (title_a.get("title") or " ".join(" ".join(words).split())).strip()
    href = (title_a.get("href") or "").strip()
    item_url = canonical(href, page_url) if href and not href.startswith(("javascript:", "#")) else None
    rest = _text(row)
    for x in anchors:
        rest = rest.replace(_text(x), " ", 1)
    if not title or len(title) < 4 and not rest.strip():
        return
    labelled = _cells_by_label(row) if row.tag == "tr" else None
    # A text node that is only a date (<span>2022-12-01</span>) is the list's date column; a date in a
    # summary or a note beside the title is not, so it is read only when no such node exists.
    own = [t.strip() for t in row.xpath(".//text()") if _DATE_ONLY.match(t.strip())]
    if labelled is not None:  # a 信息公开目录 table: the 发布日期 column, never the 成文日期 one
        found = item_date(labelled, item_url, ref)
    else:
        found = (item_date(" ".join(own), item_url, ref) if own else None) or item_date(rest, item_url, ref)
    parent = row.getparent()
    if row.tag == "tr" and parent is not None and parent.tag == "tbody":
        parent = parent.getparent()
    rows = groups.setdefault(parent, [])
    rows.append(ItemRow(title=title[:300], url=item_url, found=found, group=list(groups).index(parent),
                        unparsed=found is None and bool(_DATEISH.search(rest)), side=_in(row, _SIDE)))


def _cells_by_label(row: etree._Element) -> str | None:
    """The text of a table row's date cells chosen by the header: 发布日期 first, 成文日期 and the like never."""
    table = next((t for t in row.iterancestors("table")), None)
    if table is None:
        return None
    header = table.xpath(".//tr[th][1]")
    if not header or header[0] is row:
        return None
    labels = [_text(c) for c in header[0] if c.tag in ("th", "td")]
    cells = [c for c in row if c.tag in ("th", "td")]
    if len(labels) != len(cells) or not any(_DATE_LABEL.search(x) for x in labels):
        return None
    published = [_text(c) for c, label in zip(cells, labels) if _PUB_LABEL.search(label)]
    if published:
        return " ".join(published)
    return " ".join(_text(c) for c, label in zip(cells, labels)
                    if not _OTHER_LABEL.search(label) and not c.xpath(".//a"))


def _datastore(tree: etree._Element) -> etree._Element | None:
    """大汉 (Hanweb) lists ship their rows as CDATA records in a <datastore> script; read them without a browser."""
    chunks: list[str] = []
    for s in tree.iter("script"):
        text = s.text or ""
        if "<record" in text:
            chunks.extend(_RECORD.findall(text))
    if not chunks:
        return None
    try:
        return lxml.html.fragment_fromstring("".join(chunks), create_parent="div")
    except (etree.ParserError, ValueError):
        return None


def _content_text(root: etree._Element) -> str:
    """Visible text outside scripts, menus, header, footer and side blocks (where "暂无数据" is not the list's)."""
    parts = []
    for t in root.xpath(".//text()"):  # smart strings: each knows its element
        parent = t.getparent() if hasattr(t, "getparent") else None
        if parent is not None and getattr(t, "is_tail", False):
            parent = parent.getparent()
        if parent is None or parent.tag in ("script", "style", "noscript", "template", "textarea", "option"):
            continue
        if t.strip() and not _in(parent, _CHROME) and not _in(parent, _SIDE):
            parts.append(t)
    return " ".join(" ".join(parts).split())


def _pager(tree: etree._Element, page_url: str, out: ListReading) -> None:
    """Pagination: TRS createPageHTML(count, current, prefix, suffix), 共N页, index_N and page= links."""
    scripts = " ".join(s.text or "" for s in tree.iter("script"))
    if m := _TRS_PAGER.search(scripts):
        count, current, prefix, suffix = int(m.group(1)), int(m.group(2)), m.group(3), m.group(4)
        out.page_count = count
        for n in range(max(current, 0) + 1, count):
            url = canonical(f"{prefix}_{n}.{suffix}", page_url)
            if url:
                out.pages.append(url)
    if out.page_count is None and (m := _PAGE_COUNT.search(" ".join(tree.xpath("string()").split()))):
        out.page_count = int(m.group(1))


def _loader(tree: etree._Element, root: etree._Element, empty_marker: str | None) -> str | None:
    """A script that fills the list after load: a known list loader, or script fetching beside an empty list.

    Generic fetching alone is no marker (many pages fetch a hit counter); beside an empty list element or
    a placeholder ("暂无数据", "加载中") it is, since the browser would replace them.
    """
    scripts = " ".join((s.text or "") + " " + (s.get("src") or "") for s in tree.iter("script"))
    if m := _STRONG_LOADER.search(scripts):
        return m.group(0)[:60]
    for el in root.xpath("//*[@v-for or @ng-repeat or @data-url or @data-api]"):
        return f"{el.tag}[{next(k for k in el.attrib if k.startswith(('data-', 'v-', 'ng-')))}]"
    xhr = _XHR.search(scripts)
    if xhr and (empty_marker or _LOADING.search(_content_text(root)) or _empty_container(root)):
        return xhr.group(0)[:60]
    return None


def _empty_container(root: etree._Element) -> str | None:
    """An empty list element (`<ul class="list"></ul>`) outside the page chrome: the list has nothing."""
    for el in root.iter("ul", "ol", "tbody", "div"):
        if _LIST_CONTAINER.search(_classes(el)) and not _in(el, _CHROME) and not _in(el, _SIDE):
            if not el.xpath(".//a[@href]") and not _text(el):
                return f"empty <{el.tag} class=\"{(el.get('class') or el.get('id') or '').strip()}\">"
    return None
