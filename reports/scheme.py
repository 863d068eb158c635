"""Scoring schemes as data: load, `extends`, resolve `{param}` references, validate.

A scheme judges one run (the machine `indicators`: veto, deduction, bonus — reports/scoring.py) and,
additively, an evaluation of many units (docs/evaluations.md): `parts` with weights, indicators placed
in a part with their `max` points, `manual` items scored by named roles, `external` deductions entered
with a cited document, manual `bonus` items, the 依申请公开 test's `request` items, per-part veto
effects, `applies_to` by site kind, `grades`, `groups`, `edition`/`year`. Errors name the file and line.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Discriminator, Field, Tag, ValidationError

from checks.registry import get_rules
from storage.safeyaml import StrictLoader

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


SiteKind = Literal["portal", "department"]
Role = Literal["evaluator", "judge", "office"]  # storage.vocabulary.SCORER_ROLES


class Indicator(_Strict):
    """A machine indicator, fed by rules' findings. In an evaluation it sits in a `part` with `max` points
    (its score is max − its capped deductions)."""

    id: str
    name: str
    kind: Literal["veto", "deduction", "bonus"]
    rules: list[str]
    deduct: Deduct | None = None
    cap: float | str | None = None
    veto: list[VetoCondition] | None = None
    part: str | None = None
    max: float | str | None = None
    applies_to: list[SiteKind] | None = None
    source: str | None = None


class ManualItem(_Strict):
    """Points a person awards (0..max): `scorers` are the roles that may score it; several scorers'
    points are combined by `combine`. `kind: bonus` adds to the part beyond its points (capped at max)."""

    id: str
    name: str
    kind: Literal["manual", "bonus"]
    part: str
    max: float | str
    scorers: list[Role] = Field(min_length=1)
    combine: Literal["mean", "sum"] = "mean"
    applies_to: list[SiteKind] | None = None
    source: str | None = None


class ExternalItem(_Strict):
    """Points lost elsewhere (国办/省办 third-party assessments …), entered with the document that says so;
    deducted from its part, or from the unit's total when `part` is unset; at most `max` when set."""

    id: str
    name: str
    kind: Literal["external"]
    part: str | None = None
    max: float | str | None = None
    applies_to: list[SiteKind] | None = None
    source: str | None = None


class RequestItem(_Strict):
    """An aspect of the 依申请公开 simulation test (渠道畅通性 / 回复及时性 / 答复规范性): `max` points less
    the `deduct` amounts per defect of the unit's test cases (and, for `channel`, the online-form check)."""

    id: str
    name: str
    kind: Literal["request"]
    aspect: Literal["channel", "timeliness", "conformity"]
    part: str
    max: float | str
    deduct: dict[str, float | str] = Field(default_factory=dict)
    applies_to: list[SiteKind] | None = None
    source: str | None = None


REQUEST_DEDUCTIONS = {
    "channel": ("channel_failed", "online_unreachable", "no_application_form", "no_flow_chart"),
    "timeliness": ("late", "unanswered", "late_correction_request"),
    "conformity": ("missing_element", "wrong_type"),
}


def _indicator_kind(v: Any) -> str:
    kind = v.get("kind") if isinstance(v, dict) else getattr(v, "kind", None)
    if kind == "manual" or (kind == "bonus" and isinstance(v, dict) and "scorers" in v and "rules" not in v):
        return "manual"
    if kind in ("external", "request"):
        return kind
    if isinstance(v, ManualItem):
        return "manual"
    return "machine"


AnyIndicator = Annotated[
    Annotated[Indicator, Tag("machine")] | Annotated[ManualItem, Tag("manual")]
    | Annotated[ExternalItem, Tag("external")] | Annotated[RequestItem, Tag("request")],
    Discriminator(_indicator_kind),
]


class PartVeto(_Strict):
    """What a fired veto indicator does to the part: `zero` its points, or `fail` the unit (lowest grade)."""

    indicators: list[str] = Field(min_length=1)
    effect: Literal["zero", "fail"]


