"""Distributed audits: one Dramatiq job per site on a Redis broker, run by `govaudit worker`s that all
write to one database (docs/scale.md).

- `enqueue()` (`govaudit audit --queue URL`) sends one message per site and `wait()` follows the
  batch's status hash in Redis until every site is done or has failed for good.
- A worker (`run_worker()`) takes messages with Dramatiq's Redis broker: a message is acknowledged only
  after its job returned, a failed job is retried with exponential backoff, and the messages of a worker
  whose heartbeat stopped (killed, cut off) go back to the queue for another worker.
- A job (`_job()`) first holds the site host's lock in Redis (two workers never crawl one host at once;
  the lock expires unless its holder keeps extending it), then runs the site in a fresh interpreter
  (`python -m govaudit.distributed`, one Scrapy reactor per process, ending with the worker if it is
  killed), which calls `pipeline.audit_site()` — the one audit.
- A job is idempotent by its key: a complete run of the key ends it at once (a redelivered message of a
  job that had finished); runs of the key still `running` belong to a lost attempt (the live one
  would hold the host lock) and are marked `interrupted` (`storage.jobs`).

Dramatiq and redis are the optional extra `queue` (`pip install 'govaudit[queue]'`); nothing else
imports this module.
"""
from __future__ import annotations

import json
import logging
import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

log = logging.getLogger(__name__)

QUEUE = "govaudit"
ACTOR = "audit_site_job"
FINAL = ("done", "failed")
# What a job does (its payload's `kind`; a payload without one is an audit). Audits and re-checks crawl:
# they hold the host's lock; a probe is one request for the homepage and never waits behind a crawl
# (an availability sample taken hours late is not the sample asked for).
KINDS = ("audit", "probe", "recheck")
CRAWLING = ("audit", "recheck")


def _env(name: str, default: float) -> float:
    return float(os.environ.get(name) or default)


@dataclass(frozen=True)
class QueueConfig:
    """Timings of the queue (environment overrides: the tests shorten them)."""

    heartbeat_ms: int = int(_env("GOVAUDIT_QUEUE_HEARTBEAT_MS", 60_000))  # a silent worker is dead after this
    maintenance: int = int(_env("GOVAUDIT_QUEUE_MAINTENANCE", 50_000))  # per million broker calls: requeue the dead's
    lock_ttl_s: float = _env("GOVAUDIT_HOST_LOCK_TTL_S", 60)  # a host lock not extended for this long expires
    retries: int = int(_env("GOVAUDIT_QUEUE_RETRIES", 5))
    min_backoff_ms: int = int(_env("GOVAUDIT_QUEUE_BACKOFF_MS", 15_000))
    max_backoff_ms: int = int(_env("GOVAUDIT_QUEUE_MAX_BACKOFF_MS", 600_000))
    time_limit_ms: int = int(_env("GOVAUDIT_QUEUE_TIME_LIMIT_MS", 24 * 3600 * 1000))


class QueueError(Exception):
    """The queue URL is unusable (bad scheme, unreachable): a usage error."""


class JobFailed(Exception):
    """A job's audit did not complete; Dramatiq retries it."""


# --- the queue URL, the broker, the status hash ---------------------------------------------------
def parse_url(url: str) -> tuple[str, str]:
    """`redis://host:port/db[?namespace=NAME]` → (Redis URL, namespace); namespaces separate regions or
    tests sharing one Redis."""
    parts = urlsplit(url)
    if parts.scheme not in ("redis", "rediss"):
        raise QueueError(f"--queue {url}: not a Redis URL (redis://host:port/db)")
    query = dict(parse_qsl(parts.query))
    namespace = query.pop("namespace", "govaudit")
    return urlunsplit(parts._replace(query=urlencode(query))), namespace


