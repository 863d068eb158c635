"""`govaudit serve` (the HTTP API and dashboard) and `govaudit users …` (its users, roles and tokens)."""
from __future__ import annotations

import os
from typing import Annotated

import typer
from rich.table import Table

from govaudit.cli import common as c
from govaudit.cli.common import DbOpt, UsageError, app, console, out_console
from storage.session import session_scope

users_app = typer.Typer(no_args_is_help=True, help="users of the web service: roles, sites, tokens (用户与权限)")
app.add_typer(users_app, name="users")


@users_app.command("add")
def users_add(
    name: Annotated[str, typer.Argument(help="login name (no spaces)")],
    role: Annotated[str, typer.Option("--role", help="supervisor | evaluator | judge | unit")],
    site: Annotated[list[str] | None, typer.Option("--site", help="a unit's site id (repeatable; may be a site "
                                                                  "not audited yet)")] = None,
    evaluation: Annotated[list[int] | None, typer.Option("--evaluation", help="a judge's assigned evaluation id "
                                                         "(repeatable; must be a stored evaluation)")] = None,
    password_env: Annotated[str | None, typer.Option("--password-env", help="read a web-login password from this "
                                                                            "environment variable")] = None,
    db: DbOpt = None,
) -> None:
    """Add a user; its API token is printed once, on the last line (only a hash is stored)."""
    from storage.users import UserError, add_user

    password = None
    if password_env:
        password = os.environ.get(password_env)
        if not password:
            raise UsageError(f"--password-env {password_env}: the variable is not set")
    url = c.db(db)
    c.prepare_db(url)
    try:
        with session_scope(url) as session:
            user, token = add_user(session, name, role, site or [], password=password, evaluations=evaluation or [])
    except UserError as exc:
        raise UsageError(str(exc)) from None
    console.print(f"用户 {user.name}（{user.role}）已添加 / user added"
                  + (f"，网站 sites: {', '.join(user.sites)}" if user.sites else "")
                  + (f"，评估 evaluations: {', '.join(map(str, user.evaluations))}" if user.evaluations else ""),
                  highlight=False)
    console.print("令牌只显示这一次 / the token is shown once:", highlight=False)
    out_console.print(token, highlight=False, soft_wrap=True)


def _assignment(name: str, evaluation: list[int] | None, db: str | None, *, take: bool) -> None:
    from storage.users import UserError, assign, unassign

    if not evaluation:
        raise UsageError("give at least one --evaluation ID")
    url = c.db(db)
    c.prepare_db(url)
    try:
        with session_scope(url) as session:
            user = (unassign if take else assign)(session, name, evaluation)
    except UserError as exc:
        raise UsageError(str(exc)) from None
    console.print(f"{user.name}: 评估 evaluations {', '.join(map(str, user.evaluations)) or '（无 none）'}",
                  highlight=False)


@users_app.command("assign")
def users_assign(
    name: Annotated[str, typer.Argument(help="the judge")],
    evaluation: Annotated[list[int] | None, typer.Option("--evaluation", help="an evaluation id (repeatable)")] = None,
    db: DbOpt = None,
) -> None:
    """Assign a judge further evaluations (it sees and scores only its assigned ones)."""
    _assignment(name, evaluation, db, take=False)


@users_app.command("unassign")
def users_unassign(
    name: Annotated[str, typer.Argument(help="the judge")],
    evaluation: Annotated[list[int] | None, typer.Option("--evaluation", help="an evaluation id (repeatable)")] = None,
    db: DbOpt = None,
) -> None:
    """Take evaluations from a judge (it no longer sees or scores them)."""
    _assignment(name, evaluation, db, take=True)


@users_app.command("token")
def users_token(name: Annotated[str, typer.Argument(help="the user")], db: DbOpt = None) -> None:
    """A further API token for a user (printed once, on the last line)."""
    from storage.users import UserError, new_token

    url = c.db(db)
    c.prepare_db(url)
    try:
        with session_scope(url) as session:
            token = new_token(session, name)
    except UserError as exc:
        raise UsageError(str(exc)) from None
    out_console.print(token, highlight=False, soft_wrap=True)


