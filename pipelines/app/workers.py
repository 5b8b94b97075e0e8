"""What the parser processes (``jobs.parse_stored``'s pool) run when they start.

A pool's workers wait for work on a pipe whose writing end they hold themselves, so when
the ingest that started them is killed (``kill -9``, the OOM killer) they never see it end:
they would finish their file and then wait for ever, holding its memory. Each worker
watches its parent instead and exits once the parent is gone. Kept apart from
``pipelines.app.jobs`` so that a worker imports nothing heavy for it.
"""

from __future__ import annotations

import os
import threading
import time

WATCH_EVERY_S = 0.5


def exit_with_parent(parent_pid: int) -> None:
    """Start a daemon thread that ends this process once ``parent_pid`` is no longer its
    parent (the parent died and the process was re-parented)."""

    def watch() -> None:
        while os.getppid() == parent_pid:
            time.sleep(WATCH_EVERY_S)
        os._exit(1)

    threading.Thread(target=watch, name="exit-with-parent", daemon=True).start()
