"""Fact family `accounts`: each registered 政务新媒体 account as its platform showed it, and its posts
(docs/newmedia.md)."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Annotated

from sqlalchemy import String

from storage.facts.table import Indexed, fact_table
from storage.vocabulary import china_time

# Why an account could not be read (`AccountFact.failure`), in words for reports; only not_found is a finding.
FAILURE_ZH = {
    "timeout": "平台响应超时", "login_wall": "平台要求登录", "rate_limited": "平台限流",
    "changed_markup": "平台页面结构无法识别", "not_found": "账号不存在", "network": "无法连接平台",
    "no_source": "没有可读取的来源", "bad_input": "人工导入数据有误", "error": "检测程序出错",
}


@fact_table("account", model="Account", family="accounts", snapshot="accounts", unique=("platform", "handle"))
class AccountFact:
    """One registered account read by its platform adapter; `status` ok or failed (+ `failure`)."""

    platform: Annotated[str, String(16)]  # weibo | wechat | douyin | toutiao | rss | atom | manual
    handle: str  # uid, __biz, sec_uid, feed URL … as registered
    registered_name: Annotated[str | None, String(255)] = None  # the name in sites.yaml
    name: Annotated[str | None, String(255)] = None  # the name the platform shows
    url: str | None = None  # where the profile was read
    verified: bool | None = None
    verification: str | None = None  # 认证信息 as shown
    followers: int | None = None
    posts_total: int | None = None  # the platform's own count, where public
    posts_source: Annotated[str | None, String(16)] = None  # timeline | feed | portal | manual
    interaction: dict = field(default_factory=dict)  # channel → true/false/null (observed)
    status: Annotated[str, String(16)] = "ok"  # ok | failed
    failure: Annotated[str | None, String(32)] = None  # timeout | login_wall | rate_limited | …
    failure_detail: str | None = None
    fetched_at: datetime | None = None

    @property
    def key(self) -> str:
        """The contract's subject for account rules: `platform:handle`."""
        return f"{self.platform}:{self.handle}"


@dataclass(frozen=True)
class PostSeen:
    """One post (微博, 文章, 视频 …) as its platform lists it: what an adapter reads."""

    url: str | None = None
    published_at: datetime | None = None  # China time
    title: str | None = None
    text: str | None = None
    pinned: bool = False
    comments: int | None = None
    likes: int | None = None
    reposts: int | None = None


@fact_table("post", model="Post", family="accounts", snapshot="posts",
            loaders={"published_at": china_time})
@dataclass(frozen=True, kw_only=True)
class PostFact(PostSeen):
    """A post of a registered account, as stored with its run."""

    account: Annotated[str, Indexed()]  # "platform:handle" of its account
