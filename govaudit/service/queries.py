"""Reads shared by the API and the dashboard, in findings.json's names (CONTRACT.md §4).

Every function takes the caller (`storage.users.UserRecord`) and answers only what it may see: a unit
asking for another unit's site, run, finding, evidence file or evaluation gets `NotVisible`, which the
API and the dashboard both turn into 404 — the same answer as for something that does not exist.
"""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session

from storage import models as m
from storage import problems as repo
from storage.users import UserRecord
from storage.vocabulary import china_time

MAX_PAGE = 500


class NotVisible(LookupError):
    """Absent, or not the caller's: one answer for both (404)."""


def _iso(value: Any) -> str | None:
    if value is None:
        return None
    if hasattr(value, "hour"):
        return china_time(value).isoformat(timespec="seconds")
    return value.isoformat()


@lru_cache(maxsize=1)
def rule_catalogue() -> dict[str, dict[str, Any]]:
    """Each rule's Chinese name and indicator (checks/registry.py)."""
    from checks.registry import get_rules

    return {rid: {"name_zh": r.rule.name_zh, "indicator": r.rule.indicator} for rid, r in get_rules().items()}


def visible_site_ids(session: Session, user: UserRecord) -> list[str]:
    query = select(m.Site.id).order_by(m.Site.id)
    if not user.sees_all:
        query = query.where(m.Site.id.in_(list(user.sites)))
    return list(session.scalars(query))


def site_or_404(session: Session, user: UserRecord, site_id: str) -> m.Site:
    site = session.get(m.Site, site_id)
    if site is None or not user.may_see(site_id):
        raise NotVisible(f"site {site_id}")
    return site


def run_or_404(session: Session, user: UserRecord, run_id: int) -> m.Run:
    run = session.get(m.Run, run_id)
    if run is None or not user.may_see(run.site_id):
        raise NotVisible(f"run {run_id}")
    return run


def run_json(run: m.Run, score: m.Score | None = None, as_of: Any = None) -> dict[str, Any]:
    out = {"id": run.id, "site": run.site_id, "as_of": _iso(as_of or run.as_of), "started_at": _iso(run.started_at),
           "finished_at": _iso(run.finished_at), "pages": run.pages or 0, "state": run.state, "kind": run.kind}
    out["score"] = score_brief(score) if score is not None else None
    return out


def score_brief(score: m.Score) -> dict[str, Any]:
    return {"scheme": score.scheme, "total": score.total, "vetoed": bool(score.vetoed), "vetoes": list(score.vetoes),
            "grade": score.grade}


def latest_runs(session: Session, site_ids: list[str]) -> dict[str, m.Run]:
    """Each site's newest judged full audit."""
    if not site_ids:
        return {}
    newest = (select(m.Run.site_id, func.max(m.Run.id).label("id"))
              .join(m.Judgement, m.Judgement.run_id == m.Run.id)
              .where(m.Run.site_id.in_(site_ids), m.Run.kind == "audit").group_by(m.Run.site_id).subquery())
    return {r.site_id: r for r in session.scalars(select(m.Run).join(newest, newest.c.id == m.Run.id))}


def site_json(session: Session, site: m.Site, run: m.Run | None, open_counts: dict[str, int]) -> dict[str, Any]:
    score = session.get(m.Score, run.id) if run is not None else None
    return {"id": site.id, "name": site.name, "url": site.url, "kind": site.kind, "unit": site.unit,
            "group": (site.config or {}).get("group"),
            "run": run_json(run, score) if run is not None else None,
            "open_problems": open_counts.get(site.id, 0)}


def sites(session: Session, user: UserRecord) -> list[dict[str, Any]]:
    ids = visible_site_ids(session, user)
    runs = latest_runs(session, ids)
    counts = open_problem_counts(session, ids)
    rows = session.scalars(select(m.Site).where(m.Site.id.in_(ids)).order_by(m.Site.id)) if ids else []
    return [site_json(session, s, runs.get(s.id), counts) for s in rows]


