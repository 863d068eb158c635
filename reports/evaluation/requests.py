"""The 依申请公开 simulation test: each case's deadline on the working-day calendar, and the three aspects
(渠道畅通性, 回复及时性, 答复规范性) scored as a scheme's `request` items say.

The clock (政府信息公开条例): the answer is due 20 working days after receipt (第三十三条); one extension of
at most 20 working days, notified in writing before the first deadline; a 补正 request must be made within
7 working days of receipt (第三十条) and the period runs again from receipt of the 补正; days spent
consulting a third party are not counted (第三十三条). The day of receipt is not counted
(storage.calendar.due_date). A case without an answer is `pending` until its deadline passes at the
监测时间点 — never counted as answered or as late before then.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from reports.evaluation.inputs import Case
from reports.scheme import RequestItem, Scheme
from storage.calendar import CalendarError, WorkCalendar, due_date
from storage.facts.requests import ApplyChannelFact
from storage.vocabulary import REPLY_ELEMENTS, REPLY_TYPES, REQUEST_CHANNELS


@dataclass
class Clock:
    """A case's deadline and where its answer stands (on_time | late | unanswered | pending | failed | unknown)."""

    status: str
    start: date | None = None  # the day the period runs from (receipt, or receipt of the 补正)
    due: date | None = None
    first_due: date | None = None
    extended: bool = False
    correction_late: bool = False
    notes: list[str] = field(default_factory=list)


def clock(case: Case, params: dict[str, Any], as_of: date, calendar: WorkCalendar | None = None) -> Clock:
    """When the case's answer is due and whether it came in time, at the 监测时间点 `as_of`."""
    if not case.channel_ok:
        return Clock("failed", notes=[f"{REQUEST_CHANNELS.get(case.channel, case.channel)}渠道未能受理申请"])
    if case.received_on is None:
        return Clock("unknown", notes=["未记录受理（收到）日期"])
    reply_days = int(params.get("request.reply_working_days", 20))
    try:
        out = Clock("pending", start=case.received_on)
        if case.correction_requested_on is not None:
            limit = due_date(case.received_on, int(params.get("request.correction_request_working_days", 7)), calendar)
            if case.correction_requested_on > limit:
                out.correction_late = True
                out.notes.append(f"补正告知 {case.correction_requested_on} 晚于受理后7个工作日（{limit}）")
            if case.correction_received_on is None:
                out.notes.append("补正告知后未收到补正：期限未起算")
                return out if case.replied_on is None else _replied(out, case)
            out.start = case.correction_received_on
            out.notes.append(f"收到补正 {case.correction_received_on}，答复期限重新起算")
        days = reply_days + max(0, case.third_party_days)
        if case.third_party_days:
            out.notes.append(f"征求第三方意见 {case.third_party_days} 个工作日不计入期限")
        out.first_due = out.due = due_date(out.start, days, calendar)
        if case.extended_on is not None:
            if case.extended_on <= out.first_due:
                out.due = due_date(out.first_due, int(params.get("request.extension_working_days", 20)), calendar)
                out.extended = True
                out.notes.append(f"{case.extended_on} 书面告知延期，期限延至 {out.due}")
            else:
                out.notes.append(f"延期告知 {case.extended_on} 晚于原期限 {out.first_due}，不生效")
    except CalendarError as exc:
        return Clock("unknown", start=case.received_on, notes=[str(exc)])
    if case.replied_on is not None:
        return _replied(out, case)
    out.status = "unanswered" if as_of > out.due else "pending"
    return out


def _replied(out: Clock, case: Case) -> Clock:
    out.status = "late" if out.due is not None and case.replied_on > out.due else "on_time"
    if out.due is None:
        out.status = "on_time"  # answered while the period had not started (补正 never came): not late
    return out


@dataclass
class AspectScore:
    score: float | None  # None: not measurable yet
    trace: list[dict[str, Any]] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)


