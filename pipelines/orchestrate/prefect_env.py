"""Prefect's settings for backtrack's own processes, set before Prefect is first imported.

No Prefect import here: the settings are read when Prefect loads, so they are set first.
"""

from __future__ import annotations

import os


def quiet_prefect() -> None:
    """Console output of warnings only (the runs' own lines still reach the server), no
    analytics, and a start-up timeout the temporary server meets on a busy machine."""
    os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
    # the runs' own lines (one per file) still reach the run log on the server; the
    # console shows warnings only
    os.environ.setdefault("PREFECT_LOGGING_LOGGERS_PREFECT_FLOW_RUNS_LEVEL", "INFO")
    os.environ.setdefault("PREFECT_LOGGING_HANDLERS_CONSOLE_LEVEL", "WARNING")
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    os.environ.setdefault("PREFECT_LOGGING_TO_API_WHEN_MISSING_FLOW", "ignore")
    # The temporary in-process server takes 11–17 s to start here, far more on a busy
    # machine; Prefect's default of 20 s then fails the whole ingest.
    os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "120")
