"""content.defacement — 监测页面被篡改（与已确认基线相比）.

检查内容 / What it checks: each monitored page (sites.yaml `monitor:`; the homepage when the key is absent)
against its accepted baseline (the `baselines` facts: the first complete run's page, or the state a person
accepted with `govaudit baseline accept`): its title, its visible text, the outside hosts of its
`<script src>` and `<iframe>/<frame>`, and where it sends a visitor (an HTTP redirect, a meta refresh or an
unconditional script navigation to an outside host).

Why: 单项否决 V1(4) "a security attack (挂马, tampering) not handled in time" — indicators.md §2 and
web.veto.security_incident "Defacement or 挂马 not handled in time; compare with earlier runs" [V]. What
"in time" means is not given there, so the scheme deducts and does not veto (reports/schemes/national-2019.yaml);
a defacement carrying gambling spam is vetoed by content.spam_injection anyway.

Fires when: the page now sends visitors to an outside host it did not send them to before (a whole-page
redirect; enough on its own), or at least `defacement.min_signals` of these hold: the title is replaced
(similarity to the baseline's below `defacement.title_min_similarity`), most visible text is replaced (the
share of the baseline's `defacement.shingle_chars`-character pieces still present below
`defacement.text_min_retained`), new outside script/frame hosts appear.

Does not fire when: ordinary updates — a new article in the list, a rotated banner, a changed date or
counter (most text and the title stay); a single signal alone (a new statistics script, a reworded title);
the page could not be loaded (site.unreachable, link.broken say so) or sits behind an anti-bot wall; a
redesign after a person accepted it as the new baseline.

Not applicable when: no monitored page has an accepted baseline yet (the first complete run establishes
it); `not_measured` when no monitored page with a baseline was loaded in this run.

Evidence: `signals` (title_replaced | text_replaced | new_hosts | redirect), `baseline_title`, `title`,
`title_similarity`, `text_retained`, `new_hosts`, `redirect_host`, `baseline_run`, `baseline_accepted_by`,
`baseline_accepted_at`, `quote` (the page's new text, first 120 characters).
"""
from __future__ import annotations

from difflib import SequenceMatcher

from checks.base import Finding, Params, Rule, RuleResult
from checks.content.monitored import read_page, retained, shingles, site_hosts
from checks.derived.fetch import behind_wall
from storage.snapshot import Snapshot

RULE = Rule(
    id="content.defacement", name_zh="网页被篡改", name_en="Defaced page",
    indicator="web.veto.security_incident", reads=("pages", "baselines"),
    params=("defacement.title_min_similarity", "defacement.text_min_retained", "defacement.shingle_chars",
            "defacement.min_text_chars", "defacement.min_signals"),
)


def check(snap: Snapshot, params: Params) -> RuleResult:
    """Report each monitored page changed against its baseline the way a hijack changes a page."""
    if not snap.baselines:
        return RuleResult.not_applicable("监测页面尚无已确认基线（首次完整检查建立基线）/ no accepted baseline yet")
    min_title, min_kept = float(params["defacement.title_min_similarity"]), float(params["defacement.text_min_retained"])
    n, min_chars, min_signals = int(params["defacement.shingle_chars"]), int(params["defacement.min_text_chars"]), \
        int(params["defacement.min_signals"])
    hosts = site_hosts(snap.homepage_url, snap.site.url)
    findings: list[Finding] = []
    judged = 0
    for base in snap.baselines:
        page = snap.pages.get(base.url)
        if page is None or not page.ok or not page.is_html or behind_wall(page):
            continue
        judged += 1
        now = read_page(page, snap.html(base.url), hosts)
        signals: list[str] = []
        similarity = SequenceMatcher(None, base.title or "", now.title).ratio() if base.title else 1.0
        if base.title and similarity < min_title:
            signals.append("title_replaced")
        kept = retained(base.text or "", now.text, n)
        if len(shingles(base.text or "", n)) >= min_chars and kept < min_kept:
            signals.append("text_replaced")
        new_hosts = sorted((set(now.script_hosts) | set(now.iframe_hosts))
                           - set(base.script_hosts) - set(base.iframe_hosts))
        if new_hosts:
            signals.append("new_hosts")
        redirect = now.redirect_host if now.redirect_host and now.redirect_host != base.redirect_host else None
        if redirect:
            signals.append("redirect")
        if not redirect and len(signals) < min_signals:
            continue
        what = {"title_replaced": f"标题由“{(base.title or '')[:30]}”变为“{now.title[:30]}”",
                "text_replaced": f"页面文字仅保留基线的{kept:.0%}",
                "new_hosts": f"新增外部脚本/框架来源 {', '.join(new_hosts[:3])}",
                "redirect": f"整页跳转至 {redirect}"}
        findings.append(Finding(
            rule=RULE.id, subject=base.url, page=base.url,
            message="监测页面与已确认基线相比疑似被篡改：" + "；".join(what[s] for s in signals),
            evidence={"signals": signals, "baseline_title": base.title, "title": now.title,
                      "title_similarity": round(similarity, 3), "text_retained": round(kept, 3),
                      "new_hosts": new_hosts, "redirect_host": redirect, "baseline_run": base.source_run_id,
                      "baseline_accepted_by": base.accepted_by,
                      "baseline_accepted_at": base.accepted_at.isoformat() if base.accepted_at else None,
                      "quote": now.text[:120]},
        ))
    if judged == 0:
        return RuleResult.not_measured("有基线的监测页面本次均未能加载 / no monitored page with a baseline was loaded")
    return RuleResult.of(findings)
