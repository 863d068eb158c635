"""security.no_https — 未使用HTTPS或证书无效.

检查内容 / What it checks: the homepage host over HTTPS at audit time — whether a TLS handshake
works, whether the certificate is trusted, current at as_of and issued for the host, and whether
the plain-HTTP homepage sends people on to HTTPS.

Why: web.std.https (indicators.md §11): "Working HTTPS, valid certificate" — required by later
documents rather than clearly by the 2017 指引 [U]; national-2019 deducts.

Fires when: (one finding, `problems` lists each) `no_https` — no TLS handshake on the HTTPS port
while the host answers plain HTTP, or the handshake itself fails; `cert_expired` / `cert_not_yet_valid`
— as_of is outside the certificate's dates; `host_mismatch` — no name of the certificate covers the
host; `cert_untrusted` — the system's CAs reject the chain (self-signed, unknown issuer);
`http_not_redirected` — `http://` loads without ending on `https://`; `browser_cert_invalid` — the
browser's egress proxy found the homepage host's certificate failing verification while the crawl ran
(fact family `browser_tls`, gathered only with a browser; the browser itself accepts invalid certificates
so the site can still be audited, never silently) and no other certificate problem names it already.

Does not fire when: a valid certificate for the host (a `*.` wildcard counts) and HTTP redirected
to HTTPS; HTTP not served at all (nothing to redirect); the plain-HTTP address could not be derived
(HTTPS on a non-default port: that part is not measured).

Not applicable when: never. `not_measured` when no TLS check was gathered, or the host answered
neither HTTPS nor HTTP (DNS failure, down: `site.unreachable`'s case).

Evidence: `problems`, `https_url`, `error`, `error_detail`, `verify_error`, `host_match`,
`cert_names`, `issuer`, `not_before`, `not_after`, `self_signed`, `http_url`, `http_status`,
`http_final_url`, and `browser_tls_errors` when the browser saw a failing certificate.
"""
from __future__ import annotations

from urllib.parse import urlsplit

from checks.base import Finding, Params, Rule, RuleResult
from storage.snapshot import Snapshot

RULE = Rule(
    id="security.no_https", name_zh="未使用HTTPS或证书无效", name_en="No working HTTPS or invalid certificate",
    indicator="web.std.https", reads=("tls",),
)
# OpenSSL verify codes that other problems already name (dates; host name, IP address).
_NAMED_CODES = ("9:", "10:", "62:", "64:")
_MESSAGES = {
    "no_https": "不支持HTTPS访问", "cert_expired": "证书已过期", "cert_not_yet_valid": "证书尚未生效",
    "host_mismatch": "证书与域名不符", "cert_untrusted": "证书不受信任（自签名或颁发机构未知）",
    "http_not_redirected": "HTTP访问未跳转到HTTPS", "browser_cert_invalid": "浏览器访问时证书校验失败",
}
_CERT_PROBLEMS = {"no_https", "cert_expired", "cert_not_yet_valid", "host_mismatch", "cert_untrusted"}


def check(snap: Snapshot, params: Params) -> RuleResult:
    """Report the homepage when HTTPS is missing, its certificate invalid, or HTTP is not redirected."""
    home_host = (urlsplit(snap.homepage_url).hostname or "").lower()
    tls = next((t for t in snap.tls if t.host == home_host), snap.tls[0] if snap.tls else None)
    if tls is None:
        return RuleResult.not_measured("没有HTTPS检测记录 / no TLS check was gathered")
    http_answered = tls.http_status is not None
    problems: list[str] = []
    if not tls.handshake_ok:
        if tls.error == "tls" or http_answered:
            problems.append("no_https")
        else:
            return RuleResult.not_measured(f"主机无法访问（{tls.error}: {tls.error_detail}）/ host unreachable")
    else:
        if tls.not_after is not None and tls.not_after < snap.as_of:
            problems.append("cert_expired")
        if tls.not_before is not None and tls.not_before > snap.as_of:
            problems.append("cert_not_yet_valid")
        if tls.host_match is False:
            problems.append("host_mismatch")
        if tls.cert_verified is False and not (tls.verify_error or "").startswith(_NAMED_CODES):
            problems.append("cert_untrusted")
    if http_answered and tls.http_error is None and tls.http_status < 400 \
            and not (tls.http_final_url or "").startswith("https://"):
        problems.append("http_not_redirected")
    seen = [b for b in getattr(snap, "browser_tls", []) if b.host == home_host and not b.verified]
    if seen and not _CERT_PROBLEMS & set(problems):
        problems.append("browser_cert_invalid")
    if not problems:
        return RuleResult.of([])
    return RuleResult.of([Finding(
        rule=RULE.id, subject=snap.homepage_url, page=snap.homepage_url,
        message="HTTPS问题：" + "；".join(_MESSAGES[p] for p in problems) + "。",
        evidence={
            "problems": problems, "https_url": tls.https_url, "error": tls.error, "error_detail": tls.error_detail,
            "verify_error": tls.verify_error, "host_match": tls.host_match, "cert_names": list(tls.cert_names),
            "issuer": tls.cert_issuer, "not_before": tls.not_before.isoformat() if tls.not_before else None,
            "not_after": tls.not_after.isoformat() if tls.not_after else None, "self_signed": tls.self_signed,
            "http_url": tls.http_url, "http_status": tls.http_status, "http_final_url": tls.http_final_url,
            **({"browser_tls_errors": [f"{b.host}:{b.port} {b.error}" for b in seen]} if seen else {}),
        },
    )])
