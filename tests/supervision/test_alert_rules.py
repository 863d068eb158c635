"""Which findings alert: rule prefixes, and only problems new or recurring in the run."""
from __future__ import annotations

from govaudit.alerts import alertable, matches
from govaudit.registry import AlertsEntry


def test_prefixes() -> None:
    assert matches("content.typo", ["content."]) and matches("content.typo", ["content.*"])
    assert matches("site.unreachable", ["site.unreachable"]) and not matches("site.availability", ["site.unreachable"])
    assert not matches("link.broken", AlertsEntry().rules)  # the default: content.*, site.unreachable


def test_only_new_or_recurring_problems() -> None:
    doc = {"findings": [
        {"rule": "content.defacement", "subject": "a", "message": "", "problem": {"id": 1, "change": "new"}},
        {"rule": "content.spam_injection", "subject": "b", "message": "", "problem": {"id": 2, "change": "persisting"}},
        {"rule": "content.cloaking", "subject": "c", "message": "", "problem": {"id": 3, "change": "recurring"}},
        {"rule": "link.broken", "subject": "d", "message": "", "problem": {"id": 4, "change": "new"}},
        {"rule": "content.typo", "subject": "e", "message": ""},  # not tracked (no problem)
    ]}
    assert [f["problem"]["id"] for f in alertable(doc, AlertsEntry())] == [1, 3]
