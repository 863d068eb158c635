"""The platform adapter interface: read one 政务新媒体 account's profile and recent posts, or fail clearly.

An adapter is gathering only: it records what the platform showed (names, 认证, counts, post
times) and never judges. When a platform refuses — timeout, login wall, rate limit, markup it no
longer recognises, an account that does not exist — it raises `AdapterFailure` with a `FailureKind`;
the rules turn every kind but `not_found` into `not_measured`, never into a stale account.
"""
from __future__ import annotations

import json
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar
from urllib.parse import urlsplit

from storage.facts.newmedia import PostSeen
from storage.vocabulary import BEIJING

if TYPE_CHECKING:
    from crawler.egress import EgressPolicy

MAX_BODY = 8 * 1024 * 1024  # an adapter's page or feed; larger is not an account page (crawler.egress.fetch)

DEFAULT_USER_AGENT = ("Mozilla/5.0 (Linux; Android 12; Pixel 6) AppleWebKit/537.36 (KHTML, like Gecko) "
                      "Chrome/120.0 Mobile Safari/537.36 govaudit")


class FailureKind(StrEnum):
    TIMEOUT = "timeout"  # the platform did not answer in time
    LOGIN_WALL = "login_wall"  # the platform asks to log in (or the stored session expired)
    RATE_LIMITED = "rate_limited"  # 418/429/"请求过于频繁"
    CHANGED_MARKUP = "changed_markup"  # an answer we no longer recognise
    NOT_FOUND = "not_found"  # the platform says the account does not exist (the only kind that is a finding)
    NETWORK = "network"  # DNS/connect/TLS failure on the way to the platform
    NO_SOURCE = "no_source"  # nothing to read from (no login state and no article on the portal, no browser)
    BAD_INPUT = "bad_input"  # the operator's input for the account is unusable (manual CSV)
    ERROR = "error"  # a defect of ours in the adapter (logged with its traceback)




class AdapterFailure(Exception):
    """The platform refused or broke the measurement; `kind` says how, `detail` what was seen."""

    def __init__(self, kind: FailureKind, detail: str) -> None:
        super().__init__(f"{kind}: {detail}")
        self.kind = kind
        self.detail = detail


@dataclass
class Profile:
    name: str | None = None
    url: str | None = None
    verified: bool | None = None
    verification: str | None = None  # 认证信息, as shown
    followers: int | None = None
    posts_total: int | None = None
    interaction: dict[str, bool | None] = field(default_factory=dict)  # channel → open / closed / unknown


@dataclass
class AccountData:
    """What one read of an account gave; `posts_source` says how complete the post list is."""

    profile: Profile
    posts: list[PostSeen]
    posts_source: str  # timeline (the account's own list) | feed | portal (articles linked by the unit) | manual


@dataclass(frozen=True)
class AccountRef:
    """An account as its unit registered it (sites.yaml `accounts:`)."""

    platform: str
    handle: str
    name: str | None = None
    interaction: dict | None = None  # channels a person checked (留言/评论, 私信, 菜单), where the platform hides them


@dataclass
class GatherContext:
    """Everything an adapter may use besides the network: limits, stored sessions, the portal's links."""

    timeout_s: float = 15.0
    user_agent: str = DEFAULT_USER_AGENT
    max_pages: int = 3  # timeline pages per account
    enough_posts: int = 10  # stop paging once this many non-pinned posts are known
    delay_s: float = 0.3  # between two requests to one platform
    retry_delay_s: float = 5.0  # before the one retry of a rate-limited request
    browser: bool = True
    state_dir: Path | None = None  # stored login states (<platform>.json), from `govaudit login`
    registry_dir: Path = Path(".")  # manual CSVs resolve against the sites.yaml's folder
    portal_links: list[str] = field(default_factory=list)  # article URLs the unit's portal links to
    now: datetime = field(default_factory=lambda: datetime.now(BEIJING))  # fetch time, for "3天前"

    def state_file(self, platform: str) -> Path | None:
        if self.state_dir is None:
            return None
        path = self.state_dir / f"{platform}.json"
        return path if path.is_file() else None


