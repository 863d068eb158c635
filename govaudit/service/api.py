"""The HTTP API, /api/v1 (bearer tokens; OpenAPI at /openapi.json). Shapes use findings.json's names.

Reads: sites, a site, its runs, scores, findings (filtered, paginated), probes; problems and their events;
evidence files; evaluations. Writes (each one an audit-log row in the same transaction): review and
rectify a problem, manual scores, objections and their answers, users (supervisor). The writes go through
storage/problems.py, reports/rectify.py and storage/evaluations.py — the service has no rules of its own.
"""

from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, HTTPException, Path as PathParam, Query, Request
from fastapi.responses import FileResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, Field

from govaudit.service import queries as q
from storage import problems as repo
from storage import users as accounts
from storage.users import UserRecord
from storage.vocabulary import PROBLEM_STATES, REVIEW_VERDICTS, USER_ROLES, beijing_today

ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"description": "no token, or an unknown or revoked one"},
    404: {"description": "absent, or outside the caller's units (the same answer)"},
}
WRITE_ERRORS: dict[int | str, dict[str, Any]] = {
    **ERRORS, 403: {"description": "the caller's role may not do this"},
    409: {"description": "the state does not allow it (the message says why)"},
}
_bearer = HTTPBearer(auto_error=False, description="`govaudit users add` prints the token")

Limit = Annotated[int, Query(ge=1, le=q.MAX_PAGE, description="page size")]
Offset = Annotated[int, Query(ge=0, le=10**9, description="items skipped")]
SiteId = Annotated[str, PathParam(max_length=64, description="网站标识码")]
IntId = Annotated[int, PathParam(ge=1, le=2**31 - 1)]


# --- response shapes ----------------------------------------------------------------------------------
class Open(BaseModel):
    model_config = {"extra": "allow"}


class ScoreBrief(BaseModel):
    scheme: str
    total: float
    vetoed: bool
    vetoes: list[str]
    grade: str


class Indicator(BaseModel):
    id: str
    name: str
    deducted: float
    findings: int
    kind: str
    status: str


class Score(ScoreBrief):
    undecided_vetoes: list[Any]
    indicators: list[Indicator]


class RuleStatus(BaseModel):
    rule: str
    status: str
    findings: int
    reason: str | None
    name_zh: str


class Run(BaseModel):
    id: int
    site: str
    as_of: str | None
    started_at: str | None
    finished_at: str | None
    pages: int
    state: str
    kind: str
    score: ScoreBrief | None


class RunDetail(Run):
    score_detail: Score | None = None
    rules: list[RuleStatus] = []


class Site(BaseModel):
    id: str
    name: str
    url: str
    kind: str
    unit: str | None
    group: str | None
    run: Run | None
    open_problems: int


class Page(BaseModel):
    total: int
    offset: int
    limit: int


class Runs(Page):
    items: list[Run]


class ProblemRef(BaseModel):
    id: int
    state: str


class Finding(BaseModel):
    id: int
    run: int
    rule: str
    subject: str
    severity: str
    page: str | None
    message: str
    evidence: dict[str, Any]
    screenshot: str | None
    name_zh: str
    indicator: str | None
    problem: ProblemRef | None


class Findings(Page):
    run: int | None
    items: list[Finding]


class Event(BaseModel):
    id: int
    at: str | None
    actor: str
    kind: str
    from_: str | None = Field(alias="from")
    to: str
    note: str | None
    evidence_url: str | None
    run: int | None
    detail: dict[str, Any] | None = None


class SiteRef(BaseModel):
    id: str
    name: str


class Problem(BaseModel):
    id: int
    site: SiteRef
    rule: str
    subject: str
    state: str
    first_seen: str | None
    first_run: int
    last_seen: str | None
    last_run: int
    runs_seen: int
    opened_on: str | None
    due: str | None
    overdue: bool | None = None
    finding: dict[str, Any] | None
    events: list[Event] | None = None


class Problems(Page):
    items: list[Problem]


class Probe(BaseModel):
    id: int
    url: str
    started_at: str | None
    status: int | None
    error: str | None
    total_ms: float | None
    final_url: str | None


