"""The audit as a pipeline of named steps: crawl → gather → judge → review → evidence → score → track → render.

`audit_sites()` (and `audit_site()` for one) is what every way of starting an audit calls — the CLI
now, later the HTTP server, the scheduler and the queue worker. Each step is a function of the
`Audit` it advances; the steps of one command run over all its sites at once, because one Scrapy
process crawls several sites concurrently and one Chromium serves them all. `rejudge()` (`check
--run`) and `render_runs()` (`report --run`) are the tail of the same pipeline on stored runs.
"""
from __future__ import annotations

import asyncio
import logging
import shutil
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path

from crawler import writer
from crawler.crawl import CrawlJob, crawl
from crawler.egress import policy_for_site
from crawler.gatherers.functions.gather import GatherOptions, gather_functions, open_browser
from crawler.gatherers.newmedia import FAMILIES as NEWMEDIA_FAMILIES
from crawler.gatherers.newmedia import gather_accounts
from crawler.gatherers.probe import check_tls
from crawler.platforms.base import AccountRef
from govaudit.registry import SiteEntry
from reports.canonical import findings_document
from reports.evidence_targets import locator_terms
from reports.judge import Judged, judge_stored, score_and_store
from reports.outputs import write_outputs
from reports.scheme import Scheme, load_scheme
from reports.tracking import apply_reviews, track_run
from storage import models as m
from storage.facts import FactRow
from storage.facts.tls import TlsFact
from storage.runs import keep_alive, note_step_error, reap_stale_runs, start_run, update_stats
from storage.session import session_scope

log = logging.getLogger(__name__)


@dataclass
class AuditOptions:
    db_url: str
    out: Path
    as_of: date
    scheme: Scheme
    max_pages: int = 2000
    max_depth: int = 8
    browser: bool = True
    allow_private: bool = False
    user_agent: str | None = None
    platforms: dict[str, str] | None = None  # sites.yaml `platforms:` base URLs
    registry_dir: Path = Path(".")  # the sites.yaml's folder (manual account CSVs resolve against it)
    state_dir: Path | None = None  # stored platform logins (`govaudit login`); default: login.state_dir()
    alerts: object | None = None  # sites.yaml `alerts:` (registry.AlertsEntry): same-day alerts after the run
    job: str | None = None  # the queue job's key (`govaudit worker`), kept in run.options["job"]
    full: bool = False  # `audit --full`: crawl everything and judge every rule afresh, even when the last run could be reused

    @property
    def timeout_s(self) -> float:
        return float(self.scheme.params.get("availability.timeout_s", 15))

    def run_deadline_s(self, site: SiteEntry) -> float | None:
        """The crawl's deadline for this site: the registry's `run_deadline_s`, else the scheme's
        `crawl.run_deadline_s` (null/0: none)."""
        value = site.run_deadline_s if site.run_deadline_s is not None else self.scheme.params.get("crawl.run_deadline_s")
        return float(value) if value else None


class Reporter:
    """What a step tells whoever started the audit (the CLI shows it; a worker logs it)."""

    def page(self, site_id: str) -> None:
        """One more page of this site was fetched."""

    def warn(self, message: str) -> None:
        log.warning("%s", message)


@dataclass
class RunResult:
    """How one site's run of an audit ended: its state, the reason when not complete, its findings document."""

    site_id: str
    run_id: int
    state: str  # complete | interrupted | failed
    error: str | None = None
    document: dict | None = None


@dataclass
class Audit:
    """One audit of several sites, advanced step by step."""

    sites: list[SiteEntry]
    options: AuditOptions
    reporter: Reporter
    browser: bool = False  # a browser was found: the crawl may render pages
    jobs: list[CrawlJob] = field(default_factory=list)
    states: dict[int, str] = field(default_factory=dict)  # run id → state the crawl ended in
    judged: list[Judged] = field(default_factory=list)
    documents: list[dict] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)  # seconds per step (GOVAUDIT_LOG_LEVEL=INFO)

    @property
    def run_ids(self) -> list[int]:
        return [job.run_id for job in self.jobs]


Step = Callable[[Audit], None]


