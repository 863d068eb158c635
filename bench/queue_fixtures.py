"""Fixtures of the distributed-audit tests and bench: generated sites on their own loopback hosts,
`govaudit worker` processes, a private Redis server, a TCP relay standing for a reachable PostgreSQL."""
from __future__ import annotations

import os
import random
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import yaml

from bench.bigsite import build_big_site
from demo.server import FixtureServer

ROOT = Path(__file__).resolve().parents[1]
# Short timings so a lost worker is noticed in seconds (production defaults: docs/scale.md).
FAST = {"GOVAUDIT_QUEUE_HEARTBEAT_MS": "4000", "GOVAUDIT_QUEUE_MAINTENANCE": "1000000",
        "GOVAUDIT_HOST_LOCK_TTL_S": "4", "GOVAUDIT_QUEUE_BACKOFF_MS": "1000", "GOVAUDIT_QUEUE_MAX_BACKOFF_MS": "3000",
        "GOVAUDIT_QUEUE_RETRIES": "6"}


def env(**extra: str) -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(ROOT), **FAST, **extra}


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def loopback_host() -> str:
    """A loopback address of its own (host locks are per host name)."""
    return f"127.{random.randint(20, 250)}.{random.randint(0, 255)}.{random.randint(2, 250)}"


class Sites:
    """`count` generated sites of `pages` pages, each on its own loopback host, and their sites.yaml."""

    def __init__(self, tmp: Path, count: int, pages: int, missing: int = 10, links_per_page: int = 20) -> None:
        self.servers: list[FixtureServer] = []
        self.missing: dict[str, set[str]] = {}
        entries = []
        for i in range(count):
            site = FixtureServer({}, host=loopback_host()).start()
            external = FixtureServer({}, host=loopback_host()).start()
            routes, ext_routes, expected = build_big_site(site.base_url, external.base_url, pages, links_per_page,
                                                          missing, seed=1000 + i)
            for path, route in routes.items():
                site.add(path, route)
            for path, route in ext_routes.items():
                external.add(path, route)
            self.servers += [site, external]
            sid = f"site{i:02d}"
            self.missing[sid] = expected
            entries.append({"id": sid, "name": f"测试站点{i}", "url": site.base_url + "/", "kind": "portal"})
        self.ids = [e["id"] for e in entries]
        self.yaml = tmp / "sites.yaml"
        self.yaml.write_text(yaml.safe_dump({"sites": entries}, allow_unicode=True, sort_keys=False), encoding="utf-8")

    def stop(self) -> None:
        for s in self.servers:
            s.stop()


def queue_url(port: int = 6379, db: int = 15, redis_url: str | None = None) -> str:
    """A queue URL with a namespace of its own (tests and benches share one Redis)."""
    base = redis_url or f"redis://127.0.0.1:{port}/{db}"
    return f"{base}?namespace=t-{uuid.uuid4().hex[:8]}"


def start_worker(queue: str, db_url: str, tmp: Path, name: str, concurrency: int = 1,
                 extra_env: dict | None = None) -> subprocess.Popen:
    log = open(tmp / f"{name}.log", "w")  # noqa: SIM115 - closed with the process
    return subprocess.Popen([sys.executable, "-m", "govaudit", "worker", "--queue", queue, "--db", db_url,
                             "--concurrency", str(concurrency), "--out", str(tmp / f"out-{name}")],
                            cwd=ROOT, env=env(**(extra_env or {})), stdout=log, stderr=subprocess.STDOUT)


def start_audit(sites: Path, queue: str, db_url: str, out: Path, *more: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "govaudit", "audit", "--sites", str(sites), "--queue", queue,
                             "--db", db_url, "--out", str(out), "--no-browser", "--as-of", "2026-12-01", *more],
                            cwd=ROOT, env=env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def stop(proc: subprocess.Popen, timeout: float = 20) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def until(predicate, timeout: float, what: str, every: float = 0.3):  # noqa: ANN001, ANN201
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(every)
    raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")


class RedisServer:
    """A private redis-server on a free port with an append-only file (a restart keeps the queue)."""

    def __init__(self, tmp: Path) -> None:
        self.dir = tmp / "redis"
        self.dir.mkdir(exist_ok=True)
        self.port = free_port()
        self.proc: subprocess.Popen | None = None

    def start(self) -> RedisServer:
        self.proc = subprocess.Popen(["redis-server", "--port", str(self.port), "--bind", "127.0.0.1",
                                      "--dir", str(self.dir), "--appendonly", "yes", "--appendfsync", "always",
                                      "--save", "", "--protected-mode", "no"],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        until(lambda: _connects(self.port), 10, "redis-server to listen")
        return self

    def kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()  # SIGKILL: no shutdown save; the append-only file has every write
            self.proc.wait()


def _connects(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


class Relay:
    """A TCP relay to PostgreSQL on a port of its own: closed (the database unreachable) until `open()`."""

    def __init__(self, target: tuple[str, int] = ("127.0.0.1", 5432)) -> None:
        self.target = target
        self.port = free_port()
        self._sock: socket.socket | None = None

    def open(self) -> None:
        sock = socket.socket()
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", self.port))
        sock.listen(64)
        self._sock = sock
        threading.Thread(target=self._accept, daemon=True).start()

    def close(self) -> None:
        if self._sock is not None:
            self._sock.close()
            self._sock = None

    def _accept(self) -> None:
        while self._sock is not None:
            try:
                client, _ = self._sock.accept()
            except OSError:
                return
            upstream = socket.create_connection(self.target)
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=_pipe, args=(a, b), daemon=True).start()


def _pipe(a: socket.socket, b: socket.socket) -> None:
    try:
        while data := a.recv(65536):
            b.sendall(data)
    except OSError:
        pass
    finally:
        for s in (a, b):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
