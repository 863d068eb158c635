"""Post-crawl gathering for one run: host/IPv6/CMS facts, the site search, and (with a browser) the phone
render and axe-core. Reads the crawl from storage, writes fact rows, and names the families it gathered."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from crawler.egress import EgressPolicy, EgressRefused, LookupFailed
from crawler.egress.fetch import FetchError, safe_fetch
from crawler.gatherers.functions import fingerprint, host, search
from crawler.page import decode_html
from storage.facts import FactRow
from storage.facts.functions import AxeResultFact, HostInfoFact, MobileRenderFact, SearchProbeFact
from storage.session import session_scope
from storage.snapshot import build_snapshot
from storage.vocabulary import WALL_STATUSES, host_of

AXE_SAMPLE = 4  # the homepage and the three shallowest other crawled pages


@dataclass
class GatherOptions:
    out_dir: Path  # OUT/<site-id>; screenshots go to its evidence/ folder
    browser: bool = True
    allow_private: bool = False
    timeout_s: float = 15.0
    user_agent: str = "govaudit"
    resolver: host.Resolver | None = None
    route: host.RouteCheck = host.has_route
    egress: EgressPolicy | None = None  # the site's (crawler.egress); None: from allow_private

    @property
    def policy(self) -> EgressPolicy:
        return self.egress or EgressPolicy(allow_private=self.allow_private)


@dataclass
class _Crawl:
    homepage: str
    homepage_html: str | None
    search_form: search.SearchForm | None = None
    query: tuple[str, str] | None = None
    sample: list[str] = field(default_factory=list)


def gather_functions(db_url: str, run_id: int, site: dict, opts: GatherOptions, session=None,  # noqa: ANN001
                     launch_error: str | None = None) -> tuple[list[FactRow], tuple[str, ...]]:
    """Gather the function facts of a run (reading its crawl); returns them and the families gathered.

    `session` is a BrowserSession shared by the sites of one audit (or None: one is launched here
    when `opts.browser`, unless `launch_error` says the shared launch already failed).
    """
    crawl = _read_crawl(db_url, run_id)
    evidence = opts.out_dir / "evidence"
    families = ["host", "search"]
    facts: list = []
    owned = None
    if opts.browser:
        evidence.mkdir(parents=True, exist_ok=True)
        if session is None and launch_error is None:
            owned, launch_error = open_browser(opts)
            session = owned
        families += ["mobile", "axe"]
    if session is not None:
        session.egress = opts.policy  # the shared browser's contexts for this site: its own policy's proxy
    try:
        probe = _search(crawl, opts, session, evidence)
        facts.append(SearchProbeFact(**probe))
        facts.append(_host_fact(crawl, site, probe.get("form_action"), opts))
        if opts.browser:
            if session is None:
                facts.append(MobileRenderFact(url=crawl.homepage, error=launch_error))
                facts.extend(AxeResultFact(url=u, error=launch_error) for u in crawl.sample)
            else:
                shot = evidence / "mobile-home.png"
                mob = session.mobile(crawl.homepage, shot)
                mob.pop("layout_width", None)
                facts.append(MobileRenderFact(url=crawl.homepage, screenshot=_ref(shot, mob), **mob))
                for i, url in enumerate(crawl.sample):
                    shot = evidence / f"axe-{i}.png"
                    res = session.axe(url, shot)
                    facts.append(AxeResultFact(url=url, screenshot=_ref(shot, res), **res))
    finally:
        if owned is not None:
            owned.close()
    return [FactRow(run_id, f) for f in facts], tuple(families)


def _ref(shot: Path, result: dict) -> str | None:
    return f"evidence/{shot.name}" if "error" not in result and shot.exists() else None


def open_browser(opts: GatherOptions):  # noqa: ANN201
    """(BrowserSession, None), or (None, the reason) when Chromium cannot be started."""
    from crawler.browser.session import BrowserSession

    try:
        return BrowserSession(opts.timeout_s, opts.user_agent), None
    except Exception as exc:  # noqa: BLE001 - no browser: the browser facts say why, rules are not_measured
        return None, f"browser: {type(exc).__name__}: {str(exc).splitlines()[0][:200] if str(exc) else ''}"


def _read_crawl(db_url: str, run_id: int) -> _Crawl:
    with session_scope(db_url) as db:
        snap = build_snapshot(db, run_id, with_links=False)  # pages and bodies are all it reads
        home = snap.homepage
        html = snap.html(snap.homepage_url) if home is not None and home.ok else None
        crawl = _Crawl(homepage=snap.homepage_url, homepage_html=html)
        if html is None:
            return crawl
        crawl.search_form = search.find_search_form(html, snap.homepage_url)
        if crawl.search_form is None:
            for link in search.search_entry_links(html, snap.homepage_url):
                linked = snap.html(link)
                crawl.search_form = search.find_search_form(linked, link) if linked else None
                if crawl.search_form:
                    break
        if crawl.search_form is None:  # no box, but links that already carry a query (热词)
            crawl.search_form = search.search_endpoint(html, snap.homepage_url)
        crawl.query = search.pick_query(html, snap.homepage_url, snap.html)
        others = sorted((p for p in snap.pages.values() if p.crawled and p.ok and p.is_html and p.url != snap.homepage_url),
                        key=lambda p: (p.depth if p.depth is not None else 99, p.url))
        crawl.sample = [snap.homepage_url, *[p.url for p in others[:AXE_SAMPLE - 1]]]
    return crawl


def _host_fact(crawl: _Crawl, site: dict, search_action: str | None, opts: GatherOptions) -> HostInfoFact:
    facts = host.probe_ipv6(crawl.homepage, opts.resolver, opts.route, opts.allow_private, opts.timeout_s,
                            opts.user_agent, egress=opts.policy)
    html = crawl.homepage_html or ""
    return HostInfoFact(
        host=facts.host, aaaa=facts.aaaa, cnames=facts.cnames, dns_error=facts.dns_error,
        ipv6_route=facts.ipv6_route, ipv6_address=facts.ipv6_address, ipv6_status=facts.ipv6_status,
        ipv6_error=facts.ipv6_error, cms=fingerprint.cms_fingerprints(html),
        platform=fingerprint.platform_match(site.get("platform"), facts.host, facts.cnames, html, search_action),
    )


def _search(crawl: _Crawl, opts: GatherOptions, session, evidence: Path) -> dict:  # noqa: ANN001
    """Ask the site search for a recent article's exact title; the outcome and where the results were."""
    if crawl.homepage_html is None:
        return {"outcome": "blocked", "error": "首页未能加载 / homepage not loaded"}
    form = crawl.search_form
    if form is None:
        return {"outcome": "no_search", "form_page": crawl.homepage}
    base = {"form_page": form.page, "form_action": form.action}
    if crawl.query is None:
        return {"outcome": "no_query", "error": "抓取中未找到可用作查询的文章标题 / no article title to ask for", **base}
    title, article = crawl.query
    base.update(query=title, query_source=article)
    if host_of(form.action) != host_of(crawl.homepage):
        try:
            opts.policy.check_host(host_of(form.action))
        except EgressRefused:
            return {"outcome": "blocked", "error": "refused_private", **base}
        except (LookupFailed, OSError):
            pass  # the fetch reports the DNS failure
    method, url, body = form.request(title)
    status, html, error = _fetch(method, url, body, opts)
    base.update(results_url=url, status=status, via="http")
    if error is not None:
        return {"outcome": "unreachable", "error": error, **base}
    shot = evidence / "search.png"
    if status in WALL_STATUSES:  # an anti-bot wall or rate limit answered: the search was not really seen
        return {"outcome": "blocked", "error": f"HTTP {status}", **base}
    if status >= 400:
        if session is not None:
            seen = session.search(form.page, form.field, title, url if method == "GET" else None, form.method.lower(), shot)
            base["screenshot"] = _ref(shot, seen)
        return {"outcome": "error", "error": f"HTTP {status}", **base}
    if search.results_list(html, url, title, article):
        if session is not None:
            seen = session.search(form.page, form.field, title, url if method == "GET" else None, form.method, shot)
            base["screenshot"] = _ref(shot, seen)
        return {"outcome": "found", **base}
    if session is None:
        if search.has_scripts(html):  # the list may be filled in by script: only a browser can tell
            return {"outcome": "needs_browser", **base}
        return {"outcome": "not_found", **base}
    seen = session.search(form.page, form.field, title, url if method == "GET" else None, form.method, shot)
    if "error" in seen:
        return {"outcome": "needs_browser", "error": seen["error"], **base}
    base.update(via="browser", results_url=seen["url"] or url, screenshot=_ref(shot, seen))
    if seen.get("status") is not None:
        base["status"] = seen["status"]
    found = search.results_list(seen["html"], seen["url"], title, article)
    return {"outcome": "found" if found else "not_found", **base}


def _fetch(method: str, url: str, body: bytes | None, opts: GatherOptions) -> tuple[int | None, str, str | None]:
    """(status, decoded HTML, error class) of one plain HTTP request (crawler.egress.fetch.safe_fetch:
    redirects re-checked against the site's egress policy, 2 MB, one deadline)."""
    headers = {"User-Agent": opts.user_agent, "Accept": "text/html,*/*;q=0.8"}
    if body is not None:
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    try:
        got = safe_fetch(url, opts.policy, method=method, body=body, headers=headers, timeout_s=opts.timeout_s,
                         max_bytes=2_000_000)
    except FetchError as exc:
        if exc.kind == "timeout":
            return None, "", "timeout"
        if exc.kind == "refused":
            return None, "", "refused_private"
        return None, "", f"connect: {exc.detail}"
    return got.status, decode_html(got.body, got.headers.get("content-type")), None
