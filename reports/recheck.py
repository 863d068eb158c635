"""Re-checking claimed fixes (复核, docs/problems.md): what a re-check must fetch, and what it concludes.

`plan` turns the problems a unit claims to have fixed (state `rectifying`, with the 整改链接 of their
claim) into the few fetches their rules need: the link, the page the problem is about, the pages that
linked a broken target, the column's list and its newest items, the account. `decide` judges the
re-check's snapshot with the same rules and scheme, problem by problem:

- `recheck_failed` when the rule still finds the problem, or when a column that turned fresh did so only
  by re-posting old information (重复发布旧信息): every item within the limit repeats an item the column
  showed in earlier runs (the same title — unless both texts are known and differ — or the same text),
  or is listed with a date newer than its own page states;
- `not_measured` when the rule could not judge, or the pages the problem needs were not fetched (the
  problem stays `rectifying`: a doubtful re-check never closes anything);
- `rectified` otherwise.

Pure over what it is given, except `claims` and `history`, which read storage.
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from checks.base import Finding, RuleResult, Status
from checks.derived.columns import unmeasured_reason
from checks.registry import get_rules
from checks.runner import run_rules
from storage import models as m
from storage.crawlset import pages_where
from storage import problems as repo
from storage.facts.columns import ColumnItemFact
from storage.facts.items import ItemPageFact, text_fingerprint
from storage.facts.pages import PageFact
from storage.problems import ProblemRecord, subject_key
from storage.snapshot import Snapshot

ACTOR = "govaudit recheck"
REPOST = "重复发布旧信息"
JUDGED = {Status.PASS, Status.FAIL, Status.NOT_APPLICABLE}
MAX_LINKING_PAGES = 10  # pages re-fetched to see whether they still link a broken target
SPINE = {"pages", "links", "probes"}
COLUMN_RULES = {"column.stale", "column.blank"}
FRESHNESS_RULES = {"column.stale", "site.homepage_not_updated"}
PAGE_DATE_SLACK = {"url": 7}  # days a list date may run ahead of the page's own date (default 1)


@dataclass(frozen=True)
class Claim:
    """A problem a unit claims to have fixed, with the link it gave as proof (整改链接)."""

    problem: ProblemRecord
    link: str | None


@dataclass
class RecheckPlan:
    """What one re-check fetches and judges."""

    rules: list[str] = field(default_factory=list)
    crawl: list[str] = field(default_factory=list)  # pages crawled besides the homepage
    check: list[str] = field(default_factory=list)  # link targets only checked
    columns: list[dict] = field(default_factory=list)  # column overrides (url, type, level, name)
    newest: list[dict] = field(default_factory=list)  # lists whose newest items are fetched (url, since)
    families: set[str] = field(default_factory=set)  # fact families beyond pages and links
    accounts: list[str] = field(default_factory=list)  # platform:handle re-read
    needs: dict[int, list[str]] = field(default_factory=dict)  # problem id → pages that must have been fetched


@dataclass(frozen=True)
class Outcome:
    problem_id: int
    result: str  # rectified | recheck_failed | not_measured
    reason: str
    evidence_url: str | None = None
    detail: dict = field(default_factory=dict)
    finding: Finding | None = None  # the rule's finding when the problem is still there


def claims(session: Session, site_id: str) -> list[Claim]:
    """The site's problems in `rectifying`, each with the 整改链接 of its newest claim."""
    page = repo.list_problems(session, sites=[site_id], states=["rectifying"], with_events=True)
    out = []
    for p in page.items:
        claim = next((e for e in reversed(p.events) if e.to_state == "rectifying"), None)
        out.append(Claim(p, claim.evidence_url if claim else None))
    return out


def _is_url(value: Any) -> bool:
    return isinstance(value, str) and value.startswith(("http://", "https://"))