class Probes(Page):
    items: list[Probe]


class EvaluationBrief(BaseModel):
    id: int
    name: str
    scheme: str
    period: str | None
    as_of: str | None
    state: str
    published_on: str | None
    objections_close: str | None
    finalized_on: str | None
    units: int


class Evaluation(EvaluationBrief):
    units: list[dict[str, Any]]  # type: ignore[assignment]
    manual_scores: list[dict[str, Any]]
    objections: list[dict[str, Any]]
    results: list[dict[str, Any]]


class Me(BaseModel):
    id: int
    name: str
    role: str
    role_zh: str | None
    sites: list[str]
    evaluations: list[int] = Field(default=[], description="a judge's assigned evaluations")
    revoked: bool


class NewUser(BaseModel):
    user: Me
    token: str


class AuditEntry(BaseModel):
    id: int
    at: str
    actor: str
    action: str
    target: str | None
    source: str | None
    detail: dict[str, Any]


class Written(BaseModel):
    ok: bool = True
    id: int | None = None
    state: str | None = None


# --- request bodies -------------------------------------------------------------------------------------
class ReviewIn(BaseModel):
    verdict: Literal["confirmed", "false_positive", "doubtful"]
    note: str | None = Field(default=None, max_length=2000)


class RectifyIn(BaseModel):
    status: Literal["已整改", "整改中", "无法整改", "有异议"] = Field(description="整改情况")
    link: str | None = Field(default=None, max_length=2000, description="整改链接 (http:// or https://)")
    note: str | None = Field(default=None, max_length=500, description="备注")


class ManualScoreIn(BaseModel):
    site: str = Field(min_length=1, max_length=64)
    item: str = Field(min_length=1, max_length=64)
    points: float = Field(ge=-1000, le=1000)
    note: str | None = Field(default=None, max_length=2000)


class ObjectionIn(BaseModel):
    site: str = Field(min_length=1, max_length=64)
    text: str = Field(min_length=1, max_length=5000)
    item: str | None = Field(default=None, max_length=64)


class AnswerIn(BaseModel):
    decision: Literal["accepted", "rejected"]
    text: str = Field(min_length=1, max_length=5000)


class UserIn(BaseModel):
    name: str = Field(min_length=1, max_length=128)
    role: Literal["supervisor", "evaluator", "judge", "unit"]
    sites: list[str] = Field(default=[], max_length=1000)
    evaluations: list[Annotated[int, Field(ge=1, le=2**31 - 1)]] = Field(
        default=[], max_length=1000, description="a judge's assigned evaluations (stored evaluation ids)")


