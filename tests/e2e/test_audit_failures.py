"""A site that fails is a finding, not a crash; an interrupted crawl is marked interrupted."""
from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from demo.server import FixtureServer, Route
from tests.conftest import ROOT


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.slow
def test_unreachable_site_is_a_finding_and_others_still_audited(tmp_path: Path, cli) -> None:
    ok = FixtureServer({"/": Route(body="<html><head><title>好</title></head><body>网站标识码：4213000002</body></html>".encode())})
    with ok:
        down = f"http://127.0.0.1:{_closed_port()}/"
        sites = tmp_path / "sites.yaml"
        sites.write_text(f"""sites:
  - {{id: "4213000001", name: 停机站点, url: "{down}"}}
  - {{id: "4213000002", name: 正常站点, url: "{ok.base_url}/"}}
""", encoding="utf-8")
        province = tmp_path / "province.yaml"
        province.write_text("id: province-2026\nname: 省级方案\nextends: national-2019\n"
                            "params: {site.unreachable_deduction: 7}\n", encoding="utf-8")
        res = cli("audit", "--sites", str(sites), "--db", f"sqlite:///{tmp_path / 'g.db'}",
                  "--out", str(tmp_path / "out"), "--as-of", "2026-11-27", "--scheme", str(province))
    assert res.returncode == 0, res.stderr
    down_doc = json.loads((tmp_path / "out/4213000001/findings.json").read_text(encoding="utf-8"))
    finding = next(f for f in down_doc["findings"] if f["rule"] == "site.unreachable")
    assert finding["subject"] == down and finding["evidence"]["error"] == "connect"
    statuses = {r["rule"]: r["status"] for r in down_doc["rules"]}
    assert statuses["identity.missing"] == "not_measured" and statuses["link.broken"] == "not_applicable"
    assert down_doc["score"]["scheme"] == "province-2026"
    assert next(i for i in down_doc["score"]["indicators"] if i["id"] == "web.veto.unreachable")["deducted"] == 7
    # Re-judging without --scheme reloads the scheme file the run was judged with.
    again = cli("check", "--run", str(down_doc["run"]["id"]), "--db", f"sqlite:///{tmp_path / 'g.db'}")
    assert again.returncode == 0, again.stderr
    ok_doc = json.loads((tmp_path / "out/4213000002/findings.json").read_text(encoding="utf-8"))
    assert not [f for f in ok_doc["findings"] if f["rule"] in ("site.unreachable", "identity.mismatch")]


