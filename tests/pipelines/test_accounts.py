"""Accounts: roles, argon2 passwords, sessions that expire, migrations, and the CLI."""

from __future__ import annotations

import sqlite3
import stat
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pipelines.cli.main import app
from pipelines.store.accounts import (
    ABSOLUTE_TIMEOUT,
    IDLE_TIMEOUT,
    MIGRATIONS,
    AccountError,
    Accounts,
    migrate,
)

NOW = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)
SECRET = "correct horse battery"


@pytest.fixture
def accounts(tmp_path: Path) -> Accounts:
    return Accounts(tmp_path)


def test_a_participant_account_is_one_participants_and_coaches_have_groups(
    accounts: Accounts,
) -> None:
    anna = accounts.add_user("anna", "participant", participant="p01", password=SECRET)
    kim = accounts.add_user("kim", "coach", groups=("group-a",), password=SECRET)
    kim = accounts.assign_group("kim", "group-b")
    assert (anna.role, anna.participant, anna.groups, anna.has_password) == (
        "participant",
        "p01",
        frozenset(),
        True,
    )
    assert (kim.role, kim.participant, kim.groups) == ("coach", None, {"group-a", "group-b"})
    assert accounts.assign_group("kim", "group-a", remove=True).groups == {"group-b"}
    assert [u.username for u in accounts.users()] == ["anna", "kim"]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"username": "x", "role": "boss"}, "role must be one of"),
        ({"username": "x", "role": "participant"}, "needs --participant"),
        ({"username": "x", "role": "participant", "participant": "../p1"}, "participant id"),
        ({"username": "x", "role": "coach", "participant": "p1"}, "only participant accounts"),
        ({"username": "x", "role": "admin", "groups": ("g",)}, "only coaches"),
        ({"username": "", "role": "admin"}, "1–64 printable"),
        ({"username": "x", "role": "admin", "password": "short"}, "at least 10"),
        ({"username": "anna", "role": "admin"}, "exists already"),
        ({"username": "y", "role": "participant", "participant": "p01"}, "has an account"),
    ],
)
def test_what_the_rules_refuse(accounts: Accounts, kwargs: dict[str, object], message: str) -> None:
    accounts.add_user("anna", "participant", participant="p01")
    with pytest.raises((AccountError, ValueError), match=message):
        accounts.add_user(**kwargs)  # type: ignore[arg-type]


def test_sign_in_needs_the_right_password_and_a_usable_account(accounts: Accounts) -> None:
    accounts.add_user("anna", "participant", participant="p01", password=SECRET)
    accounts.add_user("oidc-only", "admin")
    assert accounts.authenticate("anna", SECRET) is not None
    assert accounts.authenticate(" anna ", SECRET) is not None
    assert accounts.authenticate("ANNA", SECRET) is not None  # usernames ignore case
    assert accounts.authenticate("anna", SECRET.upper()) is None
    assert accounts.authenticate("nobody", SECRET) is None
    assert accounts.authenticate("oidc-only", "") is None
    assert accounts.authenticate("anna", "x" * 5000) is None
    accounts.set_disabled("anna", True)
    assert accounts.authenticate("anna", SECRET) is None


@pytest.mark.parametrize(
    ("last_used", "signed_in", "alive"),
    [
        (timedelta(0), timedelta(0), True),
        (IDLE_TIMEOUT - timedelta(seconds=1), IDLE_TIMEOUT, True),
        (IDLE_TIMEOUT + timedelta(seconds=1), IDLE_TIMEOUT + timedelta(seconds=1), False),
        (timedelta(minutes=5), ABSOLUTE_TIMEOUT - timedelta(seconds=1), True),
        (timedelta(minutes=5), ABSOLUTE_TIMEOUT + timedelta(seconds=1), False),
    ],
)
def test_sessions_expire_when_idle_or_too_old(
    accounts: Accounts, last_used: timedelta, signed_in: timedelta, alive: bool
) -> None:
    user = accounts.add_user("anna", "participant", participant="p01")
    start = NOW - signed_in
    token = accounts.start_session(user, now=start)
    moment = start
    while moment + timedelta(hours=1) < NOW - last_used:  # used hourly until last_used ago
        moment += timedelta(hours=1)
        assert accounts.session_user(token, now=moment) is not None
    if NOW - last_used > start:
        assert accounts.session_user(token, now=NOW - last_used) is not None
    assert (accounts.session_user(token, now=NOW) is not None) is alive


def test_sessions_end_on_sign_out_password_change_disable_and_removal(
    accounts: Accounts,
) -> None:
    user = accounts.add_user("anna", "participant", participant="p01", password=SECRET)
    for end in (
        lambda token: accounts.end_session(token),
        lambda token: accounts.set_password("anna", "another long secret"),
        lambda token: accounts.set_disabled("anna", True),
    ):
        accounts.set_disabled("anna", False)
        token = accounts.start_session(user, now=NOW)
        assert accounts.session_user(token, now=NOW) == accounts.user("anna")
        end(token)
        assert accounts.session_user(token, now=NOW) is None
    token = accounts.start_session(user, now=NOW)
    accounts.remove_user("anna")
    assert accounts.session_user(token, now=NOW) is None
    assert accounts.session_user("forged", now=NOW) is None
    assert accounts.session_user(None) is None


def test_secrets_are_never_stored_in_clear(tmp_path: Path) -> None:
    accounts = Accounts(tmp_path)
    user = accounts.add_user("anna", "participant", participant="p01", password=SECRET)
    token = accounts.start_session(user)
    with sqlite3.connect(tmp_path / "accounts.sqlite3") as db:
        db.execute("PRAGMA wal_checkpoint(FULL)")
        dump = "\n".join(db.iterdump())
    assert SECRET not in dump and token not in dump
    assert "$argon2id$" in dump
    assert stat.S_IMODE((tmp_path / "accounts.sqlite3").stat().st_mode) == 0o600


def test_migrations_run_once_and_leave_the_version(tmp_path: Path) -> None:
    Accounts(tmp_path).add_user("anna", "admin")
    again = Accounts(tmp_path)  # opening again migrates nothing and keeps the data
    assert [u.username for u in again.users()] == ["anna"]
    with sqlite3.connect(tmp_path / "accounts.sqlite3", isolation_level=None) as db:
        assert migrate(db) == len(MIGRATIONS)


def test_removing_a_participants_accounts(accounts: Accounts) -> None:
    accounts.add_user("anna", "participant", participant="p01")
    assert accounts.remove_participant_accounts("p01") == 1
    assert accounts.find("anna") is None


def test_the_users_commands(tmp_path: Path) -> None:
    runner = CliRunner()
    base = ["--data-dir", str(tmp_path)]

    def run(*args: str, stdin: str | None = None) -> str:
        result = runner.invoke(app, ["users", *args, *base], input=stdin)
        assert result.exit_code == 0, result.output
        return result.output

    run("add", "anna", "--role", "participant", "-p", "p01", "--password-stdin", stdin=SECRET)
    run("add", "kim", "--role", "coach", "--group", "group-a", "--no-password")
    assert "group-a, group-b" in run("assign-group", "kim", "group-b")
    listing = run("list")
    assert "anna" in listing and "p01" in listing and "kim" in listing
    run("set-password", "anna", "--password-stdin", stdin="another long secret\n")
    accounts = Accounts(tmp_path)
    assert accounts.authenticate("anna", "another long secret") is not None
    refused = runner.invoke(
        app, ["users", "add", "anna", "--role", "admin", "--no-password", *base]
    )
    assert refused.exit_code == 2 and "exists already" in refused.output
    run("remove", "kim")
    assert accounts.find("kim") is None
