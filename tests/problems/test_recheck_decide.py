"""What a re-check fetches and what it concludes, on snapshots built in the test (no crawl): fake fixes
by re-posting old items next to genuine new items, broken links fixed or only unlinked, pages not
fetched; and how an item page states its own date."""
from __future__ import annotations

from datetime import date

import lxml.html
import pytest

from checks.base import Finding, RuleResult, Status
from crawler.extractors.newest import page_date
from reports.recheck import Claim, decide, plan, repost_evidence
from storage.facts.columns import ColumnFact, ColumnItemFact
from storage.facts.items import ItemPageFact, text_fingerprint
from storage.facts.pages import PageFact, SiteFact
from storage.problems import ProblemRecord
from storage.snapshot import snapshot_from

HOME = "http://www.example.gov.cn/"
COL = HOME + "tzgg/"
AS_OF = date(2026, 11, 28)
OLD_TEXT = "关于开展冬季安全生产隐患排查整治的通知 发布时间：2026-05-05 10:00 各乡镇人民政府，县直各单位：为切实做好相关工作……"
EARLIER = [{"run": 1, "title": "关于开展冬季安全生产隐患排查整治的通知", "url": COL + "202605/t20260505_2200.html",
            "date": "2026-05-05", "text_hash": text_fingerprint(OLD_TEXT)}]
PARAMS = {"homepage.max_age_days": 14}


def _problem(pid: int, rule: str, subject: str, evidence: dict | None = None, page: str | None = HOME) -> ProblemRecord:
    return ProblemRecord(id=pid, site_id="4213000001", site_name="示例", rule=rule, subject=subject, state="rectifying",
                         first_run=1, first_seen=date(2026, 11, 27), last_run=2, last_seen=date(2026, 11, 27),
                         runs_seen=2, opened_on=date(2026, 11, 27), due_on=date(2026, 12, 4),
                         finding={"rule": rule, "subject": subject, "page": page, "message": "m",
                                  "evidence": evidence or {}})


def _item(title: str, url: str, day: date) -> ColumnItemFact:
    return ColumnItemFact(column_url=COL, title=title, url=url, date=day, date_source="text")


def _page(url: str, text: str = "正文" * 20, status: int = 200) -> PageFact:
    return PageFact(url=url, status=status, text=text)


# --- fake fixes ----------------------------------------------------------------------------------------
def test_a_repost_with_the_old_page_is_caught_three_ways() -> None:
    new = COL + "202611/t20261128_9001.html"
    fresh = [_item("关于开展冬季安全生产隐患排查整治的通知", new, AS_OF)]
    own = {new: ItemPageFact(url=new, column_url=COL, page_date=date(2026, 5, 5), page_date_source="meta:pubdate")}
    found = repost_evidence(fresh, own, {new: _page(new, OLD_TEXT)}, EARLIER)
    assert found is not None
    assert {r["kind"] for r in found[0]["reasons"]} == {"page_date_older", "same_title", "same_text"}


def test_each_sign_alone_is_enough() -> None:
    new = COL + "202611/t20261128_9001.html"
    title_only = repost_evidence([_item(EARLIER[0]["title"], new, AS_OF)], {}, {}, EARLIER)
    assert [r["kind"] for r in title_only[0]["reasons"]] == ["same_title"]
    renamed = repost_evidence([_item("冬季安全生产隐患排查整治工作的通知", new, AS_OF)], {},
                              {new: _page(new, OLD_TEXT)}, EARLIER)
    assert [r["kind"] for r in renamed[0]["reasons"]] == ["same_text"]
    dated = repost_evidence([_item("全新标题的通知", new, AS_OF)],
                            {new: ItemPageFact(url=new, column_url=COL, page_date=date(2026, 11, 1),
                                               page_date_source="text")}, {new: _page(new, "全新的正文" * 10)}, EARLIER)
    assert [r["kind"] for r in dated[0]["reasons"]] == ["page_date_older"]


