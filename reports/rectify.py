"""The 整改清单 round-trip in Excel (docs/problems.md): the evaluator exports the problems each unit must fix,
the unit fills in what it did and the link that shows it, the evaluator imports the file back.

The workbook has the sheet 整改清单 (the columns below: the first ten read-only and locked, the last
three for the unit, with data validation), a sheet 填写说明, and a very hidden sheet `_govaudit` with the
read-only values as exported. Import checks every row against that copy and the database — unknown
问题编号, an edited read-only cell, a 整改链接 that is not a URL, a missing 整改情况, a renamed sheet — and
writes nothing unless the whole file is valid; each error names the sheet, the row and the column.
"""
from __future__ import annotations

import io
import zipfile
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Font, PatternFill, Protection
from openpyxl.utils import get_column_letter
from openpyxl.utils.exceptions import InvalidFileException
from openpyxl.worksheet.datavalidation import DataValidation
from sqlalchemy.orm import Session

from checks.registry import get_rules
from reports.outputs.json import atomic_write
from reports.outputs.xlsx import cell_text
from reports.scheme import Scheme, load_scheme
from storage import problems as repo
from storage.vocabulary import PROBLEM_OPEN_STATES, canonical

SHEET = "整改清单"
HELP_SHEET = "填写说明"
META_SHEET = "_govaudit"
META_SCHEMA = "govaudit.rectify/1"
READ_ONLY = ["序号", "问题编号", "网站标识码", "网站名称", "指标", "问题描述", "问题页面", "证据截图", "发现时间", "整改时限"]
UNIT_COLUMNS = ["整改情况", "整改链接", "备注"]
COLUMNS = READ_ONLY + UNIT_COLUMNS
WIDTHS = [6, 10, 14, 22, 26, 60, 44, 26, 12, 12, 12, 44, 40]
# 整改情况: 已整改 claims a fix (→ rectifying, re-checked later); 整改中 and 无法整改 are recorded as notes;
# 有异议 disputes the finding (→ doubtful: a reviewer decides).
FIXED, IN_PROGRESS, CANNOT, DISPUTED = "已整改", "整改中", "无法整改", "有异议"
STATUSES = (FIXED, IN_PROGRESS, CANNOT, DISPUTED)
DEFAULT_STATES = PROBLEM_OPEN_STATES[:1] + ("confirmed", "recheck_failed")
MAX_NOTE = 500
_MAX_LISTED = 20


class RectifyError(ValueError):
    """A 整改清单 that cannot be imported; the message names the file, sheet, row and column."""


# --- export ---------------------------------------------------------------------------------------------
def export_workbook(session: Session, out: Path, *, sites: list[str], states: list[str],
                    scheme: Scheme | None = None) -> int:
    """Write the 整改清单 of the chosen sites' problems in `states`; returns how many rows it has."""
    scheme = scheme or load_scheme("national-2019")
    page = repo.list_problems(session, sites=sites, states=states)
    rows = [_row(n, p, scheme) for n, p in enumerate(page.items, start=1)]
    wb = Workbook()
    ws = wb.active
    ws.title = SHEET
    ws.append(COLUMNS)
    unit_fill = PatternFill("solid", fgColor="FFF2CC")
    for index, width in enumerate(WIDTHS, start=1):
        cell = ws.cell(row=1, column=index)
        cell.font = Font(bold=True)
        if COLUMNS[index - 1] in UNIT_COLUMNS:
            cell.fill = unit_fill
        ws.column_dimensions[get_column_letter(index)].width = width
    for values in rows:
        ws.append([cell_text(v) if isinstance(v, str) else v for v in values])
        r = ws.max_row
        for index, cell in enumerate(ws[r], start=1):
            if cell.data_type == "f":  # page text must never run as a formula
                cell.data_type = "s"
            cell.alignment = Alignment(wrap_text=True, vertical="top")
            if COLUMNS[index - 1] in UNIT_COLUMNS:
                cell.protection = Protection(locked=False)
                cell.fill = unit_fill
    _validations(ws, len(rows))
    ws.freeze_panes = "C2"
    ws.protection.sheet = True  # read-only columns locked; import checks them anyway
    ws.protection.formatColumns = False
    ws.protection.formatRows = False
    _help_sheet(wb)
    meta = wb.create_sheet(META_SHEET)
    meta.append([META_SCHEMA, datetime.now().astimezone().isoformat(timespec="seconds")])
    meta.append(READ_ONLY)
    for values in rows:
        meta.append([_norm(v) for v in values[:len(READ_ONLY)]])
    meta.sheet_state = "veryHidden"
    buffer = io.BytesIO()
    wb.save(buffer)
    out.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(out, buffer.getvalue())
    return len(rows)