@users_app.command("password")
def users_password(
    name: Annotated[str, typer.Argument(help="the user")],
    password_env: Annotated[str | None, typer.Option("--password-env", help="read it from this environment "
                                                                            "variable (else asked for)")] = None,
    db: DbOpt = None,
) -> None:
    """Set a user's web-login password (stored as an Argon2id hash)."""
    from storage.users import UserError, set_password

    password = os.environ.get(password_env) if password_env else typer.prompt("password", hide_input=True,
                                                                              confirmation_prompt=True)
    if not password:
        raise UsageError(f"--password-env {password_env}: the variable is not set")
    url = c.db(db)
    c.prepare_db(url)
    try:
        with session_scope(url) as session:
            set_password(session, name, password)
    except UserError as exc:
        raise UsageError(str(exc)) from None
    console.print(f"{name}: 密码已设置 / password set", highlight=False)


@users_app.command("revoke")
def users_revoke(
    name: Annotated[str | None, typer.Argument(help="the user: every token and the password stop working")] = None,
    token: Annotated[str | None, typer.Option("--token", help="revoke only this token")] = None,
    db: DbOpt = None,
) -> None:
    """Revoke a user (all tokens, the password) or a single token."""
    from storage.users import UserError, revoke, revoke_token

    if (name is None) == (token is None):
        raise UsageError("give a user name or --token TOKEN (one of them)")
    url = c.db(db)
    c.prepare_db(url)
    try:
        with session_scope(url) as session:
            if token is not None:
                if not revoke_token(session, token):
                    raise UsageError("--token: no such active token")
                console.print("令牌已吊销 / token revoked", highlight=False)
            else:
                n = revoke(session, name)
                console.print(f"{name}: 已吊销 / revoked ({n} token(s))", highlight=False)
    except UserError as exc:
        raise UsageError(str(exc)) from None


@users_app.command("list")
def users_list(db: DbOpt = None) -> None:
    """The users, their roles and sites."""
    from storage.users import list_users

    url = c.db(db)
    c.prepare_db(url)
    with session_scope(url) as session:
        users = list_users(session)
    table = Table(title="用户 / users")
    for col in ("id", "用户", "角色", "网站", "评估", "状态"):
        table.add_column(col)
    for u in users:
        table.add_row(str(u.id), u.name, u.role, "、".join(u.sites) or "（全部）",
                      ("、".join(map(str, u.evaluations)) or "（无）") if u.role == "judge" else "（全部）",
                      "已吊销" if u.revoked else "有效")
    out_console.print(table)


@app.command()
def serve(
    db: DbOpt = None,
    host: Annotated[str, typer.Option("--host", help="address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="port")] = 8000,
    out: Annotated[str | None, typer.Option("--out", help="report folder of `govaudit audit/demo` (XLSX "
                                                          "downloads); default: out")] = None,
    insecure_cookies: Annotated[bool, typer.Option("--insecure-cookies", help="session cookies without the Secure "
                                                   "flag (plain http on a non-loopback address)")] = False,
) -> None:
    """The HTTP API (/api/v1, /openapi.json) and the Chinese dashboard over the database (FastAPI, uvicorn)."""
    try:
        import uvicorn

        from govaudit.service.app import create_app
    except ImportError as exc:
        raise UsageError(f"serve needs the service extra: pip install 'govaudit[serve]' ({exc.name} missing)") from None
    url = c.db(db)
    c.prepare_db(url)
    application = create_app(url, out_dir=out or "out", secure_cookies=not insecure_cookies)
    console.print(f"govaudit serve: http://{host}:{port}/  (API /api/v1, OpenAPI /openapi.json)", highlight=False)
    uvicorn.run(application, host=host, port=port, log_level="warning")
