"""Gathering: the Scrapy project (spiders, items, pipelines, middlewares, settings) as the spine, page
extractors (`extractors/`), post-crawl gatherers (`gatherers/`), the browser (`browser/`) and the
new-media platform adapters (`platforms/`). Records facts, never verdicts."""
