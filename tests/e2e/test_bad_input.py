"""Bad input exits 2 with one message naming file, line and key — and writes nothing."""
from __future__ import annotations

from pathlib import Path

import pytest

GOOD_SITE = """  - id: "4213000001"
    name: 示例县人民政府
    url: http://127.0.0.1:9/
"""

CASES = {
    "unknown_key": ("sites:\n" + GOOD_SITE + "    colums: []\n", ":5: sites.0.colums: unknown key"),
    "wrong_type": ("sites:\n" + GOOD_SITE + "    columns: yes\n", ":5: sites.0.columns"),
    "bad_url": ("sites:\n  - id: a1\n    name: x\n    url: www.example.gov.cn\n", ":4: sites.0.url"),
    "duplicate_id": ("sites:\n" + GOOD_SITE + GOOD_SITE, ":5: sites.1.id: duplicate site id '4213000001'"),
    "bad_kind": ("sites:\n" + GOOD_SITE + "    kind: bureau\n", ":5: sites.0.kind"),
    "bad_column_type": ("sites:\n" + GOOD_SITE + "    columns:\n      - {url: /x/, type: nws}\n", ":6: sites.0.columns.0.type"),
    "top_level_typo": ("site:\n" + GOOD_SITE, "site"),
    "not_yaml": ("sites: [\n", "not valid YAML"),
    "empty_sites": ("sites: []\n", "sites"),
    "bad_id_chars": ("sites:\n  - id: ../etc\n    name: x\n    url: http://a.gov.cn/\n", ":2: sites.0.id"),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_registry_exits_2_and_writes_nothing(case: str, tmp_path: Path, cli) -> None:
    text, needle = CASES[case]
    sites = tmp_path / "sites.yaml"
    sites.write_text(text, encoding="utf-8")
    db = tmp_path / "g.db"
    res = cli("audit", "--sites", str(sites), "--db", f"sqlite:///{db}", "--out", str(tmp_path / "out"))
    assert res.returncode == 2, res.stdout + res.stderr
    message = " ".join(res.stderr.split())
    assert str(sites) in message.replace(" ", "") or sites.name in message
    assert needle in message.replace(f"{sites}", ""), message
    assert not db.exists() and not (tmp_path / "out").exists()


@pytest.mark.parametrize(("args", "needle"), [
    (["--site", "nope"], "--site: not in the registry: nope"),
    (["--as-of", "2026-13-01"], "--as-of"),
    (["--scheme", "national-2099"], "unknown scheme"),
    (["--db", "postgresql+psycopg://nobody@127.0.0.1:1/none"], "cannot open the database"),
])
def test_bad_options_exit_2(args: list[str], needle: str, tmp_path: Path, cli) -> None:
    sites = tmp_path / "sites.yaml"
    sites.write_text("sites:\n" + GOOD_SITE, encoding="utf-8")
    base = ["audit", "--sites", str(sites), "--out", str(tmp_path / "out")]
    if "--db" not in args:
        base += ["--db", f"sqlite:///{tmp_path / 'g.db'}"]
    res = cli(*base, *args)
    assert res.returncode == 2, res.stderr
    assert needle in " ".join(res.stderr.split())
    assert not (tmp_path / "out").exists()


def test_missing_registry_file_and_unknown_run(tmp_path: Path, cli) -> None:
    res = cli("audit", "--sites", str(tmp_path / "nope.yaml"), "--db", f"sqlite:///{tmp_path / 'g.db'}")
    assert res.returncode == 2 and "cannot read" in res.stderr
    res = cli("check", "--run", "999", "--db", f"sqlite:///{tmp_path / 'g.db'}")
    assert res.returncode == 2 and "999" in res.stderr
    res = cli("audit")
    assert res.returncode == 2
