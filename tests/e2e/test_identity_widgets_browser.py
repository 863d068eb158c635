"""identity.missing reads the rendered homepage where the browser ran: the 找错 entry the official widget
script draws is found there; without the browser the same page leaves zhaocuo not measured — never
missing. The look-alike: a widget whose script is gone (404) draws nothing: not measured either."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from demo.server import FixtureServer, Route

HOME = """<html><head><meta charset="utf-8"><title>示例镇人民政府</title></head><body>
<h1>示例镇人民政府</h1><p>新闻</p>
<div class="footer"><p>主办单位：示例镇人民政府办公室 联系电话：0722-3456789</p>
<p>网站标识码：4213000009 鄂ICP备05003457号 鄂公网安备 42130202000123号</p>
<a href="https://bszs.conac.cn/sitename?method=show&id=1"><img src="/red.png" alt="党政机关"></a>
<span id="_span_jiucuo"><script id="_jiucuo_" sitecode="4213000009" src="{script}"></script></span></div>
</body></html>"""
# what the platform's jiucuo.js does: write the entry (an image link to the 找错 page) where it stands
WIDGET = ("document.write('<a href=\"https://zfwzgl.www.gov.cn/exposure/jiucuo.html?site_code='"
          " + document.getElementById('_jiucuo_').getAttribute('sitecode') + '\"><img src=\"/jiucuo.png\""
          " title=\"政府网站找错\"></a>');")


def _audit(cli, tmp_path: Path, script: str, mode: str, extra: tuple[str, ...]) -> dict:
    site = FixtureServer({"/": Route(body=HOME.replace("{script}", script).encode()),
                          "/static/js/jiucuo.js": Route(body=WIDGET.encode(), content_type="application/javascript"),
                          "/red.png": Route(body=b"", content_type="image/png"),
                          "/jiucuo.png": Route(body=b"", content_type="image/png")}).start()
    try:
        (tmp_path / "sites.yaml").write_text(f'sites:\n  - {{id: "4213000009", name: 示例镇, url: "{site.base_url}/"}}\n',
                                             encoding="utf-8")
        res = cli("audit", "--sites", str(tmp_path / "sites.yaml"), "--db", f"sqlite:///{tmp_path / mode}.db",
                  "--out", str(tmp_path / mode), "--as-of", "2026-11-27", *extra,
                  env={"GOVAUDIT_VARIANT_PAGES": "0"})
        assert res.returncode == 0, res.stderr[-2000:]
        doc = json.loads((tmp_path / mode / "4213000009" / "findings.json").read_text(encoding="utf-8"))
    finally:
        site.stop()
    return next(r for r in doc["rules"] if r["rule"] == "identity.missing") | {
        "findings": [f for f in doc["findings"] if f["rule"] == "identity.missing"]}


@pytest.mark.browser
@pytest.mark.slow
def test_the_drawn_widget_is_found_in_the_rendered_dom(cli, tmp_path: Path) -> None:
    rendered = _audit(cli, tmp_path, "static/js/jiucuo.js", "browser", ())
    assert rendered["status"] == "pass", rendered
    plain = _audit(cli, tmp_path, "static/js/jiucuo.js", "plain", ("--no-browser",))
    assert plain["status"] == "not_measured" and "jiucuo_script（4213000009）" in plain["reason"]
    assert "未经浏览器渲染" in plain["reason"] and plain["findings"] == []
    gone = _audit(cli, tmp_path, "static/js/missing.js", "gone", ())
    assert gone["status"] == "not_measured" and "浏览器中脚本未画出入口" in gone["reason"]
