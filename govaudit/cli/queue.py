"""Distributed audits: `govaudit worker` and `govaudit audit --queue URL [--no-wait]` (docs/scale.md)."""
from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from govaudit.cli import common as c
from govaudit.cli.common import AuditFailed, DbOpt, UsageError, app, console, out_console
from govaudit.pipeline import AuditOptions
from govaudit.registry import SiteEntry


def _queue(url: str):  # noqa: ANN202 - govaudit.distributed.Queue, imported lazily (optional extra)
    try:
        from govaudit import distributed
    except ModuleNotFoundError as exc:
        raise UsageError(f"--queue needs the optional extra: pip install 'govaudit[queue]' ({exc.name} missing)") from None
    try:
        queue = distributed.Queue(url)
        queue.ping()
    except distributed.QueueError as exc:
        raise UsageError(str(exc)) from None
    return queue


def audit_on_queue(url: str, sites: list[SiteEntry], options: AuditOptions, wait: bool = True) -> None:
    """Enqueue one job per site; unless told not to, follow them and write the reports and the summary."""
    from govaudit import distributed
    from govaudit.pipeline import render_runs

    queue = _queue(url)
    c.prepare_db(options.db_url)
    batch = distributed.enqueue(queue, [s.model_dump(mode="json") for s in sites], distributed.options_payload(options))
    console.print(f"batch {batch}: {len(sites)} job(s) queued on {url}", highlight=False)
    if not wait:
        out_console.print(batch)
        return
    ids = [s.id for s in sites]
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
    runs = [statuses[i]["run"] for i in ids if statuses[i]["state"] == "done"]
    docs = render_runs(options.db_url, runs, options.out) if runs else []
    c.print_scores(docs)
    failed = [f"{i}: {statuses[i].get('error')}" for i in ids if statuses[i]["state"] != "done"]
    if failed:
        raise AuditFailed("jobs failed after their retries — " + "; ".join(escape(f) for f in failed))


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
