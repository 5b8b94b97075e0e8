"""Signed-in sessions for AppTest: an account per viewer in the data dir's accounts database,
and a live session token — what the sign-in page stores after a correct password."""

from __future__ import annotations

from pathlib import Path

from dashboards import data
from dashboards.viewer import TOKEN_KEY
from pipelines.store.accounts import Accounts, User

__all__ = ["TOKEN_KEY", "account_for", "token_for", "token_for_viewer"]


def account_for(
    data_dir: Path,
    *,
    participant: str | None = None,
    coach: str | None = None,
    admin: str | None = None,
) -> User:
    """The account of a participant, a coach of the comma-separated groups, or an admin
    (created without a password the first time)."""
    accounts = Accounts(data_dir)
    if participant:
        username, role, groups = f"user-{participant}", "participant", ()
    elif coach:
        groups = tuple(sorted(g.strip() for g in coach.split(",") if g.strip()))
        username, role = f"coach-{'+'.join(groups)}", "coach"
    elif admin:
        username, role, groups = "admin", "admin", ()
    else:
        raise ValueError("say who: participant=, coach= or admin=")
    found = accounts.find(username)
    if found is not None:
        return found
    return accounts.add_user(username, role, participant=participant, groups=groups)


def token_for(data_dir: Path, **who: str) -> str:
    """A live session of ``account_for(data_dir, **who)``."""
    return Accounts(data_dir).start_session(account_for(data_dir, **who))


def token_for_viewer(data_dir: Path, viewer: data.Viewer) -> str:
    if viewer.role == "participant":
        assert viewer.participant is not None
        return token_for(data_dir, participant=viewer.participant)
    if viewer.role == "coach":
        return token_for(data_dir, coach=",".join(sorted(viewer.groups)))
    return token_for(data_dir, admin="1")
