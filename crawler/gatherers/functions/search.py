"""The site search (站内搜索): find its form, pick a recent article's title, submit it, read the results."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from fnmatch import fnmatch
from urllib.parse import urlencode, urlsplit

from lxml import etree

from storage.html import parse_document
from storage.vocabulary import canonical, host_of

# What marks a form as a site search (and not a login, a message board or a 政务服务 query).
_SEARCH_WORDS = re.compile(r"搜索|检索|全文|站内|search|sousuo", re.IGNORECASE)
_SEARCH_ACTION = re.compile(r"search|sousuo|/s\b|/ss\b|was5|jrobot|trsearch|query", re.IGNORECASE)
_SEARCH_NAMES = {"q", "query", "keyword", "keywords", "searchword", "searchwords", "wd", "kw", "key", "word",
                 "qt", "sword", "searchkey", "searchtext"}
# Forms that carry a text box but are not a search: message boards, logins, subscriptions.
_NOT_SEARCH = re.compile(r"留言|登录|注册|订阅|投诉|咨询|提交|办件|查询|login|register|guestbook", re.IGNORECASE)
_TITLE_SEPARATORS = re.compile(r"\s*(?:[_|｜]|\s-\s|—)\s*")
_DATE_IN_URL = re.compile(r"(20\d{2})[-/]?(\d{2})[-/]?(\d{2})?")


@dataclass
class SearchForm:
    page: str  # where the box is
    action: str
    method: str  # get | post
    field: str  # the text input's name
    hidden: dict[str, str] = field(default_factory=dict)

    def request(self, query: str) -> tuple[str, str, bytes | None]:
        """(method, url, body) that submits `query` as a person pressing 搜索 would."""
        data = urlencode({**self.hidden, self.field: query}).encode()
        if self.method == "post":
            return "POST", self.action, data
        sep = "&" if "?" in self.action else "?"
        return "GET", self.action.split("#")[0] + sep + data.decode(), None


def _tree(html: str) -> etree._Element:
    return parse_document(html or "<html></html>")  # huge_tree, as every page (storage/html.py)


def find_search_form(html: str, page_url: str) -> SearchForm | None:
    """The page's site-search form: one with a text box and no password box, named a search by its words
    (搜索, 检索 …) — or, when no form says so, by its action or its box's name. 留言/登录/办件查询 forms never."""
    best: tuple[int, SearchForm] | None = None
    for form in _tree(html).iter("form"):
        inputs = form.xpath(".//input")
        if any((i.get("type") or "").lower() == "password" for i in inputs):
            continue
        texts = [i for i in inputs if (i.get("type") or "text").lower() in ("text", "search") and i.get("name")]
        if not texts:
            continue
        label = " ".join(filter(None, [form.get("action"), form.get("id"), form.get("class"), form.get("name"),
                                       *[i.get("placeholder") or "" for i in texts],
                                       *[i.get("value") or "" for i in inputs if (i.get("type") or "") in ("submit", "button", "image")],
                                       *[i.get("alt") or "" for i in inputs],
                                       " ".join(form.xpath(".//button//text()"))]))
        named = [i for i in texts if i.get("name", "").lower() in _SEARCH_NAMES]
        says_search = bool(_SEARCH_WORDS.search(label))
        if _NOT_SEARCH.search(label) and not says_search:
            continue
        rank = 2 if says_search else 1 if (_SEARCH_ACTION.search(form.get("action") or "") or named) else 0
        if rank == 0 or (best is not None and best[0] >= rank):
            continue
        box = (named or texts)[0]
        action = canonical(form.get("action") or page_url, page_url) or page_url
        hidden = {i.get("name"): i.get("value") or "" for i in inputs
                  if (i.get("type") or "").lower() == "hidden" and i.get("name")}
        best = (rank, SearchForm(page=page_url, action=action, method=(form.get("method") or "get").lower(),
                                 field=box.get("name"), hidden=hidden))
    return best[1] if best else None