def crawl_step(audit: Audit) -> None:
    """Register the runs, crawl every site (one Scrapy process; worker processes for several sites) and
    take each homepage host's TLS facts meanwhile."""
    opts = audit.options
    audit.browser = opts.browser and _browser_available(audit.reporter)
    audit.jobs = [_start(site, opts, audit.browser) for site in audit.sites]
    plans = _incremental_plans(audit)
    overrides = {"DOWNLOAD_TIMEOUT": opts.timeout_s, **({"USER_AGENT": opts.user_agent} if opts.user_agent else {})}
    with ThreadPoolExecutor(max_workers=max(1, min(8, len(audit.jobs))), thread_name_prefix="tls") as pool:
        tls = {job.run_id: pool.submit(_check_tls, site, opts.timeout_s)
               for job, site in zip(audit.jobs, audit.sites, strict=True)}
        audit.states = crawl(audit.jobs, opts.db_url, overrides, on_page=audit.reporter.page)
        _carry_over(audit, plans)
        for job in audit.jobs:
            facts = tls[job.run_id].result()
            if facts is not None:
                _site_step(audit, job, "tls", "TLS 检查", lambda facts=facts, job=job: writer.store(
                    opts.db_url, [FactRow(job.run_id, TlsFact(**facts))], (job.run_id, ("tls",))))


def gather_step(audit: Audit) -> None:
    """After the crawl: the 政务新媒体 accounts, then search, phone render, axe-core, IPv6 and fingerprints,
    then the 依申请公开 online channel (evaluations read it; no rule does)."""
    _gather_newmedia(audit)
    _gather_functions(audit)
    _gather_apply_channels(audit)


def monitor_step(audit: Audit) -> None:
    """The accepted baselines of each site's monitored pages into its run (content.defacement), then a first
    complete run's monitored pages become their baselines (govaudit/baselines.py)."""
    from govaudit.baselines import baseline_facts, establish

    def one(site: SiteEntry, job: CrawlJob) -> None:
        rows = baseline_facts(audit.options.db_url, job.run_id, site.id, site.model_dump(mode="json"))
        writer.store(audit.options.db_url, rows, (job.run_id, ("baselines",)))
        establish(audit.options.db_url, job.run_id)

    for site, job in zip(audit.sites, audit.jobs, strict=True):
        _site_step(audit, job, "monitor", "监测基线", lambda site=site, job=job: one(site, job))


def judge_step(audit: Audit) -> None:
    """Every rule of the scheme on every run's snapshot (results kept in memory for the next steps)."""
    opts = audit.options
    audit.judged = []
    for job in audit.jobs:  # a transaction per run: no lock held across all sites (SQLite)
        def one(run_id: int = job.run_id) -> None:
            with session_scope(opts.db_url) as session:
                # --full judges afresh too: no rule result reused (storage/memo.py)
                audit.judged.append(judge_stored(session, run_id, opts.scheme, opts.as_of, reuse=not opts.full))

        if not _site_step(audit, job, "judge", "评判", one):
            _fail_run(audit, job, "judge")


def review_step(audit: Audit) -> None:
    """Reviewed false positives whose evidence is unchanged leave the results before anything is scored
    (docs/problems.md); they are kept aside for the report's appendix."""
    reviewed = []
    for judged in audit.judged:  # a transaction per run
        with session_scope(audit.options.db_url) as session:
            reviewed.append(apply_reviews(session, judged))
    audit.judged = reviewed


def evidence_step(audit: Audit) -> None:
    """Screenshots of the pages the findings are about, stored as facts of their runs (docs/browser.md)."""
    browser_runs = {job.run_id: job for job in audit.jobs if job.browser}
    if not browser_runs:
        return
    from crawler.gatherers.evidence import capture, plan_captures

    plans = [plan_captures(j.run_id, Path(browser_runs[j.run_id].evidence_dir), j.fetched,
                           ((f.subject, f.page, locator_terms(f.rule, f.subject, f.evidence))
                            for res in j.results.values() for f in res.findings if not f.screenshot))
             for j in audit.judged if j.run_id in browser_runs]
    for plan in plans:  # each site's screenshots only reach what its own fetches may (crawler.egress)
        plan.egress = browser_runs[plan.run_id].egress
    try:
        shots = capture(plans, audit.options.timeout_s)
    except Exception as exc:  # noqa: BLE001 - evidence is an addition; its failure never loses the audit
        audit.reporter.warn(f"截图失败 screenshots failed: {type(exc).__name__}: {exc}")
        return
    jobs = {job.run_id: job for job in audit.jobs}
    for plan in plans:
        _site_step(audit, jobs[plan.run_id], "evidence", "截图", lambda plan=plan: writer.store(
            audit.options.db_url, [s for s in shots if s.run_id == plan.run_id], (plan.run_id, ("evidence",))))


