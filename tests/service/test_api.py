"""The HTTP API (issue 18) on SQLite and PostgreSQL: every endpoint and role; a unit reading another unit's
site, run, finding, problem, evidence file or evaluation gets 404 (as for something that does not exist);
no token → 401; revoked tokens rejected; every write lands in the audit log and goes through the problems
and evaluations repositories (the state machine answers 409 for what it does not allow)."""
from __future__ import annotations


import pytest
from sqlalchemy import select

from tests.service.world import NOT_AUDITED, PASSWORD, SITE_A, SITE_B, World, world_on

pytestmark = pytest.mark.filterwarnings("ignore:.*httpx2")


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def world(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory):
    with world_on(request.param, tmp_path_factory.mktemp(f"api-{request.param}")) as built:
        yield built


@pytest.fixture(scope="module")
def client(world: World):
    from fastapi.testclient import TestClient

    from govaudit.service.app import create_app

    with TestClient(create_app(world.url, out_dir=world.out)) as c:
        yield c


def _log(world: World) -> list[tuple[str, str, str]]:
    from storage import models as m
    from storage.session import session_scope

    with session_scope(world.url) as s:
        return [(r.actor, r.action, r.target) for r in s.scalars(select(m.AuditLog).order_by(m.AuditLog.id))]


def _problem_of(client, world: World, site: str, state: str = "open") -> dict:
    page = client.get("/api/v1/problems", params={"site": site, "state": state}, headers=world.auth("sup")).json()
    assert page["items"], f"no {state} problem of {site}"
    return page["items"][0]


# --- authentication -------------------------------------------------------------------------------------
@pytest.mark.parametrize("path", ["/api/v1/me", "/api/v1/sites", f"/api/v1/sites/{SITE_A}", "/api/v1/problems",
                                  f"/api/v1/sites/{SITE_A}/findings", "/api/v1/evaluations", "/api/v1/runs/1"])
def test_no_token_401(client, path: str) -> None:
    r = client.get(path)
    assert r.status_code == 401 and r.headers["www-authenticate"] == "Bearer"
    assert client.get(path, headers={"Authorization": "Bearer ga_not-a-token"}).status_code == 401
    assert client.get(path, headers={"Authorization": "Basic c3VwOnN1cA=="}).status_code == 401


def test_revoked_token_rejected(client, world: World) -> None:
    assert client.get("/api/v1/me", headers=world.auth("gone")).status_code == 401
    from storage import users
    from storage.session import session_scope

    with session_scope(world.url) as s:
        _, token = users.add_user(s, "short_lived", "evaluator")
    h = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/v1/sites", headers=h).status_code == 200
    r = client.post("/api/v1/users/short_lived/revoke", headers=world.auth("sup"))
    assert r.status_code == 200, r.text
    assert client.get("/api/v1/sites", headers=h).status_code == 401
    assert ("sup", "user.revoke", "short_lived") in _log(world)


def test_me(client, world: World) -> None:
    me = client.get("/api/v1/me", headers=world.auth("unit_a")).json()
    assert me["name"] == "unit_a" and me["role"] == "unit" and me["sites"] == [SITE_A] and me["role_zh"] == "填报单位"


# --- sites, runs, scores, findings -------------------------------------------------------------------------
@pytest.mark.parametrize("who, expected", [("sup", {SITE_A, SITE_B}), ("eva", {SITE_A, SITE_B}),
                                           ("judge", {SITE_A, SITE_B}), ("unit_a", {SITE_A}), ("unit_b", {SITE_B}),
                                           ("unit_new", set())])
def test_sites_per_role(client, world: World, who: str, expected: set[str]) -> None:
    r = client.get("/api/v1/sites", headers=world.auth(who))
    assert r.status_code == 200
    sites = r.json()
    assert {s["id"] for s in sites} == expected
    for s in sites:
        assert s["run"]["state"] == "complete" and s["run"]["score"]["grade"] in ("合格", "不合格")
        assert s["open_problems"] > 0


