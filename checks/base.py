"""The vocabulary of rules: `Rule`, `Finding`, `Status`, `RuleResult`, `Params`."""
from __future__ import annotations

import json

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class Status(StrEnum):
    PASS = "pass"
    FAIL = "fail"
    NOT_APPLICABLE = "not_applicable"  # nothing to judge
    NOT_MEASURED = "not_measured"  # the site blocked or broke the measurement; never a pass
    ERROR = "error"  # a defect of ours


@dataclass(frozen=True)
class Finding:
    """One problem about one subject; `evidence` lets a person confirm it in a minute."""

    rule: str
    subject: str
    message: str
    page: str | None = None
    evidence: dict[str, Any] = field(default_factory=dict)
    screenshot: str | None = None


@dataclass
class RuleResult:
    status: Status
    findings: list[Finding] = field(default_factory=list)
    reason: str | None = None
    duration_ms: float = 0.0

    @classmethod
    def of(cls, findings: list[Finding]) -> RuleResult:
        """`fail` with the findings, or `pass` when there are none."""
        return cls(Status.FAIL if findings else Status.PASS, findings)

    def as_json(self) -> dict | None:
        """The result as the judging memo keeps it (storage/memo.py): JSON as stored, None when it is not."""
        doc = {"status": str(self.status), "reason": self.reason,
               "findings": [{"rule": f.rule, "subject": f.subject, "message": f.message, "page": f.page,
                             "evidence": f.evidence} for f in self.findings]}
        try:
            return json.loads(json.dumps(doc, ensure_ascii=False))
        except (TypeError, ValueError):
            return None

    @classmethod
    def from_json(cls, doc: dict) -> RuleResult:
        return cls(Status(doc["status"]), [Finding(**f) for f in doc["findings"]], reason=doc.get("reason"))

    @classmethod
    def not_measured(cls, reason: str) -> RuleResult:
        return cls(Status.NOT_MEASURED, reason=reason)

    @classmethod
    def not_applicable(cls, reason: str) -> RuleResult:
        return cls(Status.NOT_APPLICABLE, reason=reason)


class Params(Mapping[str, Any]):
    """A scheme's parameters; a missing one is a clear error naming the rule and the key."""

    def __init__(self, values: Mapping[str, Any], owner: str = "scheme") -> None:
        self._values = dict(values)
        self._owner = owner

    def __getitem__(self, key: str) -> Any:
        try:
            return self._values[key]
        except KeyError:
            raise KeyError(f"{self._owner}: parameter {key!r} is not set by the scheme") from None

    def __iter__(self):  # noqa: ANN204
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)


@dataclass(frozen=True)
class Rule:
    """A rule's metadata; `reads` names the fact families it needs, `params` the scheme keys it uses.

    `whole_site`: the rule concludes that something is absent from the site, which only a crawl that
    finished can show — on an interrupted or failed run its findings become `not_measured` (runner).
    """

    id: str
    name_zh: str
    name_en: str
    indicator: str
    reads: tuple[str, ...] = ("pages",)
    params: tuple[str, ...] = ()
    whole_site: bool = False


CheckFn = Callable[[Any, Params], RuleResult]
