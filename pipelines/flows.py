"""The Prefect flows — the only module that imports Prefect.

Tasks are one-line calls of ``pipelines.jobs``; one task per batch of files, never per
record (a task costs 5–10 ms of orchestration here). With no ``PREFECT_API_URL`` the flows
run in-process (Prefect starts its temporary local server once per process); with it set,
the runs are recorded on that server.
"""

from __future__ import annotations

from pathlib import Path

from prefect import flow, task

from pipelines import jobs
from pipelines.ingestion import Outcome, Upload
from pipelines.storage import Store


@task(name="store-raw")
def store_raw_task(data_dir: str, participant: str, paths: list[str]) -> list[jobs.StoredUpload]:
    return jobs.store_uploads(Store(data_dir), participant, [Path(p) for p in paths])


@task(name="parse")
def parse_task(stored: list[jobs.StoredUpload]) -> list[Upload]:
    return jobs.parse_stored(stored)


@task(name="record")
def record_task(data_dir: str, participant: str, uploads: list[Upload]) -> list[Outcome]:
    return jobs.record(Store(data_dir), participant, uploads)


@task(name="refresh-participant")
def refresh_task(data_dir: str, participant: str) -> None:
    jobs.refresh_participant(Store(data_dir), participant)


@flow(name="ingest", flow_run_name="ingest-{participant}", log_prints=False)
def ingest_flow(participant: str, paths: list[str], data_dir: str) -> list[Outcome]:
    """Files → raw store → parse → tables → refresh of the participant's derived tables."""
    stored = store_raw_task(data_dir, participant, paths)
    uploads = parse_task(stored)
    outcomes = record_task(data_dir, participant, uploads)
    refresh_task(data_dir, participant)
    return outcomes


@flow(name="refresh", flow_run_name="refresh-{participants_label}")
def refresh_flow(participants: list[str], data_dir: str, participants_label: str = "all") -> None:
    """Recompute daily and adherence tables for the participants affected."""
    for participant in participants:
        refresh_task(data_dir, participant)