# --- the router -------------------------------------------------------------------------------------------
def router(db_url: str, out_dir: Any) -> APIRouter:
    from storage.session import session_scope

    api = APIRouter(prefix="/api/v1", responses=ERRORS)

    def caller(request: Request,
               creds: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]) -> UserRecord:
        if creds is None or creds.scheme.lower() != "bearer":
            raise HTTPException(401, "a bearer token is needed", headers={"WWW-Authenticate": "Bearer"})
        with session_scope(db_url) as s:
            user = accounts.by_token(s, creds.credentials)
        if user is None:
            raise HTTPException(401, "unknown or revoked token", headers={"WWW-Authenticate": "Bearer"})
        return user

    User = Annotated[UserRecord, Depends(caller)]

    def roles(user: UserRecord, *allowed: str) -> None:
        if user.role not in allowed:
            raise HTTPException(403, f"a {user.role} may not do this (needs {' or '.join(allowed)})")

    def source(request: Request) -> str:
        return request.client.host if request.client else "unknown"

    def not_found(exc: q.NotVisible) -> HTTPException:
        return HTTPException(404, "not found")

    def visible_site(s: Any, user: UserRecord, site_id: str) -> Any:
        """The site, or 404 when it is absent or not the caller's (every /sites/{id}/… route)."""
        try:
            return q.site_or_404(s, user, site_id)
        except q.NotVisible as exc:
            raise not_found(exc) from None

    @api.get("/me", response_model=Me, summary="the caller")
    def me(user: User) -> dict:
        return user.as_json()

    @api.get("/sites", response_model=list[Site], summary="the caller's sites, each with its newest judged run")
    def list_sites(user: User) -> list[dict]:
        with session_scope(db_url) as s:
            return q.sites(s, user)

    @api.get("/sites/{site_id}", response_model=Site, summary="one site")
    def get_site(site_id: SiteId, user: User) -> dict:
        with session_scope(db_url) as s:
            site = visible_site(s, user, site_id)
            return q.site_json(s, site, q.latest_runs(s, [site_id]).get(site_id), q.open_problem_counts(s, [site_id]))

    @api.get("/sites/{site_id}/runs", response_model=Runs, summary="a site's runs, newest first")
    def site_runs(site_id: SiteId, user: User, limit: Limit = 50, offset: Offset = 0) -> dict:
        with session_scope(db_url) as s:
            visible_site(s, user, site_id)
            items, total = q.runs_of(s, site_id, limit, offset)
        return {"items": items, "total": total, "offset": offset, "limit": limit}

    @api.get("/sites/{site_id}/findings", response_model=Findings,
             summary="a run's findings (default: the site's newest judged audit), filtered and paginated")
    def site_findings(site_id: SiteId, user: User,
                      run: Annotated[int | None, Query(ge=1, le=2**31 - 1, description="run id")] = None,
                      rule: Annotated[list[str], Query(description="rule id or prefix (`link.`)")] = [],
                      indicator: Annotated[list[str], Query(description="indicator id")] = [],
                      severity: Annotated[list[Literal["veto", "deduction", "info"]], Query()] = [],
                      state: Annotated[list[Literal[PROBLEM_STATES]], Query(description="problem state")] = [],  # type: ignore[valid-type]
                      limit: Limit = 100, offset: Offset = 0) -> dict:
        with session_scope(db_url) as s:
            visible_site(s, user, site_id)
            try:
                chosen = q.run_or_404(s, user, run) if run is not None else q.latest_runs(s, [site_id]).get(site_id)
            except q.NotVisible as exc:
                raise not_found(exc) from None
            if chosen is None:
                return {"run": None, "items": [], "total": 0, "offset": offset, "limit": limit}
            if chosen.site_id != site_id:
                raise HTTPException(404, "not found")
            items, total = q.findings_page(s, chosen, rules=rule, indicators=indicator, severities=list(severity),
                                           states=list(state), limit=limit, offset=offset)
        return {"run": chosen.id, "items": items, "total": total, "offset": offset, "limit": limit}

    @api.get("/sites/{site_id}/scores", response_model=list[Run], summary="score history: each judged run's score")
    def site_scores(site_id: SiteId, user: User) -> list[dict]:
        with session_scope(db_url) as s:
            visible_site(s, user, site_id)
            items, _ = q.runs_of(s, site_id, 1000, 0)
        return [r for r in reversed(items) if r["score"] is not None]

    @api.get("/sites/{site_id}/probes", response_model=Probes, summary="the site's availability probes")
    def site_probes(site_id: SiteId, user: User, limit: Limit = 100, offset: Offset = 0) -> dict:
        with session_scope(db_url) as s:
            visible_site(s, user, site_id)
            items, total = q.probes_of(s, site_id, limit, offset)
        return {"items": items, "total": total, "offset": offset, "limit": limit}

    @api.get("/runs/{run_id}", response_model=RunDetail, summary="a run with its score and rule statuses")
    def get_run(run_id: IntId, user: User) -> dict:
        with session_scope(db_url) as s:
            try:
                run = q.run_or_404(s, user, run_id)
            except q.NotVisible as exc:
                raise not_found(exc) from None
            from storage import models as m

            judgement = s.get(m.Judgement, run.id)
            out = q.run_json(run, s.get(m.Score, run.id), judgement.as_of if judgement else None)
            out["score_detail"] = q.score_of(s, run)
            out["rules"] = q.rules_of(s, run.id)
            return out

    @api.get("/runs/{run_id}/evidence/{name}", response_class=FileResponse,
             responses={200: {"content": {"image/png": {}, "image/jpeg": {}}, "description": "the screenshot"}},
             summary="an evidence screenshot of a run (findings' `screenshot` is `evidence/<name>`)")
    def evidence(run_id: IntId, name: Annotated[str, PathParam(max_length=255)], user: User) -> FileResponse:
        with session_scope(db_url) as s:
            try:
                path = q.evidence_file(s, user, run_id, name, out_dir)
            except q.NotVisible:
                raise HTTPException(404, "not found") from None
        return FileResponse(path, headers={"Cache-Control": "private, max-age=3600",
                                           "X-Content-Type-Options": "nosniff"})

    @api.get("/problems", response_model=Problems, summary="problems across runs (问题清单) of the caller's sites")
    def list_problems(user: User, site: Annotated[list[str], Query()] = [],
                      state: Annotated[list[Literal[PROBLEM_STATES]], Query()] = [],  # type: ignore[valid-type]
                      rule: Annotated[list[str], Query(description="rule id or prefix (`link.`)")] = [],
                      limit: Limit = 100, offset: Offset = 0) -> dict:
        with session_scope(db_url) as s:
            page = q.problems(s, user, sites=site, states=list(state), rules=rule, limit=limit, offset=offset)
        today = beijing_today()
        return {"items": [p.as_json(today) for p in page.items], "total": page.total, "offset": offset,
                "limit": limit}

    @api.get("/problems/{problem_id}", response_model=Problem, response_model_by_alias=True,
             summary="one problem with its history")
    def get_problem(problem_id: IntId, user: User) -> dict:
        with session_scope(db_url) as s:
            try:
                return q.problem_or_404(s, user, problem_id).as_json(beijing_today())
            except q.NotVisible as exc:
                raise not_found(exc) from None

    @api.get("/problems/{problem_id}/events", response_model=list[Event], response_model_by_alias=True,
             summary="a problem's history (append-only)")
    def problem_events(problem_id: IntId, user: User) -> list[dict]:
        with session_scope(db_url) as s:
            try:
                return [e.as_json() for e in q.problem_or_404(s, user, problem_id).events]
            except q.NotVisible as exc:
                raise not_found(exc) from None

    @api.post("/problems/{problem_id}/review", response_model=Written, responses=WRITE_ERRORS,
              summary="a reviewer's decision: confirmed | false_positive | doubtful (evaluator, supervisor)")
    def review(problem_id: IntId, body: ReviewIn, user: User, request: Request) -> dict:
        return act_review(problem_id, body.verdict, body.note, user, source(request))

    def act_review(problem_id: int, verdict: str, note: str | None, user: UserRecord, src: str) -> dict:
        roles(user, "evaluator", "supervisor")
        with session_scope(db_url) as s:
            try:
                q.problem_or_404(s, user, problem_id)
                event = repo.review(s, problem_id, verdict, actor=user.name, note=note or None)
            except q.NotVisible as exc:
                raise not_found(exc) from None
            except repo.TransitionError as exc:
                raise HTTPException(409, str(exc)) from None
            accounts.log(s, actor=user.name, action="problem.review", target=f"problem/{problem_id}", source=src,
                         detail={"verdict": verdict, "event": event.id})
            return {"id": event.id, "state": event.to_state}

    @api.post("/problems/{problem_id}/rectify", response_model=Written, responses=WRITE_ERRORS,
              summary="the unit's answer (整改情况 + 整改链接): 已整改 → rectifying (unit of the site, supervisor)")
    def rectify(problem_id: IntId, body: RectifyIn, user: User, request: Request) -> dict:
        return act_rectify(problem_id, body.status, body.link, body.note, user, source(request))

    def act_rectify(problem_id: int, status: str, link: str | None, note: str | None, user: UserRecord,
                    src: str) -> dict:
        from reports import rectify as rx

        roles(user, "unit", "supervisor")
        link, note = (link or "").strip() or None, (note or "").strip() or None
        with session_scope(db_url) as s:
            try:
                problem = q.problem_or_404(s, user, problem_id)
            except q.NotVisible as exc:
                raise not_found(exc) from None
            if link and not rx._is_url(link):
                raise HTTPException(409, f"整改链接: not a URL: {link!r} (http:// or https://)")
            if status == rx.FIXED and not link:
                raise HTTPException(409, "整改链接: a claimed fix needs the link that shows it")
            if status in (rx.CANNOT, rx.DISPUTED) and not note:
                raise HTTPException(409, f"备注: {status} needs the reason")
            if status == rx.FIXED and problem.state not in (*rx.PROBLEM_OPEN_STATES, "rectifying"):
                raise HTTPException(409, f"problem {problem_id} is {problem.state}: there is nothing to fix")
            if status == rx.DISPUTED and problem.state not in rx.PROBLEM_OPEN_STATES:
                raise HTTPException(409, f"problem {problem_id} is {problem.state}: it cannot be disputed now")
            try:
                rx._apply(s, [rx._Claim(0, problem_id, status, link, note)], "web", user.name)
            except repo.TransitionError as exc:
                raise HTTPException(409, str(exc)) from None
            state = repo.state_of(s, problem_id)
            accounts.log(s, actor=user.name, action="problem.rectify", target=f"problem/{problem_id}", source=src,
                         detail={"status": status, "link": link, "state": state})
            return {"id": problem_id, "state": state}

    @api.get("/evaluations", response_model=list[EvaluationBrief], summary="evaluations the caller takes part in")
    def list_evaluations(user: User) -> list[dict]:
        with session_scope(db_url) as s:
            return q.evaluations(s, user)

    @api.get("/evaluations/{evaluation_id}", response_model=Evaluation,
             summary="an evaluation: units, current manual scores, objections, stored results (a unit: its own)")
    def get_evaluation(evaluation_id: IntId, user: User) -> dict:
        with session_scope(db_url) as s:
            try:
                return q.evaluation_or_404(s, user, evaluation_id)
            except q.NotVisible as exc:
                raise not_found(exc) from None

    @api.post("/evaluations/{evaluation_id}/manual-scores", response_model=Written, responses=WRITE_ERRORS,
              summary="points for a manual item (evaluator, judge; supervisor as 政务公开办)")
    def manual_score(evaluation_id: IntId, body: ManualScoreIn, user: User, request: Request) -> dict:
        return act_manual_score(evaluation_id, body.site, body.item, body.points, body.note, user, source(request))

    def act_manual_score(evaluation_id: int, site: str, item: str, points: float, note: str | None,
                         user: UserRecord, src: str) -> dict:
        from storage import evaluations as evx

        roles(user, "evaluator", "judge", "supervisor")
        scorer_role = {"evaluator": "evaluator", "judge": "judge", "supervisor": "office"}[user.role]
        with session_scope(db_url) as s:
            try:
                q.evaluation_or_404(s, user, evaluation_id)
                row = evx.add_manual_score(s, evaluation_id, site, item=item, points=points, scorer=user.name,
                                           role=scorer_role, by=user.name, note=note or None, source="api")
            except (q.NotVisible, LookupError) as exc:
                raise not_found(exc) from None
            except evx.EvaluationError as exc:
                raise HTTPException(409, str(exc)) from None
            accounts.log(s, actor=user.name, action="evaluation.manual_score", target=f"evaluation/{evaluation_id}",
                         source=src, detail={"site": site, "item": item, "points": points, "score": row})
            return {"id": row}

    @api.post("/evaluations/{evaluation_id}/objections", response_model=Written, responses=WRITE_ERRORS,
              summary="a unit's objection to the provisional result (within the window)")
    def object_to(evaluation_id: IntId, body: ObjectionIn, user: User, request: Request) -> dict:
        return act_objection(evaluation_id, body.site, body.text, body.item, user, source(request))

    def act_objection(evaluation_id: int, site: str, text: str, item: str | None, user: UserRecord,
                      src: str) -> dict:
        from storage import evaluations as evx

        roles(user, "unit", "supervisor")
        if not user.may_see(site):
            raise HTTPException(404, "not found")
        with session_scope(db_url) as s:
            try:
                q.evaluation_or_404(s, user, evaluation_id)
                row = evx.raise_objection(s, evaluation_id, site, text=text, by=user.name, on=beijing_today(),
                                          item=item or None)
            except (q.NotVisible, LookupError) as exc:
                raise not_found(exc) from None
            except evx.EvaluationError as exc:
                raise HTTPException(409, str(exc)) from None
            accounts.log(s, actor=user.name, action="evaluation.objection", target=f"evaluation/{evaluation_id}",
                         source=src, detail={"site": site, "objection": row})
            return {"id": row}

    @api.post("/objections/{objection_id}/answer", response_model=Written, responses=WRITE_ERRORS,
              summary="the answer to an objection: accepted | rejected (evaluator, supervisor)")
    def answer(objection_id: IntId, body: AnswerIn, user: User, request: Request) -> dict:
        return act_answer(objection_id, body.decision, body.text, user, source(request))

    def act_answer(objection_id: int, decision: str, text: str, user: UserRecord, src: str) -> dict:
        from storage import evaluations as evx

        roles(user, "evaluator", "supervisor")
        with session_scope(db_url) as s:
            try:
                row = q.objection_or_404(s, user, objection_id)
                evx.answer_objection(s, objection_id, decision=decision, text=text, by=user.name,
                                     on=max(beijing_today(), row.raised_on))
            except q.NotVisible as exc:
                raise not_found(exc) from None
            except evx.EvaluationError as exc:
                raise HTTPException(409, str(exc)) from None
            accounts.log(s, actor=user.name, action="evaluation.answer", target=f"objection/{objection_id}",
                         source=src, detail={"decision": decision})
            return {"id": objection_id, "state": decision}

    @api.get("/users", response_model=list[Me], summary="the users (supervisor)")
    def list_users(user: User) -> list[dict]:
        if user.role != "supervisor":
            raise HTTPException(404, "not found")
        with session_scope(db_url) as s:
            return [u.as_json() for u in accounts.list_users(s)]

    @api.post("/users", response_model=NewUser, responses=WRITE_ERRORS, summary="add a user (supervisor); "
              "its token is in this answer only")
    def add_user(body: UserIn, user: User, request: Request) -> dict:
        roles(user, "supervisor")
        with session_scope(db_url) as s:
            try:
                rec, token = accounts.add_user(s, body.name, body.role, body.sites, evaluations=body.evaluations,
                                               actor=user.name, source=source(request))
            except accounts.UserError as exc:
                raise HTTPException(409, str(exc)) from None
            return {"user": rec.as_json(), "token": token}

    @api.post("/users/{name}/revoke", response_model=Written, responses=WRITE_ERRORS,
              summary="revoke a user's tokens and password (supervisor)")
    def revoke_user(name: Annotated[str, PathParam(max_length=128)], user: User, request: Request) -> dict:
        roles(user, "supervisor")
        with session_scope(db_url) as s:
            try:
                count = accounts.revoke(s, name, actor=user.name, source=source(request))
            except accounts.UserError:
                raise HTTPException(404, "not found") from None
            return {"id": count, "state": "revoked"}

    @api.get("/audit-log", response_model=list[AuditEntry], summary="who wrote what, when, from where (supervisor)")
    def audit_log(user: User, limit: Limit = 100, offset: Offset = 0) -> list[dict]:
        if user.role != "supervisor":
            raise HTTPException(404, "not found")
        with session_scope(db_url) as s:
            return accounts.audit_log(s, limit=limit, offset=offset)

    # the dashboard's forms take the same paths (govaudit/service/dashboard.py)
    api.act_review = act_review  # type: ignore[attr-defined]
    api.act_rectify = act_rectify  # type: ignore[attr-defined]
    api.act_manual_score = act_manual_score  # type: ignore[attr-defined]
    api.act_objection = act_objection  # type: ignore[attr-defined]
    api.act_answer = act_answer  # type: ignore[attr-defined]
    return api