def test_other_units_things_are_404(client, world: World) -> None:
    b_run = client.get(f"/api/v1/sites/{SITE_B}/runs", headers=world.auth("sup")).json()["items"][0]["id"]
    b_problem = _problem_of(client, world, SITE_B)["id"]
    a = world.auth("unit_a")
    for path in [f"/api/v1/sites/{SITE_B}", f"/api/v1/sites/{SITE_B}/runs", f"/api/v1/sites/{SITE_B}/findings",
                 f"/api/v1/sites/{SITE_B}/scores", f"/api/v1/sites/{SITE_B}/probes", f"/api/v1/runs/{b_run}",
                 f"/api/v1/problems/{b_problem}", f"/api/v1/problems/{b_problem}/events",
                 f"/api/v1/evaluations/{world.evaluations['only_b']}"]:
        r = client.get(path, headers=a)
        assert r.status_code == 404, (path, r.status_code)
        # the same answer as for what does not exist
        assert r.json() == client.get("/api/v1/sites/nonexistent", headers=a).json()
        assert client.get(path, headers=world.auth("unit_b")).status_code == 200, path
    # its own site's findings, asking for the other unit's run
    assert client.get(f"/api/v1/sites/{SITE_A}/findings?run={b_run}", headers=a).status_code == 404
    # evidence of another unit's run; and the unit's own evidence works
    ev = f"/api/v1/runs/{world.shot_run}/evidence/{world.shot.split('/', 1)[1]}"
    assert client.get(ev, headers=world.auth("unit_b")).status_code == 404
    r = client.get(ev, headers=a)
    assert r.status_code == 200 and r.headers["content-type"] == "image/png" and r.content[:4] == b"\x89PNG"
    # a problem list filtered to another unit's site is empty, not an error
    page = client.get("/api/v1/problems", params={"site": SITE_B}, headers=a).json()
    assert page["items"] == [] and page["total"] == 0
    # a unit set up for a site not audited yet sees nothing, and its site is 404 until audited
    assert client.get(f"/api/v1/sites/{NOT_AUDITED}", headers=world.auth("unit_new")).status_code == 404


def test_evidence_only_files_the_run_names(client, world: World) -> None:
    h = world.auth("sup")
    (world.out / SITE_A / "evidence" / "secret.png").write_bytes(b"\x89PNG not listed")
    for name in ["secret.png", "..%2F..%2Fgovaudit.db", "%2E%2Eplanted.png", ".planted.png"]:
        assert client.get(f"/api/v1/runs/{world.shot_run}/evidence/{name}", headers=h).status_code == 404, name
    assert client.get(f"/api/v1/runs/{world.shot_run}/evidence/planted.png", headers=h).status_code == 200


def test_site_runs_scores_and_run(client, world: World) -> None:
    h = world.auth("eva")
    site = client.get(f"/api/v1/sites/{SITE_A}", headers=h).json()
    assert site["name"] == "示例县人民政府" and site["group"] == "县市区"
    runs = client.get(f"/api/v1/sites/{SITE_A}/runs", headers=h).json()
    assert runs["total"] == 1 and runs["items"][0]["as_of"] == "2026-11-27"
    scores = client.get(f"/api/v1/sites/{SITE_A}/scores", headers=h).json()
    assert [s["id"] for s in scores] == [runs["items"][0]["id"]]
    run = client.get(f"/api/v1/runs/{scores[0]['id']}", headers=h).json()
    # §4's score names, and the same numbers as the findings document the audit wrote
    import json

    doc = json.loads((world.out / SITE_A / "findings.json").read_text(encoding="utf-8"))
    assert run["score_detail"]["total"] == doc["score"]["total"] == scores[0]["score"]["total"]
    assert [i["id"] for i in run["score_detail"]["indicators"]] == [i["id"] for i in doc["score"]["indicators"]]
    assert {r["rule"]: r["status"] for r in run["rules"]} == {r["rule"]: r["status"] for r in doc["rules"]}
    assert client.get(f"/api/v1/sites/{SITE_A}/probes", headers=h).json()["total"] >= 0


