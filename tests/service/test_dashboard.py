"""The dashboard (issue 18) over the service world: web login with the stored Argon2 hashes, signed session
cookies, CSRF tokens on every form, the login rate limit, a unit's 404 for what is not its own, crawled strings
escaped, and the lifecycle forms going through the API's own actions (state machine and audit log)."""
from __future__ import annotations

import re

import pytest

from tests.service.world import PASSWORD, SITE_A, SITE_B, SCRIPT_TITLE, World, world_on

pytestmark = pytest.mark.filterwarnings("ignore:.*httpx2")
CSRF = re.compile(r'name="csrf" value="([^"]+)"')


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def world(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory):
    with world_on(request.param, tmp_path_factory.mktemp(f"dashboard-{request.param}")) as built:
        yield built


def _client(world: World, **kw):
    from fastapi.testclient import TestClient

    from govaudit.service.app import create_app

    return TestClient(create_app(world.url, out_dir=world.out, secure_cookies=False, **kw), follow_redirects=False)


@pytest.fixture(scope="module")
def app_client(world: World):
    with _client(world) as c:
        yield c


def _csrf(html: str) -> str:
    found = CSRF.search(html)
    assert found, "no CSRF token in the page"
    return found.group(1)


def login(client, who: str, password: str = PASSWORD):
    client.cookies.clear()
    page = client.get("/login")
    assert page.status_code == 200
    return client.post("/login", data={"name": who, "password": password, "csrf": _csrf(page.text)})


def _as(client, who: str) -> None:
    r = login(client, who)
    assert r.status_code == 303 and r.headers["location"] == "/", r.text


def _problem(client, world: World, site: str, state: str = "open") -> int:
    r = client.get("/api/v1/problems", params={"site": site, "state": state}, headers=world.auth("sup"))
    return r.json()["items"][0]["id"]


def _state(client, world: World, problem_id: int) -> str:
    return client.get(f"/api/v1/problems/{problem_id}", headers=world.auth("sup")).json()["state"]


def test_pages_need_login(app_client) -> None:
    app_client.cookies.clear()
    for path in ["/", f"/sites/{SITE_A}", "/evaluations", "/problems/1", f"/files/sites/{SITE_A}/report.html"]:
        r = app_client.get(path)
        assert r.status_code == 303 and r.headers["location"] == "/login", path
    # a forged cookie is no session
    app_client.cookies.set("ga_session", "1.9999999999.nonce.forged")
    assert app_client.get("/").status_code == 303


def test_login_checks_password_and_csrf(app_client) -> None:
    assert login(app_client, "sup", "wrong password!").status_code == 401
    assert login(app_client, "nobody", PASSWORD).status_code == 401
    assert login(app_client, "gone", PASSWORD).status_code == 401  # revoked
    app_client.cookies.clear()
    app_client.get("/login")
    r = app_client.post("/login", data={"name": "sup", "password": PASSWORD, "csrf": "forged"})
    assert r.status_code == 403 and "ga_session" not in r.cookies
    r = login(app_client, "sup")
    assert r.status_code == 303
    cookie = r.headers["set-cookie"]
    assert "ga_session=" in cookie and "HttpOnly" in cookie and "SameSite=lax" in cookie


def test_session_cookie_is_secure_by_default(world: World) -> None:
    from fastapi.testclient import TestClient

    from govaudit.service.app import create_app

    with TestClient(create_app(world.url, out_dir=world.out), base_url="https://testserver",
                    follow_redirects=False) as c:
        r = login(c, "sup")
        assert r.status_code == 303 and "Secure" in r.headers["set-cookie"]
        assert c.get("/").status_code == 200


def test_login_rate_limited(world: World) -> None:
    with _client(world, login_limit=(3, 300.0)) as c:
        for _ in range(3):
            assert login(c, "eva", "not the password").status_code == 401
        # blocked now, even with the right password (per name and per address)
        r = login(c, "eva")
        assert r.status_code == 429 and "登录失败次数过多" in r.text
        assert login(c, "sup").status_code == 429  # same address


def test_supervisor_overview(app_client, world: World) -> None:
    _as(app_client, "sup")
    page = app_client.get("/")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    html = page.text
    assert "区域总览" in html and "合格率" in html and "排名" in html
    assert f'href="/sites/{SITE_A}"' in html and f'href="/sites/{SITE_B}"' in html
    assert '<script src="/static/echarts.min.js"></script>' in html and "cdn" not in html.lower()
    assert 'id="trend-data"' in html
    assert "content-security-policy" in page.headers
    assert app_client.get("/static/echarts.min.js").status_code == 200


def test_crawled_strings_are_escaped(app_client, world: World) -> None:
    _as(app_client, "sup")
    html = app_client.get(f"/sites/{SITE_B}").text
    assert "&lt;script&gt;window.__pwned=1&lt;/script&gt;" in html
    assert SCRIPT_TITLE not in html and "<script>window.__pwned" not in html


