"""The canonical findings document (`govaudit.findings/1`, CONTRACT.md §4) of a judged run."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from checks.registry import get_rules
from reports.advice import advice_for
from reports.evidence_targets import locator_terms
from reports.history import history_block
from reports.problems_doc import attach_problems
from storage import models as m
from storage.crawlset import pages_where
from storage.facts.evidence import shot_page
from storage.facts.newmedia import FAILURE_ZH
from storage.vocabulary import china_time

SCHEMA_ID = "govaudit.findings/1"
_SEVERITY_ORDER = {"veto": 0, "deduction": 1, "info": 2}


def _iso(dt: datetime | None) -> str | None:
    return dt.isoformat(timespec="seconds") if dt else None


def findings_document(session: Session, run_id: int) -> dict:
    """Read a judged run back as the contract's findings.json document."""
    run = session.get(m.Run, run_id)
    if run is None:
        raise LookupError(f"run {run_id} does not exist")
    judgement = session.get(m.Judgement, run_id)
    if judgement is None:
        raise LookupError(f"run {run_id} has not been judged yet (govaudit check --run {run_id})")
    site = session.get(m.Site, run.site_id)
    score = session.get(m.Score, run_id)
    rules = get_rules()
    rule_rows = session.scalars(
        select(m.RuleOutcome).where(m.RuleOutcome.run_id == run_id).order_by(m.RuleOutcome.id)).all()
    indicators = session.scalars(
        select(m.IndicatorScore).where(m.IndicatorScore.run_id == run_id).order_by(m.IndicatorScore.id)).all()
    order = {r.rule: i for i, r in enumerate(rule_rows)}
    findings = sorted(
        session.scalars(select(m.Finding).where(m.Finding.run_id == run_id)).all(),
        key=lambda f: (_SEVERITY_ORDER.get(f.severity, 9), order.get(f.rule, 999), f.subject),
    )
    shots, crops = _screenshots(session, run_id, findings)
    doc = {
        "schema": SCHEMA_ID,
        "generator": {"name": "govaudit", "version": _version()},
        "site": {"id": site.id, "name": site.name, "url": site.url},
        "run": {"id": run.id, "as_of": judgement.as_of.isoformat(), "started_at": _iso(run.started_at),
                "finished_at": _iso(run.finished_at), "pages": run.pages, "state": run.state,
                "browser": bool((run.options or {}).get("browser")),
                "kind": run.kind, "reused_pages": int((run.stats or {}).get("reused_pages") or 0)},
        "score": {
            "scheme": score.scheme, "total": score.total, "vetoed": score.vetoed, "vetoes": list(score.vetoes),
            "grade": score.grade,
            "veto_indicators": [i.indicator for i in indicators if i.status == "vetoed"],
            "undecided_vetoes": list(score.undecided_vetoes),
            "indicators": [{"id": i.indicator, "name": i.name, "deducted": i.deducted, "findings": i.findings,
                            "kind": i.kind, "status": i.status} for i in indicators],
        },
        "rules": [
            {"rule": r.rule, "status": r.status, "findings": r.findings, **({"reason": r.reason} if r.reason else {}),
             "name_zh": rules[r.rule].rule.name_zh if r.rule in rules else r.rule}
            for r in rule_rows
        ],
        "findings": [
            {"rule": f.rule, "subject": f.subject, "severity": f.severity, "page": f.page, "message": f.message,
             "evidence": f.evidence, **({"screenshot": shots[f.id]} if f.id in shots else {}),
             "name_zh": rules[f.rule].rule.name_zh if f.rule in rules else f.rule,
             "indicator": rules[f.rule].rule.indicator if f.rule in rules else None,
             **({"crop": crops[f.id]} if f.id in crops else {}),
             "advice": advice_for(f.rule, f.subject, rules[f.rule].rule.name_zh if f.rule in rules else None)}
            for f in findings
        ],
    }
    if "accounts" in ((run.stats or {}).get("facts") or []):
        doc["accounts"] = _accounts(session, run_id, findings)
    attach_problems(session, run, judgement.as_of, doc)
    if run.kind == "audit":  # the site's 变化趋势 up to this run (reports/history.py, docs/history.md)
        doc["history"] = history_block(session, run.id, run.site_id)
    return doc


def _screenshots(session: Session, run_id: int, findings: list) -> tuple[dict[int, str], dict[int, dict]]:
    """Each finding's screenshot — its rule's own (a phone render, a search page), else the run's evidence
    screenshot of the page it is about (storage/facts/evidence.py) — and, for the latter, its crop: the
    element its locator terms found on that page (reports/evidence_targets.py), else the page's first screen."""
    rows = session.scalars(select(m.EvidenceShot).where(m.EvidenceShot.run_id == run_id)
                           .order_by(m.EvidenceShot.id)).all()
    shots = {s.url: s.path for s in rows if s.kind == "page"}
    screens = {s.url: s for s in rows if s.kind == "screen"}
    elements = {(s.url, s.marks[0]): s for s in rows if s.kind == "element" and s.marks}
    fetched: set[str] = set()
    if shots:  # the page a screenshot shows is chosen among the URLs the run fetched, as when it was taken
        wanted = sorted({u for f in findings for u in (f.page, f.subject) if u and u.startswith("http")})
        for at in range(0, len(wanted), 500):
            fetched.update(session.scalars(select(m.Page.url).where(pages_where(session, run_id),
                                                                    m.Page.url.in_(wanted[at:at + 500]))))
    out, crops = {}, {}
    for f in findings:
        page = shot_page(f.page, f.subject, fetched) or ""
        path = f.screenshot or shots.get(page)
        if path:
            out[f.id] = path
        if f.screenshot or page not in shots:
            continue
        found = [elements[(page, t)] for t in locator_terms(f.rule, f.subject, f.evidence) if (page, t) in elements]
        crop = found[0] if found else screens.get(page)
        if crop is not None:
            crops[f.id] = {"path": crop.path, "kind": crop.kind, "box": list(crop.box)}
    return out, crops


def _accounts(session: Session, run_id: int, findings: list) -> list[dict]:
    """The 政务新媒体 accounts of the run as read, with the rules that found something about each."""
    rows = session.scalars(select(m.Account).where(m.Account.run_id == run_id).order_by(m.Account.id)).all()
    out = []
    for a in rows:
        key = f"{a.platform}:{a.handle}"
        posts = session.scalars(select(m.Post).where(m.Post.run_id == run_id, m.Post.account == key)).all()
        dated = [p for p in posts if p.published_at is not None]
        newest = max(dated, key=lambda p: china_time(p.published_at), default=None)
        out.append({
            "platform": a.platform, "handle": a.handle, "key": key, "registered_name": a.registered_name,
            "name": a.name, "url": a.url, "status": a.status, "failure": a.failure,
            "failure_zh": FAILURE_ZH.get(a.failure or "") if a.failure else None, "failure_detail": a.failure_detail,
            "verified": a.verified, "verification": a.verification, "followers": a.followers,
            "posts_total": a.posts_total, "posts_source": a.posts_source, "posts_read": len(posts),
            "newest_post": china_time(newest.published_at).isoformat() if newest else None,
            "newest_post_url": newest.url if newest else None, "interaction": dict(a.interaction or {}),
            "rules": sorted({f.rule for f in findings if f.subject == key}),
        })
    return out


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("govaudit")
    except PackageNotFoundError:
        return "0.0.0"