def search_entry_links(html: str, page_url: str) -> list[str]:
    """Same-host links that lead to a search page (a 搜索 link when the box is on another page)."""
    out = []
    for a in _tree(html).iter("a"):
        href = canonical(a.get("href") or "", page_url)
        if not href or host_of(href) != host_of(page_url):
            continue
        text = " ".join(a.itertext()) + " " + (a.get("title") or "")
        if _SEARCH_WORDS.search(text) or _SEARCH_ACTION.search(urlsplit(href).path):
            out.append(href)
    return list(dict.fromkeys(out))


def search_endpoint(html: str, page_url: str) -> SearchForm | None:
    """A search known from a link that already carries a query (热词 links such as
    `/search/s.jsp?sword=转型`): its URL with the query parameter left open, as a GET form."""
    from urllib.parse import parse_qsl

    for a in _tree(html).iter("a"):
        href = canonical(a.get("href") or "", page_url)
        if not href or "?" not in href or not _SEARCH_ACTION.search(urlsplit(href).path):
            continue
        params = parse_qsl(urlsplit(href).query, keep_blank_values=True)
        field = next((k for k, _ in params if k.lower() in _SEARCH_NAMES), None)
        if field is None:
            continue
        return SearchForm(page=page_url, action=href.split("?", 1)[0], method="get", field=field,
                          hidden={k: v for k, v in params if k != field})
    return None


def article_title(html: str) -> str | None:
    """An article's own title: the ArticleTitle meta tag, else its <h1>, else <title> before the site name."""
    tree = _tree(html)
    for meta in tree.iter("meta"):
        if (meta.get("name") or "").lower() == "articletitle" and (meta.get("content") or "").strip():
            return " ".join(meta.get("content").split())
    for h1 in tree.iter("h1"):
        text = " ".join(" ".join(h1.itertext()).split())
        if len(text) >= 6:
            return text
    titles = tree.xpath("//title/text()")
    if titles:
        first = _TITLE_SEPARATORS.split(titles[0].strip())[0]
        return first if len(first) >= 6 else None
    return None


def pick_query(homepage_html: str, homepage_url: str, stored_html) -> tuple[str, str] | None:  # noqa: ANN001
    """(title, article URL) of a recent article: a homepage link whose page titles itself with the link's text.

    `stored_html(url)` gives a crawled page's HTML or None. The newest by the date in its URL wins.
    """
    candidates: list[tuple[str, str, str]] = []
    for a in _tree(homepage_html).iter("a"):
        href = canonical(a.get("href") or "", homepage_url)
        text = " ".join(" ".join(a.itertext()).split()).rstrip(".…").strip()
        if not href or href == homepage_url or len(text) < 6 or host_of(href) != host_of(homepage_url):
            continue
        html = stored_html(href)
        title = article_title(html) if html else None
        if title and (title.startswith(text) or text.startswith(title)):
            m = _DATE_IN_URL.search(urlsplit(href).path)
            candidates.append(("".join(x or "" for x in m.groups()) if m else "", title, href))
    if not candidates:
        return None
    best = max(candidates, key=lambda c: c[0])  # stable: the first of the newest
    return best[1], best[2]


def _norm(text: str) -> str:
    return re.sub(r"\s+", "", text or "")


def results_list(html: str, results_url: str, title: str, article_url: str) -> bool:
    """True when the results page links to the article, or shows its title as a link's text.

    An echo of the query in the search box or in "搜索“…”共0条" is not a result: only links count.
    """
    want = _norm(title)
    target = canonical(article_url)
    for a in _tree(html).iter("a"):
        href = canonical(a.get("href") or "", results_url)
        if href and target and href.split("#")[0] == target:
            return True
        text = _norm(" ".join(a.itertext()) + (a.get("title") or ""))
        if want and want in text:
            return True
    return False


def has_scripts(html: str) -> bool:
    """The page runs scripts of its own, so its results may only appear in a browser."""
    return bool(_tree(html).xpath("//script[@src or normalize-space(text())]"))


def matches_any(url: str, patterns: list[str]) -> bool:
    """The URL matches one of the shared-search globs (`https://so.example.gov.cn/*`)."""
    return any(fnmatch(url, p) or fnmatch(url.split("?")[0], p) for p in patterns)