def test_unit_sees_only_its_own(app_client, world: World) -> None:
    _as(app_client, "unit_a")
    html = app_client.get("/").text
    assert f'href="/sites/{SITE_A}"' in html and f'href="/sites/{SITE_B}"' not in html
    assert app_client.get(f"/sites/{SITE_A}").status_code == 200
    b_problem = _problem(app_client, world, SITE_B)
    missing = app_client.get("/sites/0000000000")
    assert app_client.get("/problems/99999999999").status_code == 422  # out of range: refused, not a 500
    assert app_client.get("/problems/2147483000").status_code == 404
    for path in [f"/sites/{SITE_B}", f"/problems/{b_problem}", f"/files/sites/{SITE_B}/report.html",
                 f"/evaluations/{world.evaluations['only_b']}", "/files/region/summary.xlsx"]:
        r = app_client.get(path)
        main = r.text.split("<main>", 1)[-1].split("</main>", 1)[0]
        assert r.status_code == 404 and main == missing.text.split("<main>", 1)[-1].split("</main>", 1)[0], path
    # its own report downloads
    r = app_client.get(f"/files/sites/{SITE_A}/report.html")
    assert r.status_code == 200 and "attachment" in r.headers["content-disposition"]
    # the other unit's evidence is 404, its own is served
    name = world.shot.split("/", 1)[1]
    assert app_client.get(f"/evidence/{world.shot_run}/{name}").status_code == 200
    _as(app_client, "unit_b")
    assert app_client.get(f"/evidence/{world.shot_run}/{name}").status_code == 404


def test_site_page_groups_problems_with_screenshots(app_client, world: World) -> None:
    _as(app_client, "unit_a")
    html = app_client.get(f"/sites/{SITE_A}").text
    assert "待整改问题（按指标）" in html and 'class="problem-link"' in html
    assert f'src="/evidence/{world.shot_run}/{world.shot.split("/", 1)[1]}"' in html
    assert "首次检查" in html  # the diff against the last run: there is none yet
    assert 'id="site-trend-data"' in html


def test_unit_rectifies_through_the_form(app_client, world: World) -> None:
    problem = _problem(app_client, world, SITE_A)
    _as(app_client, "unit_a")
    page = app_client.get(f"/problems/{problem}")
    assert page.status_code == 200 and 'id="rectify-form"' in page.text and 'id="review-form"' not in page.text
    token = _csrf(page.text)
    form = {"status": "已整改", "link": "https://example.gov.cn/zg/1.html", "note": "已更新"}
    # no or wrong CSRF token: refused, nothing written
    assert app_client.post(f"/problems/{problem}/rectify", data=form).status_code == 403
    assert app_client.post(f"/problems/{problem}/rectify", data={**form, "csrf": "x" * 43}).status_code == 403
    assert _state(app_client, world, problem) == "open"
    # a claimed fix without its link: the 整改清单's own rule, the page again with the reason
    r = app_client.post(f"/problems/{problem}/rectify", data={**form, "link": "", "csrf": token})
    assert r.status_code == 409 and "整改链接" in r.text and _state(app_client, world, problem) == "open"
    r = app_client.post(f"/problems/{problem}/rectify", data={**form, "csrf": token})
    assert r.status_code == 303 and r.headers["location"] == f"/problems/{problem}?done=rectify"
    assert _state(app_client, world, problem) == "rectifying"
    html = app_client.get(r.headers["location"]).text
    assert "已提交整改情况" in html and "https://example.gov.cn/zg/1.html" in html
    log = app_client.get("/api/v1/audit-log", headers=world.auth("sup")).json()
    assert any(e["actor"] == "unit_a" and e["action"] == "problem.rectify" and e["target"] == f"problem/{problem}"
               for e in log)
    # a unit may not review; another unit's problem is 404 for the form too
    assert app_client.post(f"/problems/{problem}/review", data={"verdict": "confirmed", "csrf": token}).status_code == 403
    b_problem = _problem(app_client, world, SITE_B)
    assert app_client.post(f"/problems/{b_problem}/rectify", data={**form, "csrf": token}).status_code == 404
    assert _state(app_client, world, b_problem) == "open"


def test_evaluator_reviews_through_the_form(app_client, world: World) -> None:
    problem = _problem(app_client, world, SITE_B)
    _as(app_client, "eva")
    page = app_client.get(f"/problems/{problem}")
    assert 'id="review-form"' in page.text and 'id="rectify-form"' not in page.text
    r = app_client.post(f"/problems/{problem}/review",
                        data={"verdict": "confirmed", "note": "复核属实", "csrf": _csrf(page.text)})
    assert r.status_code == 303
    assert _state(app_client, world, problem) == "confirmed"


