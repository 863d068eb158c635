"""A fixture county site with one page per content-security technique and a negative twin for each.

`EXPECTED` lists the exact (rule, path) findings of the six content rules; every other page must
stay silent. The hijacked notice is built like the real case of the issue: a 信息公开 metadata table
whose 发布机构 cell reads "365沙巴体育注册_365足球外围网站官网…", in a template padded with runs of
empty tags sharing one random id, served in GBK.
"""
from __future__ import annotations

from demo.server import Route

CONTENT_RULES = ("content.spam_injection", "content.hidden_link", "content.cloaking", "content.serious_error",
                 "content.typo", "privacy.leak")
EXPECTED = {
    ("content.spam_injection", "/zwgk/tzgg/202206/t20220601_1.html"),
    ("content.spam_injection", "/zt/yqlj.html"),
    ("content.hidden_link", "/zt/yqlj.html"),
    ("content.cloaking", "/xwzx/gzdt/cloaked.html"),
    ("content.serious_error", "/xwzx/gzdt/meeting.html"),
    ("content.serious_error", "/xwzx/gzdt/county.html"),
    ("content.typo", "/xwzx/gzdt/typo.html"),
    ("privacy.leak", "/zwgk/gsgg/dibao.html"),
}

_CSS = ".m-nav{display:none}.top-menu li ul{display:none}.top-menu li:hover ul{display:block}"
_JUNK_TAGS = ("legend", "acronym", "address", "strike", "sub", "tt", "kbd", "ins", "em", "b", "var", "dfn")


def _page(title: str, body: str, charset: str = "utf-8", head: str = "") -> str:
    return (f'<!DOCTYPE html><html><head><meta charset="{charset}"><title>{title}</title>'
            f'<meta name="SiteName" content="示例县人民政府"><style>{_CSS}</style>{head}</head><body>'
            '<div class="top-menu"><ul><li><a href="/">首页</a><ul><li><a href="/xwzx/">新闻中心</a></li></ul></li>'
            '<li><a href="/zwgk/">政务公开</a><ul><li><a href="http://www.hubei.gov.cn/">湖北省人民政府</a></li>'
            '<li><a href="http://www.people.com.cn/">人民网</a></li></ul></li></ul></div>'
            '<div class="m-nav"><a href="/xwzx/">新闻</a><a href="/zwgk/">公开</a><a href="/ldxx/">领导</a></div>'
            f'{body}<div class="footer">主办单位：示例县人民政府办公室 联系电话：0722-3456789</div></body></html>')


def _route(html: str, charset: str = "utf-8") -> Route:
    return Route(body=html.encode(charset), content_type=f"text/html; charset={charset}")


