"""What a rule read while it ran: the snapshot members named by the judging memo (storage/memo.py).

The runner wraps the snapshot in `Reading` while a rule runs on a stored run: every attribute the rule
asks for is noted by name. Two inputs are not attributes of the snapshot but parts of its pages, noted
where they are read: a carried link check's marks (`storage.vocabulary.carried_check` → "carry", or
"carry:<url>" for one page's) and a page's load time (`PageFact.elapsed_ms` of a stored page →
"timing"), which change from run to run while the rest of the page does not.
"""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

_READS: ContextVar[set[str] | None] = ContextVar("govaudit_reads", default=None)


def note(member: str) -> None:
    """Note that the running rule read `member` (nothing when no rule is being recorded)."""
    reads = _READS.get()
    if reads is not None:
        reads.add(member)


@contextmanager
def recording() -> Iterator[set[str]]:
    """Record the members read inside the block into the set yielded."""
    reads: set[str] = set()
    token = _READS.set(reads)
    try:
        yield reads
    finally:
        _READS.reset(token)


class Reading:
    """A snapshot as a rule sees it while its reads are recorded: attributes pass through, named in `reads`."""

    __slots__ = ("_snap", "_reads")

    def __init__(self, snap: Any, reads: set[str]) -> None:
        object.__setattr__(self, "_snap", snap)
        object.__setattr__(self, "_reads", reads)

    def __getattr__(self, name: str) -> Any:
        self._reads.add(name)
        return getattr(self._snap, name)

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"a rule may not set {name!r} on the snapshot (rules are pure)")


__all__ = ["Reading", "note", "recording"]
