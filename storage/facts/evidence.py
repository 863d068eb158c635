"""Fact family `evidence`: screenshots taken after judging of the pages findings are about.

A screenshot is a fact about a page of a run (its URL, the file, the links outlined on it), not a
verdict: findings.json attaches it to every finding about that page when the document is built, so
re-judging a run (`check --run`) keeps its evidence and a page shared by several findings is shown once.

Besides the full page (`kind="page"`), each captured page has its first screen (`kind="screen"`) and one
crop per element the findings point at (`kind="element"`, e.g. a broken link's anchor, the footer, a
wrong word): `marks` then holds the one locator term that was found (reports/evidence_targets.py) and
`box` the cropped rectangle in page pixels, so a finding is matched to its crop by the same term.
"""
from __future__ import annotations

from typing import Annotated

from sqlalchemy import String

from storage.facts.table import fact_table


@fact_table("evidence_shot", model="EvidenceShot", family="evidence", snapshot=None)
class EvidenceShotFact:
    """One screenshot of a page of the run, under OUT/<site-id>/evidence/."""

    url: str  # the page shown (as in page.url)
    path: str  # "evidence/<file>", relative to the site's report folder
    kind: Annotated[str, String(16)] = "page"  # page (the page as loaded, findings' links outlined) | screen | element
    marks: tuple[str, ...] = ()  # page: link targets outlined on it; element: the locator term found
    box: tuple[int, ...] = ()  # screen/element: the crop (x, y, width, height) in page CSS pixels


def shot_page(page: str | None, subject: str, fetched: set[str]) -> str | None:
    """The page a finding's screenshot shows: its page, else its subject, when the run fetched it."""
    for url in (page, subject):
        if url and url.startswith(("http://", "https://")) and url in fetched:
            return url
    return None
