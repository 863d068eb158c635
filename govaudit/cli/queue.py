"""Distributed audits: `govaudit worker`, and `govaudit audit|probe|recheck … --queue URL [--no-wait]`
(docs/scale.md)."""
from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from govaudit.cli import common as c
from govaudit.cli.common import AuditFailed, DbOpt, UsageError, app, console, out_console
from govaudit.pipeline import AuditOptions
from govaudit.registry import SiteEntry


def _queue(url: str):  # noqa: ANN202 - govaudit.distributed.Queue, imported lazily (optional extra)
    from govaudit import distributed

    try:
        queue = distributed.Queue(url)  # imports dramatiq and redis: the optional extra `queue`
        queue.ping()
    except ModuleNotFoundError as exc:
        raise UsageError(f"--queue needs the optional extra: pip install 'govaudit[queue]' ({exc.name} missing)") from None
    except distributed.QueueError as exc:
        raise UsageError(str(exc)) from None
    return queue


def on_queue(url: str, db_url: str, sites: list[dict], options: dict, kind: str, wait: bool) -> dict[str, dict] | None:
    """Enqueue one job of `kind` per site; unless told not to, follow them (progress on the terminal) and
    return their final statuses. Failed jobs (after their retries) are an AuditFailed."""
    from govaudit import distributed

    queue = _queue(url)
    c.prepare_db(db_url)
    batch = distributed.enqueue(queue, sites, options, kind=kind)
    console.print(f"batch {batch}: {len(sites)} {kind} job(s) queued on {url}", highlight=False)
    if not wait:
        out_console.print(batch)
        return None
    ids = [s["id"] for s in sites]
    with Progress(TextColumn("{task.description}"), BarColumn(), TextColumn("{task.completed}/{task.total} 站 sites"),
                  TimeElapsedColumn(), console=console, transient=True, disable=not console.is_terminal) as progress:
        task = progress.add_task("队列 queue", total=len(ids))

        def show(statuses: dict[str, dict]) -> None:
            done = sum(1 for s in statuses.values() if s.get("state") in distributed.FINAL)
            running = [k for k, s in statuses.items() if s.get("state") == "running"]
            progress.update(task, completed=done, description=f"队列 queue · running: {', '.join(running) or '—'}")
            if not console.is_terminal:
                console.print(f"{done}/{len(ids)} done; running: {', '.join(running) or '—'}", highlight=False)

        statuses = distributed.wait(queue, batch, ids, show)
    return {i: statuses[i] for i in ids}


def _failed(statuses: dict[str, dict]) -> None:
    failed = [f"{i}: {s.get('error')}" for i, s in statuses.items() if s["state"] != "done"]
    if failed:
        raise AuditFailed("jobs failed after their retries — " + "; ".join(escape(f) for f in failed))


def audit_on_queue(url: str, sites: list[SiteEntry], options: AuditOptions, wait: bool = True) -> None:
    """One audit job per site; unless told not to, follow them and write the reports and the summary."""
    from govaudit import distributed
    from govaudit.pipeline import render_runs

    statuses = on_queue(url, options.db_url, [s.model_dump(mode="json") for s in sites],
                        distributed.options_payload(options), "audit", wait)
    if statuses is None:
        return
    runs = [s["run"] for s in statuses.values() if s["state"] == "done"]
    docs = render_runs(options.db_url, runs, options.out) if runs else []
    c.print_scores(docs)
    _failed(statuses)


def probe_on_queue(url: str, db_url: str, sites: list[SiteEntry], options: dict, wait: bool = True) -> None:
    """One probe job per site (one sample of its homepage each); unless told not to, print the samples."""
    statuses = on_queue(url, db_url, [s.model_dump(mode="json") for s in sites], options, "probe", wait)
    if statuses is None:
        return
    table = Table(title="可用性监测 / probe (queue)")
    for col in ("网站 site", "状态 status", "错误 error", "耗时 ms", "worker"):
        table.add_column(col, overflow="fold")
    for site_id, s in statuses.items():
        p = s.get("probe") or {}
        table.add_row(site_id, str(p.get("status") or "—"), escape(p.get("error") or (s.get("error") or "")),
                      str(p.get("total_ms") or "—"), escape(s.get("worker") or ""))
    out_console.print(table)
    _failed(statuses)


def recheck_on_queue(url: str, db_url: str, sites: list[dict], options: dict, wait: bool = True) -> None:
    """One re-check job per site; unless told not to, print each site's re-check run (or why none)."""
    statuses = on_queue(url, db_url, sites, options, "recheck", wait)
    if statuses is None:
        return
    for site_id, s in statuses.items():
        what = f"run {s['run']}" if s.get("run") else escape(s.get("nothing") or s.get("error") or s["state"])
        out_console.print(f"{site_id}: {s['state']} · {what}", highlight=False)
    _failed(statuses)


@app.command()
def worker(
    queue: Annotated[str, typer.Option("--queue", help="Redis URL the audits are queued on")],
    db: DbOpt = None,
    concurrency: Annotated[int, typer.Option("--concurrency", min=1, help="sites audited at once")] = 1,
    out: Annotated[Path, typer.Option("--out", help="where each job's reports are written")] = Path("out"),
) -> None:
    """Run queued site audits until stopped (SIGTERM/Ctrl-C); every run goes to --db (分布式检查). The
    submitter (`audit --queue`) brings the database's schema up to date before it queues anything."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    from govaudit import distributed

    _queue(queue)
    url = c.db(db)
    try:
        make_url(url)
    except ArgumentError as exc:
        raise UsageError(f"--db {url}: {exc}") from None
    distributed.run_worker(queue, distributed.WorkerSettings(db_url=url, out=out, concurrency=concurrency))
