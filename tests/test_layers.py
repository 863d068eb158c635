"""Which package may import which (DESIGN.md): only crawler.cli imports all four."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
ALLOWED = {
    "storage": {"storage"},
    "checks": {"checks", "storage"},
    "reports": {"reports", "storage", "checks"},
    "crawler": {"crawler", "storage"},
}


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names & set(ALLOWED)


@pytest.mark.parametrize("package", sorted(ALLOWED))
def test_package_imports_respect_the_layers(package: str) -> None:
    bad = []
    for path in (ROOT / package).rglob("*.py"):
        rel = path.relative_to(ROOT)
        if rel.parts[:2] == ("crawler", "cli"):
            continue  # the composition root
        extra = _imports(path) - ALLOWED[package]
        if extra:
            bad.append(f"{rel}: imports {sorted(extra)}")
    assert not bad, "\n".join(bad)