def open_problem_counts(session: Session, site_ids: list[str]) -> dict[str, int]:
    if not site_ids:
        return {}
    from storage.vocabulary import PROBLEM_OPEN_STATES

    return dict(session.execute(select(m.Problem.site_id, func.count()).where(
        m.Problem.site_id.in_(site_ids), m.Problem.state.in_([*PROBLEM_OPEN_STATES, "rectifying"]))
        .group_by(m.Problem.site_id)).all())


def runs_of(session: Session, site_id: str, limit: int, offset: int) -> tuple[list[dict[str, Any]], int]:
    total = session.scalar(select(func.count()).select_from(m.Run).where(m.Run.site_id == site_id)) or 0
    rows = session.execute(select(m.Run, m.Score, m.Judgement.as_of)
                           .outerjoin(m.Score, m.Score.run_id == m.Run.id)
                           .outerjoin(m.Judgement, m.Judgement.run_id == m.Run.id)
                           .where(m.Run.site_id == site_id).order_by(m.Run.id.desc())
                           .offset(offset).limit(limit)).all()
    return [run_json(r, s, a) for r, s, a in rows], total


def score_of(session: Session, run: m.Run) -> dict[str, Any] | None:
    """The run's score as findings.json writes it (§4 `score`)."""
    score = session.get(m.Score, run.id)
    if score is None:
        return None
    indicators = session.scalars(select(m.IndicatorScore).where(m.IndicatorScore.run_id == run.id)
                                 .order_by(m.IndicatorScore.id)).all()
    return {**score_brief(score), "undecided_vetoes": list(score.undecided_vetoes or []),
            "indicators": [{"id": i.indicator, "name": i.name, "deducted": i.deducted, "findings": i.findings,
                            "kind": i.kind, "status": i.status} for i in indicators]}


def rules_of(session: Session, run_id: int) -> list[dict[str, Any]]:
    names = rule_catalogue()
    return [{"rule": r.rule, "status": r.status, "findings": r.findings, "reason": r.reason,
             "name_zh": names.get(r.rule, {}).get("name_zh", r.rule)}
            for r in session.scalars(select(m.RuleOutcome).where(m.RuleOutcome.run_id == run_id)
                                     .order_by(m.RuleOutcome.id))]


