"""The rules' parse of a stored page covers markup libxml2 puts under a second top-level <html>."""
from __future__ import annotations

from checks.derived.html import parse, visible_text

TWO_ROOTS = ('<html><head><title>公报</title></head><body><h1>目录</h1></body></html>\n<!-- 统计代码 -->\n'
             '<html><body><h1>办事指南</h1><p>申请条件</p></body></html>')


def test_second_root_is_part_of_the_body() -> None:
    for html in (TWO_ROOTS, TWO_ROOTS.replace("<!-- 统计代码 -->", "")):  # control: no stray comment
        tree = parse(html)
        assert [h.text for h in tree.iter("h1")] == ["目录", "办事指南"], html
        assert visible_text(tree) == "目录 办事指南 申请条件"
        assert tree.find("body").findtext("p") == "申请条件"