def plan(claimed: list[Claim], homepage: str, as_of: date, params: Mapping[str, Any]) -> RecheckPlan:
    """The fetches the claimed problems' rules need (the homepage is always fetched)."""
    out = RecheckPlan()
    registry = get_rules()
    crawl: dict[str, None] = {}
    check: dict[str, None] = {}
    for c in claimed:
        p = c.problem
        finding = p.finding or {}
        evidence = finding.get("evidence") or {}
        page = finding.get("page")
        if p.rule not in registry:
            continue
        if p.rule not in out.rules:
            out.rules.append(p.rule)
        out.families |= set(registry[p.rule].rule.reads) - SPINE
        if _is_url(c.link):
            crawl[c.link] = None
        needs: list[str] = []
        if p.rule == "link.broken":
            check[p.subject] = None
            needs = [u for u in (evidence.get("pages") or [page]) if _is_url(u)][:MAX_LINKING_PAGES]
        elif p.rule in COLUMN_RULES:
            out.columns.append({"url": p.subject, "type": evidence.get("type") or "other",
                                **({"level": evidence["level"]} if evidence.get("level") else {}),
                                **({"name": evidence["name"]} if evidence.get("name") else {})})
            needs = [p.subject]
            if p.rule == "column.stale":
                out.newest.append({"url": p.subject, "since": _since(as_of, evidence.get("max_age_days"))})
        elif p.rule == "site.homepage_not_updated":
            out.newest.append({"url": homepage, "since": _since(as_of, params.get("homepage.max_age_days"))})
            needs = [homepage]
        elif p.rule.startswith("newmedia."):  # the account is read again; a post is found through it
            account = p.subject if not _is_url(p.subject) and ":" in p.subject else \
                f"{evidence.get('platform')}:{evidence.get('handle')}"
            if account not in out.accounts:
                out.accounts.append(account)
        elif _is_url(p.subject):
            needs = [p.subject]
        elif _is_url(page):
            needs = [page]
        else:
            needs = [homepage]
        if out.newest:
            out.families.add("item_pages")
        for u in needs:
            crawl[u] = None
        out.needs[p.id] = needs
    crawl.pop(homepage, None)
    out.crawl = list(crawl)
    out.check = [u for u in check if u not in crawl and u != homepage]
    return out


def _since(as_of: date, max_age_days: Any) -> str | None:
    return (as_of - timedelta(days=int(max_age_days))).isoformat() if max_age_days is not None else None


def restrict(snap: Snapshot, plan_: RecheckPlan) -> Snapshot:
    """The re-check's snapshot as the claimed rules should see it: of the columns, only the claimed ones
    (and the homepage's own list), since the homepage names columns a re-check never fetches."""
    wanted = {c["url"] for c in plan_.columns}
    return replace(snap, columns=[c for c in snap.columns if c.level == 0 or c.url in wanted])


def run_rules_for(snap: Snapshot, plan_: RecheckPlan, scheme: Any) -> dict[str, RuleResult]:
    """The claimed problems' rules, with the scheme's parameters, on the restricted re-check snapshot."""
    return run_rules(restrict(snap, plan_), plan_.rules, scheme.params)


def decide(claimed: list[Claim], snap: Snapshot, results: Mapping[str, RuleResult], plan_: RecheckPlan,
           history: Mapping[str, list[dict]], params: Mapping[str, Any]) -> list[Outcome]:
    """Each claimed problem's outcome on the re-check's snapshot and rule results."""
    out = []
    for c in claimed:
        p = c.problem
        res = results.get(p.rule)
        key = subject_key(p.rule, p.subject)
        link = c.link or (p.subject if _is_url(p.subject) else None)
        if res is None or res.status not in JUDGED:
            why = res.reason if res is not None and res.reason else "规则未能判定 / the rule could not judge"
            out.append(Outcome(p.id, "not_measured", f"未能复核：{why}", link))
            continue
        found = next((f for f in res.findings if subject_key(f.rule, f.subject) == key), None)
        if found is not None:
            out.append(Outcome(p.id, "recheck_failed", f"复核仍发现该问题：{found.message}", found.page or link,
                               finding=found))
            continue
        missing = [u for u in plan_.needs.get(p.id, []) if not _fetched(snap.pages.get(u))]
        if p.rule == "link.broken":
            out.append(_link_outcome(p, snap, missing, link))
            continue
        if missing:
            out.append(Outcome(p.id, "not_measured", "未能复核：以下页面未能打开 / not fetched: " + "、".join(missing), link))
            continue
        if p.rule in COLUMN_RULES | {"site.homepage_not_updated"}:
            col = _column(snap, p)
            why = "未读取到栏目列表" if col is None else unmeasured_reason(col)
            if why:
                out.append(Outcome(p.id, "not_measured", f"未能复核：{why}", link))
                continue
        if p.rule in FRESHNESS_RULES:
            col = _column(snap, p)
            fresh = _fresh_items(snap, col, p, params)
            reposts = repost_evidence(fresh, {i.url: i for i in snap.item_pages}, snap.pages,
                                      history.get(col.url, []))
            if reposts is not None:
                out.append(Outcome(p.id, "recheck_failed",
                                   f"{REPOST}：栏目更新的 {len(reposts)} 条信息均为此前发布过的旧信息改换日期重新发布 / "
                                   "the column turned fresh by re-posting old items", link,
                                   detail={"reason": REPOST, "reposts": reposts}))
                continue
        out.append(Outcome(p.id, "rectified", "复核通过：未再发现该问题 / the re-check no longer finds it", link))
    return out