def findings_page(session: Session, run: m.Run, *, rules: list[str], indicators: list[str], severities: list[str],
                  states: list[str], limit: int, offset: int) -> tuple[list[dict[str, Any]], int]:
    """One page of a run's findings (filters: rule ids or prefixes `link.`, indicator ids, severities,
    problem states), each with its problem and screenshot as in findings.json."""
    from reports.canonical import _screenshots

    catalogue = rule_catalogue()
    query = select(m.Finding).where(m.Finding.run_id == run.id)
    wanted_rules: set[str] | None = None
    if rules:
        wanted_rules = {r for r in catalogue if any(r == x or (x.endswith(".") and r.startswith(x)) for x in rules)}
        wanted_rules |= {x for x in rules if not x.endswith(".")}
    if indicators:
        by_ind = {r for r, v in catalogue.items() if v["indicator"] in indicators}
        wanted_rules = by_ind if wanted_rules is None else wanted_rules & by_ind
    if wanted_rules is not None:
        query = query.where(m.Finding.rule.in_(sorted(wanted_rules)))
    if severities:
        query = query.where(m.Finding.severity.in_(severities))
    sighting = and_(m.ProblemSighting.run_id == m.Finding.run_id, m.ProblemSighting.subject == m.Finding.subject)
    if states:
        query = (query.join(m.ProblemSighting, sighting)
                 .join(m.Problem, and_(m.Problem.id == m.ProblemSighting.problem_id, m.Problem.rule == m.Finding.rule))
                 .where(m.Problem.state.in_(states)))
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    # the page's ids first (an index-only scan on PostgreSQL: (run_id, id)), then only those rows — so a deep
    # offset skips index entries, not 650-byte heap rows
    page_ids = list(session.scalars(query.with_only_columns(m.Finding.id).order_by(m.Finding.id)
                                    .offset(offset).limit(limit)))
    findings = session.scalars(select(m.Finding).where(m.Finding.id.in_(page_ids))
                               .order_by(m.Finding.id)).all() if page_ids else []
    shots, _crops = _screenshots(session, run.id, list(findings)) if findings else ({}, {})
    problems: dict[tuple[str, str], tuple[int, str]] = {}
    if findings:
        subjects = sorted({f.subject for f in findings})
        for at in range(0, len(subjects), 500):
            for rule, subject, pid, state in session.execute(
                    select(m.Problem.rule, m.ProblemSighting.subject, m.Problem.id, m.Problem.state)
                    .join(m.Problem, m.Problem.id == m.ProblemSighting.problem_id)
                    .where(m.ProblemSighting.run_id == run.id, m.ProblemSighting.subject.in_(subjects[at:at + 500]))):
                problems[(rule, subject)] = (pid, state)
    out = []
    for f in findings:
        meta = catalogue.get(f.rule, {})
        p = problems.get((f.rule, f.subject))
        out.append({"id": f.id, "run": run.id, "rule": f.rule, "subject": f.subject, "severity": f.severity,
                    "page": f.page, "message": f.message, "evidence": f.evidence or {},
                    "screenshot": shots.get(f.id), "name_zh": meta.get("name_zh", f.rule),
                    "indicator": meta.get("indicator"),
                    "problem": {"id": p[0], "state": p[1]} if p else None})
    return out, total


def problem_or_404(session: Session, user: UserRecord, problem_id: int) -> repo.ProblemRecord:
    problem = session.get(m.Problem, problem_id)
    if problem is None or not user.may_see(problem.site_id):
        raise NotVisible(f"problem {problem_id}")
    return repo.get_problem(session, problem_id, with_events=True)


def problems(session: Session, user: UserRecord, *, sites: list[str], states: list[str], rules: list[str],
             limit: int, offset: int) -> repo.ProblemPage:
    allowed = visible_site_ids(session, user)
    chosen = [s for s in sites if s in allowed] if sites else allowed
    if not chosen:
        return repo.ProblemPage(items=[], total=0, offset=offset, limit=limit)
    return repo.list_problems(session, sites=chosen, states=states, rules=rules, limit=limit, offset=offset)


def evidence_file(session: Session, user: UserRecord, run_id: int, name: str, out_dir: Path) -> Path:
    """An evidence screenshot of a run: only files the run's records name, inside its evidence folder."""
    run = run_or_404(session, user, run_id)
    rel = f"evidence/{name}"
    known = session.scalar(select(func.count()).select_from(m.EvidenceShot).where(
        m.EvidenceShot.run_id == run_id, m.EvidenceShot.path == rel)) or session.scalar(
        select(func.count()).select_from(m.Finding).where(m.Finding.run_id == run_id, m.Finding.screenshot == rel))
    if not known or "/" in name or "\\" in name or name.startswith("."):
        raise NotVisible(f"evidence {name}")
    folders = [((run.stats or {}).get("browser") or {}).get("evidence_dir"), str(out_dir / run.site_id / "evidence")]
    for folder in folders:
        if not folder:
            continue
        base = Path(folder).resolve()
        path = (base / name).resolve()
        if path.parent == base and path.is_file():
            return path
    raise NotVisible(f"evidence {name}")


