"""The optional `platform:` key of a site entry (集约化): accepted, validated, unknown keys named."""
from __future__ import annotations

from pathlib import Path

import pytest

from govaudit.registry import RegistryError, load_registry


def test_platform_key_loads(tmp_path: Path) -> None:
    path = tmp_path / "sites.yaml"
    path.write_text("""sites:
  - id: "4213000001"
    name: 示例县人民政府
    url: http://www.example.gov.cn/
    platform:
      name: 示例省政府网站集约化平台
      hosts: ["*.jyh.example.gov.cn"]
      search: ["https://so.example.gov.cn/*"]
      markers: [jyh-footer]
""", encoding="utf-8")
    site = load_registry(path).sites[0]
    assert site.platform.name == "示例省政府网站集约化平台" and site.platform.cnames == []
    assert site.model_dump(mode="json")["platform"]["search"] == ["https://so.example.gov.cn/*"]


def test_platform_unknown_key_names_its_line(tmp_path: Path) -> None:
    path = tmp_path / "sites.yaml"
    path.write_text("""sites:
  - id: "1"
    name: x
    url: http://www.example.gov.cn/
    platform:
      name: p
      marker: [typo]
""", encoding="utf-8")
    with pytest.raises(RegistryError, match=r":7: sites\.0\.platform\.marker: unknown key"):
        load_registry(path)
