"""identity.missing — 页面底部标识缺失.

检查内容 / What it checks: the homepage shows each identity element the scheme requires:
网站标识码 (`site_code`), ICP备案编号 (`icp`), 公安机关备案标识 (`psb`), 党政机关网站标识 (`conac`),
网站主办单位 (`sponsor`), 联系方式 (`contact`) and the 我为政府网站找错 entry (`zhaocuo`).

Why: 政府网站发展指引 (国办发〔2017〕47号) 页面底部 elements, indicators.md §6 and web.std.footer
[U wording, C practice]; the 找错 entry is web.ded.zhaocuo_entry [C].

Fires when: an element of `identity.required` is nowhere on the homepage — not in its text, nor as
a link or image (the 党政机关 logo is usually an image from dcs.conac.cn).

Does not fire when: the element is written in another valid form, as real footers write it
(`patterns.yaml`): 主办 / 主办方： instead of 主办单位, the unit before the word (武汉市人民政府主办
武汉市数据局承办), the unit named as 版权所有 owner ([U] project choice), a "联系我们" link or a 热线 number instead of a phone number, an ICP number with a
suffix such as -1, an old 公安备案号, the 党政机关 logo or the 找错 entry as an image (alt/title
政府网站找错, or the `onclick="Link('<网站标识码>')"` image the 找错 widget draws), a link to the
找错 platform (zfwzgl/zfwzzc.www.gov.cn, …/exposure/jiucuo), the entry only in the mobile footer.

Not measured: an element whose only trace is a widget a script fills (`<script id="_jiucuo_">`,
an empty `<span id="_span_jiucuo">`, 大汉's `j-jiucuo`/`j-gov` divs) when the browser did not run or
drew nothing, or an entry hidden by its own inline style — listed in the reason, never missing
(the rule is `not_measured` when nothing else is missing). The rendered homepage DOM is read
where the browser ran, so a widget it drew counts like any entry.

Not applicable when: never; `not_measured` when the homepage could not be loaded.

Evidence: `element`, `label`, `homepage`, `rendered` (the DOM read was the browser's), `found`
(element → the text or URL that shows it), `forms` (element → the form recognised: `label`,
`suffix`, `number`, `host`, `path`, `image_alt`, `title`, `link_text`, `jiucuo_link`, `hotline` …,
"(mobile)" when only in the mobile footer), `not_measured` (element → why).
"""
from __future__ import annotations

from checks.base import Finding, Params, Rule, RuleResult
from checks.identity.footer import patterns, read_identity
from storage.snapshot import Snapshot

RULE = Rule(
    id="identity.missing", name_zh="网站标识缺失", name_en="Identity element missing",
    indicator="web.std.footer", reads=("pages",), params=("identity.required",),
)


def check(snap: Snapshot, params: Params) -> RuleResult:
    """Report each required identity element the homepage does not show; a widget seen only as a
    script (or an entry hidden by its inline style) leaves its element not measured."""
    html = snap.html(snap.homepage_url)
    home = snap.homepage
    if html is None or home is None or not home.ok:
        return RuleResult.not_measured("首页未能加载，无法检查页面底部标识 / homepage not loaded")
    ident = read_identity(html, rendered=home.rendered or None)
    labels = patterns()["labels"]
    required = list(params["identity.required"])
    evidence = {"homepage": snap.homepage_url, "rendered": ident.rendered, "found": ident.found,
                "forms": ident.forms, "not_measured": {e: ident.unmeasured[e] for e in required if e in ident.unmeasured}}
    findings = [
        Finding(
            rule=RULE.id, subject=element, page=snap.homepage_url,
            message=f"首页未发现“{labels.get(element, element)}”。",
            evidence={"element": element, "label": labels.get(element, element), **evidence},
        )
        for element in required
        if element not in ident.seen and element not in ident.unmeasured
    ]
    unmeasured = [f"{labels.get(e, e)}：{why}" for e, why in evidence["not_measured"].items()]
    if findings or not unmeasured:
        result = RuleResult.of(findings)
        if unmeasured:
            result.reason = f"{len(unmeasured)} 项未能检测：" + "；".join(unmeasured)
        return result
    return RuleResult.not_measured(f"{len(unmeasured)} 项未能检测：" + "；".join(unmeasured))