def probes_of(session: Session, site_id: str, limit: int, offset: int) -> tuple[list[dict[str, Any]], int]:
    total = session.scalar(select(func.count()).select_from(m.Probe).where(m.Probe.site_id == site_id)) or 0
    rows = session.scalars(select(m.Probe).where(m.Probe.site_id == site_id).order_by(m.Probe.id.desc())
                           .offset(offset).limit(limit)).all()
    return [{"id": p.id, "url": p.url, "started_at": _iso(p.started_at), "status": p.status, "error": p.error,
             "total_ms": p.total_ms, "final_url": p.final_url} for p in rows], total


# --- evaluations ------------------------------------------------------------------------------------------
def evaluations(session: Session, user: UserRecord) -> list[dict[str, Any]]:
    evs = session.scalars(select(m.Evaluation).order_by(m.Evaluation.id)).all()
    out = []
    for ev in evs:
        if not user.may_see_evaluation(ev.id):  # a judge: only its assigned evaluations
            continue
        units = _units(session, user, ev.id)
        if units or user.sees_all:
            out.append(_evaluation_brief(ev) | {"units": len(units)})
    return out


def _units(session: Session, user: UserRecord, evaluation_id: int) -> list[m.EvaluationUnit]:
    query = select(m.EvaluationUnit).where(m.EvaluationUnit.evaluation_id == evaluation_id)
    if not user.sees_all:
        query = query.where(m.EvaluationUnit.site_id.in_(list(user.sites)))
    return list(session.scalars(query.order_by(m.EvaluationUnit.id)))


def _evaluation_brief(ev: m.Evaluation) -> dict[str, Any]:
    return {"id": ev.id, "name": ev.name, "scheme": ev.scheme, "period": ev.period, "as_of": _iso(ev.as_of),
            "state": ev.state, "published_on": _iso(ev.published_on), "objections_close": _iso(ev.objections_close),
            "finalized_on": _iso(ev.finalized_on)}


def evaluation_or_404(session: Session, user: UserRecord, evaluation_id: int) -> dict[str, Any]:
    ev = session.get(m.Evaluation, evaluation_id)
    if ev is None or not user.may_see_evaluation(ev.id):  # a judge not assigned it: the same 404 as absent
        raise NotVisible(f"evaluation {evaluation_id}")
    units = _units(session, user, ev.id)
    if not units and not user.sees_all:
        raise NotVisible(f"evaluation {evaluation_id}")
    by_id = {u.id: u.site_id for u in units}
    scores = session.scalars(select(m.ManualScore).where(m.ManualScore.evaluation_id == ev.id,
                                                         m.ManualScore.current.is_(True),
                                                         m.ManualScore.unit_id.in_(list(by_id)))
                             .order_by(m.ManualScore.id)).all()
    objections = session.scalars(select(m.Objection).where(m.Objection.evaluation_id == ev.id,
                                                           m.Objection.unit_id.in_(list(by_id)))
                                 .order_by(m.Objection.id)).all()
    results = session.scalars(select(m.EvaluationResult).where(m.EvaluationResult.evaluation_id == ev.id,
                                                               m.EvaluationResult.unit_id.in_(list(by_id)))
                              .order_by(m.EvaluationResult.id)).all()
    return _evaluation_brief(ev) | {
        "units": [{"site": u.site_id, "name": u.name, "kind": u.kind, "group": u.group, "unit": u.unit,
                   "run": u.run_id} for u in units],
        "manual_scores": [{"id": s.id, "site": by_id[s.unit_id], "item": s.item, "points": s.points,
                           "scorer": s.scorer, "role": s.role, "note": s.note, "entered_at": _iso(s.entered_at)}
                          for s in scores],
        "objections": [{"id": o.id, "site": by_id[o.unit_id], "item": o.item, "text": o.text, "raised_by": o.raised_by,
                        "raised_on": _iso(o.raised_on), "decision": o.decision, "answer": o.answer,
                        "answered_by": o.answered_by, "answered_on": _iso(o.answered_on)} for o in objections],
        "results": [{"site": by_id[r.unit_id], "stage": r.stage, "total": r.total, "grade": r.grade, "rank": r.rank,
                     "group": r.group, "complete": bool(r.complete)} for r in results],
    }


