"""The users repository: the one writer of users, API tokens and the audit log (storage/models/user.py).

Tokens are `ga_` + 32 random bytes (URL-safe); only their SHA-256 is stored, so a token is shown once,
when it is made, and a leaked database gives no usable token. Passwords (web login) are hashed with
Argon2id through argon2-cffi, an optional dependency (`pip install govaudit[serve]`): without it a user
has a token but no password. Every write here and in the service appends an `AuditLog` row.

A judge is assigned evaluations (`user_evaluation`, by evaluation id): it sees and scores only those. Unlike a
unit's `--site` (a 网站标识码 that may name a site not audited yet), an evaluation id is made by this database
(`govaudit evaluate create`), so an id with no evaluation is refused: it can only be a typo, and a later evaluation
given that id would be one the judge was never meant to score.
"""
from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage import models as m
from storage.base import utcnow
from storage.vocabulary import USER_ROLES

TOKEN_PREFIX = "ga_"
_NAME = re.compile(r"^[^\s\x00-\x1f]{1,128}$")
_SITE = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")
MIN_PASSWORD = 10


class UserError(ValueError):
    """A user request that cannot be done (unknown role, duplicate name, unknown user …)."""


@dataclass(frozen=True)
class UserRecord:
    id: int
    name: str
    role: str
    sites: tuple[str, ...]
    revoked: bool
    evaluations: tuple[int, ...] = ()  # a judge's assigned evaluations (empty for every other role)

    @property
    def sees_all(self) -> bool:
        """Supervisors, evaluators and judges see every site; a unit only its own."""
        return self.role != "unit"

    def may_see(self, site_id: str) -> bool:
        return self.sees_all or site_id in self.sites

    def may_see_evaluation(self, evaluation_id: int) -> bool:
        """A judge sees only the evaluations it is assigned; every other role is not limited here."""
        return self.role != "judge" or evaluation_id in self.evaluations

    def as_json(self) -> dict[str, Any]:
        return {"id": self.id, "name": self.name, "role": self.role, "role_zh": USER_ROLES.get(self.role),
                "sites": list(self.sites), "evaluations": list(self.evaluations), "revoked": self.revoked}


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _record(session: Session, u: m.User) -> UserRecord:
    evaluations: tuple[int, ...] = ()
    if u.role == "judge":
        evaluations = tuple(session.scalars(select(m.UserEvaluation.evaluation_id)
                                            .where(m.UserEvaluation.user_id == u.id)
                                            .order_by(m.UserEvaluation.evaluation_id)))
    return UserRecord(id=u.id, name=u.name, role=u.role, sites=tuple(u.sites or ()), revoked=u.revoked_at is not None,
                      evaluations=evaluations)


def _parsed_ids(evaluations: Iterable[Any]) -> list[int]:
    """Evaluation ids as given (CLI strings or API integers), each a number."""
    ids: list[int] = []
    for raw in evaluations:
        try:
            ids.append(int(str(raw).strip()))
        except ValueError:
            raise UserError(f"--evaluation {raw!r}: not an evaluation id (a number)") from None
    return ids


def _evaluation_ids(session: Session, role: str, evaluations: Iterable[Any]) -> list[int]:
    """The evaluation ids given for a judge, checked: integers naming stored evaluations, duplicates dropped."""
    ids = _parsed_ids(evaluations)
    if ids and role != "judge":
        raise UserError(f"--evaluation is for judges only: a {role} is not limited to assigned evaluations")
    ids = list(dict.fromkeys(ids))
    for eid in ids:
        if session.get(m.Evaluation, eid) is None:
            raise UserError(f"--evaluation {eid}: no such evaluation (see `govaudit evaluate list`)")
    return ids


def _hasher():  # noqa: ANN202 - argon2.PasswordHasher
    try:
        from argon2 import PasswordHasher
    except ImportError:  # pragma: no cover - the serve extra is not installed
        raise UserError("passwords need argon2-cffi: pip install 'govaudit[serve]'") from None
    return PasswordHasher()


def log(session: Session, *, actor: str, action: str, target: str | None = None, source: str | None = None,
        detail: dict[str, Any] | None = None) -> None:
    """Append one audit-log entry (who, what, on what, from where; the time is now)."""
    session.add(m.AuditLog(actor=actor, action=action, target=target, source=source, detail=detail or {}))


