"""Protected names and formulations (checks/data/protected_names.yaml): homophone and near-form variants.

Homophones come from pypinyin's character table (toneless readings, every reading of a heteronym);
near forms (形近字) from the data file. A variant keeps the protected text's length, differs in at
least one character and keeps at least one character identical.
"""
from __future__ import annotations

import importlib.util
import json
import re
import unicodedata
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml

DATA = Path(__file__).resolve().parent.parent / "data"


@dataclass(frozen=True)
class Person:
    name: str
    posts: tuple[str, ...]
    check_posts: tuple[str, ...]


@dataclass(frozen=True)
class Protected:
    persons: tuple[Person, ...]
    exclusive_posts: frozenset[str]
    post_rx: re.Pattern  # every post, longest first
    formulations: tuple[tuple[str, int, re.Pattern], ...]  # (text, max_diff, variant regex)
    # A variant with at most d changed characters keeps one of d + 1 contiguous pieces intact
    # (pigeonhole): the pieces, located with one literal search, say where a variant may start.
    piece_rx: re.Pattern
    pieces: dict[str, tuple[tuple[int, int], ...]]  # piece → ((formulation index, offset in it), …)
    wrong: tuple[tuple[str, str, str], ...]  # (wrong, right, kind)
    wrong_rx: re.Pattern | None
    near: dict[str, frozenset[str]]


@cache  # about 1,500 distinct readings over 20,000 characters
def _toneless(reading: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFD", reading) if not unicodedata.combining(c))


def _pinyin_table() -> dict[str, str]:
    """pypinyin's character table (code point → comma-separated readings), read from its data file:
    importing the package would also load its 2.5 MB phrase dictionary (half a second), unused here."""
    package = importlib.util.find_spec("pypinyin")
    if package is None or not package.submodule_search_locations:
        raise ImportError("pypinyin is not installed")
    path = Path(next(iter(package.submodule_search_locations))) / "pinyin_dict.json"
    return json.loads(path.read_text(encoding="utf-8"))


@cache
def _homophone_index() -> tuple[dict[str, frozenset[str]], dict[str, frozenset[str]]]:
    """reading → characters, and character → readings, over the common CJK block."""
    by_reading: dict[str, set[str]] = {}
    readings: dict[str, set[str]] = {}
    for key, value in _pinyin_table().items():
        cp = int(key)
        if 0x4E00 <= cp <= 0x9FA5:
            ch = chr(cp)
            for r in value.split(","):
                t = _toneless(r)
                by_reading.setdefault(t, set()).add(ch)
                readings.setdefault(ch, set()).add(t)
    return ({k: frozenset(v) for k, v in by_reading.items()}, {k: frozenset(v) for k, v in readings.items()})


def alternatives(ch: str, near: dict[str, frozenset[str]]) -> frozenset[str]:
    """Characters that may be written by mistake for `ch`: its homophones and near forms."""
    by_reading, readings = _homophone_index()
    out: set[str] = set(near.get(ch, ()))
    for r in readings.get(ch, ()):
        out |= by_reading.get(r, frozenset())
    out.discard(ch)
    return frozenset(out)


def is_variant(candidate: str, correct: str, near: dict[str, frozenset[str]], max_diff: int) -> bool:
    """`candidate` is a homophone/near-form misspelling of `correct` (same length, 1..max_diff chars differ)."""
    if len(candidate) != len(correct) or candidate == correct:
        return False
    diff = 0
    for c, k in zip(candidate, correct, strict=True):
        if c == k:
            continue
        if c not in alternatives(k, near):
            return False
        diff += 1
    return 1 <= diff <= max_diff and diff < len(correct)


def _variant_rx(text: str, near: dict[str, frozenset[str]]) -> re.Pattern:
    parts = []
    for ch in text:
        chars = "".join(sorted({ch} | alternatives(ch, near)))
        parts.append("[" + re.escape(chars) + "]")
    return re.compile("".join(parts))


@cache
def protected() -> Protected:
    data = yaml.safe_load((DATA / "protected_names.yaml").read_text(encoding="utf-8"))
    near = {str(k): frozenset(str(c) for c in v) for k, v in (data.get("near_forms") or {}).items()}
    persons = tuple(Person(p["name"], tuple(p["posts"]), tuple(p.get("check_posts") or p["posts"]))
                    for p in data["persons"])
    posts = {post for p in persons for post in p.posts} | set(data["exclusive_posts"])
    wrong = tuple((w["wrong"], w["right"], w.get("kind", "formulation")) for w in data.get("wrong_formulations") or [])
    formulations = [(str(f["text"]), int(f["max_diff"])) for f in data["formulations"]]
    pieces: dict[str, list[tuple[int, int]]] = {}
    for i, (text, d) in enumerate(formulations):
        size = -(-len(text) // (d + 1))
        for off in range(0, len(text), size):
            pieces.setdefault(text[off:off + size], []).append((i, off))
    return Protected(
        persons=persons, exclusive_posts=frozenset(data["exclusive_posts"]),
        post_rx=re.compile("(?:" + "|".join(re.escape(p) for p in sorted(posts, key=len, reverse=True)) + ")(?![事团])"),
        formulations=tuple((text, d, _variant_rx(text, near)) for text, d in formulations),
        piece_rx=re.compile("(?=(" + "|".join(re.escape(p) for p in sorted(pieces, key=len, reverse=True)) + "))"),
        # a match also stands for every shorter piece it starts with (中国特色社会 → 中国特)
        pieces={k: tuple(x for k2, v in pieces.items() if k.startswith(k2) for x in v) for k in pieces},
        wrong=wrong,
        wrong_rx=(re.compile("|".join(re.escape(w[0]) for w in sorted(wrong, key=lambda x: -len(x[0]))))
                  if wrong else None),
        near=near,
    )
