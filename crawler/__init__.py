"""Gathering: the Scrapy project (spiders, items, pipelines) and the `govaudit` CLI."""