class Adapter(ABC):
    """Base of the platform adapters: `read(handle, name)` → AccountData, or raise AdapterFailure."""

    platform: ClassVar[str]
    public_base: ClassVar[str] = ""
    rate_limit_statuses: ClassVar[tuple[int, ...]] = (418, 429)

    def __init__(self, ctx: GatherContext, base_url: str | None = None) -> None:
        self.ctx = ctx
        self.base = (base_url or self.public_base).rstrip("/")

    @abstractmethod
    def read(self, handle: str, name: str | None) -> AccountData:
        """The account's profile and posts as the platform shows them."""

    def profile_url(self, handle: str) -> str | None:
        """The account's page a person opens to confirm a finding."""
        return None

    # -- plain HTTP, shared by the adapters that need no browser -------------------------------------
    def egress(self, url: str) -> EgressPolicy:
        """What a fetch of this adapter may reach: public addresses, plus the network of a base URL the
        operator configured (`platforms:` mirrors) — never more (crawler.egress)."""
        from crawler.egress import STRICT, policy_for_site

        if self.base and self.base != self.public_base.rstrip("/"):
            cache = self.__dict__.setdefault("_egress", {})
            if self.base not in cache:
                cache[self.base] = policy_for_site(self.base)
            return cache[self.base]
        return STRICT

    def get(self, url: str, headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
        """GET with the context's timeout through `safe_fetch` (redirects re-checked against the egress
        policy, body capped, one deadline); HTTP errors are returned, transport errors raise AdapterFailure.
        A `Cookie` header given here is sent only to the first URL's host (never after a redirect)."""
        from crawler.egress.fetch import FetchError, safe_fetch

        first_host = (urlsplit(url).hostname or "").lower()
        base_headers = {"User-Agent": self.ctx.user_agent, "Accept-Language": "zh-CN,zh;q=0.9", **(headers or {})}

        def per_hop(hop: str) -> dict[str, str]:
            if (urlsplit(hop).hostname or "").lower() == first_host:
                return base_headers
            return {k: v for k, v in base_headers.items() if k.lower() not in ("cookie", "authorization")}

        try:
            got = safe_fetch(url, self.egress(url), headers=per_hop, timeout_s=self.ctx.timeout_s,
                             max_bytes=MAX_BODY, truncate=False)
        except FetchError as exc:
            if exc.kind == "timeout":
                raise AdapterFailure(FailureKind.TIMEOUT, f"{url}: no answer within {self.ctx.timeout_s:g} s") from None
            raise AdapterFailure(FailureKind.NETWORK, f"{exc.url}: {exc.kind}: {exc.detail}") from None
        return got.status, got.headers, got.body

    def get_json(self, url: str, headers: dict[str, str] | None = None) -> tuple[int, Any]:
        status, _, body = self.get(url, headers)
        if status in self.rate_limit_statuses:
            raise AdapterFailure(FailureKind.RATE_LIMITED, f"{url}: HTTP {status}")
        try:
            return status, json.loads(body.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            text = body[:2000].decode("utf-8", "replace")
            if any(w in text for w in ("登录", "passport", "login")):
                raise AdapterFailure(FailureKind.LOGIN_WALL, f"{url}: HTTP {status}, a login page instead of JSON") from None
            raise AdapterFailure(FailureKind.CHANGED_MARKUP, f"{url}: HTTP {status}, not JSON") from None


def count(value: Any) -> int | None:
    """A platform count: 1234, "1234", "1.2万", "3亿" → int; anything else → None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value)
    if not isinstance(value, str):
        return None
    import re

    m = re.fullmatch(r"\s*([\d.]+)\s*(万|w|W|亿)?\+?\s*", value)
    if not m:
        return None
    try:
        n = float(m.group(1))
    except ValueError:
        return None
    return int(n * {"万": 1e4, "w": 1e4, "W": 1e4, "亿": 1e8}.get(m.group(2) or "", 1))


def bytedance_id_time(item_id: str) -> datetime | None:
    """ByteDance item ids (抖音 aweme_id, 头条 group id) carry their creation time in the top 32 bits."""
    if not item_id.isdigit() or len(item_id) < 18:
        return None
    ts = int(item_id) >> 32
    if not 1_400_000_000 <= ts <= 4_000_000_000:
        return None
    return datetime.fromtimestamp(ts, BEIJING)
