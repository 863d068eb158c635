"""The sites registry (`sites.yaml`, CONTRACT.md §2): loaded, validated, errors with file and line."""
from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from storage.safeyaml import StrictLoader
from storage.vocabulary import canonical

COLUMN_TYPES = ("news", "notice", "policy", "personnel", "plan", "interaction", "service", "other")
PLATFORMS = ("weibo", "wechat", "douyin", "toutiao", "rss", "atom", "manual")


class RegistryError(ValueError):
    """A bad registry file; the message names the file, the line and the key."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*):")
_BAD_CHARS = re.compile(r"[\x00-\x1f\x7f]")


def url_ref(v: Any) -> Any:
    """A URL field of the registry: an absolute http(s) URL or a reference relative to the site's url —
    never another scheme (`javascript:`, `data:`, `file:` …) nor control characters."""
    if not isinstance(v, str):
        return v
    text = v.strip()
    if not text:
        raise ValueError("empty URL")
    if _BAD_CHARS.search(text):
        raise ValueError(f"control characters in URL: {v!r}")
    m = _SCHEME.match(text)
    if m and m.group(1).lower() not in ("http", "https"):
        raise ValueError(f"not an http(s) URL ({m.group(1)}: is never fetched): {v!r}")
    if (m or text.startswith("//")) and canonical(text if m else "http:" + text) is None:
        raise ValueError(f"not an absolute http(s) URL: {v!r}")
    return text


class ColumnEntry(_Strict):
    url: str
    type: Literal[COLUMN_TYPES]  # type: ignore[valid-type]
    name: str | None = None
    level: Literal[1, 2] | None = None  # 一级/二级 when discovery's reading of the column tree is wrong
    render: Literal["auto", "always"] = "auto"  # always: load this list page in the browser (docs/browser.md)

    @field_validator("url")
    @classmethod
    def _url(cls, v: str) -> str:
        return url_ref(v)


class AccountEntry(_Strict):
    platform: Literal[PLATFORMS]  # type: ignore[valid-type]
    handle: str
    name: str | None = None
    # optional: interaction channels a person checked (留言/评论, 私信, 菜单), used where the platform hides them
    interaction: dict[Literal["comments", "messages", "menu"], bool] | None = None

    @field_validator("handle", mode="before")
    @classmethod
    def _handle(cls, v: Any) -> Any:
        if isinstance(v, str) and (m := _SCHEME.match(v.strip())) and m.group(1).lower() in (
                "javascript", "data", "vbscript", "file", "ftp", "blob"):
            raise ValueError(f"not an account id or http(s) URL: {v!r}")
        return v


class PlatformEntry(_Strict):
    """The 集约化 platform a site is meant to run on, and the fingerprints that identify it."""

    name: str = Field(min_length=1)
    hosts: list[str] = Field(default_factory=list)  # host globs, e.g. "*.hubei.gov.cn"
    cnames: list[str] = Field(default_factory=list)  # CNAME target globs, e.g. "*.jyh.hubei.gov.cn"
    search: list[str] = Field(default_factory=list)  # shared search endpoint URL globs
    markers: list[str] = Field(default_factory=list)  # template markers: substrings of the homepage HTML


class SiteEntry(_Strict):
    id: str = Field(min_length=1, max_length=64)
    name: str = Field(min_length=1)
    url: str
    kind: Literal["portal", "department"] = "portal"
    unit: str | None = None
    columns: list[ColumnEntry] = Field(default_factory=list)
    interaction: list[str] = Field(default_factory=list)
    disclosure: str | None = None
    accounts: list[AccountEntry] = Field(default_factory=list)
    platform: PlatformEntry | None = None
    render: Literal["never", "auto", "always"] = "auto"  # when pages may go to the browser (docs/browser.md)
    https: str | None = None  # the homepage's HTTPS address when not https://<host>/ (non-default port)
    group: str | None = Field(default=None, min_length=1)  # the ranking group of evaluations (县市区 / 市直部门)
    monitor: list[str] | None = None  # pages watched for defacement (default: the homepage; docs/supervision.md)
    network: list[str] = Field(default_factory=list)  # a private site's own ranges (CIDR; README "Safety")
    run_deadline_s: float | None = Field(default=None, gt=0)  # the crawl's deadline (scheme crawl.run_deadline_s)

    @field_validator("network", mode="before")
    @classmethod
    def _network_cidrs(cls, v: Any) -> Any:
        return _cidrs(v)

    @field_validator("disclosure")
    @classmethod
    def _disclosure_url(cls, v: str | None) -> str | None:
        return None if v is None else url_ref(v)

    @field_validator("interaction", "monitor")
    @classmethod
    def _url_list(cls, v: list[str] | None) -> list[str] | None:
        return None if v is None else [url_ref(x) for x in v]

    @field_validator("id", mode="before")
    @classmethod
    def _id_text(cls, v: Any) -> Any:
        if isinstance(v, int) and not isinstance(v, bool):
            return str(v)  # an unquoted 4213000001 is still the 标识码
        return v

    @field_validator("id")
    @classmethod
    def _id_safe(cls, v: str) -> str:
        if not re.fullmatch(r"[A-Za-z0-9_.-]+", v) or v in (".", ".."):
            raise ValueError("must be letters, digits, '.', '_' or '-' (it names the output folder)")
        return v

    @field_validator("url")
    @classmethod
    def _absolute_http(cls, v: str) -> str:
        url = canonical(v)
        if url is None or not re.match(r"https?://", v.strip(), re.IGNORECASE):
            raise ValueError(f"not an absolute http(s) URL: {v!r}")
        return url

    @field_validator("https")
    @classmethod
    def _absolute_https(cls, v: str | None) -> str | None:
        if v is None:
            return v
        url = canonical(v)
        if url is None or not url.startswith("https://"):
            raise ValueError(f"not an absolute https URL: {v!r}")
        return url

    def resolve(self, ref: str) -> str:
        """A URL of the entry (column, disclosure root …) made absolute against the site's url."""
        return canonical(ref, self.url) or ref


