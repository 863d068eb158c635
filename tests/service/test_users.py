"""Users, roles and tokens in storage (issue 18): only hashes stored, token printed once on the last line,
revocation, Argon2 passwords, an audit-log row for every write; SQLite and PostgreSQL."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from storage import models as m
from storage import users
from storage.session import session_scope, upgrade


def test_cli_add_prints_token_once_and_stores_only_its_hash(cli, db_url: str) -> None:
    proc = cli("users", "add", "xx-unit", "--role", "unit", "--site", "4213000099", "--db", db_url)
    assert proc.returncode == 0, proc.stderr
    token = proc.stdout.strip().splitlines()[-1]
    assert token.startswith("ga_") and len(token) > 40
    with session_scope(db_url) as s:
        user = s.scalar(select(m.User).where(m.User.name == "xx-unit"))
        assert user.role == "unit" and user.sites == ["4213000099"]  # a site not audited yet
        stored = s.scalars(select(m.ApiToken.token_hash)).all()
        assert stored == [users.hash_token(token)] and token not in stored
        assert users.by_token(s, token).name == "xx-unit"
        log = s.scalars(select(m.AuditLog)).all()
        assert [(r.actor, r.action, r.target, r.source) for r in log] == [("cli", "user.add", "xx-unit", "cli")]
    # revoke: the token works no more
    proc = cli("users", "revoke", "xx-unit", "--db", db_url)
    assert proc.returncode == 0, proc.stderr
    with session_scope(db_url) as s:
        assert users.by_token(s, token) is None
        assert [r.action for r in s.scalars(select(m.AuditLog).order_by(m.AuditLog.id))] == ["user.add", "user.revoke"]


@pytest.mark.parametrize("args, message", [
    (["--role", "admin"], "role 'admin'"),
    (["--role", "unit"], "a unit needs at least one --site"),
    (["--role", "supervisor", "--site", "1"], "--site is for units only"),
    (["--role", "unit", "--site", "a b"], "not a site id"),
])
def test_cli_add_bad_input_exit_2_nothing_written(cli, sqlite_url: str, args: list[str], message: str) -> None:
    proc = cli("users", "add", "someone", *args, "--db", sqlite_url)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert message in " ".join(proc.stderr.split())
    with session_scope(sqlite_url) as s:
        assert s.scalars(select(m.User)).all() == [] and s.scalars(select(m.AuditLog)).all() == []


def test_duplicate_name_refused(sqlite_url: str) -> None:
    upgrade(sqlite_url)
    with session_scope(sqlite_url) as s:
        users.add_user(s, "boss", "supervisor")
    with pytest.raises(users.UserError, match="already exists"), session_scope(sqlite_url) as s:
        users.add_user(s, "boss", "evaluator")


def test_password_is_argon2_and_checked(db_url: str) -> None:
    upgrade(db_url)
    with session_scope(db_url) as s:
        users.add_user(s, "eva", "evaluator", password="correct horse battery")
    with session_scope(db_url) as s:
        stored = s.scalar(select(m.User.password_hash))
        assert stored.startswith("$argon2id$") and "correct horse" not in stored
        assert users.by_password(s, "eva", "correct horse battery").role == "evaluator"
        assert users.by_password(s, "eva", "wrong password!") is None
        assert users.by_password(s, "nobody", "correct horse battery") is None
    with pytest.raises(users.UserError, match="at least"), session_scope(db_url) as s:
        users.set_password(s, "eva", "short")
    with session_scope(db_url) as s:
        users.revoke(s, "eva")
    with session_scope(db_url) as s:
        assert users.by_password(s, "eva", "correct horse battery") is None


def test_single_token_revocation_leaves_the_others(sqlite_url: str) -> None:
    upgrade(sqlite_url)
    with session_scope(sqlite_url) as s:
        _, first = users.add_user(s, "u1", "unit", ["1"])
        second = users.new_token(s, "u1")
    with session_scope(sqlite_url) as s:
        assert users.revoke_token(s, first) is True
        assert users.revoke_token(s, first) is False
    with session_scope(sqlite_url) as s:
        assert users.by_token(s, first) is None
        assert users.by_token(s, second).name == "u1"
        assert users.by_token(s, "ga_made-up") is None and users.by_token(s, "") is None


def test_unit_visibility() -> None:
    unit = users.UserRecord(id=1, name="u", role="unit", sites=("A",), revoked=False)
    sup = users.UserRecord(id=2, name="s", role="supervisor", sites=(), revoked=False)
    assert unit.may_see("A") and not unit.may_see("B") and sup.may_see("B")


def _an_evaluation(url: str) -> int:
    from datetime import date

    from storage import evaluations as evx

    upgrade(url)
    with session_scope(url) as s:
        return evx.create_evaluation(s, name="现场评估", scheme="national-2019", as_of=date(2026, 11, 27),
                                     units=[{"site_id": "4213000001", "name": "示例县人民政府", "kind": "portal",
                                             "group": "县市区"}], by="sup")


def test_cli_judge_with_evaluations_assign_unassign(cli, db_url: str) -> None:
    first, second = _an_evaluation(db_url), _an_evaluation(db_url)
    proc = cli("users", "add", "onsite", "--role", "judge", "--evaluation", str(first), "--db", db_url)
    assert proc.returncode == 0, proc.stderr
    token = proc.stdout.strip().splitlines()[-1]
    with session_scope(db_url) as s:
        assert users.by_token(s, token).evaluations == (first,)
        assert s.scalars(select(m.UserEvaluation.evaluation_id)).all() == [first]
    assert cli("users", "assign", "onsite", "--evaluation", str(second), "--evaluation", str(first),
               "--db", db_url).returncode == 0
    with session_scope(db_url) as s:
        assert users.by_token(s, token).evaluations == (first, second)
    proc = cli("users", "unassign", "onsite", "--evaluation", str(first), "--db", db_url)
    assert proc.returncode == 0, proc.stderr
    with session_scope(db_url) as s:
        assert users.by_token(s, token).evaluations == (second,)
        log = [(r.action, r.target, r.detail) for r in s.scalars(select(m.AuditLog).order_by(m.AuditLog.id))]
    assert log == [("user.add", "onsite", {"role": "judge", "sites": [], "password": False, "evaluations": [first]}),
                   ("user.assign", "onsite", {"evaluations": [second]}),
                   ("user.unassign", "onsite", {"evaluations": [first]})]
    # not assigned it / not a judge: exit 2, nothing written
    assert cli("users", "add", "eva", "--role", "evaluator", "--db", db_url).returncode == 0
    for args, message in ((["unassign", "onsite", "--evaluation", str(first)], "is not assigned it"),
                          (["assign", "eva", "--evaluation", str(first)], "only judges are assigned"),
                          (["assign", "onsite"], "at least one --evaluation")):
        proc = cli("users", *args, "--db", db_url)
        assert proc.returncode == 2 and message in " ".join(proc.stderr.split()), proc.stdout + proc.stderr
    with session_scope(db_url) as s:
        assert len(s.scalars(select(m.AuditLog)).all()) == 4


@pytest.mark.parametrize("args, message", [
    (["--role", "evaluator", "--evaluation", "{ev}"], "--evaluation is for judges only"),
    (["--role", "supervisor", "--evaluation", "{ev}"], "--evaluation is for judges only"),
    (["--role", "judge", "--evaluation", "999999"], "--evaluation 999999: no such evaluation"),
])
def test_cli_evaluation_bad_input_exit_2_nothing_written(cli, sqlite_url: str, args: list[str], message: str) -> None:
    ev = _an_evaluation(sqlite_url)
    proc = cli("users", "add", "someone", *[a.format(ev=ev) for a in args], "--db", sqlite_url)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert message in " ".join(proc.stderr.split())
    with session_scope(sqlite_url) as s:
        assert s.scalars(select(m.User)).all() == [] and s.scalars(select(m.UserEvaluation)).all() == []
        assert s.scalars(select(m.AuditLog)).all() == []
