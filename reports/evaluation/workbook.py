"""The evaluators' 评分表: `evaluate template` writes it, evaluators fill it, `evaluate import` reads it back.

Three sheets take input — 人工评分 (manual items, and machine or test items an evaluator reviews by hand),
外部扣分 (external deductions with their document), 依申请公开 (the simulation test's cases) — found by
their header names, so columns may be moved. The import checks every row before anything is written:
a unit or item that does not exist, points above the maximum, a scorer whose role may not score the
item, text in a number cell, a bad date — each error names the sheet, row and column (`WorkbookError`).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from reports.evaluation.compute import REVIEW_ROLE, UnitResult
from reports.evaluation.entries import Unit, external_problem, manual_problem
from reports.evaluation.inputs import EvaluationInputs
from reports.scheme import ExternalItem, Indicator, ManualItem, RequestItem, Scheme
from storage.vocabulary import REPLY_ELEMENTS, REPLY_TYPES, REQUEST_CHANNELS, SCORER_ROLES

MANUAL, EXTERNAL, CASES = "人工评分", "外部扣分", "依申请公开"
MANUAL_COLS = ("网站标识码", "单位名称", "分组", "指标编号", "指标名称", "所属部分", "满分", "可评分角色", "得分", "评分人",
               "角色", "备注", "佐证材料")
EXTERNAL_COLS = ("网站标识码", "单位名称", "扣分项编号", "扣分项名称", "扣分", "依据文件", "备注", "佐证材料")
CASE_COLS = ("网站标识码", "单位名称", "案例编号", "渠道", "发送日期", "渠道受理", "受理日期", "受理编号", "补正告知日期",
             "补正收到日期", "征求第三方意见工作日", "延期告知日期", "答复日期", "答复类型", "应有答复类型",
             *REPLY_ELEMENTS.values(), "附件", "备注")
_INPUT = PatternFill("solid", fgColor="FFF2CC")
_HEAD = PatternFill("solid", fgColor="D9E1F2")
_YES, _NO = ("是", "有", "y", "yes", "true", "1", "√"), ("否", "无", "n", "no", "false", "0", "×")


class WorkbookError(ValueError):
    """A 评分表 that cannot be imported; `problems` lists every (sheet, row, column, message)."""

    def __init__(self, path: Path, problems: list[tuple[str, int, str, str]]) -> None:
        self.problems = problems
        lines = [f"sheet {s}, row {r}, column {c}: {msg}" for s, r, c, msg in problems[:30]]
        more = f"\n… and {len(problems) - 30} more" if len(problems) > 30 else ""
        super().__init__(f"{path}: {len(problems)} error(s), nothing imported:\n" + "\n".join(lines) + more)


# --- the template -------------------------------------------------------------------------------------------
def write_template(inputs: EvaluationInputs, results: dict[str, list[UnitResult]], path: Path) -> Path:
    """The 评分表 of an evaluation: a row per unit and item to score (what is already entered filled in)."""
    scheme = inputs.scheme
    by_unit = {r.site_id: r for members in results.values() for r in members}
    wb = Workbook()
    about = wb.active
    about.title = "说明"
    for line in _about(inputs):
        about.append([line])
    about.column_dimensions["A"].width = 120

    ws = _sheet(wb, MANUAL, MANUAL_COLS, inputs_at=("得分", "评分人", "角色", "备注", "佐证材料"))
    roles = DataValidation(type="list", formula1='"' + ",".join(SCORER_ROLES.values()) + '"', allow_blank=True)
    ws.add_data_validation(roles)
    for unit in inputs.units:
        unit_result = by_unit.get(unit.site_id)
        for item in scheme.scored(unit.kind):
            review = isinstance(item, (Indicator, RequestItem))
            if isinstance(item, ExternalItem):
                continue
            if review and not (unit_result and _not_judged(unit_result, item.id)):
                continue  # a measured machine or test item needs no hand
            allowed = item.scorers if isinstance(item, ManualItem) else [REVIEW_ROLE]
            entered = [e for e in unit.manual if e.item == item.id] or [None]
            for e in entered:
                ws.append([unit.site_id, unit.name, unit.group, item.id,
                           item.name + ("（未能测得，人工复核）" if review else ""), _part_name(scheme, item.part),
                           float(scheme.value(item.max)), "、".join(SCORER_ROLES[r] for r in allowed),
                           e.points if e else None, e.scorer if e else None,
                           SCORER_ROLES.get(e.role, e.role) if e else None, e.note if e else None,
                           e.attachment if e else None])
    roles.add(f"K2:K{max(2, ws.max_row)}")
    _finish(ws, MANUAL_COLS)

    ws = _sheet(wb, EXTERNAL, EXTERNAL_COLS, inputs_at=("扣分项编号", "扣分", "依据文件", "备注", "佐证材料"))
    for unit in inputs.units:
        items = [i for i in scheme.scored(unit.kind) if isinstance(i, ExternalItem)]
        for e in unit.external:
            ws.append([unit.site_id, unit.name, e.item, _name(scheme, e.item), e.points, e.document, e.note,
                       e.attachment])
        if items and not unit.external:
            ws.append([unit.site_id, unit.name, items[0].id, items[0].name, None, None, None, None])
    _finish(ws, EXTERNAL_COLS)

    if any(isinstance(i, RequestItem) for i in scheme.items):
        ws = _sheet(wb, CASES, CASE_COLS, inputs_at=CASE_COLS[2:])
        channels = DataValidation(type="list", formula1='"' + ",".join(REQUEST_CHANNELS.values()) + '"', allow_blank=True)
        ws.add_data_validation(channels)
        for unit in inputs.units:
            if not any(isinstance(i, RequestItem) for i in scheme.scored(unit.kind)):
                continue
            for c in unit.cases:
                ws.append([unit.site_id, unit.name, c.case_no, REQUEST_CHANNELS.get(c.channel, c.channel), c.sent_on,
                           "是" if c.channel_ok else "否", c.received_on, c.tracking_no, c.correction_requested_on,
                           c.correction_received_on, c.third_party_days or None, c.extended_on, c.replied_on,
                           REPLY_TYPES.get(c.reply_type, c.reply_type), REPLY_TYPES.get(c.expected_type, c.expected_type),
                           *[_yes_no(c.checklist.get(k)) for k in REPLY_ELEMENTS], "；".join(c.attachments), c.note])
            if not unit.cases:
                ws.append([unit.site_id, unit.name])
        channels.add(f"D2:D{max(2, ws.max_row)}")
        _finish(ws, CASE_COLS)
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return path


def _about(inputs: EvaluationInputs) -> list[str]:
    s = inputs.scheme
    return [
        f"评分表 — {inputs.name}（评估 {inputs.id}，方案 {s.id}：{s.name}）",
        f"监测时间点 {inputs.as_of}；状态 {inputs.state}。",
        "黄色单元格由评分人填写；改完后用 govaudit evaluate import 导入。导入前逐行校验，任何一处错误都不会写入。",
        f"{MANUAL}：每行一个单位的一项人工指标；“角色”须为该指标允许的角色"
        f"（{'、'.join(f'{v}={k}' for k, v in SCORER_ROLES.items())}）；同一指标多位评分人各占一行（按方案取平均或合计）。"
        "“未能测得，人工复核”行只允许评估人员填写。",
        f"{EXTERNAL}：国办、省办等第三方评估扣分，须填写依据文件；一个单位多份文件各占一行。",
        f"{CASES}：依申请公开模拟测试，每个申请一行；日期填日期格式或 YYYY-MM-DD；渠道：{'、'.join(REQUEST_CHANNELS.values())}；"
        f"答复类型：{'、'.join(REPLY_TYPES.values())}；答复要素填 是/否。",
        "期限按国务院办公厅公布的节假日安排计算工作日（含调休上班日）：受理后20个工作日，延期一次20个工作日，补正后重新起算。",
    ]


def _sheet(wb: Workbook, title: str, cols: tuple[str, ...], inputs_at: tuple[str, ...]):  # noqa: ANN202
    ws = wb.create_sheet(title)
    ws.append(list(cols))
    for i, name in enumerate(cols, start=1):
        cell = ws.cell(row=1, column=i)
        cell.font = Font(bold=True)
        cell.fill = _INPUT if name in inputs_at else _HEAD
        cell.alignment = Alignment(wrap_text=True, vertical="center")
    ws.freeze_panes = "A2"
    ws.inputs_at = inputs_at
    return ws


def _finish(ws, cols: tuple[str, ...]) -> None:  # noqa: ANN001
    for i, name in enumerate(cols, start=1):
        ws.column_dimensions[get_column_letter(i)].width = max(10, min(40, len(name) * 2 + 4))
        if name in ws.inputs_at:
            for row in range(2, ws.max_row + 1):
                ws.cell(row=row, column=i).fill = _INPUT
        if name.endswith("日期"):
            for row in range(2, ws.max_row + 1):
                ws.cell(row=row, column=i).number_format = "yyyy-mm-dd"


def _not_judged(result: UnitResult, item_id: str) -> bool:
    return any(i.id == item_id and i.status in ("not_judged", "reviewed") for i in result.items)


def _part_name(scheme: Scheme, part_id: str | None) -> str:
    return next((p.name for p in scheme.parts if p.id == part_id), "总分")


def _name(scheme: Scheme, item_id: str) -> str:
    return next((i.name for i in scheme.items if i.id == item_id), item_id)


def _yes_no(v: bool | None) -> str | None:
    return None if v is None else ("是" if v else "否")


# --- the import ----------------------------------------------------------------------------------------------
@dataclass
class Imported:
    """What a valid 评分表 holds, ready for the repository."""

    manual: list[dict[str, Any]] = field(default_factory=list)
    external: list[dict[str, Any]] = field(default_factory=list)
    cases: list[dict[str, Any]] = field(default_factory=list)


def read_workbook(path: Path, scheme: Scheme, units: dict[str, Unit]) -> Imported:
    """Read and check a filled 评分表; raises WorkbookError listing every problem (nothing is returned then)."""
    try:
        wb = load_workbook(path, data_only=True, read_only=True)
    except (OSError, ValueError, KeyError) as exc:
        raise WorkbookError(path, [("-", 0, "-", f"not an XLSX workbook: {type(exc).__name__}: {exc}")]) from None
    problems: list[tuple[str, int, str, str]] = []
    out = Imported()
    known = [s for s in (MANUAL, EXTERNAL, CASES) if s in wb.sheetnames]
    if not known:
        problems.append(("-", 0, "-", f"none of the sheets {MANUAL}, {EXTERNAL}, {CASES} is in the workbook"))
    for title in known:
        reader = _Rows(wb[title], title, problems)
        for row in reader.rows():
            if title == MANUAL:
                _manual_row(row, scheme, units, out, path)
            elif title == EXTERNAL:
                _external_row(row, scheme, units, out, path)
            else:
                _case_row(row, units, out, path)
    wb.close()
    if problems:
        raise WorkbookError(path, problems)
    return out


class _Row:
    def __init__(self, sheet: str, number: int, cells: dict[str, tuple[str, Any]],
                 problems: list[tuple[str, int, str, str]]) -> None:
        self.sheet, self.row_no, self.cells, self.problems = sheet, number, cells, problems
        self.bad = False

    def error(self, col: str, msg: str) -> None:
        letter = self.cells.get(col, ("?", None))[0]
        self.problems.append((self.sheet, self.row_no, f"{letter} ({col})", msg))
        self.bad = True

    def raw(self, col: str) -> Any:
        value = self.cells.get(col, ("?", None))[1]
        return value.strip() if isinstance(value, str) and value.strip() else (None if isinstance(value, str) else value)

    def text(self, col: str, required: bool = False) -> str | None:
        v = self.raw(col)
        if v is None:
            if required:
                self.error(col, "required")
            return None
        if isinstance(v, float) and v.is_integer():
            v = int(v)
        return str(v)

    def number(self, col: str, required: bool = False) -> float | None:
        v = self.raw(col)
        if v is None:
            if required:
                self.error(col, "a number is required")
            return None
        if isinstance(v, bool) or not isinstance(v, (int, float)):
            self.error(col, f"text in a number cell: {v!r}")
            return None
        return float(v)

    def day(self, col: str, required: bool = False) -> date | None:
        v = self.raw(col)
        if v is None:
            if required:
                self.error(col, "a date is required")
            return None
        if isinstance(v, datetime):
            return v.date()
        if isinstance(v, date):
            return v
        try:
            return date.fromisoformat(str(v))
        except ValueError:
            self.error(col, f"not a date (YYYY-MM-DD): {v!r}")
            return None

    def flag(self, col: str) -> bool | None:
        v = self.raw(col)
        if v is None:
            return None
        if isinstance(v, bool):
            return v
        text = str(v).strip().lower()
        if text in _YES:
            return True
        if text in _NO:
            return False
        self.error(col, f"expected 是 or 否: {v!r}")
        return None

    def code(self, col: str, table: dict[str, str], required: bool = False) -> str | None:
        v = self.text(col, required)
        if v is None:
            return None
        for code, zh in table.items():
            if v in (code, zh) or v == zh.split("（")[0]:
                return code
        self.error(col, f"unknown value {v!r} (one of {'、'.join(table.values())})")
        return None


class _Rows:
    """The data rows of a sheet as header name → (column letter, value); rows whose input cells are all empty
    are skipped (the template pre-fills the unit and item of every row)."""

    def __init__(self, ws, title: str, problems: list[tuple[str, int, str, str]]) -> None:  # noqa: ANN001
        self.ws, self.title, self.problems = ws, title, problems

    def rows(self):  # noqa: ANN201
        it = self.ws.iter_rows(values_only=True)
        header = next(it, None) or ()
        cols = {str(name).strip(): i for i, name in enumerate(header) if name is not None}
        wanted = {MANUAL: MANUAL_COLS, EXTERNAL: EXTERNAL_COLS, CASES: CASE_COLS}[self.title]
        missing = [c for c in ("网站标识码",) + _required_inputs(self.title) if c not in cols]
        if missing:
            self.problems.append((self.title, 1, "-", f"missing column(s): {', '.join(missing)}"))
            return
        inputs = [c for c in wanted if c in cols and c not in _PREFILLED]
        for number, values in enumerate(it, start=2):
            cells = {name: (get_column_letter(i + 1), values[i] if i < len(values) else None) for name, i in cols.items()}
            if all(_empty(cells[c][1]) for c in inputs):
                continue
            yield _Row(self.title, number, cells, self.problems)


_PREFILLED = {"网站标识码", "单位名称", "分组", "指标编号", "指标名称", "所属部分", "满分", "可评分角色", "扣分项名称",
              "扣分项编号"}


def _required_inputs(title: str) -> tuple[str, ...]:
    return {MANUAL: ("指标编号", "得分", "评分人", "角色"), EXTERNAL: ("扣分项编号", "扣分", "依据文件"),
            CASES: ("案例编号", "渠道", "发送日期")}[title]


def _empty(v: Any) -> bool:
    return v is None or (isinstance(v, str) and not v.strip())


def _unit(row: _Row, units: dict[str, Unit]) -> Unit | None:
    site = row.text("网站标识码", required=True)
    if site is None:
        return None
    unit = units.get(site)
    if unit is None:
        row.error("网站标识码", f"unknown unit {site!r} (not in this evaluation)")
    return unit


def _source(path: Path, row: _Row) -> str:
    return f"{path.name} {row.sheet}!{row.row_no}"


def _manual_row(row: _Row, scheme: Scheme, units: dict[str, Unit], out: Imported, path: Path) -> None:
    unit = _unit(row, units)
    item = row.text("指标编号", required=True)
    points = row.number("得分", required=True)
    scorer = row.text("评分人", required=True)
    role = row.code("角色", SCORER_ROLES, required=True)
    if row.bad or unit is None:
        return
    problem = manual_problem(scheme, unit, item, points, role)
    if problem:
        col = "得分" if "outside" in problem else "角色" if "may not score" in problem else "指标编号"
        row.error(col, problem)
        return
    out.manual.append({"site": unit.site_id, "item": item, "points": points, "scorer": scorer, "role": role,
                       "note": row.text("备注"), "attachment": row.text("佐证材料"), "source": _source(path, row)})


def _external_row(row: _Row, scheme: Scheme, units: dict[str, Unit], out: Imported, path: Path) -> None:
    unit = _unit(row, units)
    item = row.text("扣分项编号", required=True)
    points = row.number("扣分", required=True)
    document = row.text("依据文件", required=True)
    if row.bad or unit is None:
        return
    problem = external_problem(scheme, unit, item, points, document)
    if problem:
        row.error("扣分" if "maximum" in problem or "≥" in problem else "扣分项编号", problem)
        return
    out.external.append({"site": unit.site_id, "item": item, "points": points, "document": document,
                         "note": row.text("备注"), "attachment": row.text("佐证材料"), "source": _source(path, row)})


def _case_row(row: _Row, units: dict[str, Unit], out: Imported, path: Path) -> None:
    unit = _unit(row, units)
    case = {
        "case_no": row.text("案例编号", required=True),
        "channel": row.code("渠道", REQUEST_CHANNELS, required=True),
        "sent_on": row.day("发送日期", required=True),
        "channel_ok": row.flag("渠道受理"),
        "received_on": row.day("受理日期"),
        "tracking_no": row.text("受理编号"),
        "correction_requested_on": row.day("补正告知日期"),
        "correction_received_on": row.day("补正收到日期"),
        "third_party_days": row.number("征求第三方意见工作日"),
        "extended_on": row.day("延期告知日期"),
        "replied_on": row.day("答复日期"),
        "reply_type": row.code("答复类型", REPLY_TYPES),
        "expected_type": row.code("应有答复类型", REPLY_TYPES),
        "checklist": {k: v for k, zh in REPLY_ELEMENTS.items() if (v := row.flag(zh)) is not None},
        "attachments": [a.strip() for a in (row.text("附件") or "").replace(";", "；").split("；") if a.strip()],
        "note": row.text("备注"),
    }
    if case["channel_ok"] is None:
        case["channel_ok"] = True
    days = case["third_party_days"]
    if days is not None and (days < 0 or not float(days).is_integer()):
        row.error("征求第三方意见工作日", f"a whole number of working days ≥ 0: {days:g}")
    case["third_party_days"] = int(days or 0)
    for (later, a), (earlier, b) in ((("受理日期", case["received_on"]), ("发送日期", case["sent_on"])),
                                     (("答复日期", case["replied_on"]), ("受理日期", case["received_on"])),
                                     (("补正收到日期", case["correction_received_on"]),
                                      ("补正告知日期", case["correction_requested_on"]))):
        if a and b and a < b:
            row.error(later, f"{a} is before {earlier} {b}")
    if row.bad or unit is None:
        return
    out.cases.append({"site": unit.site_id, "source": _source(path, row), **case})
