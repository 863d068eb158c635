"""Same-day alerts (docs/supervision.md): after a run, the new or recurring problems of the chosen rules go
to every webhook (one JSON POST per run and target) and by e-mail (one message per run, in Chinese, with
the evidence and report links). One alert per problem, target and day; a persisting problem never alerts
again; a failed delivery is retried with backoff, logged and recorded (`alert_delivery`), and never fails
the run.

Alerts are notifications the supervisor configured, not gathering: they talk to the supervisor's own
webhook and SMTP server, never to an audited site, so they live here rather than in `crawler/`.
"""
from __future__ import annotations

import json
import logging
import smtplib
import ssl
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from email.message import EmailMessage
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from govaudit.registry import AlertsEntry
from storage.session import session_scope
from storage.supervision import already_alerted, record_delivery
from storage.vocabulary import ALERT_CHANGES, beijing_today

log = logging.getLogger(__name__)
SCHEMA = "govaudit.alerts/1"


@dataclass
class Outcome:
    channel: str
    target: str
    problems: list[int]
    state: str  # sent | failed
    attempts: int
    error: str | None = None


def matches(rule: str, prefixes: list[str]) -> bool:
    """`content.` and `content.*` match every content rule; an id matches itself."""
    for p in prefixes:
        stem = p.rstrip("*")
        if rule == p or (stem.endswith(".") and rule.startswith(stem)) or (p.endswith("*") and rule.startswith(stem)):
            return True
    return False


def alertable(doc: dict, config: AlertsEntry) -> list[dict]:
    """The findings of a run's document that alert: a matching rule, a problem new or recurring in this run."""
    return [f for f in doc.get("findings", [])
            if matches(f["rule"], config.rules) and (f.get("problem") or {}).get("change") in ALERT_CHANGES
            and (f.get("problem") or {}).get("id") is not None]


def webhook_body(doc: dict, findings: list[dict], report: str) -> dict:
    """The JSON a webhook receives (schema `govaudit.alerts/1`, docs/supervision.md)."""
    return {
        "schema": SCHEMA,
        "site": doc["site"],
        "run": {k: doc["run"].get(k) for k in ("id", "as_of", "kind", "state", "finished_at")},
        "report": report,
        "alerts": [{"problem": f["problem"], "rule": f["rule"], "name_zh": f.get("name_zh"), "subject": f["subject"],
                    "page": f.get("page"), "severity": f.get("severity"), "message": f["message"],
                    "evidence": f.get("evidence"), "screenshot": f.get("screenshot")} for f in findings],
    }


def email_message(doc: dict, findings: list[dict], report: str, config: AlertsEntry) -> EmailMessage:
    """The alert e-mail (Chinese): one per run, every alerting problem with its evidence and the report link."""
    site = doc["site"]
    msg = EmailMessage()
    msg["Subject"] = f"【政府网站监测告警】{site['name']}（{site['id']}）发现 {len(findings)} 个新问题"
    msg["From"] = config.email.from_
    msg["To"] = ", ".join(config.email.to)
    lines = [f"{site['name']}（网站标识码 {site['id']}，{site['url']}）在 {doc['run']['as_of']} 的检查（第 {doc['run']['id']} 次运行）"
             f"发现以下新出现或再次出现的问题，请立即核查处置：", ""]
    for i, f in enumerate(findings, 1):
        change = "新发现" if f["problem"]["change"] == "new" else "再次出现"
        lines += [f"{i}. [{change}] {f.get('name_zh') or f['rule']}（{f['rule']}，问题编号 {f['problem']['id']}）",
                  f"   对象：{f['subject']}", f"   说明：{f['message']}"]
        if f.get("page"):
            lines.append(f"   页面：{f['page']}")
        if f.get("screenshot"):
            lines.append(f"   截图：{_link(report, f['screenshot'])}")
        lines.append(f"   证据：{json.dumps(f.get('evidence') or {}, ensure_ascii=False)[:600]}")
    lines += ["", f"检查报告（含证据）：{report}", "", "—— govaudit 自动发送，请勿直接回复"]
    msg.set_content("\n".join(lines))
    return msg


def send_alerts(db_url: str, docs: list[dict], config: AlertsEntry | None, out: Path,
                today: date | None = None, sleep: Callable[[float], None] = time.sleep) -> list[Outcome]:
    """Deliver the alerts of the runs' documents; every outcome is logged and recorded, none raises."""
    if config is None or not (config.webhook or config.email):
        return []
    day = today or beijing_today()
    outcomes: list[Outcome] = []
    for doc in docs:
        try:
            outcomes += _send_run(db_url, doc, config, out, day, sleep)
        except Exception as exc:  # noqa: BLE001 - an alert never fails the run
            log.exception("alerts of run %s failed", doc.get("run", {}).get("id"))
            outcomes.append(Outcome("?", "?", [], "failed", 0, f"{type(exc).__name__}: {exc}"))
    return outcomes


