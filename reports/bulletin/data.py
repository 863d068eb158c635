"""What a period's 通报 says, read from storage (evaluation.md §2.3: counts by level and platform, 总体合格率 and
its change against the previous period, 问题网站名单, new-media list, the 复查 of the previous period's list).

Only **complete** audit runs whose 监测时间点 (as_of) lies in the period count: a site's newest one is its
result for the period. A site whose runs in the period were all interrupted or failed is listed as
未完成检查 — never graded, never in the 合格率, never ranked. Problem states are the current ones (the
problem tables keep no state per date), read when the bulletin is written.
"""
from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from checks.registry import get_rules
from storage import models as m
from storage.vocabulary import PROBLEM_OPEN_STATES

KIND_LEVEL = {"portal": "门户网站", "department": "部门网站"}
REPOST = "重复发布旧信息"  # reports.recheck.REPOST: the fake fix a re-check detects
RECHECK_STATUS = {"rectified": "已整改", "recheck_failed": "复核未通过", "closed": "复查未再发现",
                  "rectifying": "整改中（待复核）"}  # every other open state: 仍未整改


@dataclass
class Unit:
    site_id: str
    name: str
    url: str
    unit: str | None
    level: str  # the site's group (县市区 / 市直部门) or its kind (门户网站 / 部门网站)
    runs: int = 0  # audit runs in the period
    complete_runs: int = 0
    run_id: int | None = None  # the newest complete run of the period: the period's result
    as_of: date | None = None
    total: float | None = None
    grade: str | None = None  # 合格 | 不合格 | None = 未完成检查
    vetoes: list[str] = field(default_factory=list)  # names of the rules that vetoed
    findings: int = 0
    open_problems: int = 0
    defects: list[str] = field(default_factory=list)  # one line per veto rule / main problem

    @property
    def graded(self) -> bool:
        return self.grade is not None


@dataclass
class Recheck:
    """A problem of the previous period's 问题清单 and its re-check status now."""

    site_id: str
    site_name: str
    problem_id: int
    rule: str
    rule_name: str
    subject: str
    opened_on: date
    state: str
    status: str  # 已整改 | 复核未通过 | 复查未再发现 | 整改中（待复核） | 仍未整改
    fake: bool = False  # 弄虚作假: the fix was faked (重复发布旧信息)


@dataclass
class Bulletin:
    start: date
    end: date
    prev_start: date
    prev_end: date
    units: list[Unit]
    prev_units: list[Unit]
    newmedia: list[dict]  # 类型 · 名称 · 责任单位 · 问题类别 · 检查时更新日期 (+ site)
    accounts: dict[str, dict[str, int]]  # platform → {checked, problem}
    rechecks: list[Recheck]
    fakes: list[dict]  # the period's 弄虚作假 (fake fixes caught by re-checks)

    @staticmethod
    def rate(units: list[Unit]) -> float | None:
        graded = [u for u in units if u.graded]
        return round(100 * sum(u.grade == "合格" for u in graded) / len(graded), 2) if graded else None

    @property
    def pass_rate(self) -> float | None:
        return self.rate(self.units)

    @property
    def prev_pass_rate(self) -> float | None:
        return self.rate(self.prev_units)

    @property
    def delta(self) -> float | None:
        if self.pass_rate is None or self.prev_pass_rate is None:
            return None
        return round(self.pass_rate - self.prev_pass_rate, 2)

    def levels(self) -> list[dict]:
        """Totals per level: 网站数, 已检查, 合格, 不合格, 未完成检查, 合格率 (and the previous period's 合格率)."""
        out = []
        for level in dict.fromkeys(u.level for u in self.units):
            units = [u for u in self.units if u.level == level]
            prev = [u for u in self.prev_units if u.level == level]
            out.append({"level": level, "sites": len(units), "graded": sum(u.graded for u in units),
                        "passed": sum(u.grade == "合格" for u in units), "failed": sum(u.grade == "不合格" for u in units),
                        "incomplete": sum(not u.graded and u.runs > 0 for u in units),
                        "unchecked": sum(u.runs == 0 for u in units),
                        "rate": self.rate(units), "prev_rate": self.rate(prev)})
        return out

    @property
    def problem_sites(self) -> list[Unit]:
        """问题网站名单: the sites graded 不合格 in the period, lowest score first."""
        return sorted((u for u in self.units if u.grade == "不合格"), key=lambda u: (u.total or 0, u.site_id))


