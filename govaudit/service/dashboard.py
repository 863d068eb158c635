"""The dashboard: server-rendered Chinese pages over the same reads and writes as the API.

- Web login with the Argon2 password hashes `govaudit users password` stored (storage/users.by_password);
  failures are rate-limited per client address and per user name (`login_limit` = failures, seconds → 429).
- Sessions: an HMAC-signed cookie (user id, expiry, nonce) — HttpOnly, SameSite=Lax, Secure unless
  `secure_cookies=False`. The user is re-read on every request, so a revoked user is logged out at once;
  logout forgets the nonce. The key is GOVAUDIT_SESSION_SECRET, else random per process.
- CSRF: every form carries a token derived from the session nonce (the login form: from a pre-login cookie);
  a POST without the right one is refused (403) before anything is read or written.
- Every crawled string reaches the page through Jinja2 autoescaping (autoescape is on for every template);
  chart data goes through `tojson` into a non-executed <script type="application/json">, read by
  /static/dashboard.js (the CSP allows scripts from 'self' only). ECharts is vendored in static/.
- A unit sees its own sites only: anything else is the same 404 page as for what does not exist.
- Writes go through the API's own actions (api.act_*): the same roles, checks, state machine and audit log.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets
import threading
import time
from collections import deque
from pathlib import Path
from typing import Annotated, Any, Callable

from fastapi import APIRouter, Form, HTTPException, Path as PathParam, Request
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from jinja2 import Environment, FileSystemLoader

from govaudit.service import queries as q
from storage.users import UserRecord

TEMPLATES = Path(__file__).parent / "templates"
IntId = Annotated[int, PathParam(ge=1, le=2**31 - 1)]
SESSION_COOKIE = "ga_session"
LOGIN_COOKIE = "ga_login"
SESSION_SECONDS = 8 * 3600
SITE_FILES = ("report.html", "report.pdf", "report.docx", "findings.json")  # out/<site>/…
REGION_FILES = ("summary.xlsx",)  # out/…
BULLETIN_FILES = ("通报.xlsx", "通报.docx")
RECTIFY_STATUSES = ("已整改", "整改中", "无法整改", "有异议")
VERDICT_ZH = {"confirmed": "确认问题", "false_positive": "误报", "doubtful": "存疑"}
DECISION_ZH = {"accepted": "采纳", "rejected": "不采纳"}
SEVERITY_ZH = {"veto": "单项否决", "deduction": "扣分", "info": "提示"}
GRADE_ORDER = ("合格", "不合格")
DONE_ZH = {"rectify": "已提交整改情况。", "review": "已提交审核意见。", "score": "已录入评分。",
           "objection": "已提交异议。", "answer": "已答复异议。"}


class LoginLimiter:
    """At most `failures` failed logins per client address and per user name in `seconds`."""

    def __init__(self, failures: int, seconds: float) -> None:
        self.failures, self.seconds = failures, seconds
        self._seen: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def _recent(self, key: str, now: float) -> deque[float]:
        times = self._seen.setdefault(key, deque())
        while times and now - times[0] > self.seconds:
            times.popleft()
        return times

    def blocked(self, *keys: str) -> float:
        """Seconds until a try is allowed again (0: allowed)."""
        now = time.monotonic()
        with self._lock:
            waits = [self.seconds - (now - t[0]) for k in keys if len(t := self._recent(k, now)) >= self.failures]
        return max(waits, default=0.0)

    def failed(self, *keys: str) -> None:
        now = time.monotonic()
        with self._lock:
            for k in keys:
                self._recent(k, now).append(now)

    def succeeded(self, *keys: str) -> None:
        with self._lock:
            for k in keys:
                self._seen.pop(k, None)


class Sessions:
    """Signed session cookies: `user.expiry.nonce.signature`; CSRF tokens derived from the nonce."""

    def __init__(self, secret: bytes) -> None:
        self._key = secret
        self._ended: dict[str, float] = {}
        self._lock = threading.Lock()

    def _sign(self, text: str) -> str:
        mac = hmac.new(self._key, text.encode(), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(mac).decode().rstrip("=")

    def issue(self, user_id: int) -> str:
        body = f"{user_id}.{int(time.time()) + SESSION_SECONDS}.{secrets.token_urlsafe(18)}"
        return f"{body}.{self._sign('session:' + body)}"

    def read(self, value: str | None) -> tuple[int, str] | None:
        """(user id, nonce) of a valid, unexpired, not logged-out session cookie."""
        if not value or value.count(".") != 3:
            return None
        body, sig = value.rsplit(".", 1)
        if not hmac.compare_digest(sig, self._sign("session:" + body)):
            return None
        user, expiry, nonce = body.split(".")
        if not user.isdigit() or not expiry.isdigit() or int(expiry) < time.time():
            return None
        with self._lock:
            if nonce in self._ended:
                return None
        return int(user), nonce

    def end(self, nonce: str) -> None:
        now = time.time()
        with self._lock:
            self._ended = {n: t for n, t in self._ended.items() if t > now}
            self._ended[nonce] = now + SESSION_SECONDS

    def csrf(self, nonce: str) -> str:
        return self._sign("csrf:" + nonce)

    def csrf_ok(self, nonce: str | None, token: str | None) -> bool:
        return bool(nonce and token) and hmac.compare_digest(self.csrf(nonce), token)  # type: ignore[arg-type]


def environment() -> Environment:
    from reports.outputs.problems import STATE_ZH
    from storage.vocabulary import USER_ROLES

    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=True, trim_blocks=True, lstrip_blocks=True)
    env.globals.update(STATE_ZH=STATE_ZH, ROLE_ZH=USER_ROLES, VERDICT_ZH=VERDICT_ZH, DECISION_ZH=DECISION_ZH,
                       SEVERITY_ZH=SEVERITY_ZH, RECTIFY_STATUSES=RECTIFY_STATUSES)
    env.filters["num"] = lambda v: "—" if v is None else (f"{v:.1f}" if isinstance(v, float) else str(v))
    return env


def router(db_url: str, out: Path, *, secure_cookies: bool = True, login_limit: tuple[int, float] = (5, 300.0),
           actions: Any = None) -> APIRouter:
    from storage import users as accounts
    from storage.session import session_scope

    web = APIRouter(include_in_schema=False)
    env = environment()
    secret = os.environ.get("GOVAUDIT_SESSION_SECRET", "").encode() or secrets.token_bytes(32)
    sessions = Sessions(secret)
    limiter = LoginLimiter(*login_limit)
    out = Path(out)

    # --- plumbing ----------------------------------------------------------------------------------
    def render(request: Request, name: str, user: UserRecord | None, nonce: str | None = None, *,
               status: int = 200, **context: Any) -> HTMLResponse:
        done = request.query_params.get("done")
        html = env.get_template(name).render(user=user, csrf=sessions.csrf(nonce) if nonce else "",
                                             notice=DONE_ZH.get(done or ""), path=request.url.path, **context)
        return HTMLResponse(html, status_code=status, headers={"Cache-Control": "no-store"})

    def session_of(request: Request) -> tuple[UserRecord, str] | None:
        found = sessions.read(request.cookies.get(SESSION_COOKIE))
        if found is None:
            return None
        with session_scope(db_url) as s:
            user = accounts.get(s, found[0])  # None once revoked
        return (user, found[1]) if user is not None else None

    def need(request: Request) -> tuple[UserRecord, str]:
        found = session_of(request)
        if found is None:
            raise HTTPException(303, "login needed", headers={"Location": "/login"})
        return found

    def need_post(request: Request, csrf: str) -> tuple[UserRecord, str]:
        user, nonce = need(request)
        if not sessions.csrf_ok(nonce, csrf):
            raise HTTPException(403, "CSRF token missing or wrong: reload the page")
        return user, nonce

    def missing(request: Request, user: UserRecord | None, nonce: str | None) -> HTMLResponse:
        return render(request, "404.html", user, nonce, status=404)

    def source(request: Request) -> str:
        return request.client.host if request.client else "unknown"

    def act(request: Request, user: UserRecord, nonce: str, again: Callable[..., HTMLResponse],
            call: Callable[[], Any], done: str, to: str) -> Response:
        """Run an API action; on success back to the page (303), else the page again with the reason."""
        try:
            call()
        except HTTPException as exc:
            if exc.status_code == 404:
                return missing(request, user, nonce)
            return again(error=str(exc.detail), status=exc.status_code)
        return RedirectResponse(f"{to}?done={done}", status_code=303)

    # --- login --------------------------------------------------------------------------------------
    def login_page(request: Request, error: str | None = None, status: int = 200) -> HTMLResponse:
        nonce = request.cookies.get(LOGIN_COOKIE) or secrets.token_urlsafe(18)
        page = render(request, "login.html", None, nonce, status=status, error=error)
        page.set_cookie(LOGIN_COOKIE, nonce, max_age=3600, httponly=True, samesite="lax", secure=secure_cookies)
        return page

    @web.get("/login", response_class=HTMLResponse)
    def login_form(request: Request) -> Response:
        if session_of(request) is not None:
            return RedirectResponse("/", status_code=303)
        return login_page(request)

    @web.post("/login")
    def login(request: Request, name: Annotated[str, Form(max_length=128)] = "",
              password: Annotated[str, Form(max_length=1024)] = "",
              csrf: Annotated[str, Form(max_length=128)] = "") -> Response:
        if not sessions.csrf_ok(request.cookies.get(LOGIN_COOKIE), csrf):
            return login_page(request, "页面已过期，请重新登录。", 403)
        keys = (f"ip:{source(request)}", f"name:{name.strip().lower()}")
        wait = limiter.blocked(*keys)
        if wait:
            return login_page(request, f"登录失败次数过多，请 {int(wait // 60) + 1} 分钟后再试。", 429)
        with session_scope(db_url) as s:
            user = accounts.by_password(s, name, password)
            if user is not None:
                accounts.log(s, actor=user.name, action="user.login", target=f"user/{user.name}",
                             source=source(request))
        if user is None:
            limiter.failed(*keys)
            return login_page(request, "用户名或密码错误。", 401)
        limiter.succeeded(*keys)
        response = RedirectResponse("/", status_code=303)
        response.set_cookie(SESSION_COOKIE, sessions.issue(user.id), max_age=SESSION_SECONDS, httponly=True,
                            samesite="lax", secure=secure_cookies)
        response.delete_cookie(LOGIN_COOKIE)
        return response

    @web.post("/logout")
    def logout(request: Request, csrf: Annotated[str, Form(max_length=128)] = "") -> Response:
        user, nonce = need_post(request, csrf)
        sessions.end(nonce)
        response = RedirectResponse("/login", status_code=303)
        response.delete_cookie(SESSION_COOKIE)
        return response

    # --- pages -------------------------------------------------------------------------------------
    @web.get("/", response_class=HTMLResponse)
    def overview(request: Request) -> Response:
        user, nonce = need(request)
        with session_scope(db_url) as s:
            data = q.region(s, user)
        return render(request, "overview.html", user, nonce, **data,
                      downloads=region_downloads() if user.sees_all else [])

    @web.get("/sites/{site_id}", response_class=HTMLResponse)
    def site_page(request: Request, site_id: str) -> Response:
        user, nonce = need(request)
        with session_scope(db_url) as s:
            try:
                data = q.site_page(s, user, site_id)
            except q.NotVisible:
                return missing(request, user, nonce)
        return render(request, "site.html", user, nonce, **data, downloads=site_downloads(site_id))

    def problem_page(request: Request, user: UserRecord, nonce: str, problem_id: int, *,
                     error: str | None = None, status: int = 200) -> HTMLResponse:
        with session_scope(db_url) as s:
            try:
                data = q.problem_page(s, user, problem_id)
            except q.NotVisible:
                return missing(request, user, nonce)
        return render(request, "problem.html", user, nonce, status=status, error=error, **data)

    @web.get("/problems/{problem_id}", response_class=HTMLResponse)
    def problem(request: Request, problem_id: IntId) -> Response:
        user, nonce = need(request)
        return problem_page(request, user, nonce, problem_id)

    @web.post("/problems/{problem_id}/rectify")
    def rectify(request: Request, problem_id: IntId, csrf: Annotated[str, Form(max_length=128)] = "",
                status: Annotated[str, Form(max_length=16)] = "", link: Annotated[str, Form(max_length=2000)] = "",
                note: Annotated[str, Form(max_length=500)] = "") -> Response:
        user, nonce = need_post(request, csrf)
        again = lambda **kw: problem_page(request, user, nonce, problem_id, **kw)  # noqa: E731
        if status not in RECTIFY_STATUSES:
            return again(error=f"整改情况须为：{'、'.join(RECTIFY_STATUSES)}", status=422)
        return act(request, user, nonce, again,
                   lambda: actions.act_rectify(problem_id, status, link, note, user, source(request)),
                   "rectify", f"/problems/{problem_id}")

    @web.post("/problems/{problem_id}/review")
    def review(request: Request, problem_id: IntId, csrf: Annotated[str, Form(max_length=128)] = "",
               verdict: Annotated[str, Form(max_length=32)] = "",
               note: Annotated[str, Form(max_length=2000)] = "") -> Response:
        user, nonce = need_post(request, csrf)
        again = lambda **kw: problem_page(request, user, nonce, problem_id, **kw)  # noqa: E731
        if verdict not in VERDICT_ZH:
            return again(error="审核结论须为：确认问题、误报、存疑", status=422)
        return act(request, user, nonce, again,
                   lambda: actions.act_review(problem_id, verdict, note, user, source(request)),
                   "review", f"/problems/{problem_id}")

    @web.get("/evaluations", response_class=HTMLResponse)
    def evaluations(request: Request) -> Response:
        user, nonce = need(request)
        with session_scope(db_url) as s:
            items = q.evaluations(s, user)
        return render(request, "evaluations.html", user, nonce, evaluations=items)

    def evaluation_page(request: Request, user: UserRecord, nonce: str, evaluation_id: int, *,
                        error: str | None = None, status: int = 200) -> HTMLResponse:
        with session_scope(db_url) as s:
            try:
                ev = q.evaluation_or_404(s, user, evaluation_id)
            except q.NotVisible:
                return missing(request, user, nonce)
        return render(request, "evaluation.html", user, nonce, status=status, error=error, ev=ev,
                      units={u["site"]: u["name"] for u in ev["units"]})

    @web.get("/evaluations/{evaluation_id}", response_class=HTMLResponse)
    def evaluation(request: Request, evaluation_id: IntId) -> Response:
        user, nonce = need(request)
        return evaluation_page(request, user, nonce, evaluation_id)

    @web.post("/evaluations/{evaluation_id}/manual-scores")
    def manual_score(request: Request, evaluation_id: IntId, csrf: Annotated[str, Form(max_length=128)] = "",
                     site: Annotated[str, Form(max_length=64)] = "", item: Annotated[str, Form(max_length=64)] = "",
                     points: Annotated[str, Form(max_length=32)] = "",
                     note: Annotated[str, Form(max_length=2000)] = "") -> Response:
        user, nonce = need_post(request, csrf)
        again = lambda **kw: evaluation_page(request, user, nonce, evaluation_id, **kw)  # noqa: E731
        try:
            value = float(points)
        except ValueError:
            return again(error=f"分值不是数字：{points}", status=422)
        if not site or not item or not -1000 <= value <= 1000:
            return again(error="请填写单位、指标项和分值。", status=422)
        return act(request, user, nonce, again,
                   lambda: actions.act_manual_score(evaluation_id, site, item.strip(), value, note, user,
                                                    source(request)),
                   "score", f"/evaluations/{evaluation_id}")

    @web.post("/evaluations/{evaluation_id}/objections")
    def objection(request: Request, evaluation_id: IntId, csrf: Annotated[str, Form(max_length=128)] = "",
                  site: Annotated[str, Form(max_length=64)] = "", text: Annotated[str, Form(max_length=5000)] = "",
                  item: Annotated[str, Form(max_length=64)] = "") -> Response:
        user, nonce = need_post(request, csrf)
        again = lambda **kw: evaluation_page(request, user, nonce, evaluation_id, **kw)  # noqa: E731
        if not site or not text.strip():
            return again(error="请填写单位和异议内容。", status=422)
        return act(request, user, nonce, again,
                   lambda: actions.act_objection(evaluation_id, site, text.strip(), item.strip(), user,
                                                 source(request)),
                   "objection", f"/evaluations/{evaluation_id}")

    @web.post("/objections/{objection_id}/answer")
    def answer(request: Request, objection_id: IntId, csrf: Annotated[str, Form(max_length=128)] = "",
               evaluation: Annotated[int, Form(ge=0, le=2**31 - 1)] = 0, decision: Annotated[str, Form(max_length=16)] = "",
               text: Annotated[str, Form(max_length=5000)] = "") -> Response:
        user, nonce = need_post(request, csrf)
        again = lambda **kw: evaluation_page(request, user, nonce, evaluation, **kw)  # noqa: E731
        if decision not in DECISION_ZH or not text.strip():
            return again(error="请选择答复结论并填写答复内容。", status=422)
        return act(request, user, nonce, again,
                   lambda: actions.act_answer(objection_id, decision, text.strip(), user, source(request)),
                   "answer", f"/evaluations/{evaluation}")

    # --- files -------------------------------------------------------------------------------------
    @web.get("/evidence/{run_id}/{name}")
    def evidence(request: Request, run_id: IntId, name: str) -> Response:
        user, nonce = need(request)
        with session_scope(db_url) as s:
            try:
                path = q.evidence_file(s, user, run_id, name, out)
            except q.NotVisible:
                return missing(request, user, nonce)
        return FileResponse(path, headers={"Cache-Control": "private, max-age=3600"})

    def site_downloads(site_id: str) -> list[dict[str, str]]:
        return [{"name": n, "href": f"/files/sites/{site_id}/{n}"} for n in SITE_FILES if (out / site_id / n).is_file()]

    def bulletins() -> list[Path]:
        found = [p for n in BULLETIN_FILES for p in [out / n, *out.glob(f"*/{n}")] if p.is_file()]
        return sorted(set(found), key=lambda p: str(p))

    def region_downloads() -> list[dict[str, str]]:
        items = [{"name": n, "href": f"/files/region/{n}"} for n in REGION_FILES if (out / n).is_file()]
        for p in bulletins():
            rel = p.relative_to(out).as_posix()
            items.append({"name": f"通报 {rel}", "href": f"/files/bulletins/{rel}"})
        return items

    def download(path: Path) -> FileResponse:
        return FileResponse(path, filename=path.name, content_disposition_type="attachment",
                            headers={"Cache-Control": "private, no-store"})

    @web.get("/files/sites/{site_id}/{name}")
    def site_file(request: Request, site_id: str, name: str) -> Response:
        user, nonce = need(request)
        with session_scope(db_url) as s:
            try:
                q.site_or_404(s, user, site_id)
            except q.NotVisible:
                return missing(request, user, nonce)
        path = out / site_id / name
        if name not in SITE_FILES or not path.is_file():
            return missing(request, user, nonce)
        return download(path)

    @web.get("/files/region/{name}")
    def region_file(request: Request, name: str) -> Response:
        user, nonce = need(request)
        if not user.sees_all or name not in REGION_FILES or not (out / name).is_file():
            return missing(request, user, nonce)  # the region's summary names every unit
        return download(out / name)

    @web.get("/files/bulletins/{rel:path}")
    def bulletin_file(request: Request, rel: str) -> Response:
        user, nonce = need(request)
        chosen = [p for p in bulletins() if p.relative_to(out).as_posix() == rel]
        if not user.sees_all or not chosen:
            return missing(request, user, nonce)
        return download(chosen[0])

    return web
