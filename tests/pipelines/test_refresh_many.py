"""The nightly refresh of many participants: ``refreshing.refresh_participants`` spreads them over
worker processes, equal to refreshing one at a time, and one participant's failure does not
stop the others; ``refreshing.stale_participants`` finds those whose inputs, settings or rules
changed since their last refresh — the only ones the nightly run recomputes."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pandas as pd
import pytest

from demo import fitwriter
from pipelines.app import diary as diary_app
from pipelines.app import participants as settings
from pipelines.app import refresh as refreshing
from pipelines.app import uploads
from pipelines.rules import refresh
from pipelines.schemas import (
    BLOCKS,
    CATEGORY_OVERRIDES,
    DAILY,
    DAYS,
    DIARY,
    SESSIONS,
    STEP_MINUTES,
    WEAR,
    TableSchema,
)
from pipelines.store.storage import Store

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
        uploads.record(
            store,
            participant,
            uploads.parse_stored(uploads.store_uploads(store, participant, [path])),
        )
    return store, ids


def _derived(store: Store) -> dict[str, pd.DataFrame]:
    return {schema.name: store.read(schema) for schema in DERIVED}


def test_parallel_refresh_equals_one_at_a_time(tmp_path: Path) -> None:
    store, ids = _cohort(tmp_path / "data", refreshing.REFRESH_PARALLEL_FROM + 2)
    expected = _derived(store)
    for schema in (DAILY, BLOCKS, DAYS):  # gone: only the refresh can bring them back
        for participant in ids:
            store.partition_path(schema.name, participant).unlink()

    assert refreshing.refresh_participants(store, ids, workers=2) == {}

    got = _derived(store)
    for name, frame in expected.items():
        pd.testing.assert_frame_equal(got[name], frame, check_like=False)
    assert sorted(got["daily"]["participant"].unique()) == ids


def test_one_failure_does_not_stop_the_others(tmp_path: Path) -> None:
    store, ids = _cohort(tmp_path / "data", refreshing.REFRESH_PARALLEL_FROM)
    expected = store.read(DAILY)
    broken = ids[3]
    store.partition_path(SESSIONS.name, broken).write_bytes(b"not parquet")
    for participant in ids:
        store.partition_path(DAILY.name, participant).unlink()

    failed = refreshing.refresh_participants(store, ids, workers=2)

    assert list(failed) == [broken]
    assert "sessions/participant=p03/part.parquet" in failed[broken]  # names the bad file
    got = store.read(DAILY)
    assert sorted(got["participant"].unique()) == [p for p in ids if p != broken]
    pd.testing.assert_frame_equal(
        got.reset_index(drop=True),
        expected[expected["participant"] != broken].reset_index(drop=True),
    )


def _days_files(store: Store, ids: list[str]) -> dict[str, tuple[int, int]]:
    return {
        p: (lambda s: (s.st_ino, s.st_mtime_ns))(store.partition_path(DAYS.name, p).stat())
        for p in ids
    }


def test_fresh_after_the_writes_that_refresh_stale_after_settings_until_refreshed(
    tmp_path: Path,
) -> None:
    store, ids = _cohort(tmp_path / "data", 3)
    assert refreshing.stale_participants(store, ids) == []
    diary_app.add_diary_values(store, ids[1], date="2024-05-02", pain=40)  # refreshes
    assert refreshing.stale_participants(store, ids) == []
    settings.configure(store, ids[0], min_minutes=20)  # settings only: the caller refreshes
    assert refreshing.stale_participants(store, ids) == [ids[0]]
    refreshing.refresh_participant(store, ids[0])
    assert refreshing.stale_participants(store, ids) == []


def _write_back(store: Store, schema: TableSchema, participant: str) -> None:
    """Rewrite a partition as it is: a new file, as any writer that skipped the refresh."""
    store.write(schema, participant, store.read(schema, [participant]))


STALENESS = [  # (what changes without a refresh, how)
    ("step minutes", lambda store, p: _write_back(store, STEP_MINUTES, p)),
    ("sessions", lambda store, p: _write_back(store, SESSIONS, p)),
    ("wear", lambda store, p: _write_back(store, WEAR, p)),
    ("diary", lambda store, p: _write_back(store, DIARY, p)),
    ("category corrections", lambda store, p: _write_back(store, CATEGORY_OVERRIDES, p)),
    ("step minutes removed", lambda store, p: store.partition_path(STEP_MINUTES.name, p).unlink()),
    ("settings", lambda store, p: settings.configure(store, p, min_minutes=25)),
    ("derived table gone", lambda store, p: store.partition_path(DAYS.name, p).unlink()),
]


@pytest.mark.parametrize(("what", "change"), STALENESS, ids=[w for w, _ in STALENESS])
def test_a_change_without_refresh_makes_only_that_participant_stale(
    tmp_path: Path, what: str, change: Callable[[Store, str], None]
) -> None:
    store, ids = _cohort(tmp_path / "data", 3)
    change(store, ids[1])
    assert refreshing.stale_participants(store, ids) == [ids[1]]
    refreshing.refresh_participants(store, refreshing.stale_participants(store, ids))
    assert refreshing.stale_participants(store, ids) == []


def test_new_rules_or_a_new_default_zone_make_everyone_stale(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store, ids = _cohort(tmp_path / "data", 2)
    monkeypatch.setattr(refresh, "rules_version", lambda: "rules of a newer release")
    assert refreshing.stale_participants(store, ids) == ids
    monkeypatch.undo()
    assert refreshing.stale_participants(store, ids) == []
    monkeypatch.setenv("BACKTRACK_DEFAULT_TZ", "America/Chicago")  # no zone of their own
    assert refreshing.stale_participants(store, ids) == ids


@pytest.mark.prefect
def test_nightly_refresh_rewrites_only_the_stale(prefect_harness: None, tmp_path: Path) -> None:
    from pipelines.orchestrate.flows import refresh_flow

    store, ids = _cohort(tmp_path / "data", 3)
    _write_back(store, STEP_MINUTES, ids[2])
    before = _days_files(store, ids)
    expected = store.read(DAYS)

    assert refresh_flow([], str(store.root), participants_label="nightly") == [ids[2]]

    after = _days_files(store, ids)
    assert [p for p in ids if after[p] != before[p]] == [ids[2]]
    pd.testing.assert_frame_equal(store.read(DAYS), expected)
    assert refresh_flow([], str(store.root), participants_label="nightly") == []
    assert refresh_flow(ids, str(store.root), force=True) == ids
    assert [p for p in ids if _days_files(store, ids)[p] == after[p]] == []


def test_the_refresh_of_everyone_stores_their_group_page_figures(
    prefect_harness: None, tmp_path: Path
) -> None:
    from pipelines.app import overview_rows
    from pipelines.orchestrate.flows import refresh_flow
    from pipelines.schemas import OVERVIEW_ROWS

    store, ids = _cohort(tmp_path / "data", 3)
    refresh_flow([ids[0]], str(store.root), participants_label=ids[0])  # one named: none
    assert store.read(OVERVIEW_ROWS).empty
    before = datetime.now().date()
    refresh_flow([], str(store.root), participants_label="nightly", overview=True)
    after = datetime.now().date()
    rows = store.read(OVERVIEW_ROWS)
    assert rows["participant"].tolist() == ids
    (as_of,) = set(rows["as_of"])
    assert as_of in {before, after}  # the server's today, as the Group page's default
    stored = overview_rows.load(store)
    for p in ids:  # each the rule's row of that day, computed from the stamped partition
        want = overview_rows.member_rows(store, [p], as_of)[0]
        assert stored[p].figures == overview_rows.decode(want["figures"])
        assert stored[p].days_stamp == store.stamps(DAYS, [p])[p]
