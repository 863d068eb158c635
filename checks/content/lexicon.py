"""The spam lexicon (checks/data/spam_lexicon.yaml): one fast pre-filter, then weighted scoring of a field."""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml

DATA = Path(__file__).resolve().parent.parent / "data"


@dataclass(frozen=True)
class Hit:
    term: str  # the text matched
    name: str  # the lexicon entry (the term itself, or the pattern's name)
    category: str
    weight: int
    start: int
    end: int


@dataclass(frozen=True)
class Lexicon:
    any_rx: re.Pattern  # every term and pattern in one alternation: the cheap pre-filter
    entries: tuple[tuple[re.Pattern, str, str, int], ...]  # (regex, name, category, weight)
    anti_rx: re.Pattern
    anti_window: int

    def might_contain(self, text: str) -> bool:
        """True when some term or pattern occurs (clean pages stop here)."""
        return self.any_rx.search(text) is not None

    def hits(self, text: str) -> list[Hit]:
        """Every term and pattern hit in the text, with the ones next to enforcement wording removed."""
        out: list[Hit] = []
        for rx, name, category, weight in self.entries:
            for m in rx.finditer(text):
                lo, hi = max(0, m.start() - self.anti_window), m.end() + self.anti_window
                if self.anti_rx.search(text, lo, hi):
                    continue
                out.append(Hit(m.group(0), name, category, weight, m.start(), m.end()))
        return out

    @staticmethod
    def score(hits: list[Hit]) -> int:
        """The summed weight of the distinct entries hit (a term repeated ten times counts once)."""
        best: dict[str, int] = {}
        for h in hits:
            best[h.name] = max(best.get(h.name, 0), h.weight)
        return sum(best.values())


@cache
def lexicon() -> Lexicon:
    data = yaml.safe_load((DATA / "spam_lexicon.yaml").read_text(encoding="utf-8"))
    entries: list[tuple[re.Pattern, str, str, int]] = []
    sources: list[str] = []
    for category, spec in data["categories"].items():
        for term, weight in spec["terms"].items():
            term = str(term)
            entries.append((re.compile(re.escape(term), re.IGNORECASE), term, category, int(weight)))
            sources.append(re.escape(term))
    for pat in data["patterns"]:
        entries.append((re.compile(pat["re"], re.IGNORECASE), pat["name"], pat["category"], int(pat["weight"])))
        sources.append(f"(?:{pat['re']})")
    anti = "|".join(re.escape(str(w)) for w in data["anti_context"])
    return Lexicon(any_rx=re.compile("|".join(sources), re.IGNORECASE), entries=tuple(entries),
                   anti_rx=re.compile(anti), anti_window=int(data["anti_window"]))


def quote(text: str, start: int, end: int, context: int = 20, cap: int = 200) -> str:
    """The matched text with a little context on each side, whitespace collapsed."""
    lo, hi = max(0, start - context), min(len(text), end + context)
    snippet = ("…" if lo > 0 else "") + text[lo:hi] + ("…" if hi < len(text) else "")
    return " ".join(snippet.split())[:cap]