def _send_run(db_url: str, doc: dict, config: AlertsEntry, out: Path, day: date,
              sleep: Callable[[float], None]) -> list[Outcome]:
    findings = alertable(doc, config)
    if not findings:
        return []
    report = _report_link(doc, config, out)
    targets: list[tuple[str, str, Callable[[list[dict]], None]]] = [
        ("webhook", url, lambda fs, url=url: _post(url, webhook_body(doc, fs, report))) for url in config.webhook]
    if config.email:
        targets.append(("email", ",".join(config.email.to),
                        lambda fs: _mail(config, email_message(doc, fs, report, config))))
    outcomes = []
    for channel, target, deliver in targets:
        with session_scope(db_url) as session:
            due = [f for f in findings
                   if (row := already_alerted(session, f["problem"]["id"], channel, target, day)) is None
                   or row.state != "sent"]
        if not due:
            continue
        outcome = _attempt(channel, target, deliver, due, config, sleep)
        with session_scope(db_url) as session:
            for f in due:
                record_delivery(session, problem_id=f["problem"]["id"], run_id=doc["run"]["id"], site_id=doc["site"]["id"],
                                rule=f["rule"], subject=f["subject"], change=f["problem"]["change"], channel=channel,
                                target=target, day=day, state=outcome.state, attempts=outcome.attempts,
                                error=outcome.error)
        outcomes.append(outcome)
    return outcomes


def _attempt(channel: str, target: str, deliver: Callable[[list[dict]], None], findings: list[dict],
             config: AlertsEntry, sleep: Callable[[float], None]) -> Outcome:
    ids = [f["problem"]["id"] for f in findings]
    error = None
    for attempt in range(1, config.retries + 1):
        try:
            deliver(findings)
        except Exception as exc:  # noqa: BLE001 - recorded and retried
            error = f"{type(exc).__name__}: {exc}"
            log.warning("alert %s to %s failed (attempt %d/%d): %s", channel, _masked(target), attempt,
                        config.retries, error)
            if attempt < config.retries:
                sleep(config.backoff_s * 2 ** (attempt - 1))
            continue
        log.info("alert %s to %s sent: problems %s", channel, _masked(target), ids)
        return Outcome(channel, target, ids, "sent", attempt)
    log.error("alert %s to %s not delivered after %d attempts: %s", channel, _masked(target), config.retries, error)
    return Outcome(channel, target, ids, "failed", config.retries, error)


def _post(url: str, body: dict, timeout: float = 15) -> None:
    data = json.dumps(body, ensure_ascii=False).encode("utf-8")
    req = urllib.request.Request(url, data=data, method="POST",
                                 headers={"Content-Type": "application/json; charset=utf-8",
                                          "User-Agent": "govaudit-alerts"})
    with urllib.request.urlopen(req, timeout=timeout) as resp:  # noqa: S310 - the supervisor's own URL
        if resp.status >= 300:
            raise OSError(f"HTTP {resp.status}")


def _mail(config: AlertsEntry, msg: EmailMessage, timeout: float = 15) -> None:
    url = urlsplit(config.email.smtp)
    host, secure = url.hostname or "localhost", url.scheme == "smtps"
    port = url.port or (465 if secure else 25)
    smtp = smtplib.SMTP_SSL(host, port, timeout=timeout, context=ssl.create_default_context()) if secure \
        else smtplib.SMTP(host, port, timeout=timeout)
    with smtp:
        if not secure and "starttls" in (url.query or ""):
            smtp.starttls(context=ssl.create_default_context())
        if url.username:
            smtp.login(unquote(url.username), unquote(url.password or ""))
        smtp.send_message(msg)


def _report_link(doc: dict, config: AlertsEntry, out: Path) -> str:
    site = doc["site"]["id"]
    if config.report_url:
        return config.report_url.rstrip("/") + f"/{site}/report.html"
    return str((out / site / "report.html").resolve())


def _link(report: str, path: str) -> str:
    return report.rsplit("/", 1)[0] + "/" + path


def _masked(target: str) -> str:
    """A target for the log without a password or a query token."""
    parts = urlsplit(target)
    if parts.scheme and parts.netloc:
        host = parts.hostname or ""
        return f"{parts.scheme}://{host}{':' + str(parts.port) if parts.port else ''}{parts.path}"
    return target
