"""sites.yaml `columns:` overrides: type, name and the optional level (docs/columns.md)."""
from __future__ import annotations

from pathlib import Path

import pytest

from govaudit.registry import RegistryError, load_registry


def _write(tmp_path: Path, columns: str) -> Path:
    path = tmp_path / "sites.yaml"
    path.write_text("sites:\n  - id: \"4213000001\"\n    name: 示例县人民政府\n    url: http://www.example.gov.cn/\n"
                    f"    columns:\n{columns}", encoding="utf-8")
    return path


def test_level_is_optional_and_one_or_two(tmp_path: Path) -> None:
    reg = load_registry(_write(tmp_path, "      - {url: /zwgk/tzgg/, type: notice, level: 1}\n"
                                         "      - {url: /xwzx/, type: news}\n"))
    cols = reg.sites[0].columns
    assert [(c.url, c.type, c.level) for c in cols] == [("/zwgk/tzgg/", "notice", 1), ("/xwzx/", "news", None)]


def test_bad_level_names_the_key(tmp_path: Path) -> None:
    with pytest.raises(RegistryError, match=r"sites\.0\.columns\.0\.level"):
        load_registry(_write(tmp_path, "      - {url: /zwgk/tzgg/, type: notice, level: 3}\n"))
