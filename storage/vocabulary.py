"""The vocabulary several layers share: Beijing time, the anti-bot wall statuses, run states, the
canonical URL form, the non-public address test and the dates government pages print.

One definition of each, imported by crawler/, checks/, reports/ and govaudit/ alike (storage/ is the
bottom layer, so this module imports nothing of ours).
"""
from __future__ import annotations

import ipaddress
from datetime import date, datetime, timedelta, timezone
from urllib.parse import urljoin, urlsplit, urlunsplit

from storage.reads import note

# 监测 days are Beijing calendar days: the sites, their operators and the 监测时间点 all live in UTC+8.
BEIJING = timezone(timedelta(hours=8), "CST")

# Statuses with which anti-bot walls answer a challenge page (瑞数 412, 加速乐 521, WZWS/安全狗 202 and
# 403, rate limits 429): with a script challenge in the page the target was not really seen.
WALL_STATUSES = frozenset({202, 403, 412, 429, 521})

# Fact families every crawl gathers (the others are named by their declarations, storage/facts/).
SPINE_FACTS = ("pages", "links")

# How a run ended; only a `complete` run is graded and ranked as the site's result.
RUN_STATES = ("running", "complete", "interrupted", "failed")

# The conclusions of a score (issue 21): 合格 / 不合格 from the points and vetoes of a complete run;
# 未定 when the run is not complete (interrupted, failed, still running) or a veto could not be judged —
# such a result is never ranked among the decided ones. A veto that fired is 不合格 whatever the run's
# state (what was found stays found).
GRADE_PASS, GRADE_FAIL, GRADE_UNDECIDED = "合格", "不合格", "未定"
GRADES = (GRADE_PASS, GRADE_FAIL, GRADE_UNDECIDED)
# How the reports name a run state (report.html banner, summary.xlsx 状态 column).
RUN_STATE_ZH = {"running": "未完成（检测未结束）", "complete": "完成", "interrupted": "未完成（检测中断）",
                "failed": "失败"}

_DEFAULT_PORTS = {"http": 80, "https": 443}


def china_time(when: datetime | None) -> datetime | None:
    """A stored time as an aware Beijing time (SQLite returns the stored wall clock, naive)."""
    if when is None:
        return None
    return when.replace(tzinfo=BEIJING) if when.tzinfo is None else when.astimezone(BEIJING)


def beijing_today(now: datetime | None = None) -> date:
    """Today's Beijing calendar day (the default 监测时间点)."""
    return (now or datetime.now(timezone.utc)).astimezone(BEIJING).date()


def valid_date(y: int, m: int, d: int) -> date | None:
    """The date, or None when it is not on the calendar (2026-02-30)."""
    try:
        return date(y, m, d)
    except ValueError:
        return None


def infer_year(month: int, day: int, ref: date, year_hint: int | None = None) -> date | None:
    """The date of a year-less `MM-DD`: the hinted year if it fits, else the latest not after `ref`."""
    if year_hint is not None:
        found = valid_date(year_hint, month, day)
        if found is not None and found <= ref:
            return found
    for year in (ref.year, ref.year - 1):
        found = valid_date(year, month, day)
        if found is not None and found <= ref:
            return found
    return None


def canonical(url: str, base: str | None = None) -> str | None:
    """The canonical absolute form of `url` (resolved against `base`), or None if not http(s)."""
    url = (url or "").strip()
    if base:
        try:
            url = urljoin(base, url)
        except ValueError:
            return None
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS or not parts.hostname:
        return None
    host = parts.hostname.lower()
    if ":" in host:
        host = f"[{host}]"
    netloc = host if port in (None, _DEFAULT_PORTS[scheme]) else f"{host}:{port}"
    path = parts.path or "/"
    return urlunsplit((scheme, netloc, path.replace(" ", "%20"), parts.query, ""))


def host_of(url: str) -> str:
    return (urlsplit(url).hostname or "").lower()


def is_private_ip(address: str) -> bool:
    """Loopback, private, link-local or otherwise non-public addresses (an auditor must not scan intranets)."""
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return False
    return not ip.is_global or ip.is_loopback or ip.is_link_local or ip.is_private


# --- Evaluations (issue 15, docs/evaluations.md) ---------------------------------------------------------
# An evaluation's states, in order: scores are collected and the result is provisional (初评); the
# provisional result is published and objections are taken within the window (异议); the final result.
EVALUATION_STATES = ("provisional", "objections", "final")

