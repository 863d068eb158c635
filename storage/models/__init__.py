"""All models, imported so Alembic and create_all see the whole metadata.

The spine (sites, runs, pages, links), probes and judged results are written here; every other fact
table is generated from its declaration in storage/facts/ and named here for the code that queries it.
"""
from storage.facts.attachments import AttachmentFact
from storage.facts.columns import ColumnFact, ColumnItemFact
from storage.facts.content import LinkVisibilityFact, PageVariantFact
from storage.facts.disclosure import AnnualReportFact, DisclosurePartFact, DocumentFact
from storage.facts.evidence import EvidenceShotFact
from storage.facts.functions import AxeResultFact, HostInfoFact, MobileRenderFact, SearchProbeFact
from storage.facts.interaction import ChannelFact, MessageFact
from storage.facts.items import ItemPageFact
from storage.facts.monitor import BaselineFact
from storage.facts.newmedia import AccountFact, PostFact
from storage.facts.requests import ApplyChannelFact
from storage.facts.tls import TlsFact
from storage.models.evaluation import (
    Evaluation,
    EvaluationEvent,
    EvaluationResult,
    EvaluationUnit,
    ExternalDeduction,
    ManualScore,
    Objection,
    RequestCase,
)
from storage.models.page import Link, Page, PageBody, PageDrop
from storage.models.blob import BodyBlob, PageBlob  # noqa: F401 - content-addressed bodies (issue 17)
from storage.models.probe import Probe
from storage.models.problem import Problem, ProblemEvent, ProblemRun, ProblemSighting
from storage.models.result import Finding, IndicatorScore, Judgement, RuleMemo, RuleOutcome, Score
from storage.models.run import Run
from storage.models.site import Site
from storage.models.supervision import AlertDelivery, JobLease, MonitorBaseline
from storage.models.user import ApiToken, AuditLog, User, UserEvaluation

Attachment = AttachmentFact.__fact_table__.model
Column = ColumnFact.__fact_table__.model
ColumnItem = ColumnItemFact.__fact_table__.model
LinkVisibility = LinkVisibilityFact.__fact_table__.model
PageVariant = PageVariantFact.__fact_table__.model
AnnualReport = AnnualReportFact.__fact_table__.model
DisclosurePart = DisclosurePartFact.__fact_table__.model
Document = DocumentFact.__fact_table__.model
EvidenceShot = EvidenceShotFact.__fact_table__.model
AxeResult = AxeResultFact.__fact_table__.model
HostInfo = HostInfoFact.__fact_table__.model
MobileRender = MobileRenderFact.__fact_table__.model
SearchProbe = SearchProbeFact.__fact_table__.model
InteractionChannel = ChannelFact.__fact_table__.model
Message = MessageFact.__fact_table__.model
Account = AccountFact.__fact_table__.model
Post = PostFact.__fact_table__.model
TlsCheck = TlsFact.__fact_table__.model
ApplyChannel = ApplyChannelFact.__fact_table__.model
ItemPage = ItemPageFact.__fact_table__.model
MonitorBaselineFactRow = BaselineFact.__fact_table__.model

__all__ = [
    "Evaluation", "EvaluationEvent", "EvaluationResult", "EvaluationUnit", "ExternalDeduction", "ManualScore",
    "Objection", "RequestCase",
    "Account", "AnnualReport", "ApplyChannel", "Attachment", "AxeResult", "Column", "ColumnItem", "DisclosurePart",
    "Document", "EvidenceShot", "Finding", "HostInfo", "IndicatorScore", "InteractionChannel", "ItemPage",
    "Judgement", "Link", "LinkVisibility", "Message", "MobileRender", "Page", "PageBody", "PageDrop", "PageVariant",
    "Post",
    "Probe", "Problem", "ProblemEvent", "ProblemRun", "ProblemSighting", "RuleMemo", "RuleOutcome", "Run", "Score",
    "SearchProbe", "Site", "TlsCheck",
    "AlertDelivery", "JobLease", "MonitorBaseline", "MonitorBaselineFactRow",
    "ApiToken", "AuditLog", "User", "UserEvaluation",
]
__all__ += ["BodyBlob", "PageBlob"]
