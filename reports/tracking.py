"""Problems across runs: reviews applied before scoring, and each judged run linked to its problems.

Two steps of the audit pipeline (govaudit/pipeline.py), also run by `check --run`:

- `apply_reviews` (before the score): a finding whose problem a reviewer marked `false_positive` is
  taken out of the run's results while its evidence fingerprint is the one reviewed — it is never
  scored and is listed in the report's appendix instead; a different fingerprint keeps it counted
  (and `track_run` reopens the problem as `doubtful`).
- `track_run` (after the score): every finding becomes a sighting of its problem (created when new),
  compared with the site's previous *complete* full audit (`new`, `persisting`, `recurring`, and the
  `fixed` problems this run no longer finds: those of that run, and any earlier one no full audit has
  seen gone since — a problem the previous run could not see is still reported fixed once it is
  seen gone). Only the site's newest tracked run
  changes problem states, and only a complete run closes problems — and only those whose rule it
  judged and whose pages it saw again. Scores of stored runs are never touched.

The repository (`storage/problems.py`) does every write.
"""
from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import replace
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from checks.base import Finding, RuleResult, Status
from reports.deadlines import due_date
from reports.judge import Judged
from reports.scheme import Scheme
from storage import models as m
from storage.crawlset import pages_where
from storage import problems as repo
from storage.problems import Sighting, subject_key

ACTOR = "govaudit audit"
FINGERPRINTS = Path(__file__).parent / "data" / "fingerprints.yaml"
DEADLINE_PARAM = "problems.rectify_working_days"
JUDGED = {str(Status.PASS), str(Status.FAIL), str(Status.NOT_APPLICABLE)}
# States a complete audit that no longer finds the problem ends: gone without a claim, or a claim confirmed.
_GONE = {"open": "closed", "confirmed": "closed", "doubtful": "closed", "recheck_failed": "closed",
         "rectifying": "rectified"}


# --- evidence fingerprints ------------------------------------------------------------------------
@cache
def _spec() -> dict[str, Any]:
    return yaml.safe_load(FINGERPRINTS.read_text(encoding="utf-8"))


def fingerprint_keys(rule: str) -> list[str] | None:
    """The evidence paths that identify what a finding of `rule` saw (None: all but the volatile keys)."""
    rules = _spec().get("rules") or {}
    return list(rules[rule]) if rule in rules else None


def fingerprint(rule: str, evidence: Mapping[str, Any]) -> str:
    """A short hash of what a finding saw: the rule's fingerprint keys of its evidence (reports/data/fingerprints.yaml)."""
    keys = fingerprint_keys(rule)
    if keys is None:
        volatile = set(_spec().get("volatile") or ())
        picked = {k: v for k, v in evidence.items() if k not in volatile}
    else:
        picked = {k: _pick(evidence, k) for k in keys}
    blob = json.dumps([rule, picked], ensure_ascii=False, sort_keys=True, default=str)
    return hashlib.sha1(blob.encode("utf-8")).hexdigest()[:16]


def _pick(evidence: Mapping[str, Any], path: str) -> Any:
    if path.endswith("{}"):
        value = evidence.get(path[:-2])
        return sorted(value) if isinstance(value, dict) else value
    if "[]." in path:
        head, key = path.split("[].", 1)
        values: set[str] = set()
        for item in evidence.get(head) or ():
            got = item.get(key) if isinstance(item, dict) else None
            for v in got if isinstance(got, list) else [got]:
                if v is not None:
                    values.add(json.dumps(v, ensure_ascii=False, sort_keys=True, default=str))
        return sorted(values)
    value: Any = evidence
    for part in path.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    return value


def finding_json(f: Finding) -> dict[str, Any]:
    """A rule's finding in findings.json's shape (no severity: a suppressed finding is not scored)."""
    return {"rule": f.rule, "subject": f.subject, "page": f.page, "message": f.message, "evidence": f.evidence,
            **({"screenshot": f.screenshot} if f.screenshot else {})}


