"""The crawl's facts, one declaration per table (`storage/facts/table.py`): each module is a fact family.

The spine — sites, pages with their bodies, and links — is hand-written (`pages.py`, storage/models/page.py):
the crawl's writer streams it in bulk. Every other family is a set of `@fact_table` classes; importing
this package registers them all (`TABLES`), so storage.models, the writer and the snapshot see the same list.
"""
from storage.facts import columns, content, disclosure, evidence, functions, interaction, items, newmedia, tls  # noqa: F401
from storage.facts.table import TABLES, FactRow, FactTable, fact_table, table_of

__all__ = ["TABLES", "FactRow", "FactTable", "fact_table", "table_of"]
