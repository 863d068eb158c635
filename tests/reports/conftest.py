"""Sample govaudit.findings/1 documents for the renderer tests, built in Python."""
from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest

Doc = dict[str, Any]


def _suizhou() -> Doc:
    """A vetoed site with every rule status, a screenshot, a long evidence list and a hostile message."""
    home = "https://www.suizhou.gov.cn/"
    return {
        "schema": "govaudit.findings/1",
        "site": {"id": "4213000001", "name": "随州市人民政府", "url": home},
        "run": {"id": 7, "as_of": "2022-12-20", "started_at": "2022-12-20T01:00:00+08:00",
                "finished_at": "2022-12-20T01:42:10+08:00", "pages": 1234},
        "score": {
            "scheme": "national-2019", "total": 82.0, "vetoed": True, "grade": "不合格",
            "vetoes": ["interaction.unanswered"],
            "veto_indicators": ["web.veto.interaction_unanswered"],
            "undecided_vetoes": ["web.veto.columns_stale"],
            "indicators": [
                {"id": "web.veto.interaction_unanswered", "name": "互动回应差", "kind": "veto",
                 "status": "vetoed", "deducted": 0.0, "findings": 1, "cap": None},
                {"id": "web.veto.columns_stale", "name": "栏目不更新", "kind": "veto",
                 "status": "not_judged", "deducted": 0.0, "findings": 0, "cap": None},
                {"id": "web.ded.broken_links", "name": "链接可用性", "kind": "deduction",
                 "status": "deducted", "deducted": 6.0, "findings": 2, "cap": 10.0},
                {"id": "web.ded.identity", "name": "网站标识", "kind": "deduction",
                 "status": "deducted", "deducted": 12.0, "findings": 1, "cap": 12.0},
            ],
        },
        "rules": [
            {"rule": "link.broken", "status": "fail", "findings": 2},
            {"rule": "interaction.unanswered", "status": "fail", "findings": 1},
            {"rule": "identity.missing", "status": "fail", "findings": 1},
            {"rule": "site.unreachable", "status": "pass", "findings": 0},
            {"rule": "site.availability", "status": "not_applicable", "findings": 0,
             "reason": "2 probes in the window, 140 needed"},
            {"rule": "column.stale", "status": "not_measured", "findings": 0,
             "reason": "list pages answered 412 to the browser too"},
            {"rule": "content.typo", "status": "error", "findings": 0, "reason": "KeyError: 'text'"},
        ],
        "findings": [
            {"rule": "link.broken", "name_zh": "链接不可用", "indicator": "web.ded.broken_links",
             "subject": "https://www.suizhou.gov.cn/missing.html", "severity": "deduction",
             "page": "https://www.suizhou.gov.cn/index.html", "message": "链接返回 404",
             "evidence": {"status": 404, "on_homepage": True,
                          "pages": [f"https://www.suizhou.gov.cn/p/{i}.html" for i in range(25)]},
             "screenshot": "evidence/link-broken-1.png"},
            {"rule": "link.broken", "name_zh": "链接不可用", "indicator": "web.ded.broken_links",
             "subject": "javascript:alert(1)", "severity": "deduction",
             "page": "https://www.suizhou.gov.cn/xwzx/",
             "message": "<script>alert('x')</script> 页面文字被注入", "evidence": {"error": "bad scheme"},
             "screenshot": None},
            {"rule": "interaction.unanswered", "name_zh": "留言超期未回复",
             "indicator": "web.veto.interaction_unanswered",
             "subject": "https://www.suizhou.gov.cn/hdjl/ly/123.html", "severity": "veto",
             "page": "https://www.suizhou.gov.cn/hdjl/ly/", "message": "留言 120 天未回复",
             "evidence": {"posted": "2022-08-22", "age_days": 120, "limit_days": 90}},
            {"rule": "identity.missing", "name_zh": "网站标识缺失", "indicator": "web.ded.identity",
             "subject": "site_code", "severity": "deduction", "page": home,
             "message": "首页底部缺少网站标识码", "evidence": {"looked_in": ["footer", "meta SiteIDCode"]}},
        ],
        "generator": {"name": "govaudit", "version": "0.1.0"},
    }


def _guangshui() -> Doc:
    """A clean, lower-scoring but not vetoed site."""
    return {
        "schema": "govaudit.findings/1",
        "site": {"id": "4213810001", "name": "广水市人民政府", "url": "https://www.zggsw.gov.cn/"},
        "run": {"id": 8, "as_of": "2022-12-20", "started_at": "2022-12-20T02:00:00+08:00",
                "finished_at": None, "pages": 88},
        "score": {"scheme": "national-2019", "total": 70.5, "vetoed": False, "vetoes": [],
                  "indicators": [{"id": "web.ded.broken_links", "name": "链接可用性", "deducted": 1.0,
                                  "findings": 1}]},
        "rules": [{"rule": "link.broken", "status": "fail", "findings": 1},
                  {"rule": "column.stale", "status": "pass", "findings": 0}],
        "findings": [
            {"rule": "link.broken", "subject": "https://www.zggsw.gov.cn/old.html", "severity": "deduction",
             "page": None, "message": "=HYPERLINK(\"http://evil\") 链接超时", "evidence": {"error": "timeout"}},
        ],
    }


@pytest.fixture
def suizhou() -> Doc:
    return _suizhou()


@pytest.fixture
def guangshui() -> Doc:
    return _guangshui()


@pytest.fixture
def make_doc() -> Callable[..., Doc]:
    """A fresh copy of the clean sample with site id, total and veto changed."""
    def make(site_id: str, total: float, vetoed: bool = False) -> Doc:
        doc = copy.deepcopy(_guangshui())
        doc["site"]["id"] = site_id
        doc["score"].update(total=total, vetoed=vetoed, vetoes=["site.unreachable"] if vetoed else [])
        return doc
    return make