# --- before the score: reviews ----------------------------------------------------------------------
def apply_reviews(session: Session, judged: Judged) -> Judged:
    """The judged run without the findings reviewed as false positives whose evidence is unchanged."""
    run = session.get(m.Run, judged.run_id)
    known = {k: p for k, p in repo.problems_of_site(session, run.site_id).items() if p.state == "false_positive"}
    if not known:
        return judged
    reviewed = repo.reviewed_fingerprints(session, [p.id for p in known.values()])
    results: dict[str, RuleResult] = {}
    suppressed: list[Finding] = []
    for rule_id, res in judged.results.items():
        kept = []
        for f in res.findings:
            p = known.get((f.rule, subject_key(f.rule, f.subject)))
            if p is not None and reviewed.get(p.id) == fingerprint(f.rule, f.evidence):
                suppressed.append(f)
            else:
                kept.append(f)
        if len(kept) == len(res.findings):
            results[rule_id] = res
            continue
        gone = len(res.findings) - len(kept)
        note = f"{gone} 项经复核为误报，未计入（见报告附录） / {gone} reviewed false positive(s) not counted"
        status = res.status if kept or res.status != Status.FAIL else Status.PASS
        results[rule_id] = RuleResult(status, kept, reason="；".join(filter(None, [res.reason, note])),
                                      duration_ms=res.duration_ms)
    return replace(judged, results=results, suppressed=suppressed)


# --- after the score: tracking -----------------------------------------------------------------------
def track_run(session: Session, run_id: int, scheme: Scheme, suppressed: Iterable[Finding] = ()) -> None:
    """Link a scored full-audit run's findings (and its suppressed ones) to the site's problems."""
    run = session.get(m.Run, run_id)
    site_id = run.site_id
    previous = repo.previous_complete_run(session, site_id, run_id)
    newest = (repo.newest_tracked_audit(session, site_id) or 0) <= run_id
    complete = run.state == "complete"
    before = {s.problem_id: s.change for s in repo.sightings_of_run(session, run_id)}
    problems = repo.problems_of_site(session, site_id)
    due = _due(run.as_of, scheme)
    statuses = dict(session.execute(select(m.RuleOutcome.rule, m.RuleOutcome.status)
                                    .where(m.RuleOutcome.run_id == run_id)).all())
    judged_rules = {r for r, s in statuses.items() if s in JUDGED}

    counted = [(f.rule, f.subject, {"rule": f.rule, "subject": f.subject, "page": f.page, "message": f.message,
                                    "evidence": f.evidence}, False)
               for f in session.scalars(select(m.Finding).where(m.Finding.run_id == run_id))]
    hidden = [(f.rule, f.subject, finding_json(f), True) for f in suppressed]
    sightings: dict[int, Sighting] = {}
    for rule, subject, data, is_suppressed in sorted(counted + hidden, key=lambda t: (t[0], t[1])):
        key = (rule, subject_key(rule, subject))
        print_ = fingerprint(rule, data["evidence"])
        problem = problems.get(key)
        if problem is None:
            problem = repo.open_problem(session, site_id=site_id, rule=rule, subject=subject, run_id=run_id,
                                        opened_on=run.as_of, due_on=due, actor=ACTOR)
            problems[key] = problem
            change = "new"
        else:
            change = before.get(problem.id) or _change(problem, run_id)
            if newest:
                _advance(session, problem, run, complete, print_, is_suppressed, due)
            repo.seen_in(session, problem.id, run_id, subject)
        if problem.id not in sightings:  # two subjects of one run may normalise to one problem
            sightings[problem.id] = Sighting(problem.id, run_id, subject, change, print_, is_suppressed,
                                             data if is_suppressed else {})
    fixed: list[int] = []
    if complete:
        # only problems still asking for a fix can be gone (and those this run already found fixed)
        earlier_fixed = set(getattr(repo.tracking_of_run(session, run_id), "fixed", None) or [])
        gone = [p for p in problems.values() if p.id not in sightings and p.rule in judged_rules
                and (p.state in _GONE or p.id in earlier_fixed)]
        seen_again = _seen_again(session, run_id, gone)
        fixed = _newly_gone(session, site_id, run_id, [p.id for p in gone if p.id in seen_again])
        if newest:
            for p in gone:
                if p.state in _GONE and p.id in seen_again:
                    repo.transition(session, p.id, _GONE[p.state], actor=ACTOR, kind="audit", run_id=run_id,
                                    note="本次完整检查未再发现该问题 / not found again by a complete audit")
    repo.replace_sightings(session, run_id, sightings.values(), previous, fixed)


