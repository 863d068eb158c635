"""Deadlines on browser calls (issue 21): Playwright puts none on `page.content()` or `page.evaluate()`,
and a page that blocks its main thread after `load` (`while(true){}` in a timer) makes both wait forever —
the audit hung, its run left `running`. Every such call goes through `bounded` (async API) or
`bounded_sync` (sync API); the render of a crawled page as a whole is bounded by
`crawler.browser.handler.BoundedPlaywrightHandler`.
"""
from __future__ import annotations

import asyncio
import os
from collections.abc import Awaitable
from typing import Any, TypeVar

T = TypeVar("T")

BROWSER_CALL_S = 10.0  # [U] one content/evaluate/screenshot call; a working page answers in well under 1 s
AXE_CALL_S = 30.0  # [U] axe-core over a large page takes a few seconds
ENV = "GOVAUDIT_BROWSER_CALL_S"  # overrides BROWSER_CALL_S (docs/browser.md; the fault tests shorten it)


def call_deadline() -> float:
    return float(os.environ.get(ENV) or BROWSER_CALL_S)


class BrowserDeadline(TimeoutError):
    """A browser call that did not answer within its deadline (the page's main thread is blocked)."""


async def bounded(awaitable: Awaitable[T], seconds: float | None = None, what: str = "browser call") -> T:
    """Await a Playwright call (async API) for at most `seconds` (default `call_deadline()`); BrowserDeadline
    after that."""
    seconds = seconds if seconds is not None else call_deadline()
    try:
        return await asyncio.wait_for(awaitable, seconds)
    except asyncio.TimeoutError:
        raise BrowserDeadline(f"{what}: no answer within {seconds:g} s (the page's main thread is blocked?)") from None


def bounded_sync(obj: Any, method: str, *args: Any, seconds: float | None = None, **kwargs: Any) -> Any:
    """`obj.method(*args, **kwargs)` of Playwright's sync API for at most `seconds`: the sync wrapper runs
    the call's coroutine through its `_sync`, which is wrapped for this one call so that the coroutine runs
    under `asyncio.wait_for` (objects that are not Playwright's — test fakes — are called directly)."""
    sync = getattr(obj, "_sync", None)
    if sync is None or getattr(obj, "_impl_obj", None) is None:
        return getattr(obj, method)(*args, **kwargs)

    def timed(awaitable: Awaitable[Any]) -> Any:
        return sync(bounded(awaitable, seconds, method))

    obj._sync = timed  # noqa: SLF001 - an instance attribute shadowing the method, removed below
    try:
        return getattr(obj, method)(*args, **kwargs)
    finally:
        del obj._sync
