"""政务新媒体 facts of a run: each registered account as its platform showed it, and its posts."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from storage.base import Base

# Why an account could not be read (`Account.failure`), in words for reports; only not_found is a finding.
FAILURE_ZH = {
    "timeout": "平台响应超时", "login_wall": "平台要求登录", "rate_limited": "平台限流",
    "changed_markup": "平台页面结构无法识别", "not_found": "账号不存在", "network": "无法连接平台",
    "no_source": "没有可读取的来源", "bad_input": "人工导入数据有误", "error": "检测程序出错",
}


class Account(Base):
    """One registered account read by its platform adapter (status `ok`, or `failed` with the reason)."""

    __tablename__ = "account"
    __table_args__ = (UniqueConstraint("run_id", "platform", "handle"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("run.id", ondelete="CASCADE"), index=True)
    platform: Mapped[str] = mapped_column(String(16))  # weibo | wechat | douyin | toutiao | rss | atom | manual
    handle: Mapped[str] = mapped_column(Text)  # uid, __biz, sec_uid, feed URL … as registered
    registered_name: Mapped[str | None] = mapped_column(String(255))  # the name in sites.yaml
    name: Mapped[str | None] = mapped_column(String(255))  # the name the platform shows
    url: Mapped[str | None] = mapped_column(Text)  # where the profile was read
    verified: Mapped[bool | None] = mapped_column(Boolean)
    verification: Mapped[str | None] = mapped_column(Text)  # 认证信息 as shown
    followers: Mapped[int | None] = mapped_column(Integer)
    posts_total: Mapped[int | None] = mapped_column(Integer)  # the platform's own count, where public
    posts_source: Mapped[str | None] = mapped_column(String(16))  # timeline | feed | portal | manual
    interaction: Mapped[dict] = mapped_column(default=dict)  # channel → true/false/null (observed)
    status: Mapped[str] = mapped_column(String(16))  # ok | failed
    failure: Mapped[str | None] = mapped_column(String(32))  # timeout | login_wall | rate_limited | …
    failure_detail: Mapped[str | None] = mapped_column(Text)
    fetched_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class Post(Base):
    """One post (微博, 文章, 视频 …) of an account as listed by the platform."""

    __tablename__ = "post"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("run.id", ondelete="CASCADE"), index=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("account.id", ondelete="CASCADE"), index=True)
    url: Mapped[str | None] = mapped_column(Text)
    published_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    title: Mapped[str | None] = mapped_column(Text)
    text: Mapped[str | None] = mapped_column(Text)
    pinned: Mapped[bool] = mapped_column(Boolean, default=False)
    comments: Mapped[int | None] = mapped_column(Integer)
    likes: Mapped[int | None] = mapped_column(Integer)
    reposts: Mapped[int | None] = mapped_column(Integer)