def score_aspect(item: RequestItem, scheme: Scheme, cases: list[Case], apply: ApplyChannelFact | None,
                 apply_gathered: bool, as_of: date, calendar: WorkCalendar | None = None) -> AspectScore:
    """An aspect's points: max less the deductions its cases (and the online-form check) call for."""
    maximum = float(scheme.value(item.max))
    ded = {k: float(scheme.value(v)) for k, v in item.deduct.items()}
    out = AspectScore(score=None)
    if not cases:
        out.reasons.append(f"{item.name}：没有依申请公开模拟测试记录")
        return out
    clocks = {c.id: clock(c, scheme.params, as_of, calendar) for c in cases}

    def take(key: str, case: Case | None, text: str, **detail: Any) -> None:
        if ded.get(key):
            out.trace.append({"points": -ded[key], "basis": "case" if case else "channel_check",
                              **({"case": case.id, "case_no": case.case_no} if case else {}), "text": text, **detail})

    if item.aspect == "channel":
        for c in cases:
            if not c.channel_ok:
                take("channel_failed", c, f"{REQUEST_CHANNELS.get(c.channel, c.channel)}渠道未能受理申请")
        if not apply_gathered or apply is None:
            out.reasons.append(f"{item.name}：未检查在线申请渠道（该次检查未采集 apply_channel）")
            return out
        if apply.outcome == "blocked":
            out.reasons.append(f"{item.name}：在线申请页面被拦截，未能测得（{apply.error or ''}）")
            return out
        if apply.outcome != "form":
            take("online_unreachable", None, _APPLY_ZH.get(apply.outcome, apply.outcome),
                 url=apply.form_url or apply.entry_url, outcome=apply.outcome, status=apply.form_status or apply.entry_status)
        if apply.outcome != "no_entry":
            if apply.application_form_url is None:
                take("no_application_form", None, "未提供可下载的政府信息公开申请表", url=apply.entry_url)
            if apply.flow_chart_url is None:
                take("no_flow_chart", None, "未公开依申请公开办理流程图", url=apply.entry_url)
    elif item.aspect == "timeliness":
        for c in cases:
            ck = clocks[c.id]
            if ck.status in ("pending", "unknown"):
                out.reasons.append(f"案例 {c.case_no}：" + ("；".join(ck.notes) or "答复期限未到，尚无答复"))
            elif ck.status == "late":
                take("late", c, f"答复 {c.replied_on} 超过期限 {ck.due}", due=ck.due.isoformat())
            elif ck.status == "unanswered":
                take("unanswered", c, f"期限 {ck.due} 已过，至 {as_of} 未答复", due=ck.due.isoformat())
            if ck.correction_late:
                take("late_correction_request", c, ck.notes[0])
    else:  # conformity: the answers that came
        required = list(scheme.params.get("request.required_elements") or [])
        answered = [c for c in cases if c.replied_on is not None]
        for c in answered:
            for element in required:
                if not c.checklist.get(element):
                    take("missing_element", c, f"答复缺少{REPLY_ELEMENTS.get(element, element)}", element=element)
            if c.expected_type and c.reply_type and c.reply_type != c.expected_type:
                take("wrong_type", c, f"答复类型“{REPLY_TYPES.get(c.reply_type, c.reply_type)}”与申请应有的"
                     f"“{REPLY_TYPES.get(c.expected_type, c.expected_type)}”不符")
        if not answered:
            waiting = [c for c in cases if clocks[c.id].status in ("pending", "unknown")]
            if waiting:
                out.reasons.append(f"{item.name}：尚无答复可评价")
                return out
            out.trace.append({"points": -maximum, "basis": "case", "text": "所有申请均未获答复，答复规范性无从评价，计0分"})
    if out.reasons:
        return out
    lost = sum(-t["points"] for t in out.trace)
    if lost > maximum:
        out.trace.append({"points": lost - maximum, "basis": "cap", "text": f"扣分以本项满分 {maximum:g} 为限"})
    out.score = round(maximum - min(lost, maximum), 4)
    return out


_APPLY_ZH = {
    "no_entry": "未找到依申请公开栏目", "entry_unreachable": "依申请公开页面无法打开",
    "no_form": "依申请公开页面未提供在线申请表单", "form_unreachable": "在线申请页面无法打开",
}