def _newly_gone(session: Session, site_id: str, run_id: int, gone: list[int]) -> list[int]:
    """Of the problems this run saw gone, those no full audit since their last counted sighting saw gone:
    the previous run's problems it no longer finds, and those that earlier runs could not see."""
    if not gone:
        return []
    last = dict(session.execute(
        select(m.ProblemSighting.problem_id, func.max(m.ProblemSighting.run_id))
        .join(m.Run, m.Run.id == m.ProblemSighting.run_id)
        .where(m.ProblemSighting.problem_id.in_(gone), m.ProblemSighting.run_id < run_id,
               m.ProblemSighting.suppressed.is_(False), m.Run.kind == "audit")
        .group_by(m.ProblemSighting.problem_id)).all())
    earlier = session.execute(select(m.ProblemRun.run_id, m.ProblemRun.fixed)
                              .join(m.Run, m.Run.id == m.ProblemRun.run_id)
                              .where(m.Run.site_id == site_id, m.Run.kind == "audit", m.Run.id < run_id)).all()
    return sorted(pid for pid, seen in last.items()
                  if not any(seen < rid and pid in (fixed or []) for rid, fixed in earlier))


def _change(problem: m.Problem, run_id: int) -> str:
    if problem.state in ("rectified", "closed"):
        return "recurring"
    return "persisting" if problem.first_run_id < run_id else "new"


def _advance(session: Session, problem: m.Problem, run: m.Run, complete: bool, print_: str, is_suppressed: bool,
             due: Any) -> None:
    """The state change a new sighting causes: a gone problem is back, a false positive's evidence
    changed, a claimed fix did not hold."""
    if problem.state in ("rectified", "closed"):
        repo.transition(session, problem.id, "open", actor=ACTOR, kind="audit", run_id=run.id,
                        reopen=(run.as_of, due), note="问题再次出现（反复出现） / found again: recurring")
    elif problem.state == "false_positive" and not is_suppressed:
        repo.transition(session, problem.id, "doubtful", actor=ACTOR, kind="audit", run_id=run.id,
                        detail={"fingerprint": print_},
                        note="误报的证据已变化，需重新复核 / the evidence of a false positive changed")
    elif problem.state == "rectifying" and complete:
        repo.transition(session, problem.id, "recheck_failed", actor=ACTOR, kind="audit", run_id=run.id,
                        note="申报已整改，但完整检查仍发现该问题 / a full audit still finds the claimed fix")


def _seen_again(session: Session, run_id: int, problems: list[m.Problem]) -> set[int]:
    """The problems whose pages this run fetched again (a URL-less subject is seen by judging its rule):
    a broken link on a page outside this crawl's reach is not fixed, only unseen."""
    findings = repo.latest_findings(session, problems)
    urls: dict[int, set[str]] = {}
    for p in problems:
        finding = findings.get(p.id) or {}
        candidates = [p.subject, finding.get("page"), *((finding.get("evidence") or {}).get("pages") or [])]
        urls[p.id] = {u for u in candidates if isinstance(u, str) and u.startswith(("http://", "https://"))}
    every = sorted({u for us in urls.values() for u in us})
    fetched: set[str] = set()
    for at in range(0, len(every), 500):
        fetched.update(session.scalars(select(m.Page.url).where(pages_where(session, run_id),
                                                                m.Page.url.in_(every[at:at + 500]))))
    return {pid for pid, us in urls.items() if not us or us & fetched}


def _due(start: Any, scheme: Scheme) -> Any:
    days = scheme.params.get(DEADLINE_PARAM)
    return due_date(start, int(days)) if days is not None else None