class EmailEntry(_Strict):
    """Alert e-mail: recipients, the SMTP server as a URL (smtp://host:port, smtps://…, user:password@ optional)."""

    to: list[str] = Field(min_length=1)
    smtp: str = Field(pattern=r"^smtps?://")
    from_: str = Field(alias="from", min_length=3)


class AlertsEntry(_Strict):
    """Same-day alerts for new or recurring problems of the chosen rules (docs/supervision.md)."""

    rules: list[str] = Field(default_factory=lambda: ["content.", "site.unreachable", "content.defacement"])
    webhook: list[str] = Field(default_factory=list)
    email: EmailEntry | None = None
    retries: int = Field(default=3, ge=1, le=10)  # attempts per delivery
    backoff_s: float = Field(default=2.0, ge=0)  # the wait before attempt n+1 is backoff_s * 2**(n-1)
    report_url: str | None = None  # where OUT is published (the e-mail's link); default: the report's file path

    @field_validator("webhook")
    @classmethod
    def _http(cls, v: list[str]) -> list[str]:
        for url in v:
            if canonical(url) is None:
                raise ValueError(f"not an http(s) URL: {url!r}")
        return v


class ScheduleEntry(_Strict):
    """Cron expressions (5 fields, Beijing time) of the scheduled jobs (docs/supervision.md)."""

    audit: str | None = None
    probe: str | None = None
    newmedia: str | None = None
    recheck: str | None = None
    bulletin: str | None = None
    prune: str | None = None  # govaudit prune with the registry's retention: windows (docs/history.md)
    out: str = "out"  # where scheduled audits write their reports (relative to the sites.yaml)
    lease_s: int = Field(default=6 * 3600, ge=10)  # a site's lock expires after this (a crashed machine)
    misfire_grace_s: int = Field(default=6 * 3600, ge=1)  # a run missed by less than this is caught up once
    bulletin_days: int = Field(default=91, ge=1)  # the period a scheduled bulletin covers (ending yesterday)

    @field_validator("audit", "probe", "recheck", "bulletin", "prune")
    @classmethod
    def _cron(cls, v: str | None) -> str | None:
        if v is not None:
            from govaudit.scheduler import trigger

            trigger(v)  # ValueError names what is wrong with the expression
        return v

    @field_validator("newmedia")
    @classmethod
    def _no_newmedia_job(cls, v: str | None) -> str | None:
        if v is not None:
            raise ValueError("no separate new-media job yet: every audit reads the accounts (schedule audit:)")
        return v


class RetentionEntry(_Strict):
    """How `govaudit prune` thins old runs (docs/history.md "Retention"); the defaults are project choices [U]."""

    daily: int = Field(default=31, ge=0)  # days: one run per day
    weekly: int = Field(default=13, ge=0)  # weeks before those days: one run per ISO week
    monthly: int = Field(default=12, ge=0)  # calendar months before those weeks: one run per month