def _row(n: int, p: repo.ProblemRecord, scheme: Scheme) -> list[Any]:
    f = p.finding or {}
    page = f.get("page") or (p.subject if p.subject.startswith(("http://", "https://")) else "")
    shot = (f.get("screenshot") or "").removeprefix("evidence/")
    message = f.get("message") or ""
    if p.subject not in message:  # the unit must see what the problem is about (which link, which element)
        message = f"{message}（对象：{p.subject}）" if message else p.subject
    return [n, p.id, p.site_id, p.site_name, _indicator(p.rule, scheme), message, page, shot,
            p.opened_on.isoformat(), p.due_on.isoformat() if p.due_on else "", None, None, None]


def _indicator(rule: str, scheme: Scheme) -> str:
    """“指标：检查项” as the scheme names them (the rule's own name when the scheme has no indicator for it)."""
    entry = get_rules().get(rule)
    name = entry.rule.name_zh if entry else rule
    ind = next((i for i in scheme.indicators if rule in i.rules), None)
    return f"{ind.name}：{name}" if ind is not None and ind.name != name else name


def _validations(ws: Any, rows: int) -> None:
    last = max(rows + 1, 2)
    col = {name: get_column_letter(COLUMNS.index(name) + 1) for name in UNIT_COLUMNS}
    status = DataValidation(type="list", formula1='"' + ",".join(STATUSES) + '"', allow_blank=True,
                            showErrorMessage=True, errorTitle="整改情况", error="请从列表中选择：" + "、".join(STATUSES))
    status.add(f"{col['整改情况']}2:{col['整改情况']}{last}")
    c = col["整改链接"]
    link = DataValidation(type="custom", allow_blank=True, showErrorMessage=True, errorTitle="整改链接",
                          error="请填写以 http:// 或 https:// 开头的网址",
                          formula1=f'OR({c}2="",LEFT({c}2,7)="http://",LEFT({c}2,8)="https://")')
    link.add(f"{c}2:{c}{last}")
    remark = DataValidation(type="textLength", operator="lessThanOrEqual", formula1=str(MAX_NOTE), allow_blank=True,
                            showErrorMessage=True, errorTitle="备注", error=f"备注不超过 {MAX_NOTE} 字")
    remark.add(f"{col['备注']}2:{col['备注']}{last}")
    for dv in (status, link, remark):
        ws.add_data_validation(dv)


def _help_sheet(wb: Workbook) -> None:
    ws = wb.create_sheet(HELP_SHEET)
    lines = [
        "整改清单填写说明",
        "1. 只填写黄色的三列：整改情况、整改链接、备注；其余各列由检测系统生成，请勿修改，也不要修改工作表名称。",
        (f"2. 整改情况从下拉列表中选择：{FIXED}（须填写能看到整改结果的整改链接）、{IN_PROGRESS}、"
         f"{CANNOT}（须在备注中说明原因）、{DISPUTED}（认为不是问题，须在备注中说明理由）。"),
        "3. 整改链接填写整改后的页面网址，以 http:// 或 https:// 开头。",
        "4. 未处理的问题整行留空。标为“已整改”的问题将被复核；复核发现问题仍在，或以重复发布旧信息等方式虚假整改的，视为未整改。",
    ]
    for line in lines:
        ws.append([line])
    ws.column_dimensions["A"].width = 120
    ws["A1"].font = Font(bold=True)


# --- import ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class _Claim:
    row: int
    problem_id: int
    status: str
    link: str | None
    remark: str | None


