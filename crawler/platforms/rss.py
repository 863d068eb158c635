"""RSS 2.0 and Atom feeds (`rss`, `atom`): an account's posts as its feed lists them."""
from __future__ import annotations

import re
from datetime import datetime
from email.utils import parsedate_to_datetime

from lxml import etree

from crawler.platforms.base import AccountData, Adapter, AdapterFailure, FailureKind, Profile
from storage.facts.newmedia import PostSeen
from storage.vocabulary import BEIJING

ATOM = "{http://www.w3.org/2005/Atom}"


def _when(value: str | None) -> datetime | None:
    if not value:
        return None
    value = value.strip()
    try:
        dt = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        try:
            dt = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return None
    return dt if dt.tzinfo else dt.replace(tzinfo=BEIJING)


def _clean(text: str | None) -> str | None:
    if not text:
        return None
    return " ".join(re.sub(r"<[^>]+>", " ", text).split()) or None


def parse_feed(body: bytes) -> tuple[str | None, list[PostSeen]]:
    """The feed's title and items; raises AdapterFailure(changed_markup) when it is neither RSS nor Atom."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True, recover=False, huge_tree=False)
    try:
        root = etree.fromstring(body, parser)
    except etree.XMLSyntaxError as exc:
        raise AdapterFailure(FailureKind.CHANGED_MARKUP, f"not XML: {exc}") from None
    if root.tag == "rss" or root.tag.endswith("RDF"):
        channel = root.find("channel")
        title = channel.findtext("title") if channel is not None else None
        items = root.iter("item")
        posts = [PostSeen(url=(i.findtext("link") or "").strip() or None,
                          published_at=_when(i.findtext("pubDate") or i.findtext("{http://purl.org/dc/elements/1.1/}date")),
                          title=_clean(i.findtext("title")), text=_clean(i.findtext("description")))
                 for i in items]
    elif root.tag == f"{ATOM}feed":
        title = root.findtext(f"{ATOM}title")
        posts = []
        for e in root.findall(f"{ATOM}entry"):
            link = next((x.get("href") for x in e.findall(f"{ATOM}link") if x.get("rel", "alternate") == "alternate"), None)
            posts.append(PostSeen(url=link, published_at=_when(e.findtext(f"{ATOM}published") or e.findtext(f"{ATOM}updated")),
                                  title=_clean(e.findtext(f"{ATOM}title")),
                                  text=_clean(e.findtext(f"{ATOM}summary") or e.findtext(f"{ATOM}content"))))
    else:
        raise AdapterFailure(FailureKind.CHANGED_MARKUP, f"root element <{root.tag}> is neither RSS nor Atom")
    if posts and all(p.published_at is None for p in posts):
        raise AdapterFailure(FailureKind.CHANGED_MARKUP, "no item carries a readable date")
    return (title.strip() if title else None), posts


class FeedAdapter(Adapter):
    """The handle is the feed's URL."""

    platform = "rss"

    def profile_url(self, handle: str) -> str:
        return handle

    def egress(self, url: str):  # noqa: ANN201 - EgressPolicy
        """The feed the registry names may live on its own (private) network; redirects from it may not
        go further than that network, and never into a denied range (crawler.egress)."""
        from crawler.egress import policy_for_site

        cache = self.__dict__.setdefault("_egress", {})
        handle = self.__dict__.get("_handle") or url
        if handle not in cache:
            cache[handle] = policy_for_site(handle)
        return cache[handle]

    def read(self, handle: str, name: str | None) -> AccountData:
        if not re.match(r"https?://", handle):
            raise AdapterFailure(FailureKind.BAD_INPUT, f"feed handle must be an http(s) URL, got {handle!r}")
        self._handle = handle
        status, _, body = self.get(handle, {"Accept": "application/rss+xml, application/atom+xml, application/xml"})
        if status in (404, 410):
            raise AdapterFailure(FailureKind.NOT_FOUND, f"{handle}: HTTP {status}")
        if status in (418, 429):
            raise AdapterFailure(FailureKind.RATE_LIMITED, f"{handle}: HTTP {status}")
        if status in (401, 403):
            raise AdapterFailure(FailureKind.LOGIN_WALL, f"{handle}: HTTP {status}")
        if status >= 400:
            raise AdapterFailure(FailureKind.CHANGED_MARKUP, f"{handle}: HTTP {status}")
        title, posts = parse_feed(body)
        return AccountData(profile=Profile(name=title, url=handle), posts=posts, posts_source="feed")


class AtomAdapter(FeedAdapter):
    platform = "atom"