def test_findings_filters_and_pages(client, world: World) -> None:
    import json

    h = world.auth("sup")
    doc = json.loads((world.out / SITE_A / "findings.json").read_text(encoding="utf-8"))
    everything = client.get(f"/api/v1/sites/{SITE_A}/findings", params={"limit": 500}, headers=h).json()
    assert everything["total"] == len(doc["findings"]) == len(everything["items"])
    assert ({(f["rule"], f["subject"]) for f in everything["items"]}
            == {(f["rule"], f["subject"]) for f in doc["findings"]})
    by_key = {(f["rule"], f["subject"]): f for f in doc["findings"]}
    for f in everything["items"]:
        want = by_key[(f["rule"], f["subject"])]
        assert (f["severity"], f["message"], f["page"], f["indicator"]) == (
            want["severity"], want["message"], want["page"], want["indicator"])
        assert f["problem"]["id"] == want["problem"]["id"]
    # pages: disjoint, in order, same union
    first = client.get(f"/api/v1/sites/{SITE_A}/findings", params={"limit": 3}, headers=h).json()
    second = client.get(f"/api/v1/sites/{SITE_A}/findings", params={"limit": 3, "offset": 3}, headers=h).json()
    assert [f["id"] for f in first["items"] + second["items"]] == [f["id"] for f in everything["items"][:6]]
    # filters
    rule = doc["findings"][0]["rule"]
    got = client.get(f"/api/v1/sites/{SITE_A}/findings", params={"rule": rule}, headers=h).json()
    assert got["total"] == sum(f["rule"] == rule for f in doc["findings"]) and got["total"] > 0
    prefix = rule.split(".")[0] + "."
    got = client.get(f"/api/v1/sites/{SITE_A}/findings", params={"rule": prefix}, headers=h).json()
    assert got["total"] == sum(f["rule"].startswith(prefix) for f in doc["findings"])
    ind = doc["findings"][0]["indicator"]
    got = client.get(f"/api/v1/sites/{SITE_A}/findings", params={"indicator": ind}, headers=h).json()
    assert got["total"] == sum(f["indicator"] == ind for f in doc["findings"]) and got["total"] > 0
    for sev in ("veto", "deduction", "info"):
        got = client.get(f"/api/v1/sites/{SITE_A}/findings", params={"severity": sev}, headers=h).json()
        assert got["total"] == sum(f["severity"] == sev for f in doc["findings"])
    got = client.get(f"/api/v1/sites/{SITE_A}/findings", params={"state": "open"}, headers=h).json()
    assert got["total"] == sum(f["problem"]["state"] == "open" for f in everything["items"])
    got = client.get(f"/api/v1/sites/{SITE_A}/findings", params={"state": "rectified"}, headers=h).json()
    assert got["total"] == 0
    assert client.get(f"/api/v1/sites/{SITE_A}/findings", params={"severity": "fatal"}, headers=h).status_code == 422
    assert client.get(f"/api/v1/sites/{SITE_A}/findings", params={"limit": 0}, headers=h).status_code == 422
    # the planted screenshot is attached to the findings about its page
    assert any(f["screenshot"] == world.shot for f in everything["items"])


# --- problems: review and rectify --------------------------------------------------------------------------
def test_problems_list_and_detail(client, world: World) -> None:
    sup = client.get("/api/v1/problems", params={"limit": 500}, headers=world.auth("sup")).json()
    unit = client.get("/api/v1/problems", params={"limit": 500}, headers=world.auth("unit_a")).json()
    assert {p["site"]["id"] for p in sup["items"]} == {SITE_A, SITE_B}
    assert {p["site"]["id"] for p in unit["items"]} == {SITE_A} and unit["total"] == len(unit["items"])
    p = client.get(f"/api/v1/problems/{unit['items'][0]['id']}", headers=world.auth("unit_a")).json()
    assert p["events"][0]["to"] == "open" and p["events"][0]["from"] is None and p["finding"]["rule"] == p["rule"]
    events = client.get(f"/api/v1/problems/{p['id']}/events", headers=world.auth("unit_a")).json()
    assert events == p["events"]


def test_review_roles_and_state_machine(client, world: World) -> None:
    pid = _problem_of(client, world, SITE_A)["id"]
    for who in ("unit_a", "judge"):
        r = client.post(f"/api/v1/problems/{pid}/review", json={"verdict": "confirmed"}, headers=world.auth(who))
        assert r.status_code == 403, who
    r = client.post(f"/api/v1/problems/{pid}/review", json={"verdict": "confirmed", "note": "核实"},
                    headers=world.auth("eva"))
    assert r.status_code == 200 and r.json()["state"] == "confirmed"
    p = client.get(f"/api/v1/problems/{pid}", headers=world.auth("sup")).json()
    assert (p["events"][-1]["actor"], p["events"][-1]["kind"], p["events"][-1]["to"]) == ("eva", "review", "confirmed")
    assert ("eva", "problem.review", f"problem/{pid}") in _log(world)
    # confirmed → confirmed is not a transition: 409, nothing logged
    before = len(_log(world))
    r = client.post(f"/api/v1/problems/{pid}/review", json={"verdict": "confirmed"}, headers=world.auth("eva"))
    assert r.status_code == 409 and len(_log(world)) == before
    assert client.post(f"/api/v1/problems/{pid}/review", json={"verdict": "closed"},
                       headers=world.auth("eva")).status_code == 422


