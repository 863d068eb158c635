"""Which package may import which (../shared/DESIGN.md, docs/ARCHITECTURE.md).

`govaudit/` is the composition root and the only package that imports all four others; `storage`
imports none of ours; `checks` reads storage's facts; `reports` scores and renders; `crawler` gathers
and writes through storage. The demo portal (`demo/`) is neither gathering nor composition: it
imports nothing of ours, and nothing but the composition root, tests and benches import it.
"""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
OURS = {"storage", "checks", "reports", "crawler", "govaudit", "demo"}
ALLOWED = {
    "storage": {"storage"},
    "checks": {"checks", "storage"},
    "reports": {"reports", "storage", "checks"},
    "crawler": {"crawler", "storage"},
    "demo": {"demo"},
    "govaudit": OURS,
}


def _imports(path: Path) -> set[str]:
    """Top-level packages of ours that a module imports (anywhere in it, lazy imports included)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names & OURS


def _modules(package: str):  # noqa: ANN202
    return sorted((ROOT / package).rglob("*.py"))


@pytest.mark.parametrize("package", sorted(ALLOWED))
def test_package_imports_respect_the_layers(package: str) -> None:
    bad = []
    for path in _modules(package):
        extra = _imports(path) - ALLOWED[package]
        if extra:
            bad.append(f"{path.relative_to(ROOT)}: imports {sorted(extra)}")
    assert not bad, "\n".join(bad)


def test_only_the_composition_root_imports_all_four_packages() -> None:
    four = {"storage", "checks", "reports", "crawler"}
    users = {path.relative_to(ROOT).parts[0] for package in OURS for path in _modules(package)
             if four <= _imports(path)}
    assert users <= {"govaudit"}, users
    assert four <= set().union(*(_imports(p) for p in _modules("govaudit")))


# Where storage is written: crawl facts by the one writer, a run's bookkeeping, probe samples, judged results,
# evaluations (their units, scores, objections and results) and problems across runs by their repositories.
WRITERS = {"crawler/writer.py", "storage/runs.py", "storage/probes.py", "reports/judge.py", "storage/evaluations.py",
           "storage/problems.py", "storage/reuse.py", "storage/jobs.py", "storage/users.py",
           "storage/supervision.py",  # monitor baselines, alert deliveries, job leases (issue 16)
           "storage/retention.py"}  # govaudit prune: thinned runs, their rows and orphaned bodies
_SESSION_NAMES = {"session", "db", "s", "conn", "connection"}
_WRITE_METHODS = {"add", "add_all", "merge", "bulk_save_objects", "bulk_insert_mappings", "bulk_update_mappings"}


def _writes(path: Path) -> list[int]:
    """Lines of a module that write through a session or build INSERT/UPDATE/DELETE statements."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    statements = {a.asname or a.name for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)
                  and (node.module or "").startswith("sqlalchemy") for a in node.names
                  if a.name in ("insert", "update", "delete")}
    lines = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        if isinstance(func, ast.Attribute) and func.attr in _WRITE_METHODS and isinstance(func.value, ast.Name) \
                and func.value.id in _SESSION_NAMES:
            lines.append(node.lineno)
        elif isinstance(func, ast.Name) and func.id in statements:
            lines.append(node.lineno)
    return lines


def test_only_the_writer_writes_crawl_facts() -> None:
    bad = []
    for package in ("crawler", "govaudit", "checks", "reports", "storage", "demo"):
        for path in _modules(package):
            rel = str(path.relative_to(ROOT))
            if rel in WRITERS or rel.startswith(("storage/migrations/", "storage/session.py")):
                continue
            bad += [f"{rel}:{line}" for line in _writes(path)]
    assert not bad, f"storage written outside {', '.join(sorted(WRITERS))}:\n" + "\n".join(bad)


def test_the_cli_reaches_gathering_only_through_the_pipeline() -> None:
    def crawler_imports(path: Path) -> set[str]:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        names = {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
        names |= {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module}
        return {n for n in names if n == "crawler" or n.startswith("crawler.")}

    importers = {str(p.relative_to(ROOT / "govaudit")): crawler_imports(p) for p in _modules("govaudit")
                 if crawler_imports(p)}
    # audits go through the pipeline, probe rounds through the monitor; the CLI itself only opens the
    # interactive platform login (which stores a session, it gathers nothing)
    cli = {name: found for name, found in importers.items() if name.startswith("cli/")}
    # re-checks (issue 14) gather only what claimed problems need, through recheck.py; incremental re-audits
    # (issue 16) revalidate inside the pipeline's crawl step, through incremental.py (and partial.py, its partial plan)
    assert set(importers) - set(cli) <= {"pipeline.py", "monitor.py", "recheck.py", "incremental.py",
                                            "partial.py"}, importers
    assert all(found <= {"crawler.platforms.login"} for found in cli.values()), cli
