"""``backtrack users …`` — accounts and roles (``pipelines.store.accounts``). Thin, like ``cli``.

Passwords never appear on the command line (they would land in shell history and ``ps``):
they are typed at a hidden prompt, or read from the first line of stdin with
``--password-stdin`` (scripts, the demo).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from pipelines import config
from pipelines.cli.common import DataDir, console
from pipelines.store import tombstones
from pipelines.store.accounts import AccountError, Accounts
from pipelines.store.audit import AuditLog, cli_actor

users_app = typer.Typer(no_args_is_help=True, help="Accounts: participants, coaches, admins.")

PasswordStdin = Annotated[
    bool, typer.Option("--password-stdin", help="read the password from stdin's first line")
]


def _accounts(data_dir: Path | None) -> Accounts:
    return Accounts(config.data_dir(data_dir))


def _password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    return str(typer.prompt("Password", hide_input=True, confirmation_prompt=True))


def _audit(data_dir: Path | None, action: str, detail: str, participant: str | None = None) -> None:
    """An account change in the audit trail (usernames and ids only, never e-mail)."""
    AuditLog(config.data_dir(data_dir)).append(
        cli_actor(), action, [participant] if participant else [], detail=detail
    )


def _fail(exc: AccountError) -> typer.Exit:
    console.print(f"[red]{exc}[/red]")
    return typer.Exit(2)


@users_app.command("add")
def users_add(
    username: Annotated[str, typer.Argument(help="sign-in name")],
    role: Annotated[str, typer.Option(help="participant, coach or admin")],
    participant: Annotated[
        str | None, typer.Option("--participant", "-p", help="participant id (participants)")
    ] = None,
    group: Annotated[
        list[str] | None, typer.Option("--group", help="a coach's group (repeatable)")
    ] = None,
    name: Annotated[str | None, typer.Option(help="display name")] = None,
    email: Annotated[str | None, typer.Option(help="e-mail (matches an OIDC sign-in)")] = None,
    no_password: Annotated[
        bool, typer.Option("--no-password", help="sign-in through OIDC only")
    ] = False,
    password_stdin: PasswordStdin = False,
    data_dir: DataDir = None,
) -> None:
    """Create an account."""
    if participant:
        try:
            tombstones.refuse_erased(config.data_dir(data_dir), participant)
        except tombstones.Erased as exc:
            console.print(f"[red]{exc}[/red]", markup=True, highlight=False)
            raise typer.Exit(2) from exc
    password = None if no_password else _password(password_stdin)
    try:
        user = _accounts(data_dir).add_user(
            username,
            role,
            participant=participant,
            password=password,
            display_name=name,
            email=email,
            groups=tuple(group or ()),
        )
    except AccountError as exc:
        raise _fail(exc) from exc
    _audit(data_dir, "account-add", f"{user.username} ({user.role})", user.participant)
    console.print(f"added {user.username} ({user.role})")


@users_app.command("remove")
def users_remove(
    username: Annotated[str, typer.Argument(help="sign-in name")],
    data_dir: DataDir = None,
) -> None:
    """Delete an account (its sessions end at once). The participant's data stays."""
    try:
        accounts = _accounts(data_dir)
        removed = accounts.user(username)
        accounts.remove_user(username)
    except AccountError as exc:
        raise _fail(exc) from exc
    _audit(data_dir, "account-remove", f"{removed.username} ({removed.role})", removed.participant)
    console.print(f"removed {username}")


@users_app.command("set-password")
def users_set_password(
    username: Annotated[str, typer.Argument(help="sign-in name")],
    password_stdin: PasswordStdin = False,
    data_dir: DataDir = None,
) -> None:
    """Set a new password; the user's sessions end."""
    try:
        _accounts(data_dir).set_password(username, _password(password_stdin))
    except AccountError as exc:
        raise _fail(exc) from exc
    _audit(data_dir, "account-password", username)
    console.print(f"password of {username} changed; their sessions ended")


@users_app.command("assign-group")
def users_assign_group(
    username: Annotated[str, typer.Argument(help="a coach's sign-in name")],
    group: Annotated[str, typer.Argument(help="the group")],
    remove: Annotated[bool, typer.Option("--remove", help="take the group away")] = False,
    data_dir: DataDir = None,
) -> None:
    """Make a coach a member of a group (or, with --remove, no longer)."""
    try:
        user = _accounts(data_dir).assign_group(username, group, remove=remove)
    except AccountError as exc:
        raise _fail(exc) from exc
    _audit(data_dir, "account-group", f"{username} {'-' if remove else '+'}{group}")
    console.print(f"{user.username}: groups {', '.join(sorted(user.groups)) or '(none)'}")


@users_app.command("list")
def users_list(data_dir: DataDir = None) -> None:
    """Every account: role, participant id or groups (no names, no e-mail)."""
    table = Table("username", "role", "participant", "groups", "password", "disabled")
    for user in _accounts(data_dir).users():
        table.add_row(
            user.username,
            user.role,
            user.participant or "",
            ", ".join(sorted(user.groups)),
            "yes" if user.has_password else "no",
            "yes" if user.disabled else "",
        )
    console.print(table)