def objection_or_404(session: Session, user: UserRecord, objection_id: int) -> m.Objection:
    row = session.get(m.Objection, objection_id)
    if row is None:
        raise NotVisible(f"objection {objection_id}")
    unit = session.get(m.EvaluationUnit, row.unit_id)
    if unit is None or not user.may_see(unit.site_id) or not user.may_see_evaluation(row.evaluation_id):
        raise NotVisible(f"objection {objection_id}")
    return row


# --- the dashboard's pages ----------------------------------------------------------------------------------
def _day(as_of: Any, started: Any) -> str | None:
    value = as_of or started
    if value is None:
        return None
    return (china_time(value).date() if hasattr(value, "hour") else value).isoformat()


def score_trend(session: Session, site_ids: list[str], names: dict[str, str]) -> dict[str, Any]:
    """Each site's judged audits (date, total) and each day's 合格率 over the audits of that day: the chart data."""
    if not site_ids:
        return {"series": [], "pass_rate": []}
    rows = session.execute(select(m.Run.site_id, m.Run.as_of, m.Run.started_at, m.Judgement.as_of, m.Score.total,
                                  m.Score.grade)
                           .join(m.Score, m.Score.run_id == m.Run.id)
                           .outerjoin(m.Judgement, m.Judgement.run_id == m.Run.id)
                           .where(m.Run.site_id.in_(site_ids), m.Run.kind == "audit").order_by(m.Run.id)).all()
    series: dict[str, dict[str, float]] = {}
    days: dict[str, list[bool]] = {}
    for site_id, run_as_of, started, judged_as_of, total, grade in rows:
        day = _day(judged_as_of or run_as_of, started)
        if day is None:
            continue
        series.setdefault(site_id, {})[day] = round(float(total), 2)
        days.setdefault(day, []).append(grade == "合格")
    return {"series": [{"name": names.get(sid, sid), "data": sorted(points.items())} for sid, points in
                       sorted(series.items())],
            "pass_rate": [[d, round(100 * sum(v) / len(v), 1)] for d, v in sorted(days.items())]}


def _indicator_names(session: Session, run_ids: list[int]) -> dict[str, str]:
    if not run_ids:
        return {}
    return dict(session.execute(select(m.IndicatorScore.indicator, m.IndicatorScore.name)
                                .where(m.IndicatorScore.run_id.in_(run_ids))).all())


def region(session: Session, user: UserRecord) -> dict[str, Any]:
    """The overview: the caller's sites by grade, 合格率, vetoes, the ranking and the score trend."""
    items = sites(session, user)
    graded = [x for x in items if x["run"] and x["run"]["score"]]
    by_grade: dict[str, list[dict]] = {}
    for x in items:
        grade = x["run"]["score"]["grade"] if x in graded else "未检查"
        by_grade.setdefault(grade, []).append(x)
    passed = len(by_grade.get("合格", []))
    ranking = sorted(graded, key=lambda x: (-x["run"]["score"]["total"], x["id"]))
    names = _indicator_names(session, [x["run"]["id"] for x in graded if x["run"]["score"]["vetoes"]])
    vetoes = [{"site": x, "vetoes": [{"id": v, "name": names.get(v, v)} for v in x["run"]["score"]["vetoes"]]}
              for x in ranking if x["run"]["score"]["vetoed"]]
    return {"sites": items, "by_grade": by_grade, "graded": len(graded), "passed": passed,
            "pass_rate": round(100 * passed / len(graded), 1) if graded else None, "ranking": ranking,
            "vetoes": vetoes, "open_total": sum(x["open_problems"] for x in items),
            "trend": score_trend(session, [x["id"] for x in items], {x["id"]: x["name"] for x in items})}


