"""Post-crawl gatherers: what is fetched for a run beside the Scrapy crawl — site functions (search,
phone render, axe-core, host/IPv6), 政务新媒体 accounts, availability probes and TLS, evidence
screenshots. Each returns facts; the composition root hands them to the one writer."""