def _fetched(page: PageFact | None) -> bool:
    return page is not None and page.error is None and page.status is not None and page.status < 400


def _link_outcome(p: ProblemRecord, snap: Snapshot, missing: list[str], link: str | None) -> Outcome:
    target = snap.pages.get(p.subject)
    if _fetched(target) and not (target.flags and "needs_render" in target.flags):
        return Outcome(p.id, "rectified", "复核通过：链接目标已可正常访问 / the link target works now", link)
    evidence = (p.finding or {}).get("evidence") or {}
    if missing:
        return Outcome(p.id, "not_measured", "未能复核：链接所在页面未能打开 / linking pages not fetched: "
                       + "、".join(missing), link)
    if int(evidence.get("pages_count") or 0) > MAX_LINKING_PAGES:
        return Outcome(p.id, "not_measured", f"未能复核：链接目标仍不可用，已复核的 {MAX_LINKING_PAGES} 个页面不再链接它，"
                       f"其余 {int(evidence['pages_count']) - MAX_LINKING_PAGES} 个页面未复核", link)
    return Outcome(p.id, "rectified", "复核通过：页面已不再链接该目标 / the pages no longer link it", link)


def _column(snap: Snapshot, p: ProblemRecord):  # noqa: ANN202 - ColumnFact | None
    if p.rule == "site.homepage_not_updated":
        return next((c for c in snap.columns if c.level == 0), None)
    return next((c for c in snap.columns if c.url == p.subject), None)


def _fresh_items(snap: Snapshot, col: Any, p: ProblemRecord, params: Mapping[str, Any]) -> list[ColumnItemFact]:
    evidence = (p.finding or {}).get("evidence") or {}
    limit = evidence.get("max_age_days")
    if limit is None:
        limit = params.get("homepage.max_age_days") if p.rule == "site.homepage_not_updated" else None
    items = [i for i in snap.items_of.get(col.url, []) if i.date is not None]
    if limit is None:
        return items[:1]
    return [i for i in items if (snap.as_of - i.date).days <= int(limit)]


_SPACE = re.compile(r"\s+")


def _title(text: str | None) -> str:
    return _SPACE.sub("", text or "")


def repost_evidence(fresh: list[ColumnItemFact], item_pages: Mapping[str, ItemPageFact],
                    pages: Mapping[str, PageFact], earlier: list[dict]) -> list[dict] | None:
    """When every item that makes a column fresh re-posts old information, what shows it (else None).

    `earlier` are the column's items of earlier runs: {run, title, url, date, text_hash}. An item re-posts
    when an earlier, older item had the same title (unless both texts are known and differ: a yearly
    notice of the same name is new), or the same text, or when its page states a date older than its list.
    """
    if not fresh:
        return None
    reposts = []
    for item in fresh:
        reasons = []
        own = item_pages.get(item.url) if item.url else None
        if own is not None and own.page_date is not None and item.date is not None:
            slack = PAGE_DATE_SLACK.get(own.page_date_source or "", 1)
            if (item.date - own.page_date).days > slack:
                reasons.append({"kind": "page_date_older", "listed_date": item.date.isoformat(),
                                "page_date": own.page_date.isoformat(), "page_date_source": own.page_date_source})
        text_hash = text_fingerprint((pages.get(item.url).text if item.url in pages else None) if item.url else None)
        older = [e for e in earlier if e.get("date") and item.date and e["date"] < item.date.isoformat()]
        same_text = [e for e in older if text_hash and e.get("text_hash") == text_hash]
        same_title = [e for e in older if _title(e.get("title")) and _title(e.get("title")) == _title(item.title)]
        if same_title and text_hash and not same_text and all(e.get("text_hash") for e in same_title):
            same_title = []  # the same title over a different text: a new item of the same name
        if same_title:
            reasons.append({"kind": "same_title", "earlier": _earlier(same_title[0])})
        if same_text:
            reasons.append({"kind": "same_text", "earlier": _earlier(same_text[0])})
        if not reasons:
            return None  # one genuine fresh item is enough
        reposts.append({"item": {"title": item.title, "url": item.url, "date": item.date.isoformat()},
                        "reasons": reasons})
    return reposts


