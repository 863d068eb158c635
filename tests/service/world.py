"""A database the service tests share: the demo portal audited as two sites (the county portal and a
department registered on the same server), its users of every role, three evaluations (the judge assigned two of them) and one evidence file.

Built by the real commands (`govaudit audit` over the running demo portal), never by writing results by hand;
only the evidence screenshot of the no-browser audit is planted (the Chromium test takes real ones).
"""
from __future__ import annotations

import contextlib
import struct
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import yaml

from tests.conftest import pg_database, run_cli

AS_OF = "2026-11-27"
SITE_A = "4213000001"  # 示例县人民政府 (the demo portal)
SITE_B = "4213000002"  # a department on the same server
NOT_AUDITED = "4213000099"
SCRIPT_TITLE = "<script>window.__pwned=1</script>假冒标题"
PASSWORD = "correct horse battery"


@dataclass
class World:
    url: str
    out: Path
    tokens: dict[str, str] = field(default_factory=dict)
    evaluations: dict[str, int] = field(default_factory=dict)
    shot: str = ""  # "evidence/<file>" of a finding of SITE_A's run
    shot_run: int = 0

    def auth(self, who: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[who]}"}


@contextlib.contextmanager
def world_on(database: str, tmp: Path) -> Iterator[World]:
    """The world on a fresh database: "sqlite" (a file in tmp) or "postgres" (created, dropped after)."""
    if database == "sqlite":
        yield build_world(f"sqlite:///{tmp / 'govaudit.db'}", tmp)
        return
    with pg_database() as url:
        yield build_world(url, tmp)


def build_world(url: str, tmp: Path, *, browser: bool = False) -> World:
    from demo.portal import start_demo

    out = tmp / "out"
    out.mkdir(parents=True, exist_ok=True)
    with start_demo(date.fromisoformat(AS_OF)) as portal:
        registry = tmp / "sites.yaml"
        base = portal.url
        registry.write_text(yaml.safe_dump({"sites": [
            {"id": SITE_A, "name": portal.portal.name, "url": base, "kind": "portal", "unit": portal.portal.unit,
             "group": "县市区"},
            {"id": SITE_B, "name": "示例县教育局", "url": base, "kind": "department", "unit": "示例县教育局",
             "group": "县直部门"},
        ]}, allow_unicode=True), encoding="utf-8")
        args = ["audit", "--sites", str(registry), "--db", url, "--out", str(out), "--as-of", AS_OF,
                "--allow-private", "--max-pages", "200"]
        proc = run_cli(*args, *([] if browser else ["--no-browser"]), timeout=600)
        assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-3000:]
    world = World(url=url, out=out)
    from storage.session import session_scope
    from storage import users

    with session_scope(url) as s:
        for name, role, sites in [("sup", "supervisor", []), ("eva", "evaluator", []), ("judge", "judge", []),
                                  ("unit_a", "unit", [SITE_A]), ("unit_b", "unit", [SITE_B]),
                                  ("unit_new", "unit", [NOT_AUDITED]), ("gone", "supervisor", [])]:
            _, world.tokens[name] = users.add_user(s, name, role, sites, password=PASSWORD)
        users.revoke(s, "gone")
    _evaluations(world)
    if not browser:
        _plant_evidence(world)
    _plant_script_title(world)
    return world


def _evaluations(world: World) -> None:
    from storage import evaluations as evx
    from storage.session import session_scope
    from storage.vocabulary import beijing_today

    units = [{"site_id": SITE_A, "name": "示例县人民政府", "kind": "portal", "group": "县市区"},
             {"site_id": SITE_B, "name": "示例县教育局", "kind": "department", "group": "县直部门"}]
    with session_scope(world.url) as s:
        world.evaluations["provisional"] = evx.create_evaluation(s, name="2026年度绩效评估（初评）",
                                                                 scheme="national-2019", as_of=date(2026, 11, 27),
                                                                 units=units, by="sup")
        open_id = evx.create_evaluation(s, name="2026年度绩效评估（异议期）", scheme="national-2019",
                                        as_of=date(2026, 11, 27), units=units, by="sup")
        evx.publish(s, open_id, by="sup", on=beijing_today(), window_working_days=5, results=[])
        world.evaluations["objections"] = open_id
        only_b = evx.create_evaluation(s, name="教育局专项评估", scheme="national-2019", as_of=date(2026, 11, 27),
                                       units=units[1:], by="sup")
        world.evaluations["only_b"] = only_b
    from storage import users

    with session_scope(world.url) as s:  # the judge is assigned two of the three; "only_b" is not its
        users.assign(s, "judge", [world.evaluations["provisional"], world.evaluations["objections"]])


def _plant_evidence(world: World) -> None:
    """A screenshot row for SITE_A's first finding page, and the file in the run's evidence folder."""
    from sqlalchemy import select

    from storage import models as m
    from storage.session import session_scope

    with session_scope(world.url) as s:
        run = s.scalars(select(m.Run).where(m.Run.site_id == SITE_A).order_by(m.Run.id.desc())).first()
        finding = s.scalars(select(m.Finding).where(m.Finding.run_id == run.id, m.Finding.page.is_not(None))
                            .order_by(m.Finding.id)).first()
        folder = world.out / SITE_A / "evidence"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "planted.png").write_bytes(_png())
        s.add(m.EvidenceShot(run_id=run.id, url=finding.page, path="evidence/planted.png", kind="page",
                             marks=[], box=[]))
        world.shot, world.shot_run = "evidence/planted.png", run.id


def _plant_script_title(world: World) -> None:
    """A crawled page title carrying a script, as a spam page would (it reaches the dashboard through the
    site name shown beside a finding's message): the department's registered name and a finding message."""
    from sqlalchemy import select

    from storage import models as m
    from storage.session import session_scope

    with session_scope(world.url) as s:
        run = s.scalars(select(m.Run).where(m.Run.site_id == SITE_B).order_by(m.Run.id.desc())).first()
        finding = s.scalars(select(m.Finding).where(m.Finding.run_id == run.id).order_by(m.Finding.id)).first()
        finding.message = f"页面标题：{SCRIPT_TITLE}"
        for page in s.scalars(select(m.Page).where(m.Page.run_id == run.id).limit(1)):
            page.title = SCRIPT_TITLE


def _png() -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    raw = (b"\x00" + bytes((200, 30, 30)) * 8) * 8
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 8, 8, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))
