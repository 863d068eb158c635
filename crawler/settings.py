"""Scrapy settings: polite by default (a few requests per host, AutoThrottle, retries)."""
from __future__ import annotations

import os

BOT_NAME = "govaudit"
SPIDER_MODULES = ["crawler.spiders"]
NEWSPIDER_MODULE = "crawler.spiders"

# Operators set their own contact with --user-agent or GOVAUDIT_USER_AGENT (CONTRACT.md §3).
USER_AGENT = "govaudit/0.1 (+https://github.com/govaudit/govaudit; government website audit)"
ROBOTSTXT_OBEY = False  # an official audit must see what citizens see; politeness comes from the limits below

CONCURRENT_REQUESTS = 32
CONCURRENT_REQUESTS_PER_DOMAIN = 4
DOWNLOAD_DELAY = 0
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 0.0
AUTOTHROTTLE_MAX_DELAY = 10.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 4.0
DOWNLOAD_TIMEOUT = 15  # 国办秘函〔2019〕19号 V2: a visit fails when the site is not open after 15 s
DOWNLOAD_MAXSIZE = 32 * 1024 * 1024
DOWNLOAD_WARNSIZE = 0
RETRY_ENABLED = True
RETRY_TIMES = 2
RETRY_HTTP_CODES = [500, 502, 503, 504, 522, 524, 408, 429]
REDIRECT_MAX_TIMES = 10
COOKIES_ENABLED = True
DEPTH_LIMIT = 0
DNSCACHE_ENABLED = True
# The egress policy (crawler/egress): the downloader connects only to the pinned, checked answer of each
# name (no DNS rebinding); only http(s) is fetched.
TWISTED_DNS_RESOLVER = "crawler.egress.twisted.PinnedHostnameResolver"
DOWNLOAD_HANDLERS = {"file": None, "s3": None, "ftp": None, "data": None}
REACTOR_THREADPOOL_MAXSIZE = 20
LOG_LEVEL = "WARNING"
TELNETCONSOLE_ENABLED = False
REMOTE_CONTROL_ENABLED = False
TWISTED_REACTOR = "twisted.internet.asyncioreactor.AsyncioSelectorReactor"
REQUEST_FINGERPRINTER_IMPLEMENTATION = "2.7"

DOWNLOADER_MIDDLEWARES = {
    "crawler.middlewares.PrivateAddressGuard": 50,
    "crawler.middlewares.Timing": 960,
}
ITEM_PIPELINES = {
    "crawler.pipelines.ValidatePipeline": 100,
    "crawler.pipelines.StoragePipeline": 800,
}
EXTENSIONS = {
    "scrapy.extensions.telnet.TelnetConsole": None,
}
# The scheduler's queue per priority: LIFO like Scrapy's memory queue, its older requests in a temporary file
# (crawler/queues.py): a large site's found-not-fetched pages no longer cost ≈ 1.6 kB each in memory.
SCHEDULER_MEMORY_QUEUE = "crawler.queues.SpillingLifoQueue"
GOVAUDIT_QUEUE_SPILL = int(os.environ.get("GOVAUDIT_QUEUE_SPILL", "500"))  # requests written per chunk; 0: never
GOVAUDIT_BATCH_PAGES = 200
# … or after this many seconds, whichever comes first: a killed crawl loses at most this much (issue 21)
GOVAUDIT_FLUSH_S = 2.0
# Gatherers that see every crawled page (crawler/extractors/__init__.py); later capabilities append theirs.
GOVAUDIT_EXTRACTORS: list[str] = [
    "crawler.extractors.columns.extractor.ColumnExtractor",  # 栏目 and their dated items
    "crawler.extractors.disclosure.extractor.DisclosureExtractor",  # 政府信息公开 platform, documents, annual reports
    "crawler.extractors.disclosure.extractor.InteractionExtractor",  # 互动交流 channels and messages
    "crawler.extractors.variants.VariantFetcher",  # content.cloaking: spider/referrer views of a sample
    "crawler.extractors.attachments.AttachmentExtractor",  # 附件 texts (PDF, Word, WPS, OFD, scans by OCR)
]
# content.cloaking: the homepage and 4 pages it links to, each fetched 3 more times (0 = off)
GOVAUDIT_VARIANT_PAGES = int(os.environ.get("GOVAUDIT_VARIANT_PAGES", "5"))
# Per-request middlewares the audit does not need (measured on the 5,000-page bench): depth is tracked
# by the spider itself (ga_depth), and UrlLengthMiddleware would silently drop links longer than
# 2,083 characters instead of checking them.
SPIDER_MIDDLEWARES = {
    "scrapy.spidermiddlewares.depth.DepthMiddleware": None,
    "scrapy.spidermiddlewares.urllength.UrlLengthMiddleware": None,
    "scrapy.spidermiddlewares.metacopy.MetaCopyDetectionMiddleware": None,
}
# Scrapy starts CONCURRENT_ITEMS worker tasks for every response's output; a page yields one record
# and a few requests, and the default 100 tasks per response cost more than parsing the page.
CONCURRENT_ITEMS = 8
# Downloader middlewares without a use here: byte counters that rebuild every request's raw form
# (DownloaderStats), allowed_domains filtering (the spider decides what it follows), HTTP auth.
DOWNLOADER_MIDDLEWARES.update({
    "scrapy.downloadermiddlewares.stats.DownloaderStats": None,
    "scrapy.downloadermiddlewares.offsite.OffsiteMiddleware": None,
    "scrapy.downloadermiddlewares.httpauth.HttpAuthMiddleware": None,
})