def test_unit_rectifies_its_own_problem(client, world: World) -> None:
    pid = _problem_of(client, world, SITE_A)["id"]
    body = {"status": "已整改", "link": "http://example.gov.cn/fixed.html", "note": "已更新链接"}
    # another unit: 404 (no existence leak), evaluator: 403
    assert client.post(f"/api/v1/problems/{pid}/rectify", json=body, headers=world.auth("unit_b")).status_code == 404
    assert client.post(f"/api/v1/problems/{pid}/rectify", json=body, headers=world.auth("eva")).status_code == 403
    # a claimed fix needs a link that is a URL
    bad = client.post(f"/api/v1/problems/{pid}/rectify", json={"status": "已整改"}, headers=world.auth("unit_a"))
    assert bad.status_code == 409 and "整改链接" in bad.json()["detail"]
    bad = client.post(f"/api/v1/problems/{pid}/rectify", json={**body, "link": "javascript:alert(1)"},
                      headers=world.auth("unit_a"))
    assert bad.status_code == 409
    r = client.post(f"/api/v1/problems/{pid}/rectify", json=body, headers=world.auth("unit_a"))
    assert r.status_code == 200 and r.json()["state"] == "rectifying"
    p = client.get(f"/api/v1/problems/{pid}", headers=world.auth("sup")).json()
    last = p["events"][-1]
    assert (p["state"], last["kind"], last["actor"], last["evidence_url"]) == (
        "rectifying", "rectify", "unit_a", "http://example.gov.cn/fixed.html")
    assert ("unit_a", "problem.rectify", f"problem/{pid}") in _log(world)
    # 整改中 is a note: the state stays
    r = client.post(f"/api/v1/problems/{pid}/rectify", json={"status": "整改中"}, headers=world.auth("unit_a"))
    assert r.status_code == 200 and r.json()["state"] == "rectifying"
    # 有异议 needs the reason
    other = _problem_of(client, world, SITE_A)["id"]
    assert client.post(f"/api/v1/problems/{other}/rectify", json={"status": "有异议"},
                       headers=world.auth("unit_a")).status_code == 409
    r = client.post(f"/api/v1/problems/{other}/rectify", json={"status": "有异议", "note": "该链接非本网站"},
                    headers=world.auth("unit_a"))
    assert r.status_code == 200 and r.json()["state"] == "doubtful"
    # the audit log records where the write came from
    from storage import users
    from storage.session import session_scope

    with session_scope(world.url) as s:
        entry = next(e for e in users.audit_log(s) if e["action"] == "problem.rectify")
    assert entry["source"] == "testclient" and entry["at"].endswith("+08:00")


# --- evaluations ---------------------------------------------------------------------------------------------
def test_evaluations_visibility(client, world: World) -> None:
    assert {e["id"] for e in client.get("/api/v1/evaluations", headers=world.auth("eva")).json()} == set(
        world.evaluations.values())
    mine = client.get("/api/v1/evaluations", headers=world.auth("unit_a")).json()
    assert world.evaluations["only_b"] not in {e["id"] for e in mine} and len(mine) == 2
    ev = client.get(f"/api/v1/evaluations/{world.evaluations['provisional']}", headers=world.auth("unit_a")).json()
    assert [u["site"] for u in ev["units"]] == [SITE_A]
    assert client.get("/api/v1/evaluations/999999", headers=world.auth("sup")).status_code == 404


