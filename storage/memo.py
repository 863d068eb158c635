"""Judging a stored run again reuses a rule's result when everything the rule read is unchanged.

A rule is pure over its snapshot (it never fetches, never reads the clock: `as_of` comes in), so the same
inputs give the same result. While a rule runs on a stored run the snapshot members it reads are noted
(storage/reads.py); its result is kept (`rule_memo`) with a key: the digest of the rule's id, of the code
that judges (checks/, storage/, crawler/ and their data files), of the scheme's parameters and of each
member read. When the site is judged next, the last result kept for each rule is reused when the members
it read then digest the same now — a rule that reads `as_of` runs again on a new day, one that reads only
the pages and links of an unchanged site does not. The rest runs as always (docs/incremental.md,
"Judging").

Digests: the pages as the rules see them (every field but the load time and a carried check's marks, with
the body's hash and the text) and the links are order-free (a re-audit stores its own rows before its base
run's, in another order than a full crawl: the same site state); the load times ("timing") and the carry
marks ("carry") are members of their own, noted where they are read. Every other member digests its
value in order. A member the memo cannot digest makes the rule run and nothing is kept.
"""
from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass, fields
from functools import cache
from importlib import metadata
from pathlib import Path
from typing import Any

from sqlalchemy import and_, func, not_, select
from sqlalchemy.orm import Session

from storage.crawlset import base_of
from storage.models import Link, RuleMemo, Run
from storage.vocabulary import CARRIED_FLAG, CHECKED_PREFIX

log = logging.getLogger(__name__)

CODE_PACKAGES = ("checks", "storage", "crawler")  # what judges a snapshot, and what built its facts
PAGE_COLUMNS = ("url", "status", "final_url", "crawled", "error", "error_detail", "redirects", "content_type",
                "charset", "size", "title", "depth", "rendered", "render_reason", "method")
# snapshot methods and properties → the members they read
DERIVED = {"html": ("pages",), "iter_html": ("pages",), "prefetch_html": ("pages",),
           "homepage": ("pages", "homepage_url"), "items_of": ("column_items", "as_of"),
           "sources_of": ("links",), "first_link_of": ("links",)}
CARRY_OF = "carry:"  # + a URL: that page's carry marks (storage.vocabulary.carried_check(flags, url))
ALWAYS = ("facts", "run_state")  # the runner reads them around every rule
LINKS_DIGEST = "links_digest"  # run.stats: the digest of the run's own link rows (see JudgingMemo._stored_links)
LINK = Link.__table__
_MOD = 1 << 128


def _h(material: str) -> int:
    return int.from_bytes(hashlib.blake2b(material.encode("utf-8", "surrogatepass"), digest_size=16).digest(), "big")


class PageDigests:
    """Order-free digests of a stored run's page rows, added while the snapshot reads them."""

    def __init__(self) -> None:
        self.sums = {"pages": 0, "timing": 0, "carry": 0}
        self.count = 0

    def add(self, row: Mapping[str, Any]) -> None:
        flags = list(row["flags"] or ())
        marks = [f for f in flags if f == CARRIED_FLAG or f.startswith(CHECKED_PREFIX)]
        text = row["text"]
        seen = [*(row[c] for c in PAGE_COLUMNS), [f for f in flags if f not in marks], row["content_hash"],
                None if text is None else hashlib.blake2b(text.encode("utf-8", "surrogatepass")).hexdigest()]
        sums = self.sums
        sums["pages"] = (sums["pages"] + _h(json.dumps(seen, ensure_ascii=False, default=str))) % _MOD
        sums["timing"] = (sums["timing"] + _h(json.dumps([row["url"], row["elapsed_ms"]]))) % _MOD
        if marks:
            sums["carry"] = (sums["carry"] + _h(json.dumps([row["url"], marks], ensure_ascii=False))) % _MOD
        self.count += 1


