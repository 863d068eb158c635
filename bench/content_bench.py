"""Content-rule benchmark: what the six content-security rules cost per page, and whether they slow an audit.

Run: ``.venv/bin/python bench/content_bench.py`` (``--pages 200`` for a smoke run); ``--real`` measures
only the in-memory judge time per rule over the real pages of ../shared/realdata (read in place).

1. Builds a site of realistic county-government pages (navigation with hidden drop-downs, a
   信息公开 metadata table, article text with leaders' names and formulations, office phones,
   links to other government sites; about 1 in 50 pages planted with spam, a hidden link, a typo
   or an unmasked ID number) and serves it on 127.0.0.1.
2. Audits it twice through the CLI: with a scheme holding only the foundation rules ("before")
   and with national-2019 ("after", the six content rules and the variant fetches added).
3. Repeats both audits alternately (`--repeat`, the machine may be shared) and prints every wall, the
   best of each, and, from the last stored rule results, each content rule's judge time and ms/page.
"""
from __future__ import annotations

import argparse
import random
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import yaml  # noqa: E402

from demo.server import FixtureServer, Route  # noqa: E402

SITE_ID = "9999000006"
CONTENT_RULES = ("content.spam_injection", "content.hidden_link", "content.cloaking", "content.serious_error",
                 "content.typo", "privacy.leak")
SENTENCES = (
    "会议深入学习贯彻习近平新时代中国特色社会主义思想，全面贯彻落实党的二十大精神。",
    "习近平总书记强调，要坚持以人民为中心的发展思想，推动高质量发展。",
    "县委书记、县长分别就做好当前重点工作提出要求。",
    "截至目前，全县已完成固定资产投资12.5亿元，同比增长8.3%。",
    "咨询电话：0722-3456789，办公地址：城关镇人民路1号。",
    "各乡镇、各部门要按照部署，按部就班抓好落实，再接再厉完成全年目标任务。",
    "据悉，我县将于近期开展打击网络赌博专项整治行动。",
    "会议要求，要增强四个意识、坚定四个自信、做到两个维护。",
    "本次招聘面向社会公开进行，报名时间为2026年11月1日至11月10日。",
    "全县体育彩票销售额稳步增长，2024体育中考工作顺利完成。",
)
PLANTS = (
    '<div style="display:none"><a href="http://bet.example.com/">澳门新葡京娱乐城</a></div>',
    '<p>国务院总理李墙出席会议。</p>',
    '<p>我们将再接再励，按步就班推进工作。</p>',
    '<table><tr><th>姓名</th><th>身份证号</th></tr><tr><td>张三</td><td>11010519491231002X</td></tr></table>',
)


def page_html(i: int, pages: int, rng: random.Random) -> str:
    links = "".join(f'<li><a href="/a/{j}.html">新闻标题第{j}号关于做好相关工作的通知</a></li>'
                    for j in rng.sample(range(pages), min(20, pages)))
    body = "".join(f"<p>{rng.choice(SENTENCES)}{rng.choice(SENTENCES)}</p>" for _ in range(12))
    plant = PLANTS[i // 50 % len(PLANTS)] if i % 50 == 49 else ""
    return (
        '<!DOCTYPE html><html><head><meta charset="utf-8"><title>示例县人民政府 新闻' + str(i) + '</title>'
        '<style>.nav li ul{display:none}.m-menu{display:none}</style></head><body>'
        '<div class="nav"><ul><li><a href="/">首页</a><ul><li><a href="/a/1.html">要闻</a></li></ul></li>'
        '<li><a href="/a/2.html">部门网站</a><ul><li><a href="http://www.hubei.gov.cn/">湖北省人民政府</a></li>'
        '<li><a href="http://www.gov.cn/">中国政府网</a></li></ul></li></ul></div>'
        '<div class="m-menu"><a href="/a/3.html">移动菜单</a></div>'
        '<table class="xxgk"><tr><td>索引号：</td><td>011234567/2026-0' + str(i) + '</td><td>发布机构：</td>'
        '<td>示例县人民政府办公室</td></tr><tr><td>成文日期：</td><td>2026-11-01</td></tr></table>'
        f'<div class="article">{body}{plant}</div><ul class="list">{links}</ul>'
        '<div class="footer">主办单位：示例县人民政府办公室 网站标识码：9999000006 鄂ICP备05003457号</div></body></html>'
    )


def build_site(pages: int) -> dict[str, Route]:
    rng = random.Random(20261127)
    routes = {f"/a/{i}.html": Route(body=page_html(i, pages, rng).encode()) for i in range(pages)}
    routes["/"] = Route(body=page_html(0, pages, rng).replace("/a/0.html", "/").encode())
    return routes


def foundation_scheme(path: Path) -> None:
    """national-2019's parameters with only the indicators of the foundation rules."""
    nat = yaml.safe_load((ROOT / "reports" / "schemes" / "national-2019.yaml").read_text(encoding="utf-8"))
    nat["id"], nat["name"] = "bench-foundation", "foundation rules only"
    nat["indicators"] = [ind for ind in nat["indicators"] if not set(ind["rules"]) & set(CONTENT_RULES)]
    path.write_text(yaml.safe_dump(nat, allow_unicode=True), encoding="utf-8")


def audit(tmp: Path, name: str, sites: Path, scheme: str, pages: int) -> tuple[float, Path]:
    db = tmp / f"{name}.db"
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "crawler", "audit", "--sites", str(sites), "--db", f"sqlite:///{db}",
                           "--out", str(tmp / name), "--scheme", scheme, "--no-browser", "--max-pages", str(pages + 5),
                           "--as-of", "2026-11-27"], cwd=ROOT, capture_output=True, text=True)
    wall = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"audit {name} failed:\n{proc.stderr[-2000:]}")
    return wall, db