def test_genuine_updates_are_not_reposts() -> None:
    new = COL + "202611/t20261128_9002.html"
    genuine = _item("关于开展冬季供暖安全专项检查的通知", new, AS_OF)
    own = {new: ItemPageFact(url=new, column_url=COL, page_date=AS_OF, page_date_source="meta:pubdate")}
    assert repost_evidence([genuine], own, {new: _page(new, "今冬供暖安全" * 10)}, EARLIER) is None
    # a yearly notice of the same name over a different text is a new item
    yearly = _item(EARLIER[0]["title"], new, AS_OF)
    assert repost_evidence([yearly], {}, {new: _page(new, "2026年冬季的新要求" * 10)}, EARLIER) is None
    # one genuine fresh item beside a repost makes the column fresh for real
    repost = _item(EARLIER[0]["title"], COL + "x.html", AS_OF)
    assert repost_evidence([repost, genuine], own, {new: _page(new, "今冬供暖安全" * 10)}, EARLIER) is None
    # the list a day ahead of the page (published late in the evening) is no forged date
    late = {new: ItemPageFact(url=new, column_url=COL, page_date=date(2026, 11, 27), page_date_source="text")}
    assert repost_evidence([genuine], late, {}, EARLIER) is None
    # an URL's date may lag a few days (a draft created earlier)
    lag = {new: ItemPageFact(url=new, column_url=COL, page_date=date(2026, 11, 23), page_date_source="url")}
    assert repost_evidence([genuine], lag, {}, EARLIER) is None


def test_text_fingerprints_ignore_the_dates_a_repost_changes() -> None:
    assert text_fingerprint(OLD_TEXT) == text_fingerprint(OLD_TEXT.replace("2026-05-05 10:00", "2026-11-28 09:00"))
    assert text_fingerprint(OLD_TEXT) != text_fingerprint(OLD_TEXT.replace("冬季", "夏季"))
    assert text_fingerprint("短") is None


# --- decisions -----------------------------------------------------------------------------------------
def _snap(pages: list[PageFact], columns=(), items=(), item_pages=()):  # noqa: ANN001, ANN202
    return snapshot_from(SiteFact(id="4213000001", name="示例", url=HOME), AS_OF, HOME, pages=[_page(HOME), *pages],
                         columns=list(columns), column_items=list(items), item_pages=list(item_pages),
                         facts=frozenset({"pages", "links", "columns", "column_items", "item_pages"}))


def test_broken_links_fixed_unlinked_or_not_seen() -> None:
    target = HOME + "old.html"
    p = _problem(1, "link.broken", target, {"status": 404, "pages": [HOME], "pages_count": 1})
    claim = [Claim(p, target)]
    pl = plan(claim, HOME, AS_OF, PARAMS)
    assert pl.check == [] and pl.crawl == [target] and pl.needs[1] == [HOME]  # the 整改链接 is crawled
    passed = {"link.broken": RuleResult(Status.PASS)}
    assert decide(claim, _snap([_page(target)]), passed, pl, {}, PARAMS)[0].result == "rectified"
    # still 404 but no longer linked from the homepage: fixed by removing the link
    gone = decide(claim, _snap([_page(target, status=404)]), passed, pl, {}, PARAMS)[0]
    assert gone.result == "rectified" and "不再链接" in gone.reason
    # still linked and still 404: the rule finds it
    still = {"link.broken": RuleResult.of([Finding("link.broken", target, "链接不可用：HTTP 404", HOME, {})])}
    assert decide(claim, _snap([_page(target, status=404)]), still, pl, {}, PARAMS)[0].result == "recheck_failed"
    # linked from 40 pages, 10 re-fetched: not decided
    many = _problem(1, "link.broken", target, {"status": 404, "pages": [HOME + f"{i}.html" for i in range(20)],
                                               "pages_count": 40})
    pl_many = plan([Claim(many, None)], HOME, AS_OF, PARAMS)
    assert pl_many.check == [target] and len(pl_many.crawl) == 10
    snap = _snap([_page(target, status=404), *(_page(u) for u in pl_many.crawl)])
    assert decide([Claim(many, None)], snap, passed, pl_many, {}, PARAMS)[0].result == "not_measured"