def build(external: str) -> dict[str, Route]:
    """The site's routes; `external` is the base URL of the outside host the 暗链 point to."""
    junk = "".join(f'<{t} id="h4sia"></{t}>' for t in _JUNK_TAGS)
    links = [
        ("/zwgk/tzgg/202206/t20220601_1.html", "关于做好防汛工作的通知"),
        ("/xwzx/gzdt/anti.html", "我县开展打击网络赌博专项行动"),
        ("/zt/yqlj.html", "友情链接"),
        ("/xwzx/gzdt/cloaked.html", "县政府召开常务会议"),
        ("/xwzx/gzdt/meeting.html", "全县干部大会召开"),
        ("/xwzx/gzdt/county.html", "县长调研"),
        ("/xwzx/gzdt/correct.html", "学习贯彻会议精神"),
        ("/xwzx/gzdt/typo.html", "工作简报"),
        ("/xwzx/gzdt/proofread.html", "更正说明"),
        ("/zwgk/gsgg/dibao.html", "低保对象公示"),
        ("/zwgk/gsgg/masked.html", "补贴发放公示"),
        ("/ldxx/", "领导信息"),
    ]
    home = _page("示例县人民政府", '<div class="news"><ul>'
                 + "".join(f'<li><a href="{u}">{t}</a></li>' for u, t in links)
                 + f'</ul></div><a href="{external}/partner.html">合作单位（看得见的外链）</a>')
    hijacked = _page(
        "关于做好2022年防汛工作的通知", junk
        + '<table class="xxgk_table"><tr><td>索引号：</td><td>011234567/2022-00123</td><td>主题分类：</td><td>综合政务</td></tr>'
        '<tr><td>发布机构：</td><td>365沙巴体育注册_365足球外围网站官网</td><td>成文日期：</td><td>2022-06-01</td></tr>'
        '<tr><td>文号：</td><td>示政办发〔2022〕8号</td><td>发布日期：</td><td>2022-06-01</td></tr></table>'
        + junk + '<div class="article"><p>各乡镇人民政府，县政府各部门：</p><p>为切实做好今年防汛工作，现将有关事项通知如下。</p></div>'
        + junk, charset="gbk")
    anti = _page("我县开展打击网络赌博专项行动", '<div class="article">'
                 '<p>近日，县公安局破获一起利用“XX娱乐城”网站开设赌场案，抓获犯罪嫌疑人5名。</p>'
                 '<p>警方提醒：百家乐、时时彩、足球外围投注都是网络赌博陷阱，请广大群众远离。</p>'
                 '<p>另：中国体育彩票官网开奖公告、2024体育中考安排、棋牌室消防检查等信息请见各栏目。</p>'
                 '<table><tr><td>发布机构：</td><td>示例县公安局</td></tr></table></div>')
    darklinks = _page("友情链接", '<div class="article"><p>友情链接</p></div>'
                      '<div style="position:absolute;left:-9999px;top:-9999px">'
                      f'<a href="{external}/bet.html">澳门新葡京娱乐城</a>'
                      f'<a href="{external}/casino.html">百家乐真人娱乐</a></div>')
    cloaked_normal = _page("县政府召开常务会议", '<div class="article"><p>11月15日，县政府召开第20次常务会议。</p></div>')
    cloaked_spider = _page("365沙巴体育注册_足球外围网站官网", '<div class="article"><p>澳门新葡京娱乐城 注册送38元</p></div>')
    cloaked = Route(body=cloaked_normal.encode(), vary=(("User-Agent", "Baiduspider", _route(cloaked_spider)),))
    meeting = _page("全县干部大会召开", '<div class="article"><p>会议传达学习了习近平总书记重要讲话精神。'
                    '习近萍总书记强调，要坚持稳中求进工作总基调。</p><p>国务院总理李强作政府工作报告。</p></div>')
    county = _page("县长调研", '<div class="article"><p>11月12日，县长张建桦到城关镇调研。</p></div>')
    correct = _page("深入学习贯彻习近平新时代中国特色社会主义思想", '<div class="article">'
                    '<p>中共中央总书记、国家主席、中央军委主席习近平，国务院总理李强，全国人大常委会委员长赵乐际出席。</p>'
                    '<p>紧密团结在以习近平同志为核心的党中央周围，增强四个意识、坚定四个自信、做到两个维护。</p>'
                    '<p>县长张建华、副县长刘晓燕参加会议。村党支部书记李西、政协主席王湖宁列席。</p></div>')
    typo = _page("工作简报", '<div class="article"><p>截止目前，全县各项工作按步就班推进，我们将再接再励。</p></div>')
    proofread = _page("更正说明", '<div class="article"><p>更正：原文“再接再励”应为“再接再厉”，特此说明。</p>'
                      '<p>设备按装置类型登记。推荐阅读《一愁莫展的日子》。截至目前，按部就班，迫不及待。</p></div>')
    dibao = _page("2026年10月城乡低保对象公示", '<table><tr><th>序号</th><th>姓名</th><th>身份证号</th><th>联系电话</th><th>家庭住址</th></tr>'
                  '<tr><td>1</td><td>张三</td><td>11010519491231002X</td><td>13812345678</td><td>城关镇</td></tr>'
                  '<tr><td>2</td><td>李四</td><td>420102198001011231</td><td>13900001111</td><td>城关镇</td></tr></table>')
    masked = _page("2026年耕地地力保护补贴发放公示", '<table><tr><th>姓名</th><th>身份证号</th><th>联系电话</th><th>金额</th></tr>'
                   '<tr><td>张*</td><td>4213**********1234</td><td>138****5678</td><td>1200</td></tr>'
                   '<tr><td>李*</td><td>110105********002X</td><td>139****1111</td><td>800</td></tr></table>'
                   '<p>联系人：王科长，联系电话：0722-3456789，手机：13800138000。</p>')
    leaders = _page("领导信息", '<ul class="leaders"><li>张建华 县长</li><li>刘晓燕 副县长</li></ul>')
    routes = {
        "/": _route(home), "/zwgk/tzgg/202206/t20220601_1.html": _route(hijacked, "gbk"),
        "/xwzx/gzdt/anti.html": _route(anti), "/zt/yqlj.html": _route(darklinks), "/xwzx/gzdt/cloaked.html": cloaked,
        "/xwzx/gzdt/meeting.html": _route(meeting), "/xwzx/gzdt/county.html": _route(county),
        "/xwzx/gzdt/correct.html": _route(correct), "/xwzx/gzdt/typo.html": _route(typo),
        "/xwzx/gzdt/proofread.html": _route(proofread), "/zwgk/gsgg/dibao.html": _route(dibao),
        "/zwgk/gsgg/masked.html": _route(masked), "/ldxx/": _route(leaders),
        "/xwzx/": _route(_page("新闻中心", "<p>新闻中心</p>")), "/zwgk/": _route(_page("政务公开", "<p>政务公开</p>")),
    }
    return routes


def external_routes() -> dict[str, Route]:
    page = Route(body=b"<html><body>ok</body></html>")
    return {"/partner.html": page, "/bet.html": page, "/casino.html": page}