class Queue:
    """The broker, its one actor and the status store of one queue URL."""

    def __init__(self, url: str, config: QueueConfig | None = None, job: Callable[..., Any] | None = None) -> None:
        import dramatiq
        import redis
        from dramatiq.brokers.redis import RedisBroker
        from dramatiq.middleware import CurrentMessage

        self.url = url
        self.config = config or QueueConfig()
        redis_url, self.namespace = parse_url(url)
        self.redis = redis.Redis.from_url(redis_url, socket_timeout=10, socket_connect_timeout=5,
                                          health_check_interval=10)
        self.broker = RedisBroker(url=redis_url, namespace=f"{self.namespace}:dramatiq",
                                  heartbeat_timeout=self.config.heartbeat_ms,
                                  maintenance_chance=self.config.maintenance)
        self.broker.add_middleware(CurrentMessage())
        dramatiq.set_broker(self.broker)
        self.actor = dramatiq.actor(job or _not_a_worker, broker=self.broker, actor_name=ACTOR, queue_name=QUEUE,
                                    max_retries=self.config.retries, min_backoff=self.config.min_backoff_ms,
                                    max_backoff=self.config.max_backoff_ms, time_limit=self.config.time_limit_ms)

    def key(self, *parts: str) -> str:
        return ":".join((self.namespace, *parts))

    def ping(self) -> None:
        import redis

        try:
            self.redis.ping()
        except redis.RedisError as exc:
            raise QueueError(f"--queue {self.url}: Redis not reachable: {exc}") from None

    def set_status(self, batch: str, site_id: str, **status: Any) -> None:
        """Record a site's state in its batch's hash; waits out a Redis restart (up to about a minute)."""
        value = json.dumps({**status, "at": time.time()}, ensure_ascii=False)
        _retrying(lambda: self.redis.hset(self.key("batch", batch), site_id, value))

    def statuses(self, batch: str) -> dict[str, dict]:
        raw = self.redis.hgetall(self.key("batch", batch))
        return {k.decode(): json.loads(v) for k, v in raw.items()}


def _retrying(call: Callable[[], Any], attempts: int = 30, pause_s: float = 2.0) -> Any:
    import redis

    for attempt in range(attempts):
        try:
            return call()
        except (redis.ConnectionError, redis.TimeoutError):
            if attempt == attempts - 1:
                raise
            time.sleep(pause_s)
    return None


def _not_a_worker(payload: dict) -> None:  # the submitter's stand-in; it never runs jobs
    raise RuntimeError("jobs run in govaudit worker")


# --- submitting and waiting -----------------------------------------------------------------------
def job_payloads(sites: list[dict], options: dict, batch: str | None = None,
                 kind: str = "audit") -> tuple[str, list[dict]]:
    """One payload per site: the registry entry, the job's kind and options (JSON) and the job's key."""
    if kind not in KINDS:
        raise ValueError(f"job kind {kind!r}: one of {', '.join(KINDS)}")
    batch = batch or time.strftime("%Y%m%dT%H%M%S") + "-" + uuid.uuid4().hex[:6]
    return batch, [{"batch": batch, "key": f"{batch}:{s['id']}", "kind": kind, "site": s, "options": options}
                   for s in sites]


def enqueue(queue: Queue, sites: list[dict], options: dict, kind: str = "audit") -> str:
    """Send one job per site; returns the batch id."""
    batch, payloads = job_payloads(sites, options, kind=kind)
    for p in payloads:
        queue.set_status(batch, p["site"]["id"], state="queued")
        queue.actor.send(p)
    return batch


def wait(queue: Queue, batch: str, site_ids: list[str], on_change: Callable[[dict[str, dict]], None] | None = None,
         poll_s: float = 1.0) -> dict[str, dict]:
    """Follow the batch until every site is done or failed for good; survives a Redis restart."""
    import redis

    last: dict[str, dict] = {}
    while True:
        try:
            current = queue.statuses(batch)
        except (redis.ConnectionError, redis.TimeoutError):
            time.sleep(poll_s)
            continue
        if current != last and on_change is not None:
            on_change(current)
        last = current
        if all(current.get(s, {}).get("state") in FINAL for s in site_ids):
            return current
        time.sleep(poll_s)


# --- the worker -----------------------------------------------------------------------------------
@dataclass
class WorkerSettings:
    db_url: str
    out: Path
    concurrency: int = 1


def run_worker(url: str, settings: WorkerSettings, stop: threading.Event | None = None) -> None:
    """Take jobs until SIGTERM/SIGINT (or `stop`); each worker thread runs one site at a time."""
    from dramatiq import Worker

    from storage.runs import reap_stale_runs

    queue = Queue(url, job=lambda payload: _job(queue, settings, payload))
    queue.ping()
    try:  # runs of processes killed earlier (on this machine or silent) end interrupted
        reap_stale_runs(settings.db_url)
    except Exception as exc:  # noqa: BLE001 - e.g. no schema yet (the submitter creates it): each job reaps too
        log.warning("stale-run reaper skipped at worker start: %s", str(exc).splitlines()[0][:200])
    worker = Worker(queue.broker, queues={QUEUE}, worker_threads=settings.concurrency)
    worker.queue_prefetch = settings.concurrency  # no job waits behind a busy thread while another worker idles
    stop = stop or threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    worker.start()
    log.warning("govaudit worker %s: %d thread(s) on %s, writing to %s", os.getpid(), settings.concurrency,
                queue.namespace, settings.db_url.split("@")[-1])
    try:
        stop.wait()
    finally:
        worker.stop(timeout=10_000)