class Part(_Strict):
    """A weighted part of an evaluation: its full marks (`points`) and its share of the total (`weight`,
    one number or one per site kind)."""

    id: str
    name: str
    weight: float | dict[SiteKind, float]
    points: float = 100
    applies_to: list[SiteKind] | None = None
    by: str | None = None  # who scores it (测评单位)
    veto: PartVeto | None = None
    source: str | None = None

    def weight_for(self, kind: str) -> float:
        return float(self.weight.get(kind, 0.0)) if isinstance(self.weight, dict) else float(self.weight)


class Grade(_Strict):
    name: str
    min: float


class _SchemeFile(_Strict):
    id: str
    name: str
    extends: str | None = None
    edition: str | None = None
    year: int | None = None
    params: dict[str, Any] = Field(default_factory=dict)
    indicators: list[AnyIndicator] = Field(default_factory=list)
    parts: list[Part] | None = None
    grades: list[Grade] | None = None
    groups: dict[SiteKind, str] | None = None


DEFAULT_GROUPS = {"portal": "县市区", "department": "市直部门"}


@dataclass
class Scheme:
    id: str
    name: str
    params: dict[str, Any]
    indicators: list[Indicator]  # the machine indicators of one run (what reports/scoring.py scores)
    source: str = ""
    chain: list[str] = field(default_factory=list)
    # what an evaluation scores: machine indicators placed in a part, manual, external and request items
    items: list[Indicator | ManualItem | ExternalItem | RequestItem] = field(default_factory=list)
    parts: list[Part] = field(default_factory=list)
    grades: list[Grade] = field(default_factory=list)
    groups: dict[str, str] = field(default_factory=lambda: dict(DEFAULT_GROUPS))
    edition: str | None = None
    year: int | None = None

    @property
    def is_evaluation(self) -> bool:
        """The scheme can score an evaluation (it has parts)."""
        return bool(self.parts)

    def part(self, part_id: str) -> Part:
        return next(p for p in self.parts if p.id == part_id)

    def parts_for(self, kind: str) -> list[Part]:
        """The parts a unit of this site kind is scored on."""
        return [p for p in self.parts if (p.applies_to is None or kind in p.applies_to) and p.weight_for(kind) > 0]

    def scored(self, kind: str) -> list[Indicator | ManualItem | ExternalItem | RequestItem]:
        """Every indicator and item of an evaluation that applies to this site kind, in scheme order."""
        parts = {p.id for p in self.parts_for(kind)}
        return [i for i in self.items
                if (i.applies_to is None or kind in i.applies_to)
                and (i.part in parts or (i.part is None and isinstance(i, ExternalItem)))]

    def grade_of(self, total: float) -> str:
        """The grade a total reaches (grades are ordered best first; the last is the floor)."""
        for g in self.grades:
            if total >= g.min:
                return g.name
        return self.grades[-1].name if self.grades else ""

    @property
    def fail_grade(self) -> str:
        return self.grades[-1].name if self.grades else "不合格"

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

    @property
    def evaluation_rule_ids(self) -> list[str]:
        """The rules an evaluation reads: those of its machine items and of the veto indicators its parts name."""
        vetoes = {i for p in self.parts if p.veto for i in p.veto.indicators}
        machine = [i for i in self.items if isinstance(i, Indicator)] + [i for i in self.indicators if i.id in vetoes]
        return list(dict.fromkeys(r for ind in machine for r in ind.rules))

    def value(self, v: float | str | int | None) -> Any:
        """A literal, or the parameter a "{name}" string refers to."""
        if isinstance(v, str) and (m := _REF.match(v)):
            return self.params[m.group(1)]
        return v


MAX_EXTENDS = 8  # a chain of schemes deeper than this is a mistake (ours are 2 deep)