def score_step(audit: Audit) -> None:
    """Score each run's results with the scheme and store results, findings and score."""
    jobs = {job.run_id: job for job in audit.jobs}
    kept = []
    for judged in audit.judged:  # committed per run: SQLite's write lock is never held across all sites
        def one(judged: Judged = judged) -> None:
            with session_scope(audit.options.db_url) as session:
                score_and_store(session, judged)

        if _site_step(audit, jobs[judged.run_id], "score", "评分", one):
            kept.append(judged)
        else:
            _fail_run(audit, jobs[judged.run_id], "score")
    audit.judged = kept


def track_step(audit: Audit) -> None:
    """Link each run's findings to the site's problems and compare it with the previous complete run."""
    jobs = {job.run_id: job for job in audit.jobs}
    for judged in audit.judged:  # committed per run
        def one(judged: Judged = judged) -> None:
            with session_scope(audit.options.db_url) as session:
                track_run(session, judged.run_id, judged.scheme, judged.suppressed)

        _site_step(audit, jobs[judged.run_id], "track", "问题跟踪", one)


def render_step(audit: Audit) -> None:
    """The findings documents and every registered output (findings.json, report.html, summary.json/xlsx)."""
    judged = {j.run_id for j in audit.judged}  # a run whose judging or scoring failed has no report
    audit.documents = render_runs(audit.options.db_url, [r for r in audit.run_ids if r in judged], audit.options.out)


def alerts_step(audit: Audit) -> None:
    """Same-day alerts for the new or recurring problems of the chosen rules (govaudit/alerts.py); a failed
    delivery is logged and recorded, never a failed audit."""
    if audit.options.alerts is None:
        return
    from govaudit.alerts import send_alerts

    for outcome in send_alerts(audit.options.db_url, audit.documents, audit.options.alerts, audit.options.out):
        if outcome.state != "sent":
            audit.reporter.warn(f"告警发送失败 alert not delivered: {outcome.channel} {outcome.error}")


STEPS: list[tuple[str, Step]] = [
    ("crawl", crawl_step),
    ("gather", gather_step),
    ("monitor", monitor_step),
    ("judge", judge_step),
    ("review", review_step),
    ("evidence", evidence_step),
    ("score", score_step),
    ("track", track_step),
    ("render", render_step),
    ("alerts", alerts_step),
]


def audit_sites(sites: list[SiteEntry], options: AuditOptions, reporter: Reporter | None = None) -> list[RunResult]:
    """Audit every site (one run each) through the pipeline's steps; one result per site, in order."""
    audit = Audit(sites=sites, options=options, reporter=reporter or Reporter())
    reap_stale_runs(options.db_url)  # runs of processes killed earlier end `interrupted` (storage/runs.py)
    with keep_alive(options.db_url):
        for name, step in STEPS:
            started = time.perf_counter()
            step(audit)
            audit.timings[name] = time.perf_counter() - started
    log.info("audit steps: %s", ", ".join(f"{k} {v:.1f} s" for k, v in audit.timings.items()))
    with session_scope(options.db_url) as session:
        errors = {job.run_id: session.get(m.Run, job.run_id).error for job in audit.jobs}
    docs = {doc["run"]["id"]: doc for doc in audit.documents}
    return [RunResult(site_id=job.site_id, run_id=job.run_id, state=audit.states.get(job.run_id, "failed"),
                      error=errors[job.run_id], document=docs.get(job.run_id)) for job in audit.jobs]


