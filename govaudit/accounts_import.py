"""`govaudit accounts import`: merge the account lists units report (xlsx/csv) into a sites.yaml.

Each row names a unit (网站标识码, site name or 主办单位 of a registry site), a platform (微博, 微信,
抖音, 今日头条, RSS … or the registry names), the account's name, and its id or URL. Accounts
already in the site (same platform and handle) get the new name; others are appended.
"""
from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap

from govaudit.registry import PLATFORMS, RegistryError, load_registry

HEADERS = {
    "unit": ("单位", "单位名称", "主办单位", "开设单位", "unit", "site", "网站标识码", "网站"),
    "platform": ("平台", "平台类型", "账号类型", "platform"),
    "name": ("账号名称", "名称", "name"),
    "handle": ("账号", "账号id", "id", "url", "链接", "账号链接", "网址", "handle", "账号/链接", "id/url"),
}
PLATFORM_NAMES = {
    "weibo": "weibo", "微博": "weibo", "新浪微博": "weibo", "wechat": "wechat", "微信": "wechat",
    "微信公众号": "wechat", "公众号": "wechat", "douyin": "douyin", "抖音": "douyin", "toutiao": "toutiao",
    "今日头条": "toutiao", "头条": "toutiao", "头条号": "toutiao", "rss": "rss", "atom": "atom", "manual": "manual",
}


class ImportError_(ValueError):  # noqa: N801 - ImportError is a builtin
    """A bad input row: the message names the file and the line."""


@dataclass
class Row:
    line: int
    unit: str
    platform: str
    name: str
    handle: str


def handle_of(platform: str, value: str) -> str:
    """The registry handle of an id or profile URL (weibo uid, __biz, sec_uid, token, feed URL)."""
    value = value.strip()
    if platform in ("rss", "atom", "manual") or not re.match(r"https?://", value):
        return value
    parts = urlsplit(value)
    segments = [s for s in parts.path.split("/") if s]
    if platform == "weibo":
        digits = [s for s in segments if s.isdigit()]
        return digits[-1] if digits else value
    if platform == "wechat":
        biz = parse_qs(parts.query).get("__biz")
        return biz[0] if biz else value
    if platform == "douyin" and "user" in segments and segments.index("user") + 1 < len(segments):
        return segments[segments.index("user") + 1]
    if platform == "toutiao" and "token" in segments and segments.index("token") + 1 < len(segments):
        return segments[segments.index("token") + 1]
    return value


def _table(path: Path) -> list[tuple[int, list[str]]]:
    if path.suffix.lower() == ".xlsx":
        from openpyxl import load_workbook

        try:
            wb = load_workbook(path, read_only=True, data_only=True)
        except Exception as exc:  # noqa: BLE001 - any unreadable workbook is bad input
            raise ImportError_(f"{path}: not a readable .xlsx workbook: {exc}") from None
        ws = wb.worksheets[0]
        rows = [(i, ["" if v is None else str(v).strip() for v in r])
                for i, r in enumerate(ws.iter_rows(values_only=True), start=1)]
        wb.close()
        return rows
    if path.suffix.lower() != ".csv":
        raise ImportError_(f"{path}: expected a .xlsx or .csv file")
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("gb18030")
    return [(i, [c.strip() for c in r]) for i, r in enumerate(csv.reader(io.StringIO(text)), start=1)]


