"""Secrets (README "Safety"): a database password is masked in every message and log; session files are
0600 in a 0700 folder from the start."""
from __future__ import annotations

import logging
import stat
from pathlib import Path

from storage.secrets import MaskingFilter, mask_text, mask_url

SECRET = "TopSecret99"


def test_mask_url_forms() -> None:
    assert mask_url(f"postgresql+psycopg://audit:{SECRET}@db:5432/gov") == "postgresql+psycopg://audit:***@db:5432/gov"
    assert mask_url(f"postgresql://audit:pa@ss{SECRET}@db/gov") == "postgresql://audit:***@db/gov"
    assert mask_text(f"host=db password={SECRET} user=a") == "host=db password=*** user=a"
    assert mask_url("sqlite:///govaudit.db") == "sqlite:///govaudit.db"  # nothing to hide: unchanged
    assert mask_url("postgresql://audit@db/gov") == "postgresql://audit@db/gov"


def test_log_records_are_masked() -> None:
    record = logging.LogRecord("x", logging.ERROR, __file__, 1, "cannot store (%s)", (f"postgresql://a:{SECRET}@h/d",), None)
    assert MaskingFilter().filter(record)
    assert SECRET not in record.getMessage() and "a:***@h" in record.getMessage()


def test_failing_db_prints_the_url_masked(cli, tmp_path: Path) -> None:  # noqa: ANN001
    sites = tmp_path / "sites.yaml"
    sites.write_text('sites:\n  - {id: "1", name: x, url: "http://127.0.0.2/"}\n', encoding="utf-8")
    for url in (f"postgresql+psycopg://audit:{SECRET}@127.0.0.1:1/gov", f"nosuchdb://audit:{SECRET}@h/gov"):
        res = cli("audit", "--sites", str(sites), "--db", url, "--no-browser")
        assert res.returncode == 2, res.stderr
        assert SECRET not in res.stderr + res.stdout
        assert "audit:***@" in res.stderr  # the negative control: the URL is still named, masked


def test_session_files_private_from_the_start(tmp_path: Path) -> None:
    from crawler.platforms.login import secure_dir, write_private

    folder = tmp_path / "sessions"
    folder.mkdir(mode=0o755)
    target = write_private(folder / "wechat.json", '{"cookies": []}')
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert stat.S_IMODE(secure_dir(tmp_path / "new").stat().st_mode) == 0o700