def audit_site(site: SiteEntry, options: AuditOptions, reporter: Reporter | None = None) -> RunResult:
    """Audit one site: crawl → gather → judge → review → evidence → score → track → render."""
    return audit_sites([site], options, reporter)[0]


def rejudge(db_url: str, run_id: int, scheme: Scheme | None, as_of: date | None, out: Path | None) -> dict:
    """Judge a stored run again (no network): by default with the scheme and 监测时间点 it was judged with.
    Its evidence screenshots are facts of its pages and stay attached to the findings about them. The
    reviews made since count (false positives stay out of the score); a re-check run is judged again
    only as its re-check judged it (`govaudit recheck`), so it is refused here."""
    with session_scope(db_url) as session:
        run = session.get(m.Run, run_id)
        if run is None:
            raise LookupError(f"--run {run_id}: no such run in the database")
        previous = session.get(m.Judgement, run_id)
        scheme = scheme or load_scheme(previous.scheme if previous else run.options.get("scheme", "national-2019"))
        if run.kind != "audit":
            raise LookupError(f"--run {run_id} is a {run.kind} run: re-judge the audit runs, re-check again with "
                              f"govaudit recheck")
        as_of = as_of or (previous.as_of if previous else run.as_of)
        judged = apply_reviews(session, judge_stored(session, run_id, scheme, as_of))
        score_and_store(session, judged)
        track_run(session, run_id, scheme, judged.suppressed)
    if out is not None:
        return render_runs(db_url, [run_id], out)[0]
    with session_scope(db_url) as session:
        return findings_document(session, run_id)


def render_runs(db_url: str, run_ids: list[int], out: Path, formats: tuple[str, ...] = ("html",)) -> list[dict]:
    """The findings documents of judged runs and their outputs in `out`: every registered output (`html`,
    what audits write) and/or the printable report (`docx`, `pdf`; the PDF is printed by Chromium)."""
    with session_scope(db_url) as session:
        missing = [r for r in run_ids if session.get(m.Run, r) is None]
        if missing:
            raise LookupError(f"--run: no such run in the database: {', '.join(map(str, missing))}")
        docs = [findings_document(session, run_id) for run_id in run_ids]
        sources = {run_id: ((session.get(m.Run, run_id).stats or {}).get("browser") or {}).get("evidence_dir")
                   for run_id in run_ids}
    browser = None
    if "pdf" in formats:
        from crawler.browser.harden import executable, launch_kwargs
        from crawler.browser.launch import BrowserNotFound

        try:  # as an unprivileged user when root (crawler/browser/harden.py); the page fetches nothing
            browser = (executable(), tuple(launch_kwargs()["args"]))
        except BrowserNotFound as exc:  # before anything is written
            raise LookupError(f"--format pdf prints with Chromium: {exc} (or use --format docx)") from None
    for doc in docs:
        _copy_evidence(doc, sources.get(doc["run"]["id"]), out)
    write_outputs(docs, out, formats, browser)
    return docs


def deny_ranges(ranges: list[str]) -> None:
    """Operator ranges (`--deny`, sites.yaml `deny:`) for every fetch path of this process and the processes
    it starts ($GOVAUDIT_DENY, read by crawler.egress); ValueError naming a bad range (also a bad $GOVAUDIT_DENY)."""
    from crawler.egress import add_env_deny, env_deny

    env_deny()
    add_env_deny(ranges)


def egress_refusal(url: str, deny: list[str] = ()) -> str | None:
    """Why a URL the operator gives (a feed handle) may never be fetched: its address lies in a denied range
    (`deny`, $GOVAUDIT_DENY, the metadata range); None when it may be (a name that does not resolve: None)."""
    from crawler.egress import EgressPolicy, EgressRefused, LookupFailed

    try:
        EgressPolicy(allow_private=True, deny=tuple(deny)).check_url(url)
    except EgressRefused as exc:
        return exc.reason
    except (LookupFailed, OSError, ValueError):
        return None
    return None


