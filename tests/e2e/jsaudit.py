"""Auditing the browser fixture sites (tests/crawler/jssite.py) once through the CLI, and reading the result."""
from __future__ import annotations

import json
import sqlite3
import zlib
from dataclasses import dataclass
from pathlib import Path

from demo.server import FixtureServer
from tests.conftest import run_cli
from tests.crawler import jssite

MAIN_ID, WALLED_ID = "9900000001", "9900000002"
BLANK_VARIANCE_FLOOR = 50.0  # a white page has ~0; a page with a heading and text has several hundred


@dataclass
class Audit:
    main: str
    walled: str
    db: Path
    out: Path
    stderr: str

    def q(self, sql: str, *args) -> list[tuple]:
        with sqlite3.connect(self.db) as conn:
            return conn.execute(sql, args).fetchall()

    def page(self, url: str) -> dict:
        rows = self.q("SELECT p.status, p.crawled, p.rendered, p.render_reason, p.flags, "
                      "COALESCE(bb.html_z, b.html_z), p.error FROM page p LEFT JOIN page_body b ON b.page_id = p.id "
                      "LEFT JOIN page_blob pb ON pb.page_id = p.id LEFT JOIN body_blob bb ON bb.hash = pb.hash "
                      "WHERE p.url = ?", url)
        assert rows, f"{url} was not recorded"
        status, crawled, rendered, reason, flags, html_z, error = rows[0]
        return {"status": status, "crawled": bool(crawled), "rendered": bool(rendered), "reason": reason,
                "flags": json.loads(flags), "html": zlib.decompress(html_z).decode() if html_z else "",
                "error": error}

    def findings(self, site_id: str) -> dict:
        return json.loads((self.out / site_id / "findings.json").read_text(encoding="utf-8"))


def audit_js_sites(tmp: Path, *extra: str) -> Audit:
    """Serve both fixture sites and audit them once through the CLI."""
    main = FixtureServer({}, "127.0.0.1").start()
    walled = FixtureServer(jssite.build_walled_site(), "127.0.0.2").start()
    try:
        main._routes = jssite.build_js_site(main.base_url)
        (tmp / "sites.yaml").write_text(jssite.sites_yaml(main.base_url, walled.base_url), encoding="utf-8")
        (tmp / "scheme.yaml").write_text(jssite.SCHEME, encoding="utf-8")
        db = tmp / "audit.db"
        proc = run_cli("audit", "--sites", str(tmp / "sites.yaml"), "--db", f"sqlite:///{db}", "--out",
                       str(tmp / "out"), "--scheme", str(tmp / "scheme.yaml"), "--as-of", jssite.AS_OF.isoformat(),
                       *extra, timeout=240)
        assert proc.returncode == 0, proc.stderr[-3000:]
        return Audit(main.base_url, walled.base_url, db, tmp / "out", proc.stderr)
    finally:
        main.stop()
        walled.stop()


def assert_not_blank(path: Path) -> None:
    from PIL import Image, ImageStat

    assert path.is_file() and 0 < path.stat().st_size <= 1_500_000, path
    with Image.open(path) as img:
        # Page evidence is a 1280-wide JPEG; rules with their own evidence (a 375-wide phone render) keep it.
        assert (img.format, img.width) == ("JPEG", 1280) or (img.format in ("PNG", "JPEG") and img.width >= 300)
        variance = ImageStat.Stat(img.convert("L")).var[0]
    assert variance > BLANK_VARIANCE_FLOOR, f"{path} looks blank (variance {variance:.1f})"