def test_manual_scores_by_role(client, world: World) -> None:
    ev = world.evaluations["provisional"]
    body = {"site": SITE_A, "item": "guide.service", "points": 3.5, "note": "现场核查"}
    assert client.post(f"/api/v1/evaluations/{ev}/manual-scores", json=body,
                       headers=world.auth("unit_a")).status_code == 403
    for who, role in (("eva", "evaluator"), ("judge", "judge"), ("sup", "office")):
        r = client.post(f"/api/v1/evaluations/{ev}/manual-scores", json=body, headers=world.auth(who))
        assert r.status_code == 200, r.text
    got = client.get(f"/api/v1/evaluations/{ev}", headers=world.auth("eva")).json()["manual_scores"]
    assert sorted((s["scorer"], s["role"], s["points"]) for s in got) == [
        ("eva", "evaluator", 3.5), ("judge", "judge", 3.5), ("sup", "office", 3.5)]
    # a site that is no unit of the evaluation: the repository says so
    r = client.post(f"/api/v1/evaluations/{ev}/manual-scores", json={**body, "site": "nope"},
                    headers=world.auth("eva"))
    assert r.status_code == 409 and "nope" in r.json()["detail"]
    # after publication only an accepted objection changes a score
    assert client.post(f"/api/v1/evaluations/{world.evaluations['objections']}/manual-scores", json=body,
                       headers=world.auth("eva")).status_code == 409
    assert ("judge", "evaluation.manual_score", f"evaluation/{ev}") in _log(world)


def test_objection_and_answer(client, world: World) -> None:
    ev = world.evaluations["objections"]
    body = {"site": SITE_A, "text": "首页链接已于评估前修复"}
    assert client.post(f"/api/v1/evaluations/{ev}/objections", json={**body, "site": SITE_B},
                       headers=world.auth("unit_a")).status_code == 404
    assert client.post(f"/api/v1/evaluations/{ev}/objections", json=body,
                       headers=world.auth("eva")).status_code == 403
    # the provisional evaluation takes no objection yet
    assert client.post(f"/api/v1/evaluations/{world.evaluations['provisional']}/objections", json=body,
                       headers=world.auth("unit_a")).status_code == 409
    r = client.post(f"/api/v1/evaluations/{ev}/objections", json=body, headers=world.auth("unit_a"))
    assert r.status_code == 200, r.text
    oid = r.json()["id"]
    assert client.post(f"/api/v1/objections/{oid}/answer", json={"decision": "rejected", "text": "x"},
                       headers=world.auth("unit_b")).status_code == 403
    r = client.post(f"/api/v1/objections/{oid}/answer", json={"decision": "rejected", "text": "评估时链接不可用"},
                    headers=world.auth("eva"))
    assert r.status_code == 200
    assert client.post(f"/api/v1/objections/{oid}/answer", json={"decision": "accepted", "text": "y"},
                       headers=world.auth("eva")).status_code == 409
    got = client.get(f"/api/v1/evaluations/{ev}", headers=world.auth("unit_a")).json()["objections"]
    assert [(o["raised_by"], o["decision"], o["answered_by"]) for o in got] == [("unit_a", "rejected", "eva")]
    assert client.get(f"/api/v1/evaluations/{ev}", headers=world.auth("unit_b")).json()["objections"] == []
    log = _log(world)
    assert ("unit_a", "evaluation.objection", f"evaluation/{ev}") in log
    assert ("eva", "evaluation.answer", f"objection/{oid}") in log


# --- users and the audit log (supervisor) -----------------------------------------------------------------
def test_users_and_audit_log_supervisor_only(client, world: World) -> None:
    for who in ("eva", "judge", "unit_a"):
        assert client.get("/api/v1/users", headers=world.auth(who)).status_code == 404
        assert client.get("/api/v1/audit-log", headers=world.auth(who)).status_code == 404
        assert client.post("/api/v1/users", json={"name": "x", "role": "unit", "sites": [SITE_A]},
                           headers=world.auth(who)).status_code == 403
    r = client.post("/api/v1/users", json={"name": "new_unit", "role": "unit", "sites": [SITE_B]},
                    headers=world.auth("sup"))
    assert r.status_code == 200, r.text
    token = r.json()["token"]
    assert {s["id"] for s in client.get("/api/v1/sites", headers={"Authorization": f"Bearer {token}"}).json()} == {
        SITE_B}
    assert client.post("/api/v1/users", json={"name": "new_unit", "role": "unit", "sites": [SITE_B]},
                       headers=world.auth("sup")).status_code == 409
    names = {u["name"] for u in client.get("/api/v1/users", headers=world.auth("sup")).json()}
    assert {"sup", "eva", "unit_a", "new_unit"} <= names
    log = client.get("/api/v1/audit-log", headers=world.auth("sup")).json()
    assert log[0]["action"] == "user.add" and log[0]["actor"] == "sup" and log[0]["target"] == "new_unit"
    assert all(token not in str(e) for e in log)
    _ = PASSWORD