# --- the steps' helpers ---------------------------------------------------------------------------
def _incremental_plans(audit: Audit) -> dict:
    """Which runs reuse their site's last complete run (govaudit/incremental.py): their crawl job becomes the
    restricted one (homepage with the cloaking variants, link targets due for a re-check, nothing followed)."""
    from govaudit import incremental

    plans = {}
    for job in audit.jobs:
        try:
            plan = incremental.prepare(job, audit.options, full=audit.options.full,
                                       user_agent=audit.options.user_agent)
        except Exception as exc:  # noqa: BLE001 - reuse is an optimisation: a full crawl is always right
            log.exception("incremental planning failed for %s", job.site_id)
            update_stats(audit.options.db_url, job.run_id,
                         incremental={"mode": "full", "reason": f"planning_failed: {type(exc).__name__}"})
            continue
        if plan is not None:
            job.checks, job.follow, job.extractors = plan.checks, False, incremental.RESTRICTED_EXTRACTORS
            job.pages = plan.pages  # a partial re-audit: the changed pages (and what they now reach) again
            plans[job.run_id] = plan
    return plans


def _carry_over(audit: Audit, plans: dict) -> None:
    """After a restricted crawl that completed, the rest of the previous run is carried into the run."""
    from govaudit import incremental

    for run_id, plan in plans.items():
        if audit.states.get(run_id) == "complete":
            incremental.finish(audit.options.db_url, run_id, plan)


def _start(site: SiteEntry, opts: AuditOptions, browser: bool) -> CrawlJob:
    rendering = browser and site.render != "never"
    entry = site.model_dump(mode="json")
    run_id = start_run(opts.db_url, entry, opts.as_of,
                       {"max_pages": opts.max_pages, "max_depth": opts.max_depth, "browser": rendering,
                        "allow_private": opts.allow_private, "scheme": opts.scheme.ref,
                        **({"job": opts.job} if opts.job else {})})
    egress = policy_for_site(site.url, site.network, opts.allow_private)
    return CrawlJob(site_id=site.id, run_id=run_id, homepage=site.url, max_pages=opts.max_pages,
                    max_depth=opts.max_depth, allow_private=opts.allow_private or bool(egress.allow),
                    site=entry, browser=rendering, evidence_dir=str((opts.out / site.id / "evidence").resolve()),
                    egress=egress, run_deadline_s=opts.run_deadline_s(site),
                    link_caps={k: opts.scheme.params.get(f"links.max_checks_per_{k}") for k in ("page", "host", "run")})


def _gather_newmedia(audit: Audit) -> None:
    """Read each site's 政务新媒体 accounts (after the crawl: WeChat falls back on the portal's article links)."""
    from crawler.platforms import GatherContext
    from crawler.platforms.login import state_dir

    opts = audit.options
    ctx = GatherContext(timeout_s=opts.timeout_s, browser=opts.browser, state_dir=opts.state_dir or state_dir(),
                        registry_dir=opts.registry_dir, **({"user_agent": opts.user_agent} if opts.user_agent else {}))
    def one(site: SiteEntry, job: CrawlJob) -> None:
        registered = [AccountRef(a.platform, a.handle, a.name, a.interaction) for a in site.accounts]
        facts, counts = gather_accounts(opts.db_url, job.run_id, registered, opts.platforms or {}, ctx)
        writer.store(opts.db_url, facts, (job.run_id, NEWMEDIA_FAMILIES))
        update_stats(opts.db_url, job.run_id, accounts=counts)

    for site, job in zip(audit.sites, audit.jobs, strict=True):
        _site_step(audit, job, "newmedia", "新媒体采集", lambda site=site, job=job: one(site, job))


def _gather_functions(audit: Audit) -> None:
    """Search, phone render, axe-core, IPv6 and fingerprints of each site (docs/functions.md)."""
    from crawler import settings as crawl_settings

    opts = audit.options
    base = GatherOptions(out_dir=opts.out, browser=opts.browser, timeout_s=opts.timeout_s,
                         user_agent=opts.user_agent or crawl_settings.USER_AGENT)
    session, launch_error = open_browser(base) if opts.browser else (None, None)  # one Chromium for all sites
    try:
        for site, job in zip(audit.sites, audit.jobs, strict=True):
            gopts = replace(base, out_dir=opts.out / site.id, allow_private=job.allow_private, egress=job.egress)

            def one(site: SiteEntry = site, job: CrawlJob = job, gopts: GatherOptions = gopts) -> None:
                facts, families = gather_functions(opts.db_url, job.run_id, site.model_dump(mode="json"), gopts,
                                                   session, launch_error)
                writer.store(opts.db_url, facts, (job.run_id, families))

            # a failure: the rules that need these facts report not_measured
            _site_step(audit, job, "functions", "功能检查采集", one)
    finally:
        if session is not None:
            session.close()


