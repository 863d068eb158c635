"""All models, imported so Alembic and create_all see the whole metadata."""
from storage.models.attachment import Attachment
from storage.models.column import Column, ColumnItem
from storage.models.disclosure import AnnualReport, DisclosurePart, Document, InteractionChannel, Message
from storage.models.function import AxeResult, HostFact, MobileRender, SearchProbe
from storage.models.newmedia import Account, Post
from storage.models.page import Link, Page, PageBody
from storage.models.probe import Probe, TlsCheck
from storage.models.result import Finding, IndicatorScore, Judgement, RuleResult, Score
from storage.models.run import Run
from storage.models.site import Site
from storage.models.variant import LinkVisibility, PageVariant

__all__ = [
    "Account",
    "AnnualReport",
    "Attachment",
    "AxeResult",
    "Column",
    "ColumnItem",
    "DisclosurePart",
    "Document",
    "Finding",
    "HostFact",
    "IndicatorScore",
    "InteractionChannel",
    "Judgement",
    "Link",
    "LinkVisibility",
    "Message",
    "MobileRender",
    "Page",
    "PageBody",
    "PageVariant",
    "Probe",
    "Post",
    "RuleResult",
    "Run",
    "Score",
    "SearchProbe",
    "Site",
    "TlsCheck",
]