def load_scheme(name_or_path: str, _chain: tuple[Path, ...] = ()) -> Scheme:
    """Load a bundled scheme by name (`national-2019`) or a YAML file by path. An `extends` cycle (or a
    chain deeper than MAX_EXTENDS) is a SchemeError naming the files, never a RecursionError."""
    path = _locate(name_or_path)
    here = path.resolve()
    if here in _chain:
        names = " → ".join(str(p) for p in (*_chain[_chain.index(here):], here))
        raise SchemeError(f"{path}: extends: a cycle of schemes ({names})")
    if len(_chain) >= MAX_EXTENDS:
        raise SchemeError(f"{path}: extends: more than {MAX_EXTENDS} schemes deep")
    raw, lines = _read(path)
    parent = load_scheme(raw.extends, (*_chain, here)) if raw.extends else None
    params = {**(parent.params if parent else {}), **raw.params}
    # a machine indicator placed in a part scores evaluations only; the others score single runs
    own_machine = [i for i in raw.indicators if isinstance(i, Indicator) and i.part is None]
    own_items = [i for i in raw.indicators if not (isinstance(i, Indicator) and i.part is None)]
    indicators = _merge(parent.indicators if parent else [], own_machine)
    items = _merge(parent.items if parent else [], own_items)
    scheme = Scheme(id=raw.id, name=raw.name, params=params, indicators=indicators, source=str(path),
                    chain=[*(parent.chain if parent else []), raw.id], items=items,
                    parts=raw.parts if raw.parts is not None else (parent.parts if parent else []),
                    grades=raw.grades if raw.grades is not None else (parent.grades if parent else []),
                    groups={**(parent.groups if parent else DEFAULT_GROUPS), **(raw.groups or {})},
                    edition=raw.edition or (parent.edition if parent else None),
                    year=raw.year or (parent.year if parent else None))
    _validate(scheme, path)
    _validate_evaluation(scheme, path, lines, {ind.id: ("indicators", n) for n, ind in enumerate(raw.indicators)})
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


class _LineLoader(StrictLoader):
    """A SafeLoader that records the line of each mapping (by its id, and by its path in the file)."""


def _read(path: Path) -> tuple[_SchemeFile, dict[tuple, int]]:
    """The scheme file validated, and the line of every node (path tuple → line) for error messages."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise SchemeError(f"{path}: cannot read: {exc.strerror}") from None
    except UnicodeDecodeError as exc:
        raise SchemeError(f"{path}: not UTF-8 text (byte {exc.start}: {exc.reason})") from None
    try:
        loader = _LineLoader(text)  # parsed once (yaml.compose and yaml.load each parsed the file: ~25 ms)
        try:
            node = loader.get_single_node()
            data = None if node is None else loader.construct_document(node)
        finally:
            loader.dispose()
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise SchemeError(f"{path}:{mark.line + 1 if mark else '?'}: not valid YAML: "
                          f"{getattr(exc, 'problem', None) or exc}") from None
    lines: dict[tuple, int] = {}
    _lines(node, (), lines)
    try:
        return _SchemeFile.model_validate(data), lines
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = tuple(x for x in err["loc"] if not (isinstance(x, str) and x in ("machine", "manual", "external",
                                                                                  "request")))
        where = ".".join(str(x) for x in loc)
        line = _line(lines, loc)
        msg = "unknown key" if err["type"] == "extra_forbidden" else err["msg"]
        raise SchemeError(f"{path}:{line}: {where}: {msg}") from None


def _lines(node: yaml.Node | None, at: tuple, out: dict[tuple, int]) -> None:
    if node is None:
        return
    out[at] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            _lines(value, (*at, key.value), out)
            out[(*at, key.value)] = key.start_mark.line + 1  # a key's own line, not its value's
    elif isinstance(node, yaml.SequenceNode):
        for i, value in enumerate(node.value):
            _lines(value, (*at, i), out)


def _line(lines: dict[tuple, int], loc: tuple) -> int | str:
    """The line of the deepest part of `loc` the file has ('?' for what was inherited)."""
    for n in range(len(loc), -1, -1):
        if tuple(loc[:n]) in lines:
            return lines[tuple(loc[:n])]
    return "?"


def _merge(base: list, own: list) -> list:
    """An indicator with the id of a parent's replaces it; new ones are appended."""
    merged = {ind.id: ind for ind in base}
    for ind in own:
        merged[ind.id] = ind
    return list(merged.values())