def read_rows(path: Path) -> list[Row]:
    """The rows of an account list; the first non-empty row is the header."""
    try:
        table = [(i, r) for i, r in _table(path) if any(r)]
    except OSError as exc:
        raise ImportError_(f"{path}: cannot read: {exc.strerror}") from None
    if not table:
        raise ImportError_(f"{path}: empty file")
    head_line, header = table[0]
    index: dict[str, int] = {}
    for col, title in enumerate(header):
        for key, names in HEADERS.items():
            if title.strip().lower() in names and key not in index:
                index[key] = col
    missing = [k for k in HEADERS if k not in index]
    if missing:
        raise ImportError_(f"{path}:{head_line}: header lacks column(s) {', '.join(missing)} "
                           f"(e.g. 单位, 平台, 账号名称, 账号/链接)")
    rows = []
    for line, cells in table[1:]:
        get = lambda k: cells[index[k]].strip() if index[k] < len(cells) else ""  # noqa: E731
        values = {k: get(k) for k in HEADERS}
        for key in ("unit", "platform", "handle"):
            if not values[key]:
                raise ImportError_(f"{path}:{line}: {key}: empty")
        platform = PLATFORM_NAMES.get(values["platform"].lower())
        if platform is None:
            raise ImportError_(f"{path}:{line}: platform: unknown platform {values['platform']!r} "
                               f"(one of {', '.join(PLATFORMS)} or 微博/微信/抖音/今日头条)")
        rows.append(Row(line, values["unit"], platform, values["name"], handle_of(platform, values["handle"])))
    return rows


def _check_handle(row: Row, source: Path, registry_dir: Path, deny: list[str]) -> None:
    """Per platform: a feed is an http(s) URL outside every denied range (README "Safety"); a manual CSV lies
    inside the registry's folder (an import never points the audit at other files of the machine)."""
    where = f"{source}:{row.line}: handle"
    if row.platform in ("rss", "atom"):
        if not re.match(r"https?://[^/]", row.handle, re.IGNORECASE):
            raise ImportError_(f"{where}: a feed must be an http(s) URL, got {row.handle!r}")
        from govaudit.pipeline import egress_refusal

        reason = egress_refusal(row.handle, deny)
        if reason is not None:
            raise ImportError_(f"{where}: {row.handle} is refused: {reason}")
    elif row.platform == "manual":
        path = Path(row.handle)
        full = (path if path.is_absolute() else registry_dir / path).resolve()
        if not full.is_relative_to(registry_dir):
            raise ImportError_(f"{where}: {row.handle!r} lies outside the registry's folder {registry_dir}")


def import_accounts(source: Path, sites: Path, out: Path) -> dict[str, int]:
    """Merge the account list into the registry and write it to `out`; returns {added, updated}."""
    try:
        load_registry(sites)  # the registry must be valid before we touch it
    except RegistryError as exc:
        raise ImportError_(str(exc)) from None
    rows = read_rows(source)
    # A round trip: the registry keeps its comments, key order and quoting; only accounts are added.
    rt = YAML()
    rt.width, rt.preserve_quotes = 120, True
    rt.indent(mapping=2, sequence=4, offset=2)
    data = rt.load(sites.read_text(encoding="utf-8"))
    lookup: dict[str, dict] = {}
    for entry in data["sites"]:
        for key in (str(entry.get("id")), entry.get("name"), entry.get("unit")):
            if key:
                lookup.setdefault(str(key).strip(), entry)
    counts = {"added": 0, "updated": 0}
    deny = [str(d) for d in (data.get("deny") or [])]
    for row in rows:
        _check_handle(row, source, sites.resolve().parent, deny)
    for row in rows:
        entry = lookup.get(row.unit)
        if entry is None:
            raise ImportError_(f"{source}:{row.line}: unit: {row.unit!r} matches no site id, name or unit in {sites}")
        accounts = entry.setdefault("accounts", [])
        same = next((a for a in accounts if a["platform"] == row.platform and str(a["handle"]) == row.handle), None)
        if same is None:
            account = CommentedMap([("platform", row.platform), ("handle", row.handle)])
            if row.name:
                account["name"] = row.name
            accounts.append(account)
            counts["added"] += 1
        elif row.name and same.get("name") != row.name:
            same["name"] = row.name
            counts["updated"] += 1
    buffer = io.StringIO()
    rt.dump(data, buffer)
    text = buffer.getvalue()
    tmp = out.with_name(out.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    try:
        load_registry(tmp)
    except RegistryError as exc:
        tmp.unlink()
        raise ImportError_(f"{source}: the merged registry is invalid: {exc}") from None
    tmp.replace(out)
    return counts
