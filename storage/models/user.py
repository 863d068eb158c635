"""Users of the web service (`govaudit serve`), their API tokens and the audit log of every write.

Written only by storage/users.py. A token is stored as its SHA-256 (it is 32 random bytes: a slow hash
adds nothing); a password as an Argon2id hash. Neither is ever stored or logged in clear.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from storage.base import Base, utcnow


class User(Base):
    """A person or office with one role; a unit's `sites` are the 网站标识码 it answers for."""

    __tablename__ = "app_user"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(128), unique=True)
    role: Mapped[str] = mapped_column(String(16))  # storage.vocabulary.USER_ROLES
    sites: Mapped[list] = mapped_column(default=list)  # site ids (may name sites not audited yet)
    password_hash: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class ApiToken(Base):
    """A bearer token of a user: only its hash; revoked tokens stay (the audit log names them)."""

    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class UserEvaluation(Base):
    """An evaluation a judge is assigned to (a judge sees and scores only these); written by storage/users.py."""

    __tablename__ = "user_evaluation"

    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id", ondelete="CASCADE"), primary_key=True)
    evaluation_id: Mapped[int] = mapped_column(ForeignKey("evaluation.id", ondelete="CASCADE"), primary_key=True,
                                               index=True)
    assigned_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class AuditLog(Base):
    """One write through the service or the users commands: who, when, what, on what, from where."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    actor: Mapped[str] = mapped_column(String(128))
    action: Mapped[str] = mapped_column(String(64))
    target: Mapped[str | None] = mapped_column(Text)
    source: Mapped[str | None] = mapped_column(String(128))  # client address, or "cli"
    detail: Mapped[dict] = mapped_column(default=dict)
