"""Atomic file replacement and file locks: the one implementation every writer uses.

* :func:`atomic_write` / :func:`atomic_write_bytes`: the new content goes to a temporary file
  in the target's folder (``.tmp-<pid>-…``, mode 0600), is flushed and fsynced, renamed over
  the target (``os.replace``) and the folder is fsynced: a reader sees the old file or the
  new one, never half of one, and the rename survives a power cut. The temporary file is
  removed when the writing block raises; one a killed process left behind carries its pid,
  so :func:`remove_dead_temp_files` can tell it is stale.
* :func:`locked`: an exclusive ``flock`` on a lock file, released by the kernel when its
  holder dies (``kill -9`` included): no lock file with a pid to go stale.

Tests only (tests/pipelines/test_crash_safety.py): with ``$BACKTRACK_CRASH_AT`` set to n the
process kills itself (SIGKILL) at the n-th *crash point* — just before and just after each
rename of a finished temporary file into place. Unset (always, outside those tests) it does
nothing. What survives a crash, and how that is tested: docs/durability.md.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import re
import signal
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import BinaryIO, Final

TEMP_PREFIX: Final = ".tmp-"
CRASH_AT_ENV: Final = "BACKTRACK_CRASH_AT"
_TEMP_PID: Final = re.compile(r"^\.tmp-(\d+)-")


@contextlib.contextmanager
def atomic_write(path: Path, suffix: str = "") -> Iterator[BinaryIO]:
    """A new binary file to fill in the ``with`` block: when the block ends it replaces
    ``path`` atomically and durably; when it raises, ``path`` is left as it was and the
    temporary file is removed. Creates ``path``'s folder."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with temporary(path.parent, suffix) as (fd, tmp):
        with os.fdopen(fd, "wb") as fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        replace(tmp, path)


def atomic_write_bytes(path: Path, data: bytes, suffix: str = "") -> None:
    """``data`` as the new content of ``path`` (mode 0600), atomically (:func:`atomic_write`)."""
    with atomic_write(path, suffix) as fh:
        fh.write(data)


@contextlib.contextmanager
def temporary(folder: Path, suffix: str = "") -> Iterator[tuple[int, str]]:
    """A new temporary file in ``folder`` (its open descriptor and path) for the block to
    fill and move into place with :func:`replace`; removed again when the block raises."""
    fd, tmp = mkstemp(folder, suffix)
    try:
        yield fd, tmp
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def mkstemp(folder: Path, suffix: str = "") -> tuple[int, str]:
    """A new temporary file (mode 0600) named after this process, so that a survivor can
    tell it is stale (:func:`remove_dead_temp_files`)."""
    return tempfile.mkstemp(dir=folder, prefix=f"{TEMP_PREFIX}{os.getpid()}-", suffix=suffix)


def replace(tmp: str, path: Path) -> None:
    """Move the finished, fsynced ``tmp`` into place and make the rename durable."""
    _crash_point()
    os.replace(tmp, path)
    _crash_point()
    fsync_dir(path.parent)


def fsync_dir(path: Path) -> None:
    """Make the entries of the folder ``path`` (a rename, a removal) durable."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def remove_dead_temp_files(folders: Iterable[Path]) -> None:
    """Delete the temporary files in ``folders`` whose writing process no longer exists."""
    for folder in folders:
        for tmp in folder.glob(f"{TEMP_PREFIX}*") if folder.is_dir() else ():
            match = _TEMP_PID.match(tmp.name)
            if match and not _alive(int(match.group(1))):
                with contextlib.suppress(FileNotFoundError):
                    tmp.unlink()


@contextlib.contextmanager
def locked(path: Path) -> Iterator[None]:
    """Hold an exclusive ``flock`` on ``path`` (created, with its folder, when missing) for
    the ``with`` block; blocks while another process holds it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a+") as fh:
        fcntl.flock(fh.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh.fileno(), fcntl.LOCK_UN)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process
        return True
    return True


_crash_points_passed = 0


def _crash_point() -> None:
    """The test hook of ``CRASH_AT_ENV``; inert unless that variable is set."""
    at = os.environ.get(CRASH_AT_ENV)
    if not at:
        return
    global _crash_points_passed
    _crash_points_passed += 1
    if _crash_points_passed == int(at):
        os.kill(os.getpid(), signal.SIGKILL)
