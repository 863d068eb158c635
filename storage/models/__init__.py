"""All models, imported so Alembic and create_all see the whole metadata."""
from storage.models.page import Link, Page, PageBody
from storage.models.probe import Probe, TlsCheck
from storage.models.result import Finding, IndicatorScore, Judgement, RuleResult, Score
from storage.models.run import Run
from storage.models.site import Site

__all__ = ["Finding", "IndicatorScore", "Judgement", "Link", "Page", "PageBody", "Probe", "RuleResult", "Run", "Score", "Site", "TlsCheck"]