def evidence_href(run_id: int, screenshot: str | None) -> str | None:
    """The dashboard's address of a run's screenshot (`evidence/<name>`)."""
    if not screenshot or not screenshot.startswith("evidence/"):
        return None
    return f"/evidence/{run_id}/{screenshot.split('/', 1)[1]}"


def site_page(session: Session, user: UserRecord, site_id: str) -> dict[str, Any]:
    """A site: its newest judged audit and score, score history, the diff against the previous complete run,
    and its open problems (and those awaiting re-check) grouped by indicator, each with its screenshot."""
    from storage.vocabulary import PROBLEM_OPEN_STATES

    site = site_or_404(session, user, site_id)
    run = latest_runs(session, [site_id]).get(site_id)
    info = site_json(session, site, run, open_problem_counts(session, [site_id]))
    history = [r for r in reversed(runs_of(session, site_id, 1000, 0)[0]) if r["score"] is not None]
    out: dict[str, Any] = {"site": info, "history": history, "score": None, "groups": [], "diff": None,
                           "trend": {"series": [{"name": site.name, "data": [[(r["as_of"] or r["started_at"] or "")[:10],
                                                                              r["score"]["total"]] for r in history]}],
                                     "pass_rate": []}}
    if run is None:
        return out
    score = score_of(session, run)
    out["score"] = score
    names = {i["id"]: i["name"] for i in (score or {}).get("indicators", [])}
    findings: list[dict[str, Any]] = []
    while True:
        page, total = findings_page(session, run, rules=[], indicators=[], severities=[],
                                    states=[*PROBLEM_OPEN_STATES, "rectifying"], limit=MAX_PAGE, offset=len(findings))
        findings.extend(page)
        if not page or len(findings) >= min(total, 5000):
            break
    groups: dict[str, list[dict]] = {}
    for f in findings:
        f["evidence_href"] = evidence_href(run.id, f["screenshot"])
        groups.setdefault(f["indicator"] or "", []).append(f)
    out["groups"] = [{"id": k, "name": names.get(k, k or "其他"), "findings": v} for k, v in sorted(groups.items())]
    tracking = repo.tracking_of_run(session, run.id)
    if tracking is not None:
        changes: dict[str, int] = {}
        for sighting in repo.sightings_of_run(session, run.id):
            changes[sighting.change] = changes.get(sighting.change, 0) + 1
        fixed = session.scalars(select(m.Problem).where(m.Problem.id.in_(list(tracking.fixed or [])))
                                .order_by(m.Problem.id)).all() if tracking.fixed else []
        catalogue = rule_catalogue()
        out["diff"] = {"previous_run": tracking.previous_run_id, "new": changes.get("new", 0),
                       "persisting": changes.get("persisting", 0), "recurring": changes.get("recurring", 0),
                       "fixed": [{"problem": p.id, "rule": p.rule, "subject": p.subject,
                                  "name_zh": catalogue.get(p.rule, {}).get("name_zh", p.rule)} for p in fixed]}
    return out


def problem_page(session: Session, user: UserRecord, problem_id: int) -> dict[str, Any]:
    """A problem, its history, its newest finding and that finding's screenshot."""
    from reports.canonical import _screenshots
    from storage.vocabulary import beijing_today

    record = problem_or_404(session, user, problem_id)
    finding = session.scalars(select(m.Finding).where(m.Finding.run_id == record.last_run,
                                                      m.Finding.rule == record.rule,
                                                      m.Finding.subject == record.subject)).first()
    shot = None
    if finding is not None:
        shots, _ = _screenshots(session, record.last_run, [finding])
        shot = evidence_href(record.last_run, shots.get(finding.id))
    meta = rule_catalogue().get(record.rule, {})
    return {"problem": record.as_json(beijing_today()), "name_zh": meta.get("name_zh", record.rule),
            "indicator": meta.get("indicator"), "screenshot": shot, "finding": record.finding}
