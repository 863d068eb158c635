"""The cloaking gatherer: which pages it samples, what requests it makes, what text it keeps."""
from __future__ import annotations

from crawler.extractors.variants import VariantFetcher, page_text
from crawler.items import LinkRecord


def test_pick_prefers_articles_in_document_order() -> None:
    f = VariantFetcher(run_id=1, site_name="示例县人民政府", sample=5, site_hosts={"www.example.gov.cn"})
    base = "http://www.example.gov.cn"
    links = [
        LinkRecord(f"{base}/", text="首页"), LinkRecord(f"{base}/xwzx/", text="新闻中心"),
        LinkRecord(f"{base}/xwzx/202611/t20261120_12.html", text="短标题"),
        LinkRecord(f"{base}/a.html", text="县政府召开第二十次常务会议"),
        LinkRecord("http://www.gov.cn/b.html", text="中国政府网的一篇很长的文章标题"),
        LinkRecord(f"{base}/doc.pdf", text="附件下载很长的文件名称文件"), LinkRecord(f"{base}/logo.png", tag="img"),
    ]
    assert f.pick(links, 3) == [f"{base}/xwzx/202611/t20261120_12.html", f"{base}/a.html", f"{base}/"]


def test_requests_carry_spider_agents_and_a_search_referer() -> None:
    f = VariantFetcher(run_id=1, site_name="示例县", sample=5)
    reqs = list(f.requests("http://www.example.gov.cn/"))
    agents = [r.headers.get("User-Agent").decode() for r in reqs]
    assert any("Baiduspider" in a for a in agents) and any("Sogou" in a for a in agents)
    ref = reqs[2].headers.get("Referer").decode()
    assert ref.startswith("https://www.baidu.com/s?wd=") and "%E7%A4%BA" in ref
    assert all(r.dont_filter for r in reqs)


def test_page_text_keeps_hidden_text_and_meta_but_not_scripts() -> None:
    title, text = page_text('<html><head><title>标题</title><meta name="keywords" content="娱乐城,百家乐"></head>'
                            '<body><div style="display:none">隐藏文字</div><script>var x="脚本";</script>正文</body></html>')
    assert title == "标题"
    assert "娱乐城,百家乐" in text and "隐藏文字" in text and "正文" in text and "脚本" not in text


def test_sample_zero_gathers_nothing_and_declares_no_facts() -> None:
    from types import SimpleNamespace

    from crawler.page import ParsedPage

    ctx = SimpleNamespace(url="http://www.example.gov.cn/", depth=0,
                          parsed=ParsedPage(links=[LinkRecord("http://www.example.gov.cn/a.html", text="很长的一条新闻标题")]))
    off = VariantFetcher(run_id=1, site_name="示例", sample=0, site_hosts={"www.example.gov.cn"})
    assert list(off.on_page(ctx)) == [] and off.families == ()
    on = VariantFetcher(run_id=1, site_name="示例", sample=2, site_hosts={"www.example.gov.cn"})
    urls = [r.url for r in on.on_page(ctx)]
    assert urls == ["http://www.example.gov.cn/"] * 3 + ["http://www.example.gov.cn/a.html"] * 3
    assert on.families == ("page_variants",) and list(on.on_page(ctx)) == []  # once per run
