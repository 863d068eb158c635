"""政务新媒体 platform adapters, one per platform (crawler/platforms/<platform>.py), behind one interface."""
from __future__ import annotations

from crawler.platforms.base import Adapter, AdapterFailure, FailureKind, GatherContext


def adapter_for(platform: str, ctx: GatherContext, base_url: str | None = None) -> Adapter:
    """The adapter of a registry platform name (`platforms:` base URLs override the public host)."""
    from crawler.platforms.douyin import DouyinAdapter
    from crawler.platforms.manual import ManualAdapter
    from crawler.platforms.rss import AtomAdapter, FeedAdapter
    from crawler.platforms.toutiao import ToutiaoAdapter
    from crawler.platforms.wechat import WechatAdapter
    from crawler.platforms.weibo import WeiboAdapter

    classes = {c.platform: c for c in (WeiboAdapter, WechatAdapter, DouyinAdapter, ToutiaoAdapter, FeedAdapter,
                                       AtomAdapter, ManualAdapter)}
    return classes[platform](ctx, base_url)


__all__ = ["Adapter", "AdapterFailure", "FailureKind", "GatherContext", "adapter_for"]
