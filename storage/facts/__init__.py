"""The crawl's facts, one declaration per table (`storage/facts/table.py`): each module is a fact family.

The spine — sites, pages with their bodies, and links — is hand-written (`pages.py`, storage/models/page.py):
the crawl's writer streams it in bulk. Every other family is a set of `@fact_table` classes in a module of
this package; importing the package imports every such module and so registers them all (`TABLES`), and
storage.models, the writer and the snapshot see the same list.
"""
import importlib
import pkgutil

from storage.facts.table import TABLES, FactRow, FactTable, Indexed, fact_table, table_of

for _module in pkgutil.iter_modules(__path__):
    if _module.name not in ("table", "pages"):
        importlib.import_module(f"{__name__}.{_module.name}")

__all__ = ["TABLES", "FactRow", "FactTable", "Indexed", "fact_table", "table_of"]
