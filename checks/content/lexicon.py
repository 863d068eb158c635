"""The spam lexicon (checks/data/spam_lexicon.yaml): one fast pre-filter, then weighted scoring of a field."""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml

DATA = Path(__file__).resolve().parent.parent / "data"
WINDOW = 32  # longer than any match of a term or pattern


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
    anchor_rx: re.Pattern  # every term and every pattern's `needs` literal, lower case: the cheap pre-filter
    entries: tuple[tuple[re.Pattern, str, str, int], ...]  # (regex, name, category, weight)
    anti_rx: re.Pattern
    anti_window: int
    suspicious_tlds: frozenset[str] = frozenset()

    def might_contain(self, text: str) -> bool:
        """True when a term or a pattern's literal occurs (clean pages stop here)."""
        return self.anchor_rx.search(text.lower()) is not None

    def bound(self, text: str) -> int:
        """An upper bound of any field's score in the text: the weights of every entry that matches
        near an anchor, enforcement wording ignored. Below the threshold, no field can be spam."""
        low = text.lower()
        spans: list[list[int]] = []
        for m in self.anchor_rx.finditer(low):
            lo, hi = max(0, m.start() - WINDOW), m.end() + WINDOW
            if spans and lo <= spans[-1][1]:
                spans[-1][1] = hi
            else:
                spans.append([lo, hi])
        best: dict[str, int] = {}
        for lo, hi in spans:
            window = text[lo:hi]
            for rx, name, _category, weight in self.entries:
                if weight > best.get(name, 0) and rx.search(window):
                    best[name] = weight
        return sum(best.values())

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
    anchors: set[str] = set()
    for category, spec in data["categories"].items():
        for term, weight in spec["terms"].items():
            term = str(term)
            entries.append((re.compile(re.escape(term), re.IGNORECASE), term, category, int(weight)))
            anchors.add(term.lower())
    for pat in data["patterns"]:
        entries.append((re.compile(pat["re"], re.IGNORECASE), pat["name"], pat["category"], int(pat["weight"])))
        anchors.update(str(n).lower() for n in pat["needs"])
    anti = "|".join(re.escape(str(w)) for w in data["anti_context"])
    return Lexicon(anchor_rx=re.compile("|".join(re.escape(a) for a in sorted(anchors, key=len, reverse=True))),
                   entries=tuple(entries), anti_rx=re.compile(anti), anti_window=int(data["anti_window"]),
                   suspicious_tlds=frozenset(str(t).lower() for t in data.get("suspicious_tlds") or ()))


def quote(text: str, start: int, end: int, context: int = 20, cap: int = 200) -> str:
    """The matched text with a little context on each side, whitespace collapsed."""
    lo, hi = max(0, start - context), min(len(text), end + context)
    snippet = ("…" if lo > 0 else "") + text[lo:hi] + ("…" if hi < len(text) else "")
    return " ".join(snippet.split())[:cap]
