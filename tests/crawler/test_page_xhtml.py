"""An XHTML page that starts with an XML declaration is read like any other page (lxml refuses such a str)."""
from __future__ import annotations

from crawler.page import parse_html


def test_xml_declaration_does_not_hide_links_and_text() -> None:
    html = ('<?xml version="1.0" encoding="utf-8"?>\n<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN" '
            '"http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd"><html xmlns="http://www.w3.org/1999/xhtml">'
            '<head><title>通知公告</title></head><body><a href="/tzgg/1.html">关于开展检查的通知</a></body></html>')
    parsed = parse_html(html, "http://www.example.gov.cn/")
    assert parsed.title == "通知公告"
    assert "关于开展检查的通知" in parsed.text
    assert [ln.target for ln in parsed.links] == ["http://www.example.gov.cn/tzgg/1.html"]
