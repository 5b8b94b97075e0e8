"""The nightly refresh of many participants (``jobs.refresh_participants``): spread over
worker processes, equal to refreshing one at a time, and one participant's failure does not
stop the others."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pandas as pd

from pipelines import jobs
from pipelines.demo import fitwriter
from pipelines.schemas import BLOCKS, DAILY, DAYS, SESSIONS, TableSchema
from pipelines.storage import Store

DERIVED: tuple[TableSchema, ...] = (SESSIONS, DAILY, BLOCKS, DAYS)


def _cohort(root: Path, n: int) -> tuple[Store, list[str]]:
    store = Store(root)
    ids = [f"p{i:02d}" for i in range(n)]
    for i, participant in enumerate(ids):
        folder = root.parent / "in" / participant
        folder.mkdir(parents=True)
        path = folder / "walk.fit"
        path.write_bytes(
            fitwriter.activity_file(
                start_utc=datetime(2024, 5, 1, 6, 0, tzinfo=UTC) + timedelta(days=i),
                elapsed_s=(20 + i) * 60,
                sport=11,
                utc_offset_s=7200,
                record_interval_s=60,
            )
        )
        jobs.record(
            store, participant, jobs.parse_stored(jobs.store_uploads(store, participant, [path]))
        )
    return store, ids


def _derived(store: Store) -> dict[str, pd.DataFrame]:
    return {schema.name: store.read(schema) for schema in DERIVED}


def test_parallel_refresh_equals_one_at_a_time(tmp_path: Path) -> None:
    store, ids = _cohort(tmp_path / "data", jobs.REFRESH_PARALLEL_FROM + 2)
    expected = _derived(store)
    for schema in (DAILY, BLOCKS, DAYS):  # gone: only the refresh can bring them back
        for participant in ids:
            store.partition_path(schema.name, participant).unlink()

    assert jobs.refresh_participants(store, ids, workers=2) == {}

    got = _derived(store)
    for name, frame in expected.items():
        pd.testing.assert_frame_equal(got[name], frame, check_like=False)
    assert sorted(got["daily"]["participant"].unique()) == ids


def test_one_failure_does_not_stop_the_others(tmp_path: Path) -> None:
    store, ids = _cohort(tmp_path / "data", jobs.REFRESH_PARALLEL_FROM)
    expected = store.read(DAILY)
    broken = ids[3]
    store.partition_path(SESSIONS.name, broken).write_bytes(b"not parquet")
    for participant in ids:
        store.partition_path(DAILY.name, participant).unlink()

    failed = jobs.refresh_participants(store, ids, workers=2)

    assert list(failed) == [broken]
    assert "sessions/participant=p03/part.parquet" in failed[broken]  # names the bad file
    got = store.read(DAILY)
    assert sorted(got["participant"].unique()) == [p for p in ids if p != broken]
    pd.testing.assert_frame_equal(
        got.reset_index(drop=True),
        expected[expected["participant"] != broken].reset_index(drop=True),
    )
