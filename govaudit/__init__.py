"""govaudit — the composition root: the CLI, the audit pipeline (`govaudit.pipeline.audit_site`), and
every other way of starting work. The only package that imports crawler, checks, reports and storage."""
