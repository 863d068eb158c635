"""Fact family `apply_channel`: the 依申请公开 online channel of a site as a machine saw it after the crawl —
the 依申请公开 page, the 在线申请 form page it leads to, whether each opened and what the form asks for.
The form is only loaded, never submitted (docs/evaluations.md)."""
from __future__ import annotations

from typing import Annotated

from sqlalchemy import String

from storage.facts.table import fact_table

# How the check ended: the form opened (`form`), or where it stopped.
APPLY_OUTCOMES = ("form", "no_entry", "entry_unreachable", "no_form", "form_unreachable", "blocked")


@fact_table("apply_channel", model="ApplyChannel", family="apply_channel")
class ApplyChannelFact:
    """One check of the 在线申请 channel: entry page → form page, statuses, the form's fields, 申请表/流程图."""

    outcome: Annotated[str, String(24)]  # one of APPLY_OUTCOMES
    entry_url: str | None = None  # the 依申请公开 page (the platform's `apply` part)
    entry_status: int | None = None
    form_url: str | None = None  # the page carrying the online application form
    form_status: int | None = None
    form_action: str | None = None
    form_method: Annotated[str | None, String(8)] = None
    fields: tuple = ()  # ((name, label), …) of the form's visible inputs
    application_form_url: str | None = None  # a downloadable 申请表 (.doc/.docx/.pdf/.xls/.wps)
    flow_chart_url: str | None = None  # a 流程图 link or image
    error: str | None = None