def _earlier(e: dict) -> dict:
    return {k: e.get(k) for k in ("run", "title", "url", "date")}


def history(session: Session, site_id: str, column_urls: list[str], before_run: int) -> dict[str, list[dict]]:
    """The items the columns showed in the site's earlier runs, with the text fingerprint of each item's page."""
    if not column_urls:
        return {}
    ci = m.ColumnItem.__table__.c
    rows = session.execute(
        select(ci.run_id, ci.column_url, ci.title, ci.url, ci.date, ci.month_day, ci.year_hint, ci.fetched_on,
               m.Run.as_of).join(m.Run, m.Run.id == ci.run_id)
        .where(m.Run.site_id == site_id, m.Run.id < before_run, ci.column_url.in_(column_urls))).all()
    texts: dict[tuple[int, str], str | None] = {}
    wanted = {(r.run_id, r.url) for r in rows if r.url}
    for run_id in {r for r, _ in wanted}:
        urls = sorted(u for r, u in wanted if r == run_id)
        for at in range(0, len(urls), 500):
            for url, text in session.execute(select(m.Page.url, m.Page.text).where(
                    pages_where(session, run_id), m.Page.url.in_(urls[at:at + 500]))):
                texts[(run_id, url)] = text
    out: dict[str, list[dict]] = {}
    for r in rows:
        item = ColumnItemFact(column_url=r.column_url, title=r.title, url=r.url, date=r.date, month_day=r.month_day,
                              year_hint=r.year_hint, fetched_on=r.fetched_on).dated(r.as_of)
        out.setdefault(r.column_url, []).append({
            "run": r.run_id, "title": r.title, "url": r.url, "date": item.date.isoformat() if item.date else None,
            "text_hash": text_fingerprint(texts.get((r.run_id, r.url))) if r.url else None})
    return out


def run_results(scheme_rules: list[str], judged: Mapping[str, RuleResult], outcomes: list[Outcome],
                claimed: list[Claim]) -> dict[str, RuleResult]:
    """The re-check run's stored rule results: the claimed rules with only the claimed subjects' findings,
    every other rule of the scheme `not_measured` (a re-check is not a full audit)."""
    subjects: dict[str, list[str]] = {}
    for c in claimed:
        subjects.setdefault(c.problem.rule, []).append(c.problem.subject)
    still = {(o.finding.rule, o.finding.subject) for o in outcomes if o.finding is not None}
    out: dict[str, RuleResult] = {}
    for rule_id in scheme_rules:
        res = judged.get(rule_id)
        if rule_id not in subjects or res is None:
            out[rule_id] = RuleResult.not_measured("复核运行只判断申报整改的问题 / a re-check judges only the claimed problems")
            continue
        kept = [f for f in res.findings if (f.rule, f.subject) in still]
        note = "复核运行：只判断申报整改的对象 / re-check of the claimed subjects only: " + "、".join(subjects[rule_id][:5])
        status = res.status if res.status not in (Status.PASS, Status.FAIL) else (Status.FAIL if kept else Status.PASS)
        out[rule_id] = RuleResult(status, kept, reason="；".join(filter(None, [res.reason, note])),
                                  duration_ms=res.duration_ms)
    return out


def record(session: Session, run_id: int, previous_run: int | None, claimed: list[Claim],
           outcomes: list[Outcome], fingerprints: Mapping[int, str]) -> None:
    """Store the outcomes: one event per claimed problem, and the re-check's sightings and comparison."""
    by_id = {c.problem.id: c for c in claimed}
    sightings = []
    for o in outcomes:
        if o.result == "not_measured":
            repo.note(session, o.problem_id, actor=ACTOR, kind="recheck", note=o.reason, evidence_url=o.evidence_url,
                      run_id=run_id, detail=o.detail)
        else:
            repo.transition(session, o.problem_id, o.result, actor=ACTOR, kind="recheck", note=o.reason,
                            evidence_url=o.evidence_url, run_id=run_id, detail=o.detail)
        if o.finding is not None:
            repo.seen_in(session, o.problem_id, run_id, o.finding.subject)
            sightings.append(repo.Sighting(o.problem_id, run_id, o.finding.subject, "persisting",
                                           fingerprints.get(o.problem_id, ""), False))
    fixed = sorted(o.problem_id for o in outcomes if o.result == "rectified" and o.problem_id in by_id)
    repo.replace_sightings(session, run_id, sightings, previous_run, fixed)
