"""The arithmetic of an annual report's tables (indicators.md §9.3, AR1–AR7), as a list of failed equations.

Each failure names its relation, where it applies (a column, a row, a group), the equation in the
template's words and both sides with the numbers that make them, so a person can redo the sum.
"""
from __future__ import annotations

from typing import Any

NEW, CARRIED, TOTAL, CARRY = "一、本年新收", "二、上年结转", "（七）总计", "四、结转下年度继续办理"
# Table 2 cells that are not counts: 2021 收费金额 (万元); 2019 本年增/减 (may be negative) and amounts.
_T2_DECIMAL = {("2021", "行政事业性收费", 0), ("2019", "政府集中采购", 1)}
_T2_SIGNED = {("2019", label, 1) for label in ("行政许可", "其他对外管理服务事项", "行政处罚", "行政强制",
                                               "行政事业性收费")}


def _eq(a: float, b: float) -> bool:
    return abs(a - b) < 1e-6


def _fail(rel: str, where: str, equation: str, left: float, right: float, terms: dict[str, Any]) -> dict:
    return {"relation": rel, "where": where, "equation": equation, "left": left, "right": right, "terms": terms}


def check_report(tables: dict, relations: set[str]) -> list[dict]:
    """AR1–AR4 and AR7 within one report's tables."""
    out: list[dict] = []
    t3 = (tables.get("table3") or {}).get("rows") or {}
    cols = (tables.get("table3") or {}).get("columns") or []
    handled = [k for k in t3 if k not in (NEW, CARRIED, TOTAL, CARRY)]
    for c, col in enumerate(cols):
        if "AR1" in relations and all(k in t3 for k in (NEW, CARRIED, TOTAL, CARRY)):
            left, right = t3[NEW][c] + t3[CARRIED][c], t3[TOTAL][c] + t3[CARRY][c]
            if not _eq(left, right):
                out.append(_fail("AR1", f"表三“{col}”列", "一 + 二 = 三(七)总计 + 四", left, right,
                                 {NEW: t3[NEW][c], CARRIED: t3[CARRIED][c], TOTAL: t3[TOTAL][c],
                                  CARRY: t3[CARRY][c]}))
        if "AR2" in relations and TOTAL in t3 and handled:
            parts = {k: t3[k][c] for k in handled}
            if not _eq(sum(parts.values()), t3[TOTAL][c]):
                out.append(_fail("AR2", f"表三“{col}”列", "三(七)总计 = (一)+(二)+(三)+(四)+(五)+(六) 各项之和",
                                 t3[TOTAL][c], sum(parts.values()), parts))
    if "AR3" in relations:
        for name, row in t3.items():
            if len(row) == 7 and not _eq(sum(row[:6]), row[6]):
                out.append(_fail("AR3", f"表三“{name}”行", "总计 = 自然人 + 五类法人或其他组织", row[6],
                                 sum(row[:6]), dict(zip(cols, row, strict=False))))
    t4 = (tables.get("table4") or {}).get("groups") or {}
    if "AR4" in relations:
        for group, row in t4.items():
            if len(row) == 5 and not _eq(sum(row[:4]), row[4]):
                out.append(_fail("AR4", f"表四“{group}”", "总计 = 结果维持 + 结果纠正 + 其他结果 + 尚未审结", row[4],
                                 sum(row[:4]), dict(zip((tables["table4"].get("columns") or []), row, strict=False))))
    if "AR7" in relations:
        out.extend(_non_negative_integers(tables))
    return out


def _non_negative_integers(tables: dict) -> list[dict]:
    bad: list[dict] = []

    def cell(where: str, value: Any, decimal: bool = False, signed: bool = False) -> None:
        ok = isinstance(value, (int, float)) and (signed or value >= 0) and (decimal or float(value).is_integer())
        if not ok:
            kind = "非负数" if decimal else ("整数" if signed else "非负整数")
            bad.append(_fail("AR7", where, f"单元格应为{kind}", value, 0, {where: value}))

    t2 = tables.get("table2") or {}
    tpl = t2.get("template")
    for label, row in (t2.get("rows") or {}).items():
        for i, v in enumerate(row):
            cell(f"表二“{label}”第{i + 1}列", v, decimal=(tpl, label, i) in _T2_DECIMAL,
                 signed=(tpl, label, i) in _T2_SIGNED)
    t3 = tables.get("table3") or {}
    for name, row in (t3.get("rows") or {}).items():
        for col, v in zip(t3.get("columns") or [], row, strict=False):
            cell(f"表三“{name}”行“{col}”列", v)
    t4 = tables.get("table4") or {}
    for group, row in (t4.get("groups") or {}).items():
        for col, v in zip(t4.get("columns") or [], row, strict=False):
            cell(f"表四“{group}”“{col}”", v)
    return bad


def check_across_years(this: dict, last: dict, relations: set[str]) -> list[dict]:
    """AR5 (上年结转 = last year's 结转下年度) and AR6 (现行有效件数 carried forward, 2021 template)."""
    out: list[dict] = []
    t3, p3 = (this.get("table3") or {}).get("rows") or {}, (last.get("table3") or {}).get("rows") or {}
    cols = (this.get("table3") or {}).get("columns") or []
    if "AR5" in relations and CARRIED in t3 and CARRY in p3:
        for c, col in enumerate(cols):
            if not _eq(t3[CARRIED][c], p3[CARRY][c]):
                out.append(_fail("AR5", f"表三“{col}”列", "本年“二、上年结转” = 上年“四、结转下年度继续办理”",
                                 t3[CARRIED][c], p3[CARRY][c], {"本年上年结转": t3[CARRIED][c],
                                                                 "上年结转下年度": p3[CARRY][c]}))
    t2, p2 = this.get("table2") or {}, last.get("table2") or {}
    if "AR6" in relations and t2.get("template") == p2.get("template") == "2021":
        for label in ("规章", "行政规范性文件"):
            row, prev = (t2.get("rows") or {}).get(label), (p2.get("rows") or {}).get(label)
            if row and prev and len(row) == 3 and len(prev) == 3:
                right = prev[2] + row[0] - row[1]
                if not _eq(row[2], right):
                    out.append(_fail("AR6", f"表二“{label}”", "现行有效件数 = 上年现行有效件数 + 本年制发 − 本年废止",
                                     row[2], right, {"上年现行有效": prev[2], "本年制发": row[0], "本年废止": row[1],
                                                     "现行有效": row[2]}))
    return out
