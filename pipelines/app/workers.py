"""Worker processes: what the parser processes (``uploads.parse_stored``'s pool) and the
refresh pool run when they start, and how they are started from any host.

A pool's workers wait for work on a pipe whose writing end they hold themselves, so when
the ingest that started them is killed (``kill -9``, the OOM killer) they never see it end:
they would finish their file and then wait for ever, holding its memory. Each worker
watches its parent instead and exits once the parent is gone. Kept apart from
``pipelines.app.uploads`` so that a worker imports nothing heavy for it.
"""

from __future__ import annotations

import contextlib
import ctypes
import functools
import multiprocessing
import os
import sys
import threading
import time
import types
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor

WATCH_EVERY_S = 0.5


def exit_with_parent(parent_pid: int) -> None:
    """Start a daemon thread that ends this process once ``parent_pid`` is no longer its
    parent (the parent died and the process was re-parented)."""

    def watch() -> None:
        while os.getppid() == parent_pid:
            time.sleep(WATCH_EVERY_S)
        os._exit(1)

    threading.Thread(target=watch, name="exit-with-parent", daemon=True).start()


@contextlib.contextmanager
def neutral_main() -> Iterator[None]:
    """Spawned workers re-run the parent's ``__main__`` file unless it was started with
    ``-m``; under a host that ran some other script as ``__main__`` (a Streamlit page, a
    notebook) that would be wrong. The workers need nothing from it: hide it meanwhile."""
    main = sys.modules.get("__main__")
    if main is None or getattr(main, "__spec__", None) is not None:
        yield
        return
    sys.modules["__main__"] = types.ModuleType("__main__")
    try:
        yield
    finally:
        sys.modules["__main__"] = main


@contextlib.contextmanager
def process_pool(workers: int) -> Iterator[ProcessPoolExecutor]:
    """``workers`` new (spawned) processes that end when this one does
    (:func:`exit_with_parent`), started under :func:`neutral_main`: the pool of the refresh
    of many participants and of the overview rows of everyone."""
    with (
        neutral_main(),
        ProcessPoolExecutor(
            max_workers=workers,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=exit_with_parent,
            initargs=(os.getpid(),),
        ) as pool,
    ):
        yield pool


def give_back_memory() -> None:
    """Return the memory this process freed to the system: Arrow's pool keeps freed
    buffers for reuse and glibc's heap keeps freed pages, so after a phase that held an
    export's columns the resident size stays near that phase's peak, and the next phase's
    peak comes on top of it. Called between the phases of recording an upload and after
    each window it writes (``uploads.record``); a few milliseconds each. (Elsewhere than
    glibc: Arrow's pool only.)"""
    import pyarrow as pa

    pa.default_memory_pool().release_unused()
    libc = _glibc()
    if libc is not None:
        libc.malloc_trim(0)


@functools.cache
def _glibc() -> ctypes.CDLL | None:
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL("libc.so.6")
        libc.malloc_trim  # noqa: B018 - glibc only (not musl)
    except (OSError, AttributeError):
        return None
    return libc