# Who may score a manual item (a scheme's `scorers`): the evaluators (第三方评估机构 or the 门户网站编辑部),
# the judges of an on-site review (现场评审专家), the 政务公开领导小组办公室.
SCORER_ROLES = {"evaluator": "评估人员", "judge": "评审专家", "office": "政务公开办"}

# The 依申请公开 simulation test: the channel a request went through, the kinds of answer (条例 第三十六条),
# and the elements of a proper answer (答复书要素).
REQUEST_CHANNELS = {"online": "在线", "letter": "信函", "in_person": "当面", "fax": "传真"}
REPLY_TYPES = {
    "provide": "予以公开", "partial": "部分公开", "already_public": "已主动公开（告知获取途径）",
    "refuse": "不予公开（说明理由）", "not_exist": "信息不存在", "not_ours": "非本机关（告知机关及联系方式）",
    "repeat": "重复申请", "unclear": "内容不明确（补正告知）", "not_handled": "不予处理",
}
REPLY_ELEMENTS = {"legal_basis": "法律依据", "remedy": "救济途径", "authority_date": "答复机关与日期",
                  "seal": "印章", "time_limit": "告知期限"}

# What a run is (findings.json `run.kind`): a full audit, or the re-check of the problems a unit
# claimed to have fixed (`govaudit recheck`), which fetches only what those problems need.
RUN_KINDS = ("audit", "recheck")

# A problem's states (docs/problems.md): one problem per (site, rule, normalised subject) across runs.
# open — found and not yet reviewed; confirmed / false_positive / doubtful — a reviewer's decision;
# rectifying — the unit claims a fix (整改); rectified — the re-check (or a later full audit) no longer
# finds it; recheck_failed — the re-check still finds it, or found the fix faked; closed — gone from a
# complete audit without a claim.
PROBLEM_STATES = ("open", "confirmed", "false_positive", "doubtful", "rectifying", "rectified",
                  "recheck_failed", "closed")
# The states in which a problem still asks the unit for a fix (exported, counted overdue after 整改时限).
PROBLEM_OPEN_STATES = ("open", "confirmed", "doubtful", "recheck_failed")
# A reviewer's verdicts (`govaudit review --as`).
REVIEW_VERDICTS = ("confirmed", "false_positive", "doubtful")
# How a run's finding relates to the site's previous complete run (findings.json `problem.change`);
# `fixed` names the problems of the previous run that this run no longer finds (`diff.fixed`).
PROBLEM_CHANGES = ("new", "persisting", "recurring")
# Who changed a problem (problem_event.kind).
PROBLEM_EVENT_KINDS = ("audit", "review", "rectify", "recheck")

# Nightly supervision (docs/supervision.md): who accepted a baseline automatically, alert channels and outcomes,
# the scheduler's job kinds.
BASELINE_AUTO = "auto"  # accepted_by of a baseline the first complete run established
ALERT_CHANNELS = ("webhook", "email")
ALERT_STATES = ("sent", "failed")
ALERT_CHANGES = ("new", "recurring")  # the problem changes that alert (a persisting problem never does)
SCHEDULE_JOBS = ("audit", "probe", "newmedia", "recheck", "bulletin")
# Who uses the web service (`govaudit users add --role`): a unit sees and answers for its own sites only;
# an evaluator reviews problems, scores manual items and answers objections; a judge enters on-site scores;
# a supervisor (the region's 政务公开办) sees everything and manages users.
USER_ROLES = {"supervisor": "监管人员", "evaluator": "评估人员", "judge": "评审专家", "unit": "填报单位"}


# Incremental re-audits (docs/incremental.md): a link-check result carried over from an earlier run is
# flagged `carried_over` plus `checked:YYYY-MM-DD` (the day it was really checked); findings about it say so.
CARRIED_FLAG = "carried_over"
CHECKED_PREFIX = "checked:"


def carried_check(flags, url: str | None = None) -> dict | None:  # noqa: ANN001 - any iterable of flags
    """The evidence of a carried link-check result, {"checked_on": day}; None when checked by its own run.
    A rule names the page (`url`) whose flags these are: the judging memo then compares that page's marks
    only, not every page's (storage/reads.py)."""
    note("carry" if url is None else f"carry:{url}")  # carry marks change while the page does not
    flags = list(flags or ())
    if CARRIED_FLAG not in flags:
        return None
    day = next((f.removeprefix(CHECKED_PREFIX) for f in flags if f.startswith(CHECKED_PREFIX)), None)
    return {"checked_on": day}
