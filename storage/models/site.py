"""A government website as registered in sites.yaml (网站, keyed by 网站标识码)."""
from __future__ import annotations

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from storage.base import Base


class Site(Base):
    __tablename__ = "site"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)  # 网站标识码
    name: Mapped[str] = mapped_column(String(255))
    url: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(String(32), default="portal")  # portal | department
    unit: Mapped[str | None] = mapped_column(String(255))
    config: Mapped[dict] = mapped_column(default=dict)  # the registry entry as loaded
