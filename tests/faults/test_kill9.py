"""kill -9 of an audit mid-crawl, then a new audit (issue 21, acceptance): the old run is `interrupted`,
nothing is duplicated, and at most ~2 s of pages are lost — on SQLite and PostgreSQL."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select

from demo.server import FixtureServer, Route
from storage import models as m
from storage.runs import LOST
from tests.conftest import ROOT

pytestmark = [pytest.mark.slow, pytest.mark.timeout(400)]

PAGES = 400
FLUSH_S = 2.0  # crawler/settings.py GOVAUDIT_FLUSH_S
SLACK_S = 1.0  # parse, item pipeline, the writer's transaction


class SlowSite:
    """A site of PAGES slow pages that records when each page was answered; `fast()` takes the delay away."""

    def __init__(self) -> None:
        self.delay = 0.2
        self.answered: dict[str, float] = {}
        self.lock = threading.Lock()
        links = "".join(f'<a href="/p{i}.html">第{i}页</a>' for i in range(PAGES))
        routes = {"/": Route(body=f"<html><head><title>慢站点</title></head><body>{links}</body></html>".encode())}
        for i in range(PAGES):
            routes[f"/p{i}.html"] = Route(answer=self._answer(i))
        self.server = FixtureServer(routes)

    def _answer(self, i: int):  # noqa: ANN202
        def answer(_method: str, path: str, _headers) -> Route:  # noqa: ANN001
            with self.lock:
                self.answered.setdefault(path, time.time() + self.delay)
            return Route(body=f"<html><head><title>第{i}页</title></head><body>第{i}页正文</body></html>".encode(),
                         delay=self.delay)
        return answer

    def fast(self) -> None:
        self.delay = 0.0


def _audit(sites: Path, db_url: str, out: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "govaudit", "audit", "--sites", str(sites), "--db", db_url, "--out", str(out),
         "--no-browser", "--as-of", "2026-11-27"],
        env={**os.environ, "PYTHONPATH": str(ROOT)}, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        start_new_session=True)


def _query(db_url: str, stmt):  # noqa: ANN001, ANN202
    engine = create_engine(db_url)
    try:
        with engine.connect() as conn:
            return conn.execute(stmt).all()
    finally:
        engine.dispose()


def _group_gone(pgid: int, within_s: float = 15) -> bool:
    deadline = time.monotonic() + within_s
    while time.monotonic() < deadline:
        try:
            os.killpg(pgid, 0)
        except ProcessLookupError:
            return True
        time.sleep(0.2)
    return False


def test_kill9_mid_crawl_then_a_new_audit(db_url: str, tmp_path: Path) -> None:
    site = SlowSite()
    with site.server as server:
        sites = tmp_path / "sites.yaml"
        sites.write_text(f'sites:\n  - {{id: "4213000009", name: 慢站点, url: "{server.base_url}/"}}\n',
                         encoding="utf-8")
        proc = _audit(sites, db_url, tmp_path / "out")
        try:
            deadline = time.monotonic() + 120
            while len(site.answered) < 80 and time.monotonic() < deadline and proc.poll() is None:
                time.sleep(0.1)
            assert proc.poll() is None, proc.communicate()[1]
            assert len(site.answered) >= 80, "the crawl never got going"
            proc.send_signal(signal.SIGKILL)
            proc.wait()
            killed_at = time.time()
            # the writer process and any other child end with the audit (crawler.lifeline)
            assert _group_gone(proc.pid), "a child of the killed audit is still alive"
        finally:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
            proc.stdout.close()
            proc.stderr.close()
        (old,) = _query(db_url, select(m.Run.id, m.Run.state, m.Run.pid))
        assert old.state == "running" and old.pid == proc.pid  # nothing could close it
        stored = {u for (u,) in _query(db_url, select(m.Page.url).where(m.Page.run_id == old.id))}
        with site.lock:
            due = {server.base_url + p for p, at in site.answered.items() if at < killed_at - FLUSH_S - SLACK_S}
        lost = due - stored
        print(f"kill -9 after {len(site.answered)} pages answered: {len(stored)} stored, "
              f"{len(due)} answered > {FLUSH_S + SLACK_S:.0f} s before the kill, lost of those: {len(lost)}")
        assert due, "the test killed the audit too early to measure anything"
        assert not lost, f"{len(lost)} pages answered more than {FLUSH_S} s before the kill were lost"

        # A new audit: the reaper closes the old run; the new one completes on its own pages.
        site.fast()
        again = subprocess.run(
            [sys.executable, "-m", "govaudit", "audit", "--sites", str(sites), "--db", db_url,
             "--out", str(tmp_path / "out2"), "--no-browser", "--as-of", "2026-11-27"],
            env={**os.environ, "PYTHONPATH": str(ROOT)}, capture_output=True, text=True, timeout=300)
    assert again.returncode == 0, again.stderr
    runs = _query(db_url, select(m.Run.id, m.Run.state, m.Run.error, m.Run.pages, m.Run.stats).order_by(m.Run.id))
    assert [r.state for r in runs] == ["interrupted", "complete"], runs
    assert runs[0].id == old.id and runs[0].error == LOST and runs[0].stats["close_reason"] == "process_lost"
    crawled = _query(db_url, select(func.count()).select_from(m.Page).where(m.Page.run_id == old.id,
                                                                              m.Page.crawled.is_(True)))[0][0]
    assert runs[0].pages == crawled  # what the killed run really stored
    # nothing duplicated: one row per URL in each run, and the old run untouched by the new one
    for run in runs:
        total, distinct = _query(db_url, select(func.count(), func.count(m.Page.url.distinct()))
                                 .where(m.Page.run_id == run.id))[0]
        assert total == distinct, f"run {run.id}: duplicated pages"
    assert {u for (u,) in _query(db_url, select(m.Page.url).where(m.Page.run_id == old.id))} == stored
    assert runs[1].pages == PAGES + 1
    assert (tmp_path / "out2" / "4213000009" / "report.html").is_file()
