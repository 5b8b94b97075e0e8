"""Shared fixtures of the hostile-upload tests."""

from __future__ import annotations

import sys
import types
from pathlib import Path

import pytest

from pipelines.app import refresh as refreshing
from pipelines.app import uploads
from pipelines.rules.ingestion import Outcome
from pipelines.store.storage import Store


@pytest.fixture
def no_prefect(monkeypatch: pytest.MonkeyPatch) -> list[list[str]]:
    """``pipelines.orchestrate.flows`` replaced by the use cases its ingest flow runs,
    without Prefect; the names of the files of every flow run are recorded."""
    runs: list[list[str]] = []

    def ingest_flow(participant: str, upload_list: str, data_dir: str) -> list[Outcome]:
        store = Store(data_dir)
        runs.append([Path(e["path"]).name for e in store.upload_list(Path(upload_list))])
        stored = uploads.store_listed_uploads(store, participant, upload_list)
        outcomes = uploads.record(store, participant, uploads.parse_stored(stored, workers=1))
        refreshing.refresh_participant(store, participant)
        return outcomes

    flows = types.ModuleType("pipelines.orchestrate.flows")
    flows.ingest_flow = ingest_flow  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "pipelines.orchestrate.flows", flows)
    return runs