def _validate(scheme: Scheme, path: Path) -> None:
    known = get_rules()
    for ind in [*scheme.indicators, *(i for i in scheme.items if isinstance(i, Indicator))]:
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
    for rule_id in dict.fromkeys([*scheme.rule_ids, *scheme.evaluation_rule_ids]):
        for param in known[rule_id].rule.params:
            if param not in scheme.params:
                raise SchemeError(f"{path}: rule {rule_id} needs parameter {param!r}, which the scheme does not set")


def _validate_evaluation(scheme: Scheme, path: Path, lines: dict[tuple, int], own: dict[str, tuple]) -> None:
    """The evaluation keys hang together: parts exist, weights add up per site kind, each part's items'
    points add up to its points, grades descend, veto indicators are veto indicators."""

    def fail(where: tuple, msg: str) -> None:
        raise SchemeError(f"{path}:{_line(lines, where)}: {'.'.join(map(str, where))}: {msg}")

    def at(item_id: str) -> tuple:
        return own.get(item_id, ("indicators",))

    ids = [p.id for p in scheme.parts]
    if len(set(ids)) != len(ids):
        fail(("parts",), "duplicate part id")
    parts = {p.id: p for p in scheme.parts}
    every = [*scheme.indicators, *scheme.items]
    for ind in every:
        if ind.part is not None and ind.part not in parts:
            fail((*at(ind.id), "part"), f"unknown part {ind.part!r} (parts: {', '.join(ids) or 'none'})")
        if isinstance(ind, Indicator) and ind.part is not None and ind.max is None:
            fail(at(ind.id), f"indicator {ind.id} is in part {ind.part!r} but has no 'max'")
        if isinstance(ind, RequestItem):
            unknown = set(ind.deduct) - set(REQUEST_DEDUCTIONS[ind.aspect])
            if unknown:
                fail((*at(ind.id), "deduct"), f"{sorted(unknown)[0]!r} is not a deduction of aspect {ind.aspect!r} "
                     f"(one of {', '.join(REQUEST_DEDUCTIONS[ind.aspect])})")
        for ref in [getattr(ind, "max", None), *getattr(ind, "deduct", {}).values()] \
                if isinstance(ind, RequestItem) else [getattr(ind, "max", None)]:
            if isinstance(ref, str) and ((m := _REF.match(ref)) is None or m.group(1) not in scheme.params):
                fail(at(ind.id), f"{ref!r} is neither a number nor a {{param}} the scheme sets")
    if scheme.items and not scheme.parts:
        fail(("indicators",), "manual, external and request items need 'parts'")
    if not scheme.parts:
        return
    if not scheme.grades:
        fail(("grades",), "an evaluation scheme needs 'grades' (e.g. [{name: 优秀, min: 90}, …])")
    if [g.min for g in scheme.grades] != sorted((g.min for g in scheme.grades), reverse=True):
        fail(("grades",), "grades must be listed best first (descending 'min')")
    vetoes = {i.id: i for i in scheme.indicators if i.veto}
    for n, part in enumerate(scheme.parts):
        for ind_id in part.veto.indicators if part.veto else []:
            if ind_id not in vetoes:
                fail(("parts", n, "veto"), f"{ind_id!r} is not a veto indicator of the scheme")
    for kind in ("portal", "department"):
        mine = scheme.parts_for(kind)
        if not mine:
            continue
        total = sum(p.weight_for(kind) for p in mine)
        if abs(total - 1.0) > 1e-6:
            fail(("parts",), f"the weights of the parts for {kind} add up to {total:g}, not 1")
        for part in mine:
            scored = [i for i in scheme.scored(kind) if i.part == part.id and not isinstance(i, ExternalItem)
                      and getattr(i, "kind", "") != "bonus"]
            points = sum(float(scheme.value(i.max)) for i in scored)
            if abs(points - part.points) > 1e-6:
                fail(("parts", scheme.parts.index(part)), f"the indicators of part {part.id!r} for {kind} are worth "
                     f"{points:g} points, the part {part.points:g}")