def import_workbook(session: Session, path: Path, *, actor: str) -> dict[str, int]:
    """Check a filled-in 整改清单 and apply it; nothing is written unless every row is valid."""
    if not (actor or "").strip():
        raise RectifyError("--by: who hands the 整改清单 in")
    ws, meta = _open(path)
    where = f"{path.name}: sheet {SHEET}"
    header = [_norm(c.value) for c in ws[1]][:len(COLUMNS)]
    for index, name in enumerate(COLUMNS):
        got = header[index] if index < len(header) else ""
        if got != name:
            raise RectifyError(f"{where}, row 1, column {_letter(index)}: header {got!r} should be {name!r} "
                               "(the columns must stay as exported)")
    errors: list[str] = []
    claims: list[_Claim] = []
    seen: dict[int, int] = {}
    for r, row in enumerate(ws.iter_rows(min_row=2, max_col=len(COLUMNS), values_only=True), start=2):
        values = [_norm(v) for v in row] + [""] * (len(COLUMNS) - len(row))
        if not any(values):
            continue

        def err(column: str, problem: str, r: int = r) -> None:
            errors.append(f"{where}, row {r}, column {column} ({_letter(COLUMNS.index(column))}): {problem}")

        pid = _int(values[1])
        if pid is None or pid not in meta:
            err("问题编号", f"unknown problem id {values[1]!r} (not in this exported 整改清单)")
            continue
        if pid in seen:
            err("问题编号", f"problem {pid} is listed twice (also row {seen[pid]})")
            continue
        seen[pid] = r
        for index, column in enumerate(READ_ONLY):
            if values[index] != meta[pid][index]:
                err(column, f"read-only column was edited: {values[index]!r}, exported {meta[pid][index]!r}")
        status, link, remark = values[len(READ_ONLY):]
        if not (status or link or remark):
            continue  # not answered: the problem stays as it is
        if not status:
            err("整改情况", "missing (choose " + " / ".join(STATUSES) + ")")
        elif status not in STATUSES:
            err("整改情况", f"{status!r} is not one of " + " / ".join(STATUSES))
        if link and not _is_url(link):
            err("整改链接", f"not a URL: {link!r} (http:// or https://)")
        if status == FIXED and not link:
            err("整改链接", "missing: a claimed fix needs the link that shows it")
        if status in (CANNOT, DISPUTED) and not remark:
            err("备注", f"missing: {status} needs the reason")
        if len(remark) > MAX_NOTE:
            err("备注", f"longer than {MAX_NOTE} characters")
        problem_state = _state(session, pid)
        if problem_state is None:
            err("问题编号", f"problem {pid} no longer exists in the database")
        elif status == FIXED and problem_state not in (*PROBLEM_OPEN_STATES, "rectifying"):
            err("整改情况", f"problem {pid} is {problem_state}: there is nothing to fix")
        elif status == DISPUTED and problem_state not in PROBLEM_OPEN_STATES:
            err("整改情况", f"problem {pid} is {problem_state}: it cannot be disputed now")
        claims.append(_Claim(r, pid, status, link or None, remark or None))
    if errors:
        more = f"\n  … and {len(errors) - _MAX_LISTED} more" if len(errors) > _MAX_LISTED else ""
        raise RectifyError(f"{path.name}: {len(errors)} error(s), nothing imported:\n  "
                           + "\n  ".join(errors[:_MAX_LISTED]) + more)
    return _apply(session, claims, path.name, actor.strip())


def _apply(session: Session, claims: list[_Claim], name: str, actor: str) -> dict[str, int]:
    done: Counter[str] = Counter()
    for c in claims:
        detail = {"file": name, "row": c.row, "status": c.status}
        state = repo.state_of(session, c.problem_id)
        if c.status == FIXED and state == "rectifying":
            done["已申报（未变）"] += 1  # the same file imported twice: the claim stands
            continue
        if c.status == FIXED:
            repo.transition(session, c.problem_id, "rectifying", actor=actor, kind="rectify", evidence_url=c.link,
                            note=c.remark or "单位反馈：已整改", detail=detail)
        elif c.status == DISPUTED and state != "doubtful":
            repo.transition(session, c.problem_id, "doubtful", actor=actor, kind="rectify", evidence_url=c.link,
                            note=f"单位有异议：{c.remark}", detail=detail)
        else:
            repo.note(session, c.problem_id, actor=actor, kind="rectify", evidence_url=c.link,
                      note=f"单位反馈：{c.status}" + (f"，{c.remark}" if c.remark else ""), detail=detail)
        done[c.status] += 1
    return dict(done) or {"未填写": 0}


def _open(path: Path) -> tuple[Any, dict[int, list[str]]]:
    try:
        wb = load_workbook(path)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError) as exc:
        raise RectifyError(f"{path.name}: not an Excel .xlsx file ({type(exc).__name__})") from None
    if SHEET not in wb.sheetnames:
        raise RectifyError(f"{path.name}: sheet {SHEET!r} not found (sheets: {', '.join(wb.sheetnames)}); "
                           "keep the sheet's name as exported")
    if META_SHEET not in wb.sheetnames:
        raise RectifyError(f"{path.name}: not a 整改清单 written by govaudit rectify export "
                           f"(its hidden sheet {META_SHEET!r} is missing)")
    meta_ws = wb[META_SHEET]
    if _norm(meta_ws["A1"].value) != META_SCHEMA:
        raise RectifyError(f"{path.name}: sheet {META_SHEET}: not a {META_SCHEMA} export")
    meta: dict[int, list[str]] = {}
    for row in meta_ws.iter_rows(min_row=3, max_col=len(READ_ONLY), values_only=True):
        values = [_norm(v) for v in row] + [""] * (len(READ_ONLY) - len(row))
        pid = _int(values[1])
        if pid is not None:
            meta[pid] = values
    return wb[SHEET], meta


def _state(session: Session, problem_id: int) -> str | None:
    try:
        return repo.state_of(session, problem_id)
    except repo.TransitionError:
        return None


def _norm(value: Any) -> str:
    """A cell as text, the way it was written (numbers without a trailing .0, dates as YYYY-MM-DD)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return str(value).strip()


def _int(text: str) -> int | None:
    return int(text) if text.isdigit() else None


def _is_url(text: str) -> bool:
    return text.lower().startswith(("http://", "https://")) and " " not in text and canonical(text) is not None


def _letter(index: int) -> str:
    return get_column_letter(index + 1)
