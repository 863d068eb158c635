"""`govaudit accounts import` and `govaudit login`: the 政务新媒体 accounts of a registry (docs/newmedia.md)."""
from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from govaudit.cli import common as c
from govaudit.cli.common import UsageError, app, console

accounts_app = typer.Typer(no_args_is_help=True, help="政务新媒体账号登记 (the accounts of sites.yaml).")
app.add_typer(accounts_app, name="accounts")


@accounts_app.command("import")
def accounts_import(
    file: Annotated[Path, typer.Argument(help="account list (.xlsx or .csv): 单位, 平台, 账号名称, 账号/链接")],
    sites: Annotated[Path, typer.Option("--sites", help="the sites registry to merge into")],
    out: Annotated[Path | None, typer.Option("--out", help="write the merged registry here (default: --sites, in place)")] = None,
) -> None:
    """Merge a unit's account list into sites.yaml (导入政务新媒体账号)."""
    from govaudit.accounts_import import ImportError_, import_accounts

    try:
        counts = import_accounts(file, sites, out or sites)
    except ImportError_ as exc:
        raise UsageError(str(exc)) from None
    console.print(f"{out or sites}: {counts['added']} accounts added, {counts['updated']} renamed", highlight=False)


@app.command()
def login(
    platform: Annotated[str, typer.Argument(help="wechat | douyin | toutiao | weibo")],
    sites: Annotated[Path | None, typer.Option("--sites", help="use this registry's `platforms:` base URL")] = None,
    state_dir: Annotated[Path | None, typer.Option("--state-dir", help="where sessions are stored (default: $GOVAUDIT_STATE_DIR or ~/.local/share/govaudit/sessions)")] = None,
) -> None:
    """Log in to a platform once in a visible browser and store the session (平台登录)."""
    import crawler.platforms.login as login_mod

    base = c.registry(sites).platforms.get(platform) if sites else None
    try:
        path = login_mod.login(platform, base, state_dir or login_mod.state_dir(), wait=input)
    except login_mod.LoginError as exc:
        raise UsageError(str(exc)) from None
    console.print(f"session stored: {path}", highlight=False)