def previous_period(start: date, end: date) -> tuple[date, date]:
    """The period of the same length just before: a quarter before a quarter, a month before a month."""
    if start.day == 1 and (end + timedelta(days=1)).day == 1:
        months = (end.year - start.year) * 12 + end.month - start.month + 1
        y, mth = start.year, start.month - months
        while mth < 1:
            y, mth = y - 1, mth + 12
        return date(y, mth, 1), start - timedelta(days=1)
    length = (end - start).days + 1
    return start - timedelta(days=length), start - timedelta(days=1)


def build_bulletin(session: Session, start: date, end: date, sites: list[str] | None = None) -> Bulletin:
    """The 通报 of [start, end] (as_of dates, inclusive) over the given sites (default: every site stored)."""
    if end < start:
        raise ValueError(f"--to {end} is before --from {start}")
    names = {rid: r.rule.name_zh for rid, r in get_rules().items()}
    query = select(m.Site).order_by(m.Site.id)
    if sites:
        query = query.where(m.Site.id.in_(sites))
    site_rows = session.scalars(query).all()
    if sites:
        missing = sorted(set(sites) - {s.id for s in site_rows})
        if missing:
            raise LookupError(f"--site: no such site in the database: {', '.join(missing)}")
    prev_start, prev_end = previous_period(start, end)
    units = [_unit(session, s, start, end, names) for s in site_rows]
    prev_units = [_unit(session, s, prev_start, prev_end, names) for s in site_rows]
    newmedia, accounts = _newmedia(session, units, site_rows, names)
    rechecks = _rechecks(session, site_rows, prev_start, prev_end, names)
    fakes = _fakes(session, site_rows, start, end, names)
    return Bulletin(start, end, prev_start, prev_end, units, prev_units, newmedia, accounts, rechecks, fakes)


def _level(site: m.Site) -> str:
    return (site.config or {}).get("group") or KIND_LEVEL.get(site.kind, site.kind)


def _unit(session: Session, site: m.Site, start: date, end: date, names: dict[str, str]) -> Unit:
    unit = Unit(site.id, site.name, site.url, site.unit, _level(site))
    runs = session.scalars(select(m.Run).where(m.Run.site_id == site.id, m.Run.kind == "audit", m.Run.as_of >= start,
                                               m.Run.as_of <= end).order_by(m.Run.as_of, m.Run.id)).all()
    unit.runs = len(runs)
    complete = [r for r in runs if r.state == "complete" and session.get(m.Score, r.id) is not None]
    unit.complete_runs = len(complete)
    unit.open_problems = len(session.scalars(select(m.Problem.id).where(
        m.Problem.site_id == site.id, m.Problem.state.in_(PROBLEM_OPEN_STATES), m.Problem.opened_on <= end)).all())
    if not complete:
        return unit
    run = complete[-1]
    score = session.get(m.Score, run.id)
    unit.run_id, unit.as_of, unit.total, unit.grade = run.id, run.as_of, score.total, score.grade
    unit.vetoes = [names.get(r, r) for r in score.vetoes or []]
    findings = session.scalars(select(m.Finding).where(m.Finding.run_id == run.id).order_by(m.Finding.id)).all()
    unit.findings = len(findings)
    for rule in score.vetoes or []:
        first = next((f for f in findings if f.rule == rule), None)
        if first is not None:
            unit.defects.append(f"{names.get(rule, rule)}：{first.message}")
    if not unit.defects:
        counts = Counter(f.rule for f in findings)
        unit.defects = [f"{names.get(r, r)} {n} 处" for r, n in counts.most_common(3)]
    return unit


