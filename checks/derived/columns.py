"""Column facts several rules share: can a column be judged, its age, and how it is shown in evidence."""
from __future__ import annotations

from checks.base import Params
from storage.facts.columns import ColumnFact, ColumnItemFact

TYPE_ZH = {"news": "动态要闻类", "notice": "通知公告类", "policy": "政策文件类", "personnel": "人事信息类",
           "plan": "规划计划类", "interaction": "互动交流类", "service": "办事服务类", "other": "其他"}
LEVEL_ZH = {0: "首页", 1: "一级栏目", 2: "二级栏目"}


def unmeasured_reason(col: ColumnFact) -> str | None:
    """Why the column's list could not be read honestly, or None when it could."""
    if not col.fetched:
        return "栏目首页未抓取（超出抓取范围，或只读到其后续分页） / first list page not crawled"
    if col.status is None or col.status >= 400:
        return f"栏目页无法打开（HTTP {col.status}） / list page failed"
    if col.needs_render and not col.rendered:
        return "列表由脚本加载（或被反爬虫验证页挡住），未经浏览器渲染 / list needs a browser and was not rendered"
    return None


def limit_for(col: ColumnFact, params: Params) -> tuple[str, int]:
    """(limit group, max age in days) for the column's type and level, from the scheme."""
    if col.type == "news":
        return "news", int(params["column.news_max_age_days"])
    if col.type in ("notice", "policy") and (col.level == 1 or not params["column.notice_policy_top_level_only"]):
        return "notice_policy", int(params["column.notice_policy_max_age_days"])
    return "other", int(params["column.other_max_age_days"])


def item_evidence(item: ColumnItemFact | None) -> dict | None:
    if item is None:
        return None
    return {"title": item.title, "date": item.date.isoformat() if item.date else None, "url": item.url,
            "date_raw": item.date_raw, "date_source": item.date_source}


def column_evidence(col: ColumnFact) -> dict:
    return {"name": col.name, "type": col.type, "type_reason": col.type_reason, "level": col.level,
            "level_reason": col.level_reason,
            "parent": col.parent_url, "source": col.source, "items_seen": col.items_seen,
            "dated_items": col.dated_items, "pages": list(col.pages_seen)[:10]}


def label(col: ColumnFact) -> str:
    return f"“{col.name or col.url}”（{TYPE_ZH.get(col.type, col.type)}，{LEVEL_ZH.get(col.level, f'{col.level}级栏目')}）"
