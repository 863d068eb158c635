"""`govaudit` — the command line: one module per group of commands, all on one Typer app (`common.app`).

A new command (group) is a module here that adds its commands to `common.app`, imported below.
"""
from __future__ import annotations

import logging
import os
import sys

import typer

from govaudit.cli import audit, monitoring, accounts, evaluate, problems, supervision, history, service, queue, retention  # noqa: F401, I001 - registered in this order (the help lists them so)
from rich.markup import escape

from govaudit.cli.common import AuditFailed, AuditInterrupted, UsageError, app, console
from storage.secrets import MaskingFilter, mask_text
from storage.session import skip_exit_collections

skip_exit_collections()  # 0.5–0.7 s after an audit's work was done (storage/session.py)


def main() -> None:
    """Entry point: exit 0 on a completed audit, 2 on bad usage or input, 1 on an internal failure."""
    handler = logging.StreamHandler()
    handler.setLevel(os.environ.get("GOVAUDIT_LOG_LEVEL", "WARNING").upper())
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    # Failed fetches are facts stored with their error class, not log noise (Scrapy resets logger levels).
    handler.addFilter(lambda r: not r.name.startswith(("scrapy.downloadermiddlewares.retry", "scrapy.core.scraper")))
    handler.addFilter(MaskingFilter())  # database passwords never reach a log (storage/secrets.py)
    logging.basicConfig(level=handler.level, handlers=[handler])
    try:
        code = app(standalone_mode=False)
        if isinstance(code, int) and code:
            sys.exit(code)
    except (UsageError, LookupError) as exc:
        console.print(f"[bold red]error:[/] {escape(mask_text(str(exc).strip(chr(39))))}", highlight=False, soft_wrap=True)
        sys.exit(2)
    except AuditInterrupted as exc:
        console.print(f"interrupted: {exc}")
        sys.exit(130)
    except AuditFailed as exc:
        console.print(f"[bold red]failed:[/] {escape(mask_text(str(exc)))}", highlight=False, soft_wrap=True)
        sys.exit(1)
    except (typer.Abort, KeyboardInterrupt):
        console.print("interrupted")
        sys.exit(130)
    except Exception as exc:
        if hasattr(exc, "show") and hasattr(exc, "exit_code"):  # the CLI parser's own usage errors
            exc.show()
            sys.exit(2 if exc.exit_code else 0)
        import traceback

        console.print(escape(mask_text(traceback.format_exc())), highlight=False, markup=True)
        sys.exit(1)
    sys.exit(0)
