"""The 依申请公开 online channel (在线申请): does the 依申请公开 page open, does it lead to an online application
form, and does that form page open? Also whether a 申请表 can be downloaded and a 流程图 is published.

Facts only (storage/facts/requests.py): statuses, URLs, the form's fields. The form is loaded, never
submitted — a simulation request is sent by a person and recorded in the evaluation's 评分表. Fetches
follow the crawl's rules: the run's User-Agent and timeout, and no private, loopback or link-local
target (redirects included) unless the site itself lives there or --allow-private was given.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from crawler.egress import EgressPolicy
from crawler.gatherers.functions.search import find_search_form
from crawler.page import decode_html
from storage.facts import FactRow
from storage.facts.requests import ApplyChannelFact
from storage.html import parse_document
from storage.session import session_scope
from storage.snapshot import build_snapshot
from storage.vocabulary import WALL_STATUSES, canonical

_ONLINE = re.compile(r"在线申请|网上申请|我要申请|在线提交|申请入口|网上提交|在线填写|电子申请")
_FORM_WORDS = re.compile(r"申请人|姓名|名称|联系电话|联系方式|所需|内容描述|信息描述|用途|证件|地址")
_APP_FORM = re.compile(r"申请表")
_FILE = re.compile(r"\.(docx?|pdf|xlsx?|wps|zip|rar)(\?|$)", re.IGNORECASE)
_FLOW = re.compile(r"流程图|办理流程|工作流程|申请流程")
_MAX_REDIRECTS = 5


@dataclass
class ApplyOptions:
    timeout_s: float = 15.0
    user_agent: str = "govaudit"
    allow_private: bool = False
    egress: EgressPolicy | None = None  # the site's (crawler.egress); None: from allow_private


def check_apply_channel(db_url: str, run_id: int, opts: ApplyOptions) -> list[FactRow]:
    """One ApplyChannelFact for the run: the 依申请公开 page the crawl found, then its online form."""
    with session_scope(db_url) as db:
        snap = build_snapshot(db, run_id, with_links=False)
        entries = [p.url for p in sorted(snap.disclosure_parts, key=lambda p: not p.configured) if p.part == "apply"]
    entries = list(dict.fromkeys(e for e in entries if e))
    if not entries:
        return [FactRow(run_id, ApplyChannelFact(outcome="no_entry"))]
    return [FactRow(run_id, check_entry(entries[0], opts))]


def check_entry(entry: str, opts: ApplyOptions) -> ApplyChannelFact:
    """Open the 依申请公开 page `entry`, find its online application form (on it, or one 在线申请 link away)."""
    status, html, error, final = _fetch(entry, opts)
    base = {"entry_url": entry, "entry_status": status}
    if error == "refused_private" or status in WALL_STATUSES:
        return ApplyChannelFact(outcome="blocked", error=error or f"HTTP {status}", **base)
    if error or status is None or status >= 400:
        return ApplyChannelFact(outcome="entry_unreachable", error=error or f"HTTP {status}", **base)
    tree = _tree(html)
    base["application_form_url"] = _application_form(tree, final, opts)
    base["flow_chart_url"] = _flow_chart(tree, final)
    form = _application_form_fields(html, tree, final)
    if form is not None:
        return ApplyChannelFact(outcome="form", form_url=final, form_status=status, **form, **base)
    links = _online_links(tree, final)
    if not links:
        return ApplyChannelFact(outcome="no_form", error="页面上没有在线申请表单或在线申请入口", **base)
    target = links[0]
    status2, html2, error2, final2 = _fetch(target, opts)
    base.update(form_url=target, form_status=status2)
    if error2 == "refused_private" or status2 in WALL_STATUSES:
        return ApplyChannelFact(outcome="blocked", error=error2 or f"HTTP {status2}", **base)
    if error2 or status2 is None or status2 >= 400:
        return ApplyChannelFact(outcome="form_unreachable", error=error2 or f"HTTP {status2}", **base)
    form = _application_form_fields(html2, _tree(html2), final2)
    if form is None:
        return ApplyChannelFact(outcome="no_form", error="在线申请页面打开了，但没有申请表单", **base)
    base["form_url"] = final2
    return ApplyChannelFact(outcome="form", **form, **base)


def _tree(html: str):  # noqa: ANN202
    return parse_document(html or "<html></html>")  # huge_tree, as every page (storage/html.py)


def _application_form_fields(html: str, tree, page_url: str) -> dict | None:  # noqa: ANN001
    """The page's application form: a form that is not a site search, with at least two fields, named an
    application by its labels (申请人, 联系电话, 所需信息 …)."""
    search = find_search_form(html, page_url)
    for form in tree.iter("form"):
        action = canonical(form.get("action") or page_url, page_url) or page_url
        if search is not None and action == search.action and len(form.xpath(".//input|.//textarea")) <= 3:
            continue
        fields = []
        for el in form.xpath(".//input|.//textarea|.//select"):
            kind = (el.get("type") or "text").lower()
            if el.tag == "input" and kind in ("hidden", "submit", "button", "image", "reset"):
                continue
            label = el.get("placeholder") or el.get("title") or _label_for(form, el) or ""
            fields.append((el.get("name") or el.get("id") or "", " ".join(label.split())))
        text = " ".join(form.itertext()) + " ".join(label for _, label in fields)
        if len(fields) >= 2 and _FORM_WORDS.search(text):
            return {"form_action": action, "form_method": (form.get("method") or "get").lower()[:8],
                    "fields": tuple(fields)}
    return None


def _label_for(form, el) -> str | None:  # noqa: ANN001
    ident = el.get("id")
    if ident:
        for label in form.iter("label"):
            if label.get("for") == ident:
                return " ".join(label.itertext())
    parent = el.getparent()
    return " ".join(parent.itertext()) if parent is not None and parent.tag in ("label", "td", "li", "p", "div") else None


def _online_links(tree, page_url: str) -> list[str]:  # noqa: ANN001
    out = []
    for a in tree.iter("a"):
        text = " ".join(" ".join(a.itertext()).split()) + " " + (a.get("title") or "")
        href = canonical(a.get("href") or "", page_url)
        if href and _ONLINE.search(text) and not _FILE.search(href):
            out.append(href)
    return list(dict.fromkeys(out))


def _application_form(tree, page_url: str, opts: ApplyOptions) -> str | None:  # noqa: ANN001
    """A downloadable 申请表 linked from the page that answers (a link to a file named or labelled 申请表)."""
    for a in tree.iter("a"):
        text = " ".join(a.itertext()) + " " + (a.get("title") or "")
        href = canonical(a.get("href") or "", page_url)
        if href and (_APP_FORM.search(text) or _APP_FORM.search(href)) and _FILE.search(href):
            status, _, error, _ = _fetch(href, opts, limit=2048)
            if error is None and status is not None and status < 400:
                return href
    return None


def _flow_chart(tree, page_url: str) -> str | None:  # noqa: ANN001
    for el in tree.xpath("//a|//img"):
        text = " ".join(el.itertext()) + " " + " ".join(el.get(k) or "" for k in ("title", "alt"))
        ref = el.get("href") if el.tag == "a" else el.get("src")
        if _FLOW.search(text) and ref:
            return canonical(ref, page_url) or page_url
    return None


def _fetch(url: str, opts: ApplyOptions, limit: int = 2_000_000) -> tuple[int | None, str, str | None, str]:
    """(status, decoded HTML, error class, final URL) of one GET through crawler.egress.fetch.safe_fetch
    (every redirect re-checked against the site's egress policy, capped, one deadline)."""
    from crawler.egress.fetch import FetchError, safe_fetch

    policy = opts.egress or EgressPolicy(allow_private=opts.allow_private)
    try:
        got = safe_fetch(url, policy, headers={"User-Agent": opts.user_agent, "Accept": "text/html,*/*;q=0.8"},
                         timeout_s=opts.timeout_s, max_bytes=limit, max_redirects=_MAX_REDIRECTS)
    except FetchError as exc:
        if exc.kind in ("refused", "bad_url"):
            return None, "", "refused_private", url
        if exc.kind == "timeout":
            return None, "", "timeout", url
        return None, "", f"connect: {exc.detail}", url
    return got.status, decode_html(got.body, got.headers.get("content-type")), None, got.url
