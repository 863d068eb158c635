"""Disclosure and interaction records go through the storage pipeline into a snapshot (SQLite and PostgreSQL)."""
from __future__ import annotations

from datetime import date

from crawler.pipelines import StoragePipeline
from storage import models as m
from storage.facts import FactRow
from storage.facts.disclosure import AnnualReportFact, DisclosurePartFact, DocumentFact
from storage.facts.interaction import ChannelFact, MessageFact
from storage.session import session_scope, upgrade
from storage.snapshot import build_snapshot


def test_records_round_trip(db_url: str) -> None:
    upgrade(db_url)
    with session_scope(db_url) as session:
        session.add(m.Site(id="4213000001", name="示例县人民政府", url="http://www.example.gov.cn/", config={}))
        session.flush()
        run = m.Run(site_id="4213000001", as_of=date(2026, 11, 27), homepage_url="http://www.example.gov.cn/",
                    stats={"facts": ["pages", "links", "disclosure", "interaction"]})
        session.add(run)
        session.flush()
        run_id = run.id
    pipe = StoragePipeline(db_url, batch=10)
    tables = {"table4": {"columns": ["结果维持"], "groups": {"行政复议": [1, 2, 3, 4, 10]}}}
    for rec in (
        FactRow(run_id, DisclosurePartFact(part="guide", url="http://www.example.gov.cn/zwgk/zn/", name="公开指南")),
        FactRow(run_id, DocumentFact(url="http://www.example.gov.cn/zwgk/1.html", kind="normative", layout="table",
                                     fields={"索引号": "", "有效性": "有效"}, written_date=date(2026, 1, 5),
                       related=[["http://www.example.gov.cn/a.html", "原文"]])),
        FactRow(run_id, AnnualReportFact(url="http://www.example.gov.cn/nb/2025.pdf", parse_status="ok", year=2025,
                           template="2021", sections=[1, 2, 3, 4, 5, 6], tables=tables,
                           published_date=date(2026, 3, 20), date_source="list")),
        FactRow(run_id, ChannelFact(url="http://www.example.gov.cn/xf/", kind="petition", excluded=True)),
        FactRow(run_id, MessageFact(url="http://www.example.gov.cn/ly/1.html", asked_at=date(2026, 7, 1),
                      answered=False, channel_kind="board")),
    ):
        pipe.process_item(rec)
    pipe.close_spider()
    with session_scope(db_url) as session:
        snap = build_snapshot(session, run_id)
        assert {"disclosure", "interaction"} <= snap.facts
        assert snap.disclosure_parts[0].part == "guide"
        doc = snap.documents[0]
        assert (doc.fields, doc.written_date, doc.related) == ({"索引号": "", "有效性": "有效"}, date(2026, 1, 5),
                                                               (("http://www.example.gov.cn/a.html", "原文"),))
        report = snap.annual_reports[0]
        assert (report.tables, report.sections, report.published_date) == (tables, (1, 2, 3, 4, 5, 6), date(2026, 3, 20))
        assert snap.interaction_channels[0].excluded is True
        assert (snap.messages[0].asked_at, snap.messages[0].answered) == (date(2026, 7, 1), False)