def real_pages(rounds: int = 20) -> None:
    """In-memory judge time per rule over real pages (../shared/realdata/gov_pages, read in place)."""
    from datetime import date

    from checks.runner import run_rules
    from crawler.page import parse_html
    from reports.scheme import load_scheme
    from storage.facts.pages import LinkFact, PageFact, SiteFact
    from storage.snapshot import snapshot_from
    from tests.checks.test_content_realdata import _documents  # the same loader as the test

    docs = _documents()
    bodies, pages, links = {}, [], []
    for r in range(rounds):
        for i, html in enumerate(docs):
            url = f"http://www.example.gov.cn/real/{r}/{i}.html"
            parsed = parse_html(html, url)
            bodies[url] = html
            pages.append(PageFact(url=url, title=parsed.title, text=parsed.text))
            links += [LinkFact(url, ln.target, ln.tag, ln.text) for ln in parsed.links]
    snap = snapshot_from(SiteFact(SITE_ID, "示例", "http://www.example.gov.cn/"), date(2026, 11, 27), pages[0].url,
                         pages, links=links, bodies=bodies)
    params = load_scheme("national-2019").params
    rules = [r for r in CONTENT_RULES if r != "content.cloaking"]
    run_rules(snap, rules, params)  # load dictionaries and the pinyin index once
    print(f"real pages: {len(docs)} documents × {rounds} = {len(pages)} pages, "
          f"{sum(map(len, bodies.values())) // len(bodies) // 1000} k characters of HTML on average")
    for rule in rules:
        start = time.perf_counter()
        res = run_rules(snap, [rule], params)[rule]
        ms = (time.perf_counter() - start) * 1000
        print(f"  {rule:24s} {res.status:5s} {ms / len(pages):6.2f} ms/page")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pages", type=int, default=2000)
    ap.add_argument("--repeat", type=int, default=3, help="audits of each kind, alternating; the fastest counts")
    ap.add_argument("--real", action="store_true", help="only the in-memory judge time over ../shared/realdata pages")
    args = ap.parse_args()
    if args.real:
        real_pages()
        return
    with tempfile.TemporaryDirectory() as d, FixtureServer(build_site(args.pages)) as site:
        tmp = Path(d)
        sites = tmp / "sites.yaml"
        sites.write_text(yaml.safe_dump({"sites": [{"id": SITE_ID, "name": "示例县人民政府", "url": site.base_url + "/"}]},
                                        allow_unicode=True), encoding="utf-8")
        scheme = tmp / "foundation.yaml"
        foundation_scheme(scheme)
        befores, afters = [], []
        for i in range(args.repeat):  # alternate, so load on the shared machine hits both alike
            befores.append(audit(tmp, f"before{i}", sites, str(scheme), args.pages)[0])
            wall, db = audit(tmp, f"after{i}", sites, "national-2019", args.pages)
            afters.append(wall)
        before, after = min(befores), min(afters)
        with sqlite3.connect(db) as conn:
            crawled = conn.execute("select count(*) from page where crawled").fetchone()[0]
            rows = dict(conn.execute("select rule, duration_ms from rule_result").fetchall())
            found = conn.execute("select rule, count(*) from finding group by rule").fetchall()
    print(f"pages crawled: {crawled}")
    walls = ", ".join(f"{w:.2f}" for w in befores)
    print(f"audit wall, foundation rules only (before): best {before:.2f} s of {walls}")
    print(f"audit wall, national-2019 with the content rules (after): best {after:.2f} s of "
          f"{', '.join(f'{w:.2f}' for w in afters)} ({after - before:+.2f} s)")
    total = 0.0
    for rule in CONTENT_RULES:
        ms = rows.get(rule, 0.0)
        total += ms
        print(f"  {rule:24s} {ms:8.1f} ms  {ms / max(crawled, 1):6.2f} ms/page")
    print(f"  {'all six':24s} {total:8.1f} ms  {total / max(crawled, 1):6.2f} ms/page")
    print("findings:", dict(found))


if __name__ == "__main__":
    main()