@pytest.mark.slow
def test_interrupted_crawl_is_never_marked_complete(tmp_path: Path) -> None:
    # 400 slow pages: the crawl is still running when SIGINT arrives.
    routes = {"/": Route(body=("<html><body>" + "".join(f'<a href="/p{i}.html">p{i}</a>' for i in range(400))
                               + "</body></html>").encode())}
    for i in range(400):
        routes[f"/p{i}.html"] = Route(body=f"<html><body>page {i}</body></html>".encode(), delay=0.2)
    with FixtureServer(routes) as server:
        sites = tmp_path / "sites.yaml"
        sites.write_text(f'sites:\n  - {{id: "4213000003", name: 慢站点, url: "{server.base_url}/"}}\n', encoding="utf-8")
        db = tmp_path / "g.db"
        proc = subprocess.Popen(
            [sys.executable, "-m", "govaudit", "audit", "--sites", str(sites), "--db", f"sqlite:///{db}",
             "--out", str(tmp_path / "out"), "--no-browser"],
            env={**os.environ, "PYTHONPATH": str(ROOT)}, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        deadline = time.monotonic() + 60
        while server.requests < 10 and time.monotonic() < deadline:
            time.sleep(0.1)
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, err
    with create_engine(f"sqlite:///{db}").connect() as conn:
        state, pages = conn.execute(text("SELECT state, pages FROM run")).one()
    assert state == "interrupted" and 0 < pages < 401
    doc = json.loads((tmp_path / "out/4213000003/findings.json").read_text(encoding="utf-8"))
    assert doc["run"]["state"] == "interrupted"


def _poisoned_db(db: Path) -> None:
    """A database whose `link` table refuses one target, as a full disk or a broken server would."""
    from storage.session import upgrade

    upgrade(f"sqlite:///{db}")
    with create_engine(f"sqlite:///{db}").begin() as conn:
        conn.execute(text("CREATE TRIGGER poison BEFORE INSERT ON link WHEN NEW.target LIKE '%/poison.html' "
                          "BEGIN SELECT RAISE(ABORT, 'disk full (planted)'); END"))


def _many_pages(n: int, poison: bool) -> dict[str, Route]:
    links = "".join(f'<a href="/p{i}.html">p{i}</a>' for i in range(n)) + ('<a href="/poison.html">x</a>' if poison else "")
    routes = {"/": Route(body=f"<html><body>{links}</body></html>".encode())}  # in the first batch
    for i in range(n):
        routes[f"/p{i}.html"] = Route(body=f"<html><body>page {i}</body></html>".encode())
    return routes


@pytest.mark.slow
@pytest.mark.parametrize("with_clean_site", [False, True], ids=["writer-process", "crawl-workers"])
def test_storage_failure_fails_the_run(tmp_path: Path, cli, with_clean_site: bool) -> None:
    # One site: batches go to the writer process. Two sites: crawl worker processes, a writer thread each.
    db = tmp_path / "g.db"
    _poisoned_db(db)
    servers = [FixtureServer(_many_pages(1000, poison=True))]
    if with_clean_site:
        servers.append(FixtureServer(_many_pages(1000, poison=False)))  # negative control: same size, no poison
    for s in servers:
        s.start()
    try:
        entries = "".join(f'  - {{id: "421300001{i}", name: 站点{i}, url: "{s.base_url}/"}}\n' for i, s in enumerate(servers))
        (tmp_path / "sites.yaml").write_text("sites:\n" + entries, encoding="utf-8")
        res = cli("audit", "--sites", str(tmp_path / "sites.yaml"), "--db", f"sqlite:///{db}",
                  "--out", str(tmp_path / "out"), "--no-browser", "--as-of", "2026-11-27")
    finally:
        for s in servers:
            s.stop()
    assert res.returncode == 1, res.stderr
    assert "4213000010: storing the crawl failed" in res.stderr and "disk full (planted)" in res.stderr
    with create_engine(f"sqlite:///{db}").connect() as conn:
        runs = {sid: (state, error) for sid, state, error in conn.execute(text("SELECT site_id, state, error FROM run"))}
        stored = dict(conn.execute(text("SELECT r.site_id, count(p.id) FROM run r LEFT JOIN page p ON p.run_id = r.id "
                                        "GROUP BY r.site_id")).all())
    state, error = runs["4213000010"]
    assert state == "failed" and "storing the crawl failed" in error and "disk full (planted)" in error
    assert stored["4213000010"] == 0  # the failed batch was rolled back; nothing after it was stored
    assert servers[0].requests < 900  # the crawl stopped when the failure was noticed (at the next batch)
    doc = json.loads((tmp_path / "out/4213000010/findings.json").read_text(encoding="utf-8"))
    assert doc["run"]["state"] == "failed"
    if with_clean_site:
        assert runs["4213000011"] == ("complete", None) and stored["4213000011"] == 1001


def _group_alive(pgid: int) -> list[str]:
    return subprocess.run(["pgrep", "-g", str(pgid)], capture_output=True, text=True).stdout.split()


@pytest.mark.slow
@pytest.mark.parametrize(("how", "sites"), [("SIGTERM to the group", 1), ("SIGKILL to the audit", 1),
                                           ("SIGKILL to the audit", 2)])
def test_stopped_audit_leaves_no_process_behind(tmp_path: Path, how: str, sites: int) -> None:
    # A service stop sends SIGTERM to every process of the group (the writer process ignores it and
    # writes the last batch); a killed audit leaves neither its writer process nor, with several
    # sites, its crawl worker processes running.
    routes = _many_pages(1500, poison=False)
    for path, route in list(routes.items())[1:]:
        routes[path] = Route(body=route.body, delay=0.05)  # a crawl still far from done when stopped
    db = tmp_path / "g.db"
    with (FixtureServer(routes) as server, FixtureServer(routes, host="127.0.0.2") as second,
          (tmp_path / "stderr.txt").open("w") as stderr):
        entries = [f'  - {{id: "421300002{i}", name: 站点{i}, url: "{s.base_url}/"}}\n'
                   for i, s in enumerate([server, second][:sites])]
        (tmp_path / "sites.yaml").write_text("sites:\n" + "".join(entries), encoding="utf-8")
        proc = subprocess.Popen(
            [sys.executable, "-m", "govaudit", "audit", "--sites", str(tmp_path / "sites.yaml"), "--db", f"sqlite:///{db}",
             "--out", str(tmp_path / "out"), "--no-browser"], env={**os.environ, "PYTHONPATH": str(ROOT)},
            # stderr to a file: a pipe would make the wait below wait for the children too
            stdout=subprocess.DEVNULL, stderr=stderr, start_new_session=True)
        try:
            deadline = time.monotonic() + 60
            while server.requests < 500 and time.monotonic() < deadline:  # past the first batches: the writer runs
                time.sleep(0.05)
            if how.startswith("SIGTERM"):
                os.killpg(proc.pid, signal.SIGTERM)
            else:
                os.kill(proc.pid, signal.SIGKILL)
            proc.wait(timeout=120)
            deadline = time.monotonic() + 5
            while _group_alive(proc.pid) and time.monotonic() < deadline:
                time.sleep(0.1)
            left = _group_alive(proc.pid)
        finally:
            with contextlib.suppress(ProcessLookupError):  # never leave an orphan behind a failing test
                os.killpg(proc.pid, signal.SIGKILL)
    assert not left
    if how.startswith("SIGTERM"):
        assert proc.returncode == 130, (tmp_path / "stderr.txt").read_text(encoding="utf-8")
        with create_engine(f"sqlite:///{db}").connect() as conn:
            state, pages = conn.execute(text("SELECT state, pages FROM run")).one()
            stored = conn.execute(text("SELECT count(*) FROM page WHERE crawled")).scalar()
        assert state == "interrupted" and 0 < pages < 1501 and stored == pages  # every crawled page was written
