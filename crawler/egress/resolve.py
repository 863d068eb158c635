"""One lookup per name per process, and the answer is what gets connected (no DNS rebinding).

Every fetch path resolves here: the Scrapy downloader (`crawler.egress.twisted`), the browser's proxy
(`crawler.egress.proxy`), `safe_fetch` and the site's policy itself. The first answer for a name is
pinned for the life of the process, so the address a policy checked is the address a connection uses
even when the name's next answer would point inward. A failed lookup is pinned as a failure too (fail
closed: nothing is connected, the fetch reports a DNS failure).

Tests inject a hosts map with `GOVAUDIT_TEST_HOSTS` (inline JSON or a path to a JSON file):
`{"inward.test": "127.0.0.9", "both.test": ["203.0.113.7", "127.0.0.9"],
  "rebind.test": {"answers": [["203.0.113.7"], ["127.0.0.9"]]}}` — a name with `answers` gives the next
answer on each lookup that is not pinned (what a rebinding name does); names not in the map go to the
system resolver. It is for tests only; operators have no reason to set it.
"""
from __future__ import annotations

import json
import os
import socket
import threading
from pathlib import Path

from crawler.egress import LookupFailed, parse_address

TEST_HOSTS_ENV = "GOVAUDIT_TEST_HOSTS"

_lock = threading.Lock()
_pins: dict[str, tuple[str, ...] | LookupFailed] = {}
_inflight: dict[str, threading.Event] = {}
_test_cursor: dict[str, int] = {}
_test_map: tuple[str, dict] | None = None


def _hosts_map() -> dict:
    global _test_map
    raw = os.environ.get(TEST_HOSTS_ENV, "")
    if not raw:
        return {}
    if _test_map is None or _test_map[0] != raw:
        text = raw if raw.lstrip().startswith("{") else Path(raw).read_text(encoding="utf-8")
        _test_map = (raw, {k.lower().rstrip("."): v for k, v in json.loads(text).items()})
    return _test_map[1]


def lookup_unpinned(host: str) -> tuple[str, ...]:
    """One fresh lookup (the test map, else the system resolver); LookupFailed when there is no answer."""
    name = host.strip("[]").lower().rstrip(".")
    literal = parse_address(name)
    if literal is not None:
        return (str(literal),)
    entry = _hosts_map().get(name)
    if entry is not None:
        if isinstance(entry, dict):
            answers = entry.get("answers") or [[]]
            with _lock:
                i = _test_cursor.get(name, 0)
                _test_cursor[name] = i + 1
            answer = answers[min(i, len(answers) - 1)]
        else:
            answer = entry
        answer = [answer] if isinstance(answer, str) else list(answer)
        if not answer:
            raise LookupFailed(f"{name}: no address (test hosts map)")
        return tuple(str(parse_address(a) or a) for a in answer)
    try:
        infos = socket.getaddrinfo(name, None, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as exc:
        raise LookupFailed(f"{name}: {exc}") from None
    addresses = tuple(dict.fromkeys(str(parse_address(i[4][0]) or i[4][0]) for i in infos))
    if not addresses:
        raise LookupFailed(f"{name}: no address")
    return addresses


def resolve(host: str) -> list[str]:
    """The pinned addresses of a name (resolved once per process); LookupFailed, pinned too, when none."""
    name = host.strip("[]").lower().rstrip(".")
    while True:
        with _lock:
            pinned = _pins.get(name)
            if pinned is None:
                event = _inflight.get(name)
                if event is None:
                    event = _inflight[name] = threading.Event()
                    mine = True
                else:
                    mine = False
        if pinned is not None:
            if isinstance(pinned, LookupFailed):
                raise LookupFailed(str(pinned))
            return list(pinned)
        if not mine:
            event.wait(30)
            continue
        try:
            result: tuple[str, ...] | LookupFailed = lookup_unpinned(name)
        except LookupFailed as exc:
            result = exc
        except Exception as exc:  # noqa: BLE001 - any failure of a lookup is a failure to resolve
            result = LookupFailed(f"{name}: {type(exc).__name__}: {exc}")
        with _lock:
            _pins[name] = result
            _inflight.pop(name, None)
        event.set()


def forget() -> None:
    """Drop every pin (tests)."""
    global _test_map
    with _lock:
        _pins.clear()
        _test_cursor.clear()
        _test_map = None
