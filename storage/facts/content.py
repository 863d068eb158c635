"""Fact families `page_variants` and `link_visibility`: the same page as a search-engine spider or a
visitor from a search engine sees it (content.cloaking), and whether a person can see each link of a
rendered page (content.hidden_link)."""
from __future__ import annotations

from typing import Annotated

from sqlalchemy import String

from storage.facts.table import fact_table


@fact_table("page_variant", model="PageVariant", family="page_variants", snapshot="page_variants")
class PageVariantFact:
    """One extra fetch of a crawled page with another User-Agent or Referer."""

    url: str  # the crawled page's URL (as in page.url)
    variant: Annotated[str, String(32)]  # baiduspider | sogou | search_referer
    user_agent: str = ""
    referer: str | None = None
    status: int | None = 200
    final_url: str | None = None
    error: Annotated[str | None, String(32)] = None
    title: str | None = None
    text: str | None = None  # title, meta keywords/description and all body text, capped


@fact_table("link_visibility", model="LinkVisibility", family="link_visibility", snapshot="link_visibility")
class LinkVisibilityFact:
    """A link of a rendered page and whether the browser's computed style lets a person see it."""

    page: str  # the rendered page's URL (as in page.url)
    href: str  # the link's absolute target
    text: str | None = None
    hidden: str = ""  # why it is invisible; "" = visible
    path: str | None = None  # XPath of the element that hides it
    in_menu: bool = False  # inside ul/li/nav/select or a menu-like class