# --- a judge: only its assigned evaluations ------------------------------------------------------------------
def test_judge_sees_and_scores_only_its_assigned_evaluations(client, world: World) -> None:
    assigned = {world.evaluations["provisional"], world.evaluations["objections"]}
    other = world.evaluations["only_b"]
    me = client.get("/api/v1/me", headers=world.auth("judge")).json()
    assert me["role"] == "judge" and set(me["evaluations"]) == assigned
    assert {e["id"] for e in client.get("/api/v1/evaluations", headers=world.auth("judge")).json()} == assigned
    # the evaluation not assigned: 404 on read and on score, as for one that does not exist; nothing logged
    before = _log(world)
    assert client.get(f"/api/v1/evaluations/{other}", headers=world.auth("judge")).status_code == 404
    body = {"site": SITE_B, "item": "onsite.check", "points": 2.0, "note": "现场"}
    r = client.post(f"/api/v1/evaluations/{other}/manual-scores", json=body, headers=world.auth("judge"))
    assert r.status_code == 404 and r.json()["detail"] == "not found"
    assert client.post("/api/v1/evaluations/999999/manual-scores", json=body,
                       headers=world.auth("judge")).json() == r.json()  # the same answer as absent
    assert _log(world) == before
    # its assigned one: 200, the score is the judge's, the write is in the audit log
    ev = world.evaluations["provisional"]
    r = client.post(f"/api/v1/evaluations/{ev}/manual-scores", json=body, headers=world.auth("judge"))
    assert r.status_code == 200, r.text
    got = client.get(f"/api/v1/evaluations/{ev}", headers=world.auth("judge")).json()["manual_scores"]
    assert ("judge", "judge", "onsite.check", 2.0) in {(s["scorer"], s["role"], s["item"], s["points"]) for s in got}
    assert _log(world)[-1] == ("judge", "evaluation.manual_score", f"evaluation/{ev}")
    # negative control: an evaluator and the supervisor still see and score every evaluation
    for who in ("eva", "sup"):
        assert client.get(f"/api/v1/evaluations/{other}", headers=world.auth(who)).status_code == 200
        assert {e["id"] for e in client.get("/api/v1/evaluations", headers=world.auth(who)).json()} == set(
            world.evaluations.values())
    r = client.post(f"/api/v1/evaluations/{other}/manual-scores", json=body, headers=world.auth("eva"))
    assert r.status_code == 200, r.text
    assert _log(world)[-1] == ("eva", "evaluation.manual_score", f"evaluation/{other}")


def test_supervisor_adds_a_judge_with_evaluations(client, world: World) -> None:
    other = world.evaluations["only_b"]
    r = client.post("/api/v1/users", json={"name": "judge_b", "role": "judge", "evaluations": [other]},
                    headers=world.auth("sup"))
    assert r.status_code == 200, r.text
    assert r.json()["user"]["evaluations"] == [other]
    auth = {"Authorization": f"Bearer {r.json()['token']}"}
    assert [e["id"] for e in client.get("/api/v1/evaluations", headers=auth).json()] == [other]
    assert client.get(f"/api/v1/evaluations/{world.evaluations['provisional']}", headers=auth).status_code == 404
    # --evaluation for another role, or an evaluation that does not exist: refused, nothing written
    for body, message in (({"name": "eva_x", "role": "evaluator", "evaluations": [other]}, "judges only"),
                          ({"name": "judge_x", "role": "judge", "evaluations": [999999]}, "no such evaluation")):
        r = client.post("/api/v1/users", json=body, headers=world.auth("sup"))
        assert r.status_code == 409 and message in r.json()["detail"], r.text
    names = {u["name"] for u in client.get("/api/v1/users", headers=world.auth("sup")).json()}
    assert "judge_b" in names and not {"eva_x", "judge_x"} & names
