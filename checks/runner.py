"""The one wrapper around rules: required facts, timing, exception → `error`."""
from __future__ import annotations

import logging
import time
from collections.abc import Iterable, Mapping
from typing import Any

from checks.base import Finding, Params, RuleResult, Status
from checks.derived.html import truncated_reads
from checks.registry import RegisteredRule, get_rules
from storage.reads import Reading, recording

log = logging.getLogger(__name__)


def run_rules(snap: Any, rule_ids: Iterable[str], params: Mapping[str, Any],
              registry: Mapping[str, RegisteredRule] | None = None, memo: Any = None) -> dict[str, RuleResult]:
    """Judge a snapshot with the given rules (of `registry`, default: every shipped rule); one rule's
    failure never stops the others. With a `memo` (storage/memo.py `JudgingMemo`, shipped rules only) a
    rule whose inputs are unchanged since it was last judged gets its kept result; the others run with
    their reads recorded, and their results are kept."""
    if registry is not None:
        memo = None  # the memo's key names the shipped code, not a registry of the caller's
    registry = registry if registry is not None else get_rules()
    results: dict[str, RuleResult] = {}
    for rule_id in rule_ids:
        entry = registry[rule_id]
        missing = [f for f in entry.rule.reads if f not in snap.facts]
        if missing:
            results[rule_id] = RuleResult.not_measured(f"这次检查没有采集：{', '.join(missing)} (not gathered)")
            continue
        started = time.perf_counter()
        if memo is not None and (kept := memo.reuse(rule_id, snap)) is not None:
            results[rule_id] = RuleResult.from_json(kept)
            results[rule_id].duration_ms = (time.perf_counter() - started) * 1000
            continue
        try:
            with truncated_reads() as cut, recording() as reads:
                result = entry.check(Reading(snap, reads) if memo is not None else snap, Params(params, owner=rule_id))
            if cut and result.status == Status.PASS:
                result = RuleResult.not_measured(
                    f"页面结构嵌套过深，解析被截断，后面的内容未能检查（{len(cut)} 页）/ parse_truncated: "
                    f"{len(cut)} page(s) nested past the parser's limit, the rest of the page was not read")
            result.findings = _one_per_subject(rule_id, result.findings)
            if result.status == Status.FAIL and not result.findings:
                result = RuleResult.of([])
            state = getattr(snap, "run_state", "complete")
            if result.status == Status.FAIL and entry.rule.whole_site and state != "complete":
                result = RuleResult.not_measured(
                    f"抓取未完成（{state}）：{len(result.findings)} 项缺失未经完整抓取确认 / "
                    f"the crawl did not finish, absence not confirmed")
            if memo is not None:
                memo.keep(rule_id, reads, snap, result.as_json())
        except Exception as exc:  # noqa: BLE001 - a defect of ours becomes the rule's status
            log.exception("rule %s failed", rule_id)
            result = RuleResult(Status.ERROR, reason=f"{type(exc).__name__}: {exc}")
        result.duration_ms = (time.perf_counter() - started) * 1000
        results[rule_id] = result
    return results


def _one_per_subject(rule_id: str, findings: list[Finding]) -> list[Finding]:
    """Keep the first finding per subject (the contract's one finding per (rule, subject))."""
    seen: dict[str, Finding] = {}
    for f in findings:
        if f.rule != rule_id:
            raise ValueError(f"{rule_id} returned a finding of {f.rule}")
        seen.setdefault(f.subject, f)
    return list(seen.values())
