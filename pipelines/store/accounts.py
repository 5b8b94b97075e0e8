"""Accounts, roles and sign-in sessions — the one module that owns the accounts database.

An embedded SQLite file, ``<data dir>/accounts.sqlite3`` (mode 0600), migrated forward on
open (``PRAGMA user_version``; ``MIGRATIONS`` are applied in order, each in a transaction).

* **Users** have a unique ``username``, a ``role`` — ``participant`` (linked to exactly one
  pseudonymous participant id), ``coach`` (member of any number of groups) or ``admin`` —
  and optionally a password (argon2id, ``argon2-cffi``'s defaults; rehashed on sign-in when
  the parameters change), a display name and an e-mail address (used only to match an OIDC
  sign-in). Names and e-mail addresses live here only; tables, files, logs and run names
  carry participant ids.
* **Sessions**: signing in creates a random token (32 bytes, URL-safe); only its SHA-256 is
  stored. A session ends after ``IDLE_TIMEOUT`` without use or ``ABSOLUTE_TIMEOUT`` after
  sign-in, whichever comes first, on sign-out, and when the user is removed, disabled or
  changes password.
* Failed sign-ins do not tell whether the user exists (a dummy hash is verified for unknown
  names, so both take the same time).

The dashboard turns a session's ``User`` into a ``dashboards.data.Viewer``; the data layer
enforces what that viewer may see.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import secrets
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Final, Literal

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from pipelines.store.storage import check_participant

Role = Literal["participant", "coach", "admin"]
ROLES: Final[tuple[Role, ...]] = ("participant", "coach", "admin")
DB_FILE: Final = "accounts.sqlite3"
IDLE_TIMEOUT: Final = timedelta(hours=2)
ABSOLUTE_TIMEOUT: Final = timedelta(hours=12)
MIN_PASSWORD_LENGTH: Final = 10
MAX_PASSWORD_LENGTH: Final = 1024  # argon2 hashes anything; a bound keeps sign-in cheap

MIGRATIONS: Final[tuple[str, ...]] = (
    # 1: users, coach groups, sessions
    """
    CREATE TABLE users (
        id INTEGER PRIMARY KEY,
        username TEXT NOT NULL UNIQUE COLLATE NOCASE,
        role TEXT NOT NULL CHECK (role IN ('participant', 'coach', 'admin')),
        participant TEXT UNIQUE,
        password_hash TEXT,
        display_name TEXT,
        email TEXT UNIQUE COLLATE NOCASE,
        disabled INTEGER NOT NULL DEFAULT 0,
        created_at TEXT NOT NULL,
        CHECK ((role = 'participant') = (participant IS NOT NULL))
    );
    CREATE TABLE coach_groups (
        user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        grp TEXT NOT NULL,
        PRIMARY KEY (user_id, grp)
    );
    CREATE TABLE sessions (
        token_sha256 TEXT PRIMARY KEY,
        user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        created_at TEXT NOT NULL,
        last_seen TEXT NOT NULL
    );
    CREATE INDEX sessions_user ON sessions(user_id);
    """,
)

_HASHER: Final = PasswordHasher()
_DUMMY_HASH: Final = _HASHER.hash("not a password of anyone")


class AccountError(ValueError):
    """A request the accounts rules refuse (unknown user, bad role, weak password...)."""


@dataclass(frozen=True, slots=True)
class User:
    id: int
    username: str
    role: Role
    participant: str | None
    groups: frozenset[str]
    display_name: str | None = None
    email: str | None = None
    disabled: bool = False
    has_password: bool = False


class Accounts:
    """The accounts database under a data directory."""

    def __init__(self, data_dir: Path | str) -> None:
        self.path = Path(data_dir) / DB_FILE
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self._connect() as db:
            migrate(db)
        os.chmod(self.path, 0o600)

    @contextlib.contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        db = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        try:
            db.execute("PRAGMA foreign_keys = ON")
            db.execute("PRAGMA journal_mode = WAL")
            yield db
        finally:
            db.close()

    @contextlib.contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        with self._connect() as db:
            db.execute("BEGIN IMMEDIATE")
            try:
                yield db
            except BaseException:
                db.execute("ROLLBACK")
                raise
            db.execute("COMMIT")

    # -- users -----------------------------------------------------------------------------
    def add_user(
        self,
        username: str,
        role: str,
        *,
        participant: str | None = None,
        password: str | None = None,
        display_name: str | None = None,
        email: str | None = None,
        groups: tuple[str, ...] = (),
        now: datetime | None = None,
    ) -> User:
        """Create a user. A participant needs a participant id (one account each); coaches
        may be given groups. ``AccountError`` for anything the rules refuse."""
        username = _check_username(username)
        if role not in ROLES:
            raise AccountError(f"role must be one of {', '.join(ROLES)}, got {role!r}")
        if role == "participant":
            if not participant:
                raise AccountError("a participant account needs --participant <id>")
            check_participant(participant)
        elif participant:
            raise AccountError(f"only participant accounts have a participant id, not {role}")
        if groups and role != "coach":
            raise AccountError("only coaches are members of groups")
        hashed = _hash(password) if password is not None else None
        stamp = _iso(now or datetime.now(UTC))
        with self._transaction() as db:
            try:
                cursor = db.execute(
                    "INSERT INTO users (username, role, participant, password_hash, "
                    "display_name, email, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                    (username, role, participant, hashed, display_name, email or None, stamp),
                )
            except sqlite3.IntegrityError as exc:
                raise AccountError(_integrity_message(exc, username, participant, email)) from exc
            user_id = int(cursor.lastrowid or 0)
            for group in groups:
                db.execute(
                    "INSERT INTO coach_groups (user_id, grp) VALUES (?, ?)",
                    (user_id, _check_group(group)),
                )
        return self.user(username)

    def user(self, username: str) -> User:
        found = self.find(username)
        if found is None:
            raise AccountError(f"no user {username!r}")
        return found

    def find(self, username: str) -> User | None:
        with self._connect() as db:
            row = db.execute(
                "SELECT id FROM users WHERE username = ?", (username.strip(),)
            ).fetchone()
            return None if row is None else _load(db, int(row[0]))

    def find_by_email(self, email: str) -> User | None:
        with self._connect() as db:
            row = db.execute("SELECT id FROM users WHERE email = ?", (email.strip(),)).fetchone()
            return None if row is None else _load(db, int(row[0]))

    def users(self) -> list[User]:
        with self._connect() as db:
            ids = [int(r[0]) for r in db.execute("SELECT id FROM users ORDER BY username")]
            return [_load(db, i) for i in ids]

    def remove_user(self, username: str) -> None:
        """Delete the user, their group memberships and sessions."""
        with self._transaction() as db:
            gone = db.execute("DELETE FROM users WHERE username = ?", (username.strip(),))
            if gone.rowcount == 0:
                raise AccountError(f"no user {username!r}")

    def remove_participant_accounts(self, participant: str) -> int:
        """Delete every account of ``participant`` (their right to erasure); how many."""
        with self._transaction() as db:
            return db.execute("DELETE FROM users WHERE participant = ?", (participant,)).rowcount

    def compact(self) -> None:
        """Rewrite the database without free pages and empty its write-ahead log, so that
        deleted rows leave no bytes behind in either file (after an erasure)."""
        with self._connect() as db:
            db.execute("VACUUM")
            db.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    def set_password(self, username: str, password: str) -> None:
        """Set a new password; every session of the user ends."""
        hashed = _hash(password)
        with self._transaction() as db:
            user_id = _user_id(db, username)
            db.execute("UPDATE users SET password_hash = ? WHERE id = ?", (hashed, user_id))
            db.execute("DELETE FROM sessions WHERE user_id = ?", (user_id,))

    def set_disabled(self, username: str, disabled: bool) -> None:
        with self._transaction() as db:
            user_id = _user_id(db, username)
            db.execute("UPDATE users SET disabled = ? WHERE id = ?", (int(disabled), user_id))
            if disabled:
                db.execute("DELETE FROM sessions WHERE user_id = ?", (user_id,))

    def assign_group(self, username: str, group: str, *, remove: bool = False) -> User:
        """Make a coach a member of ``group`` (or no longer, with ``remove``)."""
        with self._transaction() as db:
            user_id = _user_id(db, username)
            role = db.execute("SELECT role FROM users WHERE id = ?", (user_id,)).fetchone()[0]
            if role != "coach":
                raise AccountError(f"{username!r} is a {role}; only coaches have groups")
            if remove:
                db.execute(
                    "DELETE FROM coach_groups WHERE user_id = ? AND grp = ?", (user_id, group)
                )
            else:
                db.execute(
                    "INSERT OR IGNORE INTO coach_groups (user_id, grp) VALUES (?, ?)",
                    (user_id, _check_group(group)),
                )
        return self.user(username)

    # -- sign-in ---------------------------------------------------------------------------
    def authenticate(self, username: str, password: str) -> User | None:
        """The user when ``password`` is theirs and the account is usable, else None."""
        if len(password) > MAX_PASSWORD_LENGTH:
            return None
        with self._connect() as db:
            row = db.execute(
                "SELECT id, password_hash, disabled FROM users WHERE username = ?",
                (username.strip(),),
            ).fetchone()
        stored = row[1] if row is not None and row[1] else _DUMMY_HASH
        try:
            _HASHER.verify(stored, password)
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return None
        if row is None or not row[1] or row[2]:
            return None
        if _HASHER.check_needs_rehash(stored):
            with self._transaction() as db:
                db.execute(
                    "UPDATE users SET password_hash = ? WHERE id = ?", (_hash(password), row[0])
                )
        with self._connect() as db:
            return _load(db, int(row[0]))

    def start_session(self, user: User, now: datetime | None = None) -> str:
        """A new session for ``user``; returns its token (kept by the browser session only)."""
        token = secrets.token_urlsafe(32)
        stamp = _iso(now or datetime.now(UTC))
        with self._transaction() as db:
            db.execute(
                "INSERT INTO sessions (token_sha256, user_id, created_at, last_seen) "
                "VALUES (?, ?, ?, ?)",
                (_token_hash(token), user.id, stamp, stamp),
            )
        return token

    def session_user(self, token: str | None, now: datetime | None = None) -> User | None:
        """The user of a live session (and the session's idle clock restarts), else None."""
        if not token:
            return None
        now = now or datetime.now(UTC)
        key = _token_hash(token)
        with self._transaction() as db:
            row = db.execute(
                "SELECT user_id, created_at, last_seen FROM sessions WHERE token_sha256 = ?",
                (key,),
            ).fetchone()
            if row is None:
                return None
            created, seen = _parse(row[1]), _parse(row[2])
            if now - seen > IDLE_TIMEOUT or now - created > ABSOLUTE_TIMEOUT:
                db.execute("DELETE FROM sessions WHERE token_sha256 = ?", (key,))
                return None
            db.execute("UPDATE sessions SET last_seen = ? WHERE token_sha256 = ?", (_iso(now), key))
            user = _load(db, int(row[0]))
        return None if user.disabled else user

    def end_session(self, token: str | None) -> None:
        if token:
            with self._transaction() as db:
                db.execute("DELETE FROM sessions WHERE token_sha256 = ?", (_token_hash(token),))

    def purge_sessions(self, now: datetime | None = None) -> int:
        """Delete every expired session; how many."""
        now = now or datetime.now(UTC)
        idle = _iso(now - IDLE_TIMEOUT)
        absolute = _iso(now - ABSOLUTE_TIMEOUT)
        with self._transaction() as db:
            return db.execute(
                "DELETE FROM sessions WHERE last_seen < ? OR created_at < ?", (idle, absolute)
            ).rowcount


def migrate(db: sqlite3.Connection) -> int:
    """Apply the migrations the database has not seen; returns its schema version."""
    version = int(db.execute("PRAGMA user_version").fetchone()[0])
    for number, script in enumerate(MIGRATIONS[version:], start=version + 1):
        db.execute("BEGIN IMMEDIATE")
        try:
            current = int(db.execute("PRAGMA user_version").fetchone()[0])
            if current < number:  # another process may have migrated meanwhile
                for statement in filter(str.strip, script.split(";")):
                    db.execute(statement)
                db.execute(f"PRAGMA user_version = {number}")
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise
    return int(db.execute("PRAGMA user_version").fetchone()[0])


def _load(db: sqlite3.Connection, user_id: int) -> User:
    row = db.execute(
        "SELECT id, username, role, participant, display_name, email, disabled, "
        "password_hash IS NOT NULL FROM users WHERE id = ?",
        (user_id,),
    ).fetchone()
    groups = frozenset(
        str(g[0]) for g in db.execute("SELECT grp FROM coach_groups WHERE user_id = ?", (user_id,))
    )
    return User(
        id=int(row[0]),
        username=str(row[1]),
        role=row[2],
        participant=row[3],
        groups=groups,
        display_name=row[4],
        email=row[5],
        disabled=bool(row[6]),
        has_password=bool(row[7]),
    )


def _user_id(db: sqlite3.Connection, username: str) -> int:
    row = db.execute("SELECT id FROM users WHERE username = ?", (username.strip(),)).fetchone()
    if row is None:
        raise AccountError(f"no user {username!r}")
    return int(row[0])


def _check_username(username: str) -> str:
    name = username.strip()
    if not 1 <= len(name) <= 64 or not name.isprintable():
        raise AccountError("a username is 1–64 printable characters")
    return name


def _check_group(group: str) -> str:
    name = group.strip()
    if not 1 <= len(name) <= 64 or not name.isprintable():
        raise AccountError("a group name is 1–64 printable characters")
    return name


def _hash(password: str) -> str:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(f"a password needs at least {MIN_PASSWORD_LENGTH} characters")
    if len(password) > MAX_PASSWORD_LENGTH:
        raise AccountError(f"a password has at most {MAX_PASSWORD_LENGTH} characters")
    return _HASHER.hash(password)


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def _parse(text: str) -> datetime:
    return datetime.fromisoformat(text)


def _integrity_message(
    exc: sqlite3.IntegrityError, username: str, participant: str | None, email: str | None
) -> str:
    text = str(exc)
    if "users.username" in text:
        return f"a user {username!r} exists already"
    if "users.participant" in text:
        return f"participant {participant!r} has an account already"
    if "users.email" in text:
        return f"the e-mail address {email!r} belongs to another user"
    return f"cannot add {username!r}: {text}"
