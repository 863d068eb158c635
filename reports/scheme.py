"""Scoring schemes as data: load, `extends`, resolve `{param}` references, validate."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from checks.registry import get_rules

SCHEMES_DIR = Path(__file__).parent / "schemes"
_REF = re.compile(r"^\{([\w.]+)\}$")


class SchemeError(ValueError):
    """A scheme file is wrong; the message names the file and the key."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class DeductCase(_Strict):
    rules: list[str] | None = None  # default: any of the indicator's rules
    where: dict[str, Any] = Field(default_factory=dict)
    per_finding: float | str


class Deduct(_Strict):
    per_finding: float | str = 0
    cases: list[DeductCase] = Field(default_factory=list)


class VetoCondition(_Strict):
    rules: list[str] | None = None  # default: the indicator's rules
    where: dict[str, Any] = Field(default_factory=dict)
    min_findings: int | str = 1


class Indicator(_Strict):
    id: str
    name: str
    kind: Literal["veto", "deduction", "bonus"]
    rules: list[str]
    deduct: Deduct | None = None
    cap: float | str | None = None
    veto: list[VetoCondition] | None = None


class _SchemeFile(_Strict):
    id: str
    name: str
    extends: str | None = None
    params: dict[str, Any] = Field(default_factory=dict)
    indicators: list[Indicator] = Field(default_factory=list)


@dataclass
class Scheme:
    id: str
    name: str
    params: dict[str, Any]
    indicators: list[Indicator]
    source: str = ""
    chain: list[str] = field(default_factory=list)

    @property
    def ref(self) -> str:
        """What `load_scheme` needs to load this scheme again: the bundled name, or the file's path."""
        path = Path(self.source)
        if path.parent == SCHEMES_DIR and path.stem == self.id:
            return self.id
        return str(path.resolve())

    @property
    def rule_ids(self) -> list[str]:
        """Every rule the scheme judges, in indicator order, once each."""
        return list(dict.fromkeys(r for ind in self.indicators for r in ind.rules))

    def value(self, v: float | str | int | None) -> Any:
        """A literal, or the parameter a "{name}" string refers to."""
        if isinstance(v, str) and (m := _REF.match(v)):
            return self.params[m.group(1)]
        return v


def load_scheme(name_or_path: str) -> Scheme:
    """Load a bundled scheme by name (`national-2019`) or a YAML file by path."""
    path = _locate(name_or_path)
    raw = _read(path)
    parent = load_scheme(raw.extends) if raw.extends else None
    params = {**(parent.params if parent else {}), **raw.params}
    indicators = _merge(parent.indicators if parent else [], raw.indicators)
    scheme = Scheme(id=raw.id, name=raw.name, params=params, indicators=indicators, source=str(path),
                    chain=[*(parent.chain if parent else []), raw.id])
    _validate(scheme, path)
    return scheme


def _locate(name_or_path: str) -> Path:
    p = Path(name_or_path)
    if p.suffix in (".yaml", ".yml") or p.exists():
        if not p.is_file():
            raise SchemeError(f"{p}: scheme file not found")
        return p
    bundled = SCHEMES_DIR / f"{name_or_path}.yaml"
    if not bundled.is_file():
        known = ", ".join(sorted(x.stem for x in SCHEMES_DIR.glob("*.yaml")))
        raise SchemeError(f"unknown scheme {name_or_path!r} (bundled: {known})")
    return bundled


def _read(path: Path) -> _SchemeFile:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        return _SchemeFile.model_validate(data)
    except yaml.YAMLError as exc:
        raise SchemeError(f"{path}: not valid YAML: {exc}") from None
    except ValidationError as exc:
        err = exc.errors()[0]
        where = ".".join(str(x) for x in err["loc"])
        raise SchemeError(f"{path}: {where}: {err['msg']}") from None


def _merge(base: list[Indicator], own: list[Indicator]) -> list[Indicator]:
    """An indicator with the id of a parent's replaces it; new ones are appended."""
    merged = {ind.id: ind for ind in base}
    for ind in own:
        merged[ind.id] = ind
    return list(merged.values())


def _validate(scheme: Scheme, path: Path) -> None:
    known = get_rules()
    for ind in scheme.indicators:
        cases = ind.deduct.cases if ind.deduct else []
        for rule in ind.rules + [r for c in [*(ind.veto or []), *cases] for r in c.rules or []]:
            if rule not in known:
                raise SchemeError(f"{path}: indicator {ind.id}: unknown rule {rule!r}")
        refs = [ind.cap] + ([ind.deduct.per_finding] + [c.per_finding for c in ind.deduct.cases] if ind.deduct else [])
        refs += [c.min_findings for c in ind.veto or []]
        for ref in refs:
            if isinstance(ref, str) and (m := _REF.match(ref)) is None:
                raise SchemeError(f"{path}: indicator {ind.id}: {ref!r} is neither a number nor a {{param}}")
            if isinstance(ref, str) and m and m.group(1) not in scheme.params:
                raise SchemeError(f"{path}: indicator {ind.id}: parameter {m.group(1)!r} is not set")
    for rule_id in scheme.rule_ids:
        for param in known[rule_id].rule.params:
            if param not in scheme.params:
                raise SchemeError(f"{path}: rule {rule_id} needs parameter {param!r}, which the scheme does not set")