def test_evaluation_pages(app_client, world: World) -> None:
    _as(app_client, "eva")
    html = app_client.get("/evaluations").text
    assert "2026年度绩效评估（初评）" in html and "教育局专项评估" in html
    ev = world.evaluations["provisional"]
    page = app_client.get(f"/evaluations/{ev}")
    assert page.status_code == 200 and 'id="score-form"' in page.text and 'id="objection-form"' not in page.text
    token = _csrf(page.text)
    r = app_client.post(f"/evaluations/{ev}/manual-scores",
                        data={"site": SITE_A, "item": "2.3.1", "points": "abc", "csrf": token})
    assert r.status_code == 422 and "分值不是数字" in r.text
    r = app_client.post(f"/evaluations/{ev}/manual-scores",
                        data={"site": SITE_A, "item": "2.3.1", "points": "1.5", "note": "现场核查", "csrf": token})
    assert r.status_code == 303, r.text
    scores = app_client.get(f"/evaluations/{ev}").text.split('id="manual-scores"', 1)[1].split("</table>", 1)[0]
    assert "2.3.1" in scores and "1.5" in scores and "现场核查" in scores and "eva" in scores
    # the unit raises an objection in the window, the evaluator answers it
    _as(app_client, "unit_a")
    open_ev = world.evaluations["objections"]
    page = app_client.get(f"/evaluations/{open_ev}")
    assert 'id="objection-form"' in page.text and 'id="score-form"' not in page.text
    assert "教育局专项评估" not in app_client.get("/evaluations").text
    r = app_client.post(f"/evaluations/{open_ev}/objections",
                        data={"site": SITE_A, "text": "首页链接已恢复<b>", "csrf": _csrf(page.text)})
    assert r.status_code == 303, r.text
    page = app_client.get(f"/evaluations/{open_ev}")
    assert "首页链接已恢复&lt;b&gt;" in page.text
    r = app_client.post(f"/evaluations/{open_ev}/objections",
                        data={"site": SITE_B, "text": "不是我的", "csrf": _csrf(page.text)})
    assert r.status_code == 404
    _as(app_client, "eva")
    page = app_client.get(f"/evaluations/{open_ev}")
    objection = int(re.search(r'action="/objections/(\d+)/answer"', page.text).group(1))
    r = app_client.post(f"/objections/{objection}/answer", data={"evaluation": open_ev, "decision": "rejected",
                                                                 "text": "经核实维持原评分", "csrf": _csrf(page.text)})
    assert r.status_code == 303, r.text
    assert "经核实维持原评分" in app_client.get(f"/evaluations/{open_ev}").text


def test_logout_and_revocation_end_the_session(world: World) -> None:
    from storage import users
    from storage.session import session_scope

    with session_scope(world.url) as s:
        users.add_user(s, "temp_eva", "evaluator", password=PASSWORD)
    with _client(world) as c:
        _as(c, "temp_eva")
        cookie = c.cookies.get("ga_session")
        page = c.get("/")
        assert page.status_code == 200
        assert c.post("/logout", data={"csrf": "wrong"}).status_code == 403
        assert c.post("/logout", data={"csrf": _csrf(page.text)}).status_code == 303
        c.cookies.set("ga_session", cookie)
        assert c.get("/").status_code == 303  # the old cookie no longer works
        _as(c, "temp_eva")
        assert c.get("/").status_code == 200
        with session_scope(world.url) as s:
            users.revoke(s, "temp_eva")
        assert c.get("/").status_code == 303


def test_judge_scores_only_its_assigned_evaluations_through_the_form(app_client, world: World) -> None:
    _as(app_client, "judge")
    html = app_client.get("/evaluations").text
    assert "2026年度绩效评估（初评）" in html and "教育局专项评估" not in html
    other = world.evaluations["only_b"]
    assert app_client.get(f"/evaluations/{other}").status_code == 404
    ev = world.evaluations["provisional"]
    page = app_client.get(f"/evaluations/{ev}")
    assert page.status_code == 200 and 'id="score-form"' in page.text
    token = _csrf(page.text)
    form = {"site": SITE_B, "item": "onsite.form", "points": "2.5", "note": "现场评分", "csrf": token}
    r = app_client.post(f"/evaluations/{other}/manual-scores", data=form)
    assert r.status_code == 404
    r = app_client.post(f"/evaluations/{ev}/manual-scores", data=form)
    assert r.status_code == 303, r.text
    scores = app_client.get(f"/evaluations/{ev}").text.split('id="manual-scores"', 1)[1].split("</table>", 1)[0]
    assert "onsite.form" in scores and "现场评分" in scores and "judge" in scores
    got = app_client.get(f"/api/v1/evaluations/{other}", headers=world.auth("sup")).json()["manual_scores"]
    assert "onsite.form" not in {s["item"] for s in got}
    # negative control: the evaluator's form on the same evaluation is taken
    _as(app_client, "eva")
    page = app_client.get(f"/evaluations/{other}")
    assert page.status_code == 200
    r = app_client.post(f"/evaluations/{other}/manual-scores", data={**form, "csrf": _csrf(page.text)})
    assert r.status_code == 303, r.text
