"""The demo's accounts (documented in the README): for trying the dashboard, never for real data.

* every participant: username = their id (``p01`` …), password ``DEMO_PASSWORD``;
* ``coach-a`` (group-a), ``coach-b`` (group-b) and ``coach`` (both groups);
* ``admin``.

Re-running the demo keeps existing accounts (and any password changed since).
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Final

from pipelines.store.accounts import Accounts, User

DEMO_PASSWORD: Final = "backtrack-demo"
COACHES: Final = {
    "coach-a": ("group-a",),
    "coach-b": ("group-b",),
    "coach": ("group-a", "group-b"),
}


def create_demo_accounts(data_dir: Path, participants: Iterable[str]) -> list[User]:
    """The demo accounts in ``data_dir``'s accounts database (existing ones are kept)."""
    accounts = Accounts(data_dir)
    wanted: list[tuple[str, str, str | None, tuple[str, ...]]] = [
        (pid, "participant", pid, ()) for pid in participants
    ]
    wanted += [(name, "coach", None, groups) for name, groups in COACHES.items()]
    wanted.append(("admin", "admin", None, ()))
    users = []
    for username, role, participant, groups in wanted:
        found = accounts.find(username)
        users.append(
            found
            or accounts.add_user(
                username, role, participant=participant, password=DEMO_PASSWORD, groups=groups
            )
        )
    return users
