"""``backtrack ingest`` run in this process, with every text it produced read back from the
session's Prefect server (the data-minimisation and pseudonym tests search them)."""

from __future__ import annotations

import logging
from pathlib import Path

from typer.testing import CliRunner

from pipelines.cli.main import app

runner = CliRunner()


def ingest_and_collect(paths: list[Path], participant: str, data: Path) -> list[str]:
    """``backtrack ingest`` in this process; every text it produced: the CLI's output, and
    for each of the participant's flow runs its name, log lines and artifacts."""
    from prefect import get_client
    from prefect.client.schemas.filters import (
        ArtifactFilter,
        ArtifactFilterFlowRunId,
        FlowRunFilter,
        FlowRunFilterName,
        LogFilter,
        LogFilterFlowRunId,
    )
    from prefect.logging.handlers import APILogWorker

    flow_runs = logging.getLogger("prefect.flow_runs")
    level = flow_runs.level
    flow_runs.setLevel(logging.INFO)  # the CLI sets this; the tests keep Prefect quiet
    try:
        result = runner.invoke(
            app, ["ingest", *map(str, paths), "-p", participant, "--data-dir", str(data)]
        )
        APILogWorker.drain_all(timeout=10)
    finally:
        flow_runs.setLevel(level)
    assert result.exit_code == 0, result.output
    texts = [result.output]
    with get_client(sync_client=True) as client:
        runs = client.read_flow_runs(
            flow_run_filter=FlowRunFilter(name=FlowRunFilterName(any_=[f"ingest-{participant}"]))
        )
        assert runs, "the ingest ran no flow"
        ids = [run.id for run in runs]
        texts += [run.name for run in runs]
        texts += [str(run.state.message) for run in runs if run.state]
        logs = client.read_logs(log_filter=LogFilter(flow_run_id=LogFilterFlowRunId(any_=ids)))
        artifacts = client.read_artifacts(
            artifact_filter=ArtifactFilter(flow_run_id=ArtifactFilterFlowRunId(any_=ids))
        )
    assert logs and artifacts, "no run log or artifact to search"
    texts += [log.message for log in logs]
    texts += [f"{a.key} {a.description} {a.data}" for a in artifacts]
    return texts
