"""Judging and scoring a stored run: snapshot → rules (`judge`) → scheme (`score`) → stored results.

The two are separate steps of the audit pipeline (govaudit/pipeline.py): between them the evidence
step screenshots the pages the findings are about. Storing replaces older results of the run in one
transaction; the run's facts (evidence screenshots included) are never touched.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import delete
from sqlalchemy.orm import Session

from checks.base import Finding, RuleResult
from checks.runner import run_rules
from reports.scheme import Scheme
from reports.scoring import ScoreCard, score
from storage import models as m
from storage.memo import JudgingMemo
from storage.snapshot import Snapshot, build_snapshot

log = logging.getLogger(__name__)


@dataclass
class Judged:
    """A run's rule results against a scheme, on the 监测时间点 it was judged with."""

    run_id: int
    as_of: date
    scheme: Scheme
    results: dict[str, RuleResult]
    fetched: set[str]  # the URLs the run fetched (the evidence step shows only those)
    # reviewed false positives taken out of `results` before scoring (reports/tracking.py: the appendix)
    suppressed: list[Finding] = field(default_factory=list)
    memo: JudgingMemo | None = None  # results kept and reused (storage/memo.py), written with the results


def judge(snap: Snapshot, scheme: Scheme) -> tuple[dict[str, RuleResult], ScoreCard]:
    """Run the scheme's rules on a snapshot and score the results (pure)."""
    results = run_rules(snap, scheme.rule_ids, scheme.params)
    return results, score(scheme, results)


def judge_stored(session: Session, run_id: int, scheme: Scheme, as_of: date | None = None,
                 reuse: bool = True) -> Judged:
    """Run the scheme's rules on a stored run (nothing is written). A rule whose inputs are unchanged since
    the site was last judged gets its kept result (storage/memo.py); `reuse=False` runs every rule (and
    keeps their results all the same)."""
    snap = build_snapshot(session, run_id, as_of, digests=True)
    memo = JudgingMemo(session, run_id, snap.site.id, scheme.params, reuse=reuse)
    results = run_rules(snap, scheme.rule_ids, scheme.params, memo=memo)
    if memo.reused:
        log.info("run %s: %d of %d rules reused (inputs unchanged): %s", run_id, len(memo.reused), len(results),
                 ", ".join(memo.reused))
    return Judged(run_id, snap.as_of, scheme, results, set(snap.pages), memo=memo)


def score_and_store(session: Session, judged: Judged) -> ScoreCard:
    """Score judged results with their scheme and store results, findings and score (replacing older ones)."""
    run = session.get(m.Run, judged.run_id)
    card = score(judged.scheme, judged.results, run.state if run is not None else "complete")
    store_results(session, judged.run_id, judged.as_of, judged.scheme, judged.results, card, judged.memo)
    return card


def judge_run(session: Session, run_id: int, scheme: Scheme, as_of: date | None = None) -> ScoreCard:
    """Judge a stored run and store its rule results, findings and score."""
    return score_and_store(session, judge_stored(session, run_id, scheme, as_of))


def store_results(session: Session, run_id: int, as_of: date, scheme: Scheme,
                  results: dict[str, RuleResult], card: ScoreCard, memo: JudgingMemo | None = None) -> None:
    for table in (m.Finding, m.RuleOutcome, m.IndicatorScore, m.Score, m.Judgement, m.RuleMemo):
        session.execute(delete(table).where(table.run_id == run_id))
    session.add(m.Judgement(run_id=run_id, scheme=scheme.ref, as_of=as_of))
    if memo is not None:
        session.add_all(memo.rows())
        run = session.get(m.Run, run_id)
        if run is not None:
            run.stats = {**(run.stats or {}), "judging": {"rules": len(results), "reused": sorted(memo.reused)},
                         **memo.stats()}
    for rule_id, res in results.items():
        session.add(m.RuleOutcome(run_id=run_id, rule=rule_id, status=str(res.status), findings=len(res.findings),
                                  reason=res.reason, duration_ms=round(res.duration_ms, 3)))
        session.add_all(
            m.Finding(run_id=run_id, rule=f.rule, subject=f.subject, page=f.page, message=f.message,
                      evidence=f.evidence, screenshot=f.screenshot,
                      severity=card.severity.get((f.rule, f.subject), "info"))
            for f in res.findings
        )
    session.add(m.Score(run_id=run_id, scheme=scheme.id, total=card.total, vetoed=card.vetoed,
                        vetoes=card.vetoes, undecided_vetoes=card.undecided_vetoes, grade=card.grade))
    session.add_all(
        m.IndicatorScore(run_id=run_id, indicator=i.id, name=i.name, kind=i.kind, deducted=i.deducted,
                         findings=i.findings, status=i.status)
        for i in card.indicators
    )