def _job(queue: Queue, settings: WorkerSettings, payload: dict) -> None:
    """One site's audit, probe or re-check as a queue job (see the module's docstring)."""
    from dramatiq.middleware import CurrentMessage

    message = CurrentMessage.get_current_message()
    retries = (message.options.get("retries", 0) if message else 0)
    batch, key, site = payload["batch"], payload["key"], payload["site"]
    kind = payload.get("kind", "audit")
    done_key = queue.key("done", key)
    if kind == "probe":  # a probe leaves no run to find: a redelivered probe that was taken is not taken twice
        earlier = _retrying(lambda: queue.redis.get(done_key))
        if earlier:
            queue.set_status(batch, site["id"], **json.loads(earlier))
            return
    attempt = int(_retrying(lambda: queue.redis.incr(queue.key("attempts", key))))
    worker = f"{os.uname().nodename}:{os.getpid()}"
    host = urlsplit(site["url"]).hostname or site["url"]
    queue.set_status(batch, site["id"], state="waiting", kind=kind, attempt=attempt, worker=worker)
    try:
        with host_lock(queue, host) if kind in CRAWLING else nullcontext():
            queue.set_status(batch, site["id"], state="running", kind=kind, attempt=attempt, worker=worker)
            result = _run_child({**payload, "db": settings.db_url, "out": str(settings.out)})
    except Exception as exc:
        final = retries >= queue.config.retries
        queue.set_status(batch, site["id"], state="failed" if final else "retrying", attempt=attempt, worker=worker,
                         error=f"{type(exc).__name__}: {exc}"[:2000])
        log.warning("job %s attempt %d failed%s: %s", key, attempt, " for good" if final else ", will retry", exc)
        raise
    status = {"state": "done", "kind": kind, "attempt": attempt, "worker": worker, "run": result.get("run_id"),
              "abandoned": result.get("abandoned", []), "reused": result.get("reused", False),
              **{k: result[k] for k in ("probe", "nothing") if k in result}}
    if kind == "probe":
        _retrying(lambda: queue.redis.set(done_key, json.dumps(status, ensure_ascii=False), ex=7 * 24 * 3600))
    queue.set_status(batch, site["id"], **status)


@contextmanager
def host_lock(queue: Queue, host: str) -> Iterator[None]:
    """Hold `host`'s lock (across workers) while the body runs: wait for it, keep extending it from a
    thread, release it after. A holder that dies stops extending it and it expires after the TTL."""
    import redis
    from redis.exceptions import LockError

    lock = queue.redis.lock(queue.key("host", host), timeout=queue.config.lock_ttl_s, thread_local=False)
    while True:
        try:
            if lock.acquire(blocking=False):
                break
        except (redis.ConnectionError, redis.TimeoutError):
            pass
        time.sleep(0.5)
    done = threading.Event()

    def extend() -> None:
        while not done.wait(queue.config.lock_ttl_s / 3):
            try:
                lock.reacquire()
            except (redis.ConnectionError, redis.TimeoutError):
                continue
            except LockError:
                log.warning("lost the lock of host %s (expired while Redis was away?)", host)
                return

    keeper = threading.Thread(target=extend, name=f"lock-{host}", daemon=True)
    keeper.start()
    try:
        yield
    finally:
        done.set()
        keeper.join()
        try:
            lock.release()
        except (LockError, redis.RedisError):
            pass