def add_user(session: Session, name: str, role: str, sites: Sequence[str] = (), *, password: str | None = None,
             evaluations: Sequence[Any] = (), actor: str = "cli",
             source: str = "cli") -> tuple[UserRecord, str]:
    """A new user with its first token; returns the record and the token (shown once, never stored)."""
    name = (name or "").strip()
    if not _NAME.match(name):
        raise UserError(f"user name {name!r}: 1–128 characters, no spaces")
    if role not in USER_ROLES:
        raise UserError(f"role {role!r}: one of {', '.join(USER_ROLES)}")
    bad = [s for s in sites if not _SITE.match(s)]
    if bad:
        raise UserError(f"--site {bad[0]!r}: not a site id (letters, digits, . _ -)")
    if role == "unit" and not sites:
        raise UserError("a unit needs at least one --site (the sites it answers for)")
    if role != "unit" and sites:
        raise UserError(f"--site is for units only: a {role} sees every site")
    evaluation_ids = _evaluation_ids(session, role, evaluations)
    if session.scalar(select(m.User).where(m.User.name == name)) is not None:
        raise UserError(f"user {name!r} already exists")
    user = m.User(name=name, role=role, sites=list(dict.fromkeys(sites)),
                  password_hash=_hash_password(password) if password else None)
    session.add(user)
    session.flush()
    for eid in evaluation_ids:
        session.add(m.UserEvaluation(user_id=user.id, evaluation_id=eid))
    session.flush()
    token = _new_token(session, user)
    detail: dict[str, Any] = {"role": role, "sites": list(user.sites), "password": bool(password)}
    if role == "judge":
        detail["evaluations"] = evaluation_ids
    log(session, actor=actor, action="user.add", target=name, source=source, detail=detail)
    return _record(session, user), token


def assign(session: Session, name: str, evaluations: Sequence[Any], *, actor: str = "cli",
           source: str = "cli") -> UserRecord:
    """Assign a judge further evaluations (already assigned ones are left as they are); one audit-log event."""
    user = _user(session, name)
    if user.role != "judge":
        raise UserError(f"user {name!r} is a {user.role}: only judges are assigned evaluations")
    if user.revoked_at is not None:
        raise UserError(f"user {name!r} is revoked")
    ids = _evaluation_ids(session, "judge", evaluations)
    if not ids:
        raise UserError("give at least one --evaluation ID")
    have = set(session.scalars(select(m.UserEvaluation.evaluation_id).where(m.UserEvaluation.user_id == user.id)))
    added = [eid for eid in ids if eid not in have]
    for eid in added:
        session.add(m.UserEvaluation(user_id=user.id, evaluation_id=eid))
    session.flush()
    log(session, actor=actor, action="user.assign", target=name, source=source, detail={"evaluations": added})
    return _record(session, user)


def unassign(session: Session, name: str, evaluations: Sequence[Any], *, actor: str = "cli",
             source: str = "cli") -> UserRecord:
    """Take evaluations from a judge (ids it was not assigned are an error); one audit-log event."""
    user = _user(session, name)
    if user.role != "judge":
        raise UserError(f"user {name!r} is a {user.role}: only judges are assigned evaluations")
    ids = _parsed_ids(evaluations)
    if not ids:
        raise UserError("give at least one --evaluation ID")
    rows = {r.evaluation_id: r for r in session.scalars(select(m.UserEvaluation)
                                                          .where(m.UserEvaluation.user_id == user.id))}
    missing = [eid for eid in ids if eid not in rows]
    if missing:
        raise UserError(f"--evaluation {missing[0]}: {name!r} is not assigned it")
    ids = list(dict.fromkeys(ids))
    for eid in ids:
        session.delete(rows[eid])
    session.flush()
    log(session, actor=actor, action="user.unassign", target=name, source=source, detail={"evaluations": ids})
    return _record(session, user)


def _new_token(session: Session, user: m.User) -> str:
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    session.add(m.ApiToken(user_id=user.id, token_hash=hash_token(token)))
    session.flush()
    return token


def new_token(session: Session, name: str, *, actor: str = "cli", source: str = "cli") -> str:
    """One more token for an existing, not revoked user."""
    user = _user(session, name)
    if user.revoked_at is not None:
        raise UserError(f"user {name!r} is revoked")
    token = _new_token(session, user)
    log(session, actor=actor, action="token.add", target=name, source=source)
    return token