def _gather_apply_channels(audit: Audit) -> None:
    """Whether each site's 在线申请 page and form open (loaded, never submitted; docs/evaluations.md)."""
    from crawler import settings as crawl_settings
    from crawler.gatherers.apply_channel import ApplyOptions, check_apply_channel

    opts = audit.options
    for job in audit.jobs:
        aopts = ApplyOptions(timeout_s=opts.timeout_s, user_agent=opts.user_agent or crawl_settings.USER_AGENT,
                             allow_private=job.allow_private, egress=job.egress)

        def one(job: CrawlJob = job, aopts: ApplyOptions = aopts) -> None:
            facts = check_apply_channel(opts.db_url, job.run_id, aopts)
            writer.store(opts.db_url, facts, (job.run_id, ("apply_channel",)))

        # not gathered: the evaluation reports the channel as not measured
        _site_step(audit, job, "apply_channel", "在线申请渠道检查", one)


def _site_step(audit: Audit, job: CrawlJob, step: str, label: str, body: Callable[[], None]) -> bool:
    """One site's share of a step: its failure (a hostile value, a gatherer's defect) is that site's —
    logged, warned, kept in its run's stats (`step_errors`) — and the other sites go on. What the step
    would have stored is not marked gathered, so the rules reading it say not_measured."""
    try:
        body()
    except Exception as exc:  # noqa: BLE001 - one site's failure never ends the audit of the others
        log.exception("%s failed for %s (run %s)", step, job.site_id, job.run_id)
        error = f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"[:500]
        audit.reporter.warn(f"{label}失败 / {step} failed for {job.site_id}: {error}")
        try:
            note_step_error(audit.options.db_url, job.run_id, step, error)
        except Exception:  # noqa: BLE001 - the database itself may be what failed
            log.exception("could not record the %s failure of run %s", step, job.run_id)
        return False
    return True


def _fail_run(audit: Audit, job: CrawlJob, step: str) -> None:
    """A run that could not be judged or scored: `failed` with the reason, no report of its own."""
    from storage.runs import finish_run

    audit.states[job.run_id] = "failed"
    try:
        finish_run(audit.options.db_url, job.run_id, "failed", error=f"{step} failed (see the run's step_errors)")
    except Exception:  # noqa: BLE001
        log.exception("could not mark run %s failed", job.run_id)


def _browser_available(reporter: Reporter) -> bool:
    from crawler.browser.launch import BrowserNotFound, find_chromium

    try:
        find_chromium()
    except BrowserNotFound as exc:
        reporter.warn(f"no browser, auditing without one: {exc}")
        return False
    return True


def _check_tls(site: SiteEntry, timeout_s: float) -> dict | None:
    """The homepage host over HTTPS (security.no_https), taken while the crawl runs; None on a defect of ours."""
    try:
        return asyncio.run(check_tls(site.url, site.https, timeout_s))
    except Exception:  # noqa: BLE001 - the rule then says not_measured; the audit goes on
        log.exception("TLS check of %s failed", site.url)
        return None


def _copy_evidence(doc: dict, source: str | None, out: Path) -> None:
    """Reports written elsewhere than the audit's --out take the screenshots they reference along."""
    if not source:
        return
    target = out / doc["site"]["id"] / "evidence"
    for f in doc["findings"]:
        for path in (f.get("screenshot"), (f.get("crop") or {}).get("path")):
            name = (path or "").removeprefix("evidence/")
            src = Path(source) / name
            if name and "/" not in name and src.is_file() and not (target / name).exists():
                target.mkdir(parents=True, exist_ok=True)
                shutil.copy2(src, target / name)