def _run_child(payload: dict) -> dict:
    """Run the job in a fresh interpreter; its last stdout line is the result (JSON)."""
    env = {**os.environ, "GOVAUDIT_JOB_PARENT": str(os.getpid())}
    proc = subprocess.Popen([sys.executable, "-m", "govaudit.distributed"], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    out, err = proc.communicate(json.dumps(payload, ensure_ascii=False))
    lines = [line for line in out.splitlines() if line.startswith("{")]
    if proc.returncode != 0 or not lines:
        tail = " | ".join(err.strip().splitlines()[-3:])
        raise JobFailed(f"the audit process exited {proc.returncode}: {tail}")
    result = json.loads(lines[-1])
    if result["state"] != "complete":
        raise JobFailed(f"run {result['run_id']} ended {result['state']}: {result.get('error')}")
    return result


# --- the job's own process ------------------------------------------------------------------------
def options_payload(options: Any) -> dict:
    """An `AuditOptions` as JSON (what a worker needs to run the same audit)."""
    return {"as_of": options.as_of.isoformat(), "scheme": options.scheme.ref, "max_pages": options.max_pages,
            "max_depth": options.max_depth, "browser": options.browser, "allow_private": options.allow_private,
            "user_agent": options.user_agent, "platforms": options.platforms or {},
            "registry_dir": str(options.registry_dir), "full": bool(getattr(options, "full", False))}


def probe_payload(timeout_s: float, user_agent: str | None, canaries: list[str]) -> dict:
    """A probe job's options: as `govaudit probe` takes one round."""
    return {"timeout_s": timeout_s, "user_agent": user_agent, "canaries": list(canaries)}


def recheck_payload(as_of: Any, scheme: str | None, browser: bool | None, platforms: dict) -> dict:
    """A re-check job's options: as `govaudit recheck` re-checks one site."""
    return {"as_of": as_of.isoformat(), "scheme": scheme, "browser": browser, "platforms": platforms or {}}


def run_job_here(payload: dict) -> dict:
    """The job's body (in its own process). A probe takes one sample of the homepage. An audit or a
    re-check ends at once if an attempt completed it, marks lost attempts interrupted, then runs
    `audit_site()` / `recheck_site()`."""
    from govaudit.registry import SiteEntry
    from storage.jobs import abandon_attempts, completed_run

    db, key, entry, o = payload["db"], payload["key"], payload["site"], payload["options"]
    kind = payload.get("kind", "audit")
    if kind == "probe":
        from govaudit.monitor import probe_rounds

        records: list = []
        probe_rounds([SiteEntry.model_validate(entry)], db, float(o["timeout_s"]), None, None, o.get("user_agent"),
                     report=records.extend, canaries=o.get("canaries") or [])
        r = records[0]
        return {"state": "complete", "probe": {"status": r.status, "error": r.error, "total_ms": r.total_ms,
                                               "final_url": r.final_url}}
    done = completed_run(db, entry["id"], key)
    if done is not None:
        return {"run_id": done, "state": "complete", "reused": True}
    abandoned = abandon_attempts(db, entry["id"], key)
    if kind == "recheck":
        return {**_recheck_here(db, key, entry, o, Path(payload["out"])), "abandoned": abandoned}
    from datetime import date

    from govaudit.pipeline import AuditOptions, audit_site
    from reports.scheme import load_scheme

    options = AuditOptions(db_url=db, out=Path(payload["out"]), as_of=date.fromisoformat(o["as_of"]),
                           scheme=load_scheme(o["scheme"]), max_pages=o["max_pages"], max_depth=o["max_depth"],
                           browser=o["browser"], allow_private=o["allow_private"], user_agent=o.get("user_agent"),
                           platforms=o.get("platforms") or {}, registry_dir=Path(o.get("registry_dir") or "."),
                           job=key, full=bool(o.get("full")))
    result = audit_site(SiteEntry.model_validate(entry), options)
    return {"run_id": result.run_id, "state": result.state, "error": result.error, "abandoned": abandoned}


def _recheck_here(db: str, key: str, entry: dict, o: dict, out: Path) -> dict:
    from datetime import date

    from govaudit.recheck import NothingToRecheck, recheck_site
    from reports.scheme import load_scheme

    try:
        doc = recheck_site(db, entry["id"], out=out / "recheck", as_of=date.fromisoformat(o["as_of"]),
                           scheme=load_scheme(o["scheme"]) if o.get("scheme") else None, browser=o.get("browser"),
                           platforms=o.get("platforms") or None, site_entry=entry, job=key)
    except NothingToRecheck as exc:  # nothing claimed fixed: done, not failed
        return {"state": "complete", "nothing": str(exc)}
    return {"run_id": doc["run"]["id"], "state": doc["run"].get("state", "complete"), "error": doc["run"].get("error")}


def _end_with(parent: int) -> None:
    """End this process once the worker that started it is gone (as crawler.lifeline does for the crawl's
    children: this module reaches gathering only through the pipeline)."""
    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(1)

    threading.Thread(target=watch, name="worker-watchdog", daemon=True).start()


def _main() -> None:
    logging.basicConfig(level=os.environ.get("GOVAUDIT_LOG_LEVEL", "WARNING").upper(), stream=sys.stderr)
    parent = os.environ.get("GOVAUDIT_JOB_PARENT")
    if parent:
        _end_with(int(parent))  # a killed worker takes its audit with it
    result = run_job_here(json.loads(sys.stdin.read()))
    sys.stdout.write("\n" + json.dumps(result) + "\n")


if __name__ == "__main__":
    _main()