def _link_sum(rows: Any) -> int:
    """The order-free sum of link rows (source, target, tag, text): ~150,000 on a large site, no JSON per row."""
    total, blake, big = 0, hashlib.blake2b, int.from_bytes
    for source, target, tag, text in rows:
        material = f"{source}\x1f{target}\x1f{tag}\x1f{'' if text is None else text}\x1f{text is None}"
        total += big(blake(material.encode("utf-8", "surrogatepass"), digest_size=16).digest(), "big")
    return total % _MOD


@cache
def _member_names() -> frozenset[str]:
    """The snapshot's public fields, and the two members noted inside the pages."""
    from storage.snapshot import Snapshot

    return frozenset({f.name for f in fields(Snapshot) if not f.name.startswith("_")} | {"timing", "carry"})


@cache
def code_digest() -> str:
    """The digest of the code and data that judge a snapshot (a new version judges afresh)."""
    root = Path(__file__).resolve().parents[1]
    digest = hashlib.sha256()
    try:
        digest.update(metadata.version("govaudit").encode())
    except metadata.PackageNotFoundError:
        pass
    for package in CODE_PACKAGES:
        for path in sorted((root / package).rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc":
                digest.update(str(path.relative_to(root)).encode())
                digest.update(path.read_bytes())
    return digest.hexdigest()


def _value_digest(value: Any) -> str:
    if isinstance(value, (set, frozenset)):
        value = sorted(value, key=repr)
    if isinstance(value, (list, tuple)):
        digest = hashlib.sha256()
        for item in value:
            digest.update(repr(item).encode("utf-8", "surrogatepass"))
            digest.update(b"\0")
        return digest.hexdigest()
    return hashlib.sha256(repr(value).encode("utf-8", "surrogatepass")).hexdigest()


@dataclass
class Kept:
    rule: str
    key: str
    reads: dict[str, str]  # member → its digest when the rule ran (what changed, when it runs again)
    result: dict


class JudgingMemo:
    """The memo of one judging of a stored run: `reuse()` before a rule runs, `keep()` after it ran;
    `kept` is written with the run's results (reports/judge.py `store_results`)."""

    def __init__(self, session: Session, run_id: int, site_id: str, params: Mapping[str, Any],
                 reuse: bool = True) -> None:
        self.run_id, self.site_id, self._reuse = run_id, site_id, reuse
        self._session = session
        self._params = hashlib.sha256(json.dumps(dict(params), sort_keys=True, ensure_ascii=False,
                                                 default=repr).encode()).hexdigest()
        self._previous: dict[str, RuleMemo] | None = None
        self._digests: dict[str, str | None] = {}
        self.kept: list[Kept] = []
        self.reused: list[str] = []
        self.own_links: int | None = None  # the digest of the run's own link rows, once computed

    def _latest(self) -> dict[str, RuleMemo]:
        if self._previous is None:
            latest = (select(func.max(RuleMemo.id)).join(Run, Run.id == RuleMemo.run_id)
                      .where(Run.site_id == self.site_id).group_by(RuleMemo.rule))
            self._previous = {r.rule: r for r in self._session.scalars(select(RuleMemo).where(RuleMemo.id.in_(latest)))}
        return self._previous

    def members(self, reads: set[str] | list[str]) -> list[str] | None:
        """The members behind the names a rule read; None when one is not a member the memo digests."""
        names = _member_names()
        out: set[str] = set(ALWAYS)
        for name in reads:
            if name in DERIVED:
                out.update(DERIVED[name])
            elif name in names or name.startswith(CARRY_OF):
                out.add(name)
            else:
                return None
        return sorted(out)

    def digest(self, snap: Any, member: str) -> str | None:
        if member not in self._digests:
            self._digests[member] = self._digest(snap, member)
        return self._digests[member]

    def _digest(self, snap: Any, member: str) -> str | None:
        from storage.snapshot import LinkRows

        if member in ("pages", "timing", "carry"):
            pages = snap._page_digests
            if pages is None or pages.count != len(snap.pages):
                return None  # pages not (all) read from the store (build_snapshot(digests=True))
            return f"{pages.sums[member]:032x}"
        if member.startswith(CARRY_OF):  # one page's carry marks
            page = snap.pages.get(member.removeprefix(CARRY_OF))
            flags = () if page is None else page.flags
            return _value_digest([f for f in flags if f == CARRIED_FLAG or f.startswith(CHECKED_PREFIX)])
        if member == "links":
            links = snap.links
            if not isinstance(links, LinkRows):
                return f"{_link_sum(links):032x}"
            return f"{self._stored_links(links):032x}"
        return _value_digest(getattr(snap, member))

    def _stored_links(self, links: Any) -> int:
        """The order-free digest of a stored run's links: its own rows' sum, plus its base run's (kept in the
        base's stats when it was judged: immutable rows), less the base rows the run hides — a re-audit
        hashes the few links it stored, not the ~150,000 it reads through its base."""
        lt = LINK.c
        conn, run_id = links._conn, links._run_id
        self.own_links = _link_sum(row for chunk in links._chunks([lt.run_id == run_id]) for row in chunk)
        if len(links._parts) < 2:
            return self.own_links
        base = base_of(conn, run_id)
        kept = (self._session.get(Run, base).stats or {}).get(LINKS_DIGEST) or {}
        if kept.get("code") == code_digest():
            base_sum = int(kept["own"], 16)
        else:
            base_sum = _link_sum(row for chunk in links._chunks([lt.run_id == base]) for row in chunk)
        hidden = and_(lt.run_id == base, not_(links._parts[1]))
        hidden_sum = _link_sum(row for chunk in links._chunks([hidden]) for row in chunk)
        return (self.own_links + base_sum - hidden_sum) % _MOD

    def stats(self) -> dict:
        """What the run's stats keep: the digest of its own links (a later run's base), when computed."""
        if self.own_links is None:
            return {}
        return {LINKS_DIGEST: {"code": code_digest(), "own": f"{self.own_links:032x}"}}

    def key(self, rule_id: str, members: list[str], snap: Any) -> str | None:
        digests = [(m, self.digest(snap, m)) for m in members]
        if any(d is None for _, d in digests):
            return None
        material = json.dumps([rule_id, code_digest(), self._params, digests])
        return hashlib.sha256(material.encode()).hexdigest()

    def reuse(self, rule_id: str, snap: Any) -> dict | None:
        """The rule's kept result (`RuleResult.as_json()`) when what it read last time is unchanged, else None."""
        row = self._latest().get(rule_id) if self._reuse else None
        if row is None:
            return None
        members = self.members(row.reads or {})
        if members is None or self.key(rule_id, members, snap) != row.key:
            if members is not None and log.isEnabledFor(logging.DEBUG):
                changed = [m for m in members if (row.reads or {}).get(m) != self.digest(snap, m)]
                log.debug("%s judged again: %s changed", rule_id, ", ".join(changed) or "code or parameters")
            return None
        self.reused.append(rule_id)
        if row.run_id == self.run_id:  # judging the same run again: its rows are replaced, keep this one
            self.kept.append(Kept(rule_id, row.key, dict(row.reads or {}), row.result))
        return json.loads(json.dumps(row.result))  # the rule's own copy, not the stored row's

    def keep(self, rule_id: str, reads: set[str], snap: Any, doc: dict | None) -> None:
        """Keep a rule's result (`RuleResult.as_json()`; None: not JSON, not kept) with what it read."""
        members = self.members(reads) if doc is not None else None
        key = self.key(rule_id, members, snap) if members is not None else None
        if key is not None:
            self.kept.append(Kept(rule_id, key, {m: self.digest(snap, m) for m in members}, doc))

    def rows(self) -> list[RuleMemo]:
        return [RuleMemo(run_id=self.run_id, rule=k.rule, key=k.key, reads=k.reads, result=k.result)
                for k in self.kept]


__all__ = ["JudgingMemo", "PageDigests", "code_digest"]
