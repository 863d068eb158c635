"""Fact family `interaction`: 互动交流 channels and the messages of their boards (docs/interaction.md)."""
from __future__ import annotations

from datetime import date
from typing import Annotated

from sqlalchemy import String

from storage.facts.disclosure import as_date
from storage.facts.table import fact_table


@fact_table("interaction_channel", model="InteractionChannel", family="interaction",
            snapshot="interaction_channels")
class ChannelFact:
    """A 互动交流 channel (领导信箱, 留言板, 网上咨询, 12345 …); 信访/纪检举报 are kept but marked excluded."""

    url: str
    kind: Annotated[str, String(16)]  # mailbox | board | consult | hotline | petition | report
    name: str | None = None
    excluded: bool = False
    configured: bool = False
    source: str | None = None


@fact_table("message", model="Message", family="interaction", snapshot="messages")
class MessageFact:
    """One message of a board: 留言时间, 回复时间, status as shown, reply unit, and its channel."""

    url: str  # the message's detail page (or the list page when it has none)
    asked_at: date | None = None
    replied_at: date | None = None
    answered: bool | None = None  # from the reply date or the status; None unknown
    list_url: str | None = None
    channel_name: str | None = None
    channel_kind: Annotated[str | None, String(16)] = None
    title: str | None = None
    status: str | None = None  # as shown: 已回复, 办理中 …
    reply_unit: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "asked_at", as_date(self.asked_at))
        object.__setattr__(self, "replied_at", as_date(self.replied_at))
