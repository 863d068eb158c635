"""The queue's pieces without crawling: the URL, the host lock across holders, bad --queue input."""
from __future__ import annotations

import threading
import time
import uuid

import pytest

from govaudit import distributed as d
from tests.conftest import ROOT

pytestmark = pytest.mark.redis


def test_queue_urls_name_redis_and_an_optional_namespace() -> None:
    assert d.parse_url("redis://h:1/2?namespace=region-a") == ("redis://h:1/2", "region-a")
    assert d.parse_url("redis://h:1/2") == ("redis://h:1/2", "govaudit")
    with pytest.raises(d.QueueError, match="not a Redis URL"):
        d.parse_url("amqp://h/")


def test_two_holders_of_one_host_lock_never_overlap_and_a_dead_holder_s_lock_expires(redis_url: str) -> None:
    queue = d.Queue(f"{redis_url}?namespace=t-{uuid.uuid4().hex[:8]}", d.QueueConfig(lock_ttl_s=1.5))
    spans: list[tuple[str, float, float]] = []

    def hold(host: str) -> None:
        with d.host_lock(queue, host):
            start = time.monotonic()
            time.sleep(2.0)  # longer than the TTL: the keeper thread must extend it
            spans.append((host, start, time.monotonic()))

    threads = [threading.Thread(target=hold, args=(h,)) for h in ("a.example", "a.example", "b.example")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    (_, s1, e1), (_, s2, e2) = sorted(x for x in spans if x[0] == "a.example")
    assert s2 >= e1 - 0.01  # the two holders of one host one after the other
    (_, sb, eb), = [x for x in spans if x[0] == "b.example"]
    assert sb < e1 and s1 < eb  # another host alongside
    # A holder that never releases (a killed worker) blocks the host for the TTL only.
    lock = queue.redis.lock(queue.key("host", "c.example"), timeout=1.5)
    assert lock.acquire(blocking=False)
    started = time.monotonic()
    with d.host_lock(queue, "c.example"):
        waited = time.monotonic() - started
    assert 0.5 < waited < 4


def test_a_bad_queue_url_is_a_usage_error_and_nothing_is_written(cli, tmp_path) -> None:  # noqa: ANN001
    sites = tmp_path / "sites.yaml"
    sites.write_text("sites:\n  - {id: a, name: A, url: 'http://127.0.0.9/'}\n", encoding="utf-8")
    db = tmp_path / "x.db"
    r = cli("audit", "--sites", str(sites), "--db", f"sqlite:///{db}", "--queue", "amqp://h/")
    assert r.returncode == 2 and "not a Redis URL" in r.stderr
    r = cli("audit", "--sites", str(sites), "--db", f"sqlite:///{db}", "--queue", "redis://127.0.0.1:1/0")
    assert r.returncode == 2 and "Redis not reachable" in r.stderr
    assert not db.exists()


def test_without_the_queue_extra_queue_commands_say_so_and_write_nothing(cli, tmp_path) -> None:  # noqa: ANN001
    """A plain `pip install .` has no dramatiq: `--queue` and `worker` name the extra, exit 2, no traceback."""
    blocked = tmp_path / "blocked" / "dramatiq"
    blocked.mkdir(parents=True)
    (blocked / "__init__.py").write_text(
        "raise ModuleNotFoundError(\"No module named 'dramatiq'\", name='dramatiq')\n", encoding="utf-8")
    env = {"PYTHONPATH": f"{tmp_path / 'blocked'}:{ROOT}"}
    sites = tmp_path / "sites.yaml"
    sites.write_text("sites:\n  - {id: a, name: A, url: 'http://127.0.0.9/'}\n", encoding="utf-8")
    db = tmp_path / "x.db"
    for args in (("audit", "--sites", str(sites), "--db", f"sqlite:///{db}", "--queue", "redis://127.0.0.1:6379/0"),
                 ("worker", "--queue", "redis://127.0.0.1:6379/0", "--db", f"sqlite:///{db}")):
        r = cli(*args, env=env)
        assert r.returncode == 2, r.stderr[-2000:]
        assert "pip install 'govaudit[queue]'" in r.stderr and "Traceback" not in r.stderr
    assert not db.exists()
