"""Stored runs built in a few lines for the problem tests: every rule of the scheme judged (pass, or fail
with the given findings), the fetched pages, then reviews applied, scored and tracked as an audit does."""
from __future__ import annotations

from datetime import date

from checks.base import Finding, RuleResult, Status
from reports.judge import Judged, score_and_store
from reports.scheme import load_scheme
from reports.tracking import apply_reviews, track_run
from storage import models as m
from storage.runs import finish_run, start_run
from storage.session import session_scope, upgrade

HOME = "http://www.example.gov.cn/"
SITE = {"id": "4213000001", "name": "示例县人民政府", "url": HOME}
AS_OF = date(2026, 11, 27)  # a Friday


def broken(target: str, page: str = HOME, status: int = 404) -> Finding:
    return Finding(rule="link.broken", subject=target, page=page, message=f"链接不可用：HTTP {status}",
                   evidence={"status": status, "error": None, "soft_404": None, "pages": [page], "pages_count": 1,
                             "on_homepage": page == HOME})


def missing(element: str) -> Finding:
    return Finding(rule="identity.missing", subject=element, page=HOME, message=f"首页未发现 {element}",
                   evidence={"element": element, "label": element, "homepage": HOME, "found": {}})


def audit(db_url: str, findings: list[Finding], *, pages: list[str] | None = None, state: str = "complete",
          as_of: date = AS_OF, not_measured: tuple[str, ...] = ()) -> int:
    """One stored, judged, scored and tracked full audit of the example site; returns its run id."""
    upgrade(db_url)
    scheme = load_scheme("national-2019")
    run_id = start_run(db_url, SITE, as_of, {"scheme": scheme.ref})
    fetched = [HOME, *(pages if pages is not None else [f.subject for f in findings if f.subject.startswith("http")])]
    finish_run(db_url, run_id, state, pages=len(fetched))
    with session_scope(db_url) as session:
        for url in dict.fromkeys(fetched):
            session.add(m.Page(run_id=run_id, url=url, status=200, crawled=True))
        session.flush()
        results = {}
        for rule in scheme.rule_ids:
            if rule in not_measured:
                results[rule] = RuleResult.not_measured("test: not measured")
            else:
                results[rule] = RuleResult.of([f for f in findings if f.rule == rule])
        judged = apply_reviews(session, Judged(run_id, as_of, scheme, results, set(fetched)))
        score_and_store(session, judged)
        track_run(session, run_id, scheme, judged.suppressed)
    return run_id


def document(db_url: str, run_id: int) -> dict:
    from reports.canonical import findings_document

    with session_scope(db_url) as session:
        return findings_document(session, run_id)


def score_of(db_url: str, run_id: int) -> float:
    with session_scope(db_url) as session:
        return session.get(m.Score, run_id).total


__all__ = ["AS_OF", "HOME", "SITE", "Status", "audit", "broken", "document", "missing", "score_of"]