def test_not_judged_or_not_fetched_is_not_measured() -> None:
    p = _problem(2, "content.typo", HOME + "a.html", {"typos": [{"wrong": "按装"}]}, page=HOME + "a.html")
    pl = plan([Claim(p, HOME + "a.html")], HOME, AS_OF, PARAMS)
    assert pl.crawl == [HOME + "a.html"]
    out = decide([Claim(p, None)], _snap([]), {"content.typo": RuleResult(Status.PASS)}, pl, {}, PARAMS)[0]
    assert out.result == "not_measured" and HOME + "a.html" in out.reason
    out = decide([Claim(p, None)], _snap([_page(HOME + "a.html")]),
                 {"content.typo": RuleResult.not_measured("页面未读取")}, pl, {}, PARAMS)[0]
    assert out.result == "not_measured"


@pytest.mark.parametrize(("title", "page_day", "text", "result"), [
    ("关于开展冬季安全生产隐患排查整治的通知", date(2026, 5, 5), OLD_TEXT, "recheck_failed"),
    ("关于开展冬季供暖安全专项检查的通知", AS_OF, "今冬供暖安全" * 10, "rectified"),
])
def test_a_stale_column_turned_fresh(title: str, page_day: date, text: str, result: str) -> None:
    evidence = {"type": "notice", "level": 1, "name": "通知公告", "max_age_days": 183}
    p = _problem(3, "column.stale", COL, evidence, page=COL)
    pl = plan([Claim(p, COL)], HOME, AS_OF, PARAMS)
    assert pl.columns == [{"url": COL, "type": "notice", "level": 1, "name": "通知公告"}]
    assert pl.newest == [{"url": COL, "since": "2026-05-29"}] and "item_pages" in pl.families
    new = COL + "202611/t20261128_9001.html"
    col = ColumnFact(url=COL, name="通知公告", type="notice", level=1, fetched=True, status=200)
    snap = _snap([_page(COL), _page(new, text)], columns=[col],
                 items=[_item(title, new, AS_OF), _item("更早的通知", COL + "old.html", date(2026, 4, 1))],
                 item_pages=[ItemPageFact(url=new, column_url=COL, page_date=page_day, page_date_source="meta:pubdate")])
    out = decide([Claim(p, COL)], snap, {"column.stale": RuleResult(Status.PASS)}, pl, {COL: EARLIER}, PARAMS)[0]
    assert out.result == result
    if result == "recheck_failed":
        assert out.reason.startswith("重复发布旧信息") and out.detail["reason"] == "重复发布旧信息"
        assert out.detail["reposts"][0]["item"]["url"] == new


# --- an item page's own date ---------------------------------------------------------------------------
@pytest.mark.parametrize(("html", "url", "expected"), [
    ('<html><head><meta name="PubDate" content="2026-05-05 10:00"></head><body>发布时间：2026-11-28</body></html>',
     COL + "a.html", (date(2026, 5, 5), "meta:pubdate")),
    ("<html><body><h1>通知</h1><p>成文日期：2026-04-01 发布时间：2026-05-06 09:00</p></body></html>",
     COL + "a.html", (date(2026, 5, 6), "text")),
    ("<html><body><p>今天是2026年11月28日</p></body></html>", COL + "202605/t20260507_1.html",
     (date(2026, 5, 7), "url")),
    ("<html><body><p>今天是2026年11月28日</p></body></html>", COL + "a.html", (None, None)),
])
def test_page_date(html: str, url: str, expected: tuple) -> None:
    tree = lxml.html.document_fromstring(html)
    assert page_date(tree, tree.text_content(), url) == expected
