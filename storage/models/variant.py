"""Facts of the content-security rules: variant fetches of a page (as a search-engine spider or a visitor
from a search engine sees it) and the visibility of rendered links."""
from __future__ import annotations

from sqlalchemy import Boolean, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from storage.base import Base


class PageVariant(Base):
    """One extra fetch of a crawled page with another User-Agent or Referer (content.cloaking's facts)."""

    __tablename__ = "page_variant"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("run.id", ondelete="CASCADE"), index=True)
    url: Mapped[str] = mapped_column(Text)  # the crawled page's URL (as in page.url)
    variant: Mapped[str] = mapped_column(String(32))  # baiduspider | sogou | search_referer
    user_agent: Mapped[str] = mapped_column(Text)
    referer: Mapped[str | None] = mapped_column(Text)
    status: Mapped[int | None] = mapped_column(Integer)
    final_url: Mapped[str | None] = mapped_column(Text)
    error: Mapped[str | None] = mapped_column(String(32))
    title: Mapped[str | None] = mapped_column(Text)
    text: Mapped[str | None] = mapped_column(Text)  # title, meta keywords/description and all body text, capped


class LinkVisibility(Base):
    """Whether a person can see a link of a rendered page, from the browser's computed style (content.hidden_link)."""

    __tablename__ = "link_visibility"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("run.id", ondelete="CASCADE"), index=True)
    page: Mapped[str] = mapped_column(Text)  # the rendered page's URL (as in page.url)
    href: Mapped[str] = mapped_column(Text)  # the link's absolute target
    text: Mapped[str | None] = mapped_column(Text)
    hidden: Mapped[str] = mapped_column(Text, default="")  # why it is invisible ("" = visible)
    path: Mapped[str | None] = mapped_column(Text)  # XPath of the element that hides it
    in_menu: Mapped[bool] = mapped_column(Boolean, default=False)  # inside ul/li/nav/select or a menu-like class