class Registry(_Strict):
    scheme: str | None = None
    sites: list[SiteEntry] = Field(min_length=1)
    platforms: dict[str, str] = Field(default_factory=dict)
    alerts: AlertsEntry | None = None  # docs/supervision.md
    schedule: ScheduleEntry | None = None  # docs/supervision.md
    retention: RetentionEntry | None = None  # docs/history.md "Retention" (govaudit prune)
    deny: list[str] = Field(default_factory=list)  # ranges never fetched by any path (README "Safety")

    @field_validator("deny", mode="before")
    @classmethod
    def _deny_cidrs(cls, v: Any) -> Any:
        return _cidrs(v)


def _cidrs(v: Any) -> Any:
    """A CIDR or a list of them, each checked (crawler.egress.parse_ranges names the bad one)."""
    import ipaddress

    values = [v] if isinstance(v, str) else v
    if not isinstance(values, list):
        return v
    for value in values:
        try:
            ipaddress.ip_network(str(value).strip(), strict=False)
        except ValueError:
            raise ValueError(f"{value!r} is not an IP range (CIDR such as 10.0.0.0/8 or fd00::/8)") from None
    return [str(x).strip() for x in values]


class _LineLoader(StrictLoader):
    """A SafeLoader that remembers the line of every mapping key and sequence item."""


def _construct_mapping(loader: _LineLoader, node: yaml.MappingNode) -> dict:
    mapping = {}
    lines = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        mapping[key] = loader.construct_object(value_node, deep=True)
        lines[key] = key_node.start_mark.line + 1
    mapping["__lines__"] = lines
    mapping["__line__"] = node.start_mark.line + 1
    return mapping


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def _strip(data: Any) -> Any:
    if isinstance(data, dict):
        return {k: _strip(v) for k, v in data.items() if k not in ("__lines__", "__line__")}
    if isinstance(data, list):
        return [_strip(v) for v in data]
    return data


def _line_of(data: Any, loc: tuple) -> int | None:
    """The line of the deepest node of `loc` that the file has."""
    line = data.get("__line__") if isinstance(data, dict) else None
    node = data
    for part in loc:
        if isinstance(node, dict) and part in node:
            line = node["__lines__"].get(part, line)
            node = node[part]
        elif isinstance(node, list) and isinstance(part, int) and part < len(node):
            node = node[part]
            line = node.get("__line__", line) if isinstance(node, dict) else line
        else:
            break
    return line


def load_registry(path: str | Path) -> Registry:
    """Load and validate a sites.yaml; any problem is one RegistryError naming file, line and key."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise RegistryError(f"{path}: cannot read: {exc.strerror}") from None
    except UnicodeDecodeError:
        raise RegistryError(f"{path}: not UTF-8 text") from None
    try:
        data = yaml.load(text, Loader=_LineLoader)  # noqa: S506 - a SafeLoader subclass (storage.safeyaml)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark else "?"
        raise RegistryError(f"{path}:{where}: not valid YAML: {getattr(exc, 'problem', exc)}") from None
    if not isinstance(data, dict):
        raise RegistryError(f"{path}: expected a mapping with a 'sites:' list")
    try:
        registry = Registry.model_validate(_strip(data))
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = tuple(err["loc"])
        key = ".".join(str(x) for x in loc)
        line = _line_of(data, loc)
        msg = "unknown key" if err["type"] == "extra_forbidden" else err["msg"]
        raise RegistryError(f"{path}:{line}: {key}: {msg}") from None
    seen: dict[str, int] = {}
    for i, site in enumerate(registry.sites):
        line = _line_of(data, ("sites", i))
        if site.id in seen:
            raise RegistryError(f"{path}:{line}: sites.{i}.id: duplicate site id {site.id!r} (first on line {seen[site.id]})")
        seen[site.id] = line or 0
    for name, base in registry.platforms.items():
        if name not in PLATFORMS:
            raise RegistryError(f"{path}:{_line_of(data, ('platforms', name))}: platforms.{name}: unknown platform "
                                f"(one of {', '.join(PLATFORMS)})")
        if canonical(base) is None:
            raise RegistryError(f"{path}:{_line_of(data, ('platforms', name))}: platforms.{name}: not an http(s) URL")
    return registry