def _newmedia(session: Session, units: list[Unit], sites: list[m.Site], names: dict[str, str]
              ) -> tuple[list[dict], dict[str, dict[str, int]]]:
    by_site = {s.id: s for s in sites}
    rows: list[dict] = []
    accounts: dict[str, dict[str, int]] = defaultdict(lambda: {"checked": 0, "problem": 0})
    for unit in units:
        if unit.run_id is None:
            continue
        accs = session.scalars(select(m.Account).where(m.Account.run_id == unit.run_id).order_by(m.Account.id)).all()
        findings = session.scalars(select(m.Finding).where(m.Finding.run_id == unit.run_id,
                                                           m.Finding.rule.like("newmedia.%"))).all()
        by_subject: dict[str, list[m.Finding]] = defaultdict(list)
        for f in findings:
            by_subject[f.subject].append(f)
        for acc in accs:
            key = f"{acc.platform}:{acc.handle}"
            accounts[acc.platform]["checked"] += 1
            found = by_subject.get(key, [])
            if found:
                accounts[acc.platform]["problem"] += 1
            for f in found:
                newest = (f.evidence or {}).get("newest")
                rows.append({"platform": acc.platform, "name": acc.name or acc.registered_name or acc.handle,
                             "unit": by_site[unit.site_id].unit or unit.name, "problem": names.get(f.rule, f.rule),
                             "updated": (newest or "")[:10] or "—", "site_id": unit.site_id})
    return rows, dict(accounts)


def _rechecks(session: Session, sites: list[m.Site], start: date, end: date, names: dict[str, str]) -> list[Recheck]:
    by_site = {s.id: s for s in sites}
    problems = session.scalars(select(m.Problem).where(
        m.Problem.site_id.in_(list(by_site)), m.Problem.opened_on >= start, m.Problem.opened_on <= end,
        m.Problem.state != "false_positive").order_by(m.Problem.site_id, m.Problem.id)).all()
    faked = _faked_ids(session, [p.id for p in problems])
    return [Recheck(p.site_id, by_site[p.site_id].name, p.id, p.rule, names.get(p.rule, p.rule), p.subject,
                    p.opened_on, p.state, RECHECK_STATUS.get(p.state, "仍未整改"), p.id in faked) for p in problems]


def _faked_ids(session: Session, ids: list[int]) -> set[int]:
    if not ids:
        return set()
    events = session.scalars(select(m.ProblemEvent).where(m.ProblemEvent.problem_id.in_(ids),
                                                          m.ProblemEvent.kind == "recheck")).all()
    return {e.problem_id for e in events if (e.detail or {}).get("reason") == REPOST}


def _fakes(session: Session, sites: list[m.Site], start: date, end: date, names: dict[str, str]) -> list[dict]:
    """The fake fixes (弄虚作假) re-checks caught in the period (by the re-check run's 监测时间点)."""
    by_site = {s.id: s for s in sites}
    rows = session.execute(
        select(m.ProblemEvent, m.Problem, m.Run.as_of).join(m.Problem, m.Problem.id == m.ProblemEvent.problem_id)
        .join(m.Run, m.Run.id == m.ProblemEvent.run_id)
        .where(m.ProblemEvent.kind == "recheck", m.Problem.site_id.in_(list(by_site)), m.Run.as_of >= start,
               m.Run.as_of <= end).order_by(m.ProblemEvent.id)).all()
    return [{"site_id": p.site_id, "site_name": by_site[p.site_id].name, "problem": p.id, "rule": names.get(p.rule, p.rule),
             "subject": p.subject, "on": day, "note": e.note or REPOST}
            for e, p, day in rows if (e.detail or {}).get("reason") == REPOST]