def _hash_password(password: str) -> str:
    if len(password) < MIN_PASSWORD:
        raise UserError(f"password: at least {MIN_PASSWORD} characters")
    return _hasher().hash(password)


def set_password(session: Session, name: str, password: str, *, actor: str = "cli", source: str = "cli") -> None:
    user = _user(session, name)
    user.password_hash = _hash_password(password)
    log(session, actor=actor, action="user.password", target=name, source=source)


def revoke(session: Session, name: str, *, actor: str = "cli", source: str = "cli") -> int:
    """Revoke a user: every token and the password stop working; returns the number of tokens revoked."""
    user = _user(session, name)
    now = utcnow()
    user.revoked_at = user.revoked_at or now
    count = 0
    for t in session.scalars(select(m.ApiToken).where(m.ApiToken.user_id == user.id,
                                                      m.ApiToken.revoked_at.is_(None))):
        t.revoked_at = now
        count += 1
    log(session, actor=actor, action="user.revoke", target=name, source=source, detail={"tokens": count})
    return count


def revoke_token(session: Session, token: str, *, actor: str = "cli", source: str = "cli") -> bool:
    """Revoke one token (given in clear; only its hash is looked up)."""
    row = session.scalar(select(m.ApiToken).where(m.ApiToken.token_hash == hash_token(token)))
    if row is None or row.revoked_at is not None:
        return False
    row.revoked_at = utcnow()
    owner = session.get(m.User, row.user_id)
    log(session, actor=actor, action="token.revoke", target=owner.name if owner else None, source=source,
        detail={"token_id": row.id})
    return True


def by_token(session: Session, token: str | None) -> UserRecord | None:
    """The user a bearer token belongs to, or None (unknown, revoked token or revoked user)."""
    if not token:
        return None
    row = session.execute(select(m.ApiToken, m.User).join(m.User, m.User.id == m.ApiToken.user_id)
                          .where(m.ApiToken.token_hash == hash_token(token))).first()
    if row is None:
        return None
    tok, user = row
    if tok.revoked_at is not None or user.revoked_at is not None:
        return None
    return _record(session, user)


def by_password(session: Session, name: str, password: str) -> UserRecord | None:
    """The user when the password matches (never says which of name or password was wrong)."""
    user = session.scalar(select(m.User).where(m.User.name == (name or "").strip()))
    hasher = _hasher()
    if user is None or not user.password_hash or user.revoked_at is not None:
        # the same work as a real check, so a missing user is not told apart by timing
        try:
            hasher.verify(_DUMMY_HASH or _dummy(hasher), password or "-")
        except Exception:  # noqa: BLE001 - a mismatch is the expected outcome
            pass
        return None
    try:
        hasher.verify(user.password_hash, password or "")
    except Exception:  # noqa: BLE001 - argon2's VerifyMismatchError / InvalidHashError
        return None
    if hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hasher.hash(password)
    return _record(session, user)


_DUMMY_HASH: str | None = None


def _dummy(hasher: Any) -> str:
    global _DUMMY_HASH
    _DUMMY_HASH = hasher.hash(secrets.token_hex(8))
    return _DUMMY_HASH


def get(session: Session, user_id: int) -> UserRecord | None:
    u = session.get(m.User, user_id)
    return _record(session, u) if u is not None and u.revoked_at is None else None


def _user(session: Session, name: str) -> m.User:
    user = session.scalar(select(m.User).where(m.User.name == name))
    if user is None:
        raise UserError(f"no user {name!r}")
    return user


def list_users(session: Session) -> list[UserRecord]:
    return [_record(session, u) for u in session.scalars(select(m.User).order_by(m.User.id)).all()]


def audit_log(session: Session, *, limit: int = 100, offset: int = 0, actors: Iterable[str] = ()) -> list[dict]:
    query = select(m.AuditLog)
    actors = list(actors)
    if actors:
        query = query.where(m.AuditLog.actor.in_(actors))
    rows = session.scalars(query.order_by(m.AuditLog.id.desc()).offset(offset).limit(limit))
    from storage.vocabulary import china_time

    return [{"id": r.id, "at": china_time(r.at).isoformat(timespec="seconds"), "actor": r.actor, "action": r.action,
             "target": r.target, "source": r.source, "detail": r.detail or {}} for r in rows]
