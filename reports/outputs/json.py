"""findings.json and summary.json writers, and validation against the govaudit.findings/1 schema."""
from __future__ import annotations

import json
import os
import secrets
from functools import cache
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator

from reports.outputs.summary import rank

SCHEMA_PATH = Path(__file__).resolve().parent.parent / "schema" / "findings.schema.json"
SUMMARY_SCHEMA = "govaudit.summary/1"
_MAX_LISTED_ERRORS = 20

# Key order of CONTRACT.md §4, so the files read the same way the contract does; keys not
# listed here (later optional additions) follow in their original order.
_ORDER: dict[str, tuple[str, ...]] = {
    "doc": ("schema", "site", "run", "score", "rules", "findings", "generator"),
    "site": ("id", "name", "url"),
    "run": ("id", "as_of", "started_at", "finished_at", "pages"),
    "score": ("scheme", "total", "vetoed", "grade", "vetoes", "veto_indicators", "undecided_vetoes",
              "indicators"),
    "indicator": ("id", "name", "kind", "status", "deducted", "cap", "findings"),
    "rule": ("rule", "name_zh", "status", "findings", "reason"),
    "finding": ("rule", "name_zh", "indicator", "subject", "severity", "page", "message", "evidence",
                "screenshot"),
}


@cache
def _validator() -> Draft202012Validator:
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    # The format checker makes "format": "date" bite, so as_of 2022-13-40 is rejected.
    return Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)


def validate(doc: dict[str, Any]) -> None:
    """Raise ValueError listing every place where doc breaks the govaudit.findings/1 schema."""
    errors = sorted(_validator().iter_errors(doc), key=lambda e: [str(p) for p in e.absolute_path])
    if not errors:
        return
    lines = [f"  - at /{'/'.join(str(p) for p in e.absolute_path)}: {e.message}"
             for e in errors[:_MAX_LISTED_ERRORS]]
    if len(errors) > _MAX_LISTED_ERRORS:
        lines.append(f"  … and {len(errors) - _MAX_LISTED_ERRORS} more")
    raise ValueError(f"findings document does not match govaudit.findings/1 ({len(errors)} errors):\n"
                     + "\n".join(lines))


def _ordered(obj: dict[str, Any], kind: str) -> dict[str, Any]:
    first = [k for k in _ORDER[kind] if k in obj]
    return {k: obj[k] for k in first + [k for k in obj if k not in first]}


def canonical(doc: dict[str, Any]) -> dict[str, Any]:
    """A copy of doc with keys in contract order (values untouched)."""
    out = _ordered(doc, "doc")
    out["site"] = _ordered(doc["site"], "site")
    out["run"] = _ordered(doc["run"], "run")
    out["score"] = _ordered(doc["score"], "score")
    out["score"]["indicators"] = [_ordered(i, "indicator") for i in doc["score"]["indicators"]]
    out["rules"] = [_ordered(r, "rule") for r in doc["rules"]]
    out["findings"] = [_ordered(f, "finding") for f in doc["findings"]]
    return out


def site_dir(doc: dict[str, Any], out_dir: Path) -> Path:
    """OUT/<site-id>/, created if needed (the schema keeps the id free of path separators)."""
    path = Path(out_dir) / doc["site"]["id"]
    path.mkdir(parents=True, exist_ok=True)
    return path


def atomic_write(path: Path, data: bytes) -> Path:
    """Write data to path through a temporary file, so readers never see a half-written report."""
    # open(..., "xb") rather than mkstemp: mkstemp's 0600 would hide reports from other readers.
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
    try:
        with open(tmp, "xb") as fh:
            fh.write(data)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return path


def _dump(obj: Any) -> bytes:
    return (json.dumps(obj, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def write_findings(doc: dict[str, Any], out_dir: Path) -> Path:
    """Validate doc and write OUT/<site-id>/findings.json (UTF-8, keys in contract order)."""
    validate(doc)
    return atomic_write(site_dir(doc, out_dir) / "findings.json", _dump(canonical(doc)))


def summary(docs: list[dict[str, Any]]) -> dict[str, Any]:
    """The govaudit.summary/1 document: run ids and the ranked sites."""
    return {
        "schema": SUMMARY_SCHEMA,
        "generated_from": [d["run"]["id"] for d in docs],
        "sites": rank(docs),
    }


def write_summary(docs: list[dict[str, Any]], out_dir: Path) -> Path:
    """Validate every doc and write OUT/summary.json with all sites ranked."""
    for doc in docs:
        validate(doc)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    return atomic_write(out_dir / "summary.json", _dump(summary(docs)))
