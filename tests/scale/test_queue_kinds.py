"""Probes and re-checks as queue jobs (`govaudit probe|recheck … --queue URL`, govaudit/distributed.py),
run by a `govaudit worker` on PostgreSQL: a probe job stores one sample per site (a site that is down is a
sample too, not a failed job), a re-check job makes a `recheck` run carrying its job key and settles the
claimed fix; a site with nothing claimed is done with nothing to do."""
from __future__ import annotations

import socket
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
import yaml
from sqlalchemy import select

from bench.queue_fixtures import ROOT, env, queue_url, start_worker, stop
from storage import models as m
from storage.session import session_scope, upgrade
from tests.supervision.test_scheduler import _tiny_site

pytestmark = [pytest.mark.slow, pytest.mark.postgres, pytest.mark.redis]


def _govaudit(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "govaudit", *args], cwd=ROOT, env=env(), capture_output=True,
                          text=True, timeout=300)


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_probe_and_recheck_jobs_run_on_a_worker(tmp_path: Path, pg_url: str, redis_url: str,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    from storage.problems import transition
    from storage.vocabulary import beijing_today
    from tests.problems import builders as b

    upgrade(pg_url)
    server = _tiny_site(broken=False)  # the unit fixed /gone.html
    url = queue_url()
    worker = start_worker(url, pg_url, tmp_path, "w")
    try:
        home = server.base_url + "/"
        site = {"id": "4213000001", "name": "示例县人民政府", "url": home, "kind": "portal"}
        down = {"id": "4213000002", "name": "示例乡人民政府", "url": f"http://127.0.0.1:{_closed_port()}/",
                "kind": "portal"}
        sites = tmp_path / "sites.yaml"
        sites.write_text(yaml.safe_dump({"sites": [site, down]}, allow_unicode=True), encoding="utf-8")

        probe = _govaudit("probe", "--sites", str(sites), "--db", pg_url, "--queue", url, "--timeout", "5")
        assert probe.returncode == 0, probe.stderr + (tmp_path / "w.log").read_text()
        assert "4213000001" in probe.stdout and "200" in probe.stdout and "4213000002" in probe.stdout
        with session_scope(pg_url) as session:
            samples = {p.site_id: p for p in session.scalars(select(m.Probe))}
        assert set(samples) == {"4213000001", "4213000002"}
        assert samples["4213000001"].status == 200 and samples["4213000001"].error is None
        assert samples["4213000002"].status is None and samples["4213000002"].error  # down: a sample, not a failure

        # a stored audit with a broken link whose fix the unit claimed
        monkeypatch.setattr(b, "SITE", site)
        monkeypatch.setattr(b, "HOME", home)
        b.audit(pg_url, [b.broken(home + "gone.html", page=home)], as_of=beijing_today() - timedelta(days=1))
        with session_scope(pg_url) as session:
            problem = session.scalars(select(m.Problem)).one()
            transition(session, problem.id, "rectifying", actor="示例县政府办", kind="rectify", note="已删除失效链接")
            problem_id = problem.id
        recheck = _govaudit("recheck", "--site", "4213000001", "--sites", str(sites), "--db", pg_url,
                            "--queue", url, "--no-browser")
        assert recheck.returncode == 0, recheck.stderr + (tmp_path / "w.log").read_text()
        with session_scope(pg_url) as session:
            runs = session.scalars(select(m.Run).where(m.Run.kind == "recheck")).all()
            assert [r.state for r in runs] == ["complete"]
            assert runs[0].options["job"].endswith(":4213000001")
            assert f"run {runs[0].id}" in recheck.stdout
            assert session.get(m.Problem, problem_id).state == "rectified"
        assert (tmp_path / "out-w" / "recheck" / "4213000001" / "report.html").exists()  # the worker's --out

        again = _govaudit("recheck", "--site", "4213000001", "--db", pg_url, "--queue", url)  # stored entry
        assert again.returncode == 0, again.stderr
        assert "4213000001: done" in again.stdout and "nothing to re-check" in again.stdout
        with session_scope(pg_url) as session:
            assert len(session.scalars(select(m.Run).where(m.Run.kind == "recheck")).all()) == 1
    finally:
        stop(worker)
        server.stop()


def test_probe_on_a_queue_refuses_every(cli, tmp_path: Path) -> None:  # noqa: ANN001
    sites = tmp_path / "sites.yaml"
    sites.write_text(yaml.safe_dump({"sites": [{"id": "4213000001", "name": "示例县", "url": "http://127.0.0.1:9/",
                                                "kind": "portal"}]}, allow_unicode=True), encoding="utf-8")
    result = cli("probe", "--sites", str(sites), "--db", f"sqlite:///{tmp_path}/x.db", "--queue",
                 "redis://127.0.0.1:6379/15", "--every", "5m")
    assert result.returncode == 2 and "--every" in result.stderr + result.stdout
    assert not (tmp_path / "x.db").exists()
