"""The storage module: atomic partitions, schema validation, upgrades, safe names."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from pipelines import schemas
from pipelines.schemas import GROUP_SETTINGS, PARTICIPANTS, STEP_MINUTES, SchemaError
from pipelines.store.storage import InvalidParticipant, Store


def _minutes(participant: str = "p1") -> pd.DataFrame:
    return pd.DataFrame(
        {
            "participant": pd.array([participant], dtype="string"),
            "device": pd.array(["garmin/x/1"], dtype="string"),
            "minute_utc": pd.to_datetime(["2024-05-02T08:00:00Z"]).as_unit("us"),
            "steps": pd.array([100], dtype="int32"),
            "utc_offset_s": pd.array([3600], dtype="Int64"),
            "file_sha256": pd.array(["f" * 64], dtype="string"),
            "source": pd.array(["fit"], dtype="string"),
            "resolution_s": pd.array([60], dtype="int32"),
        }
    )


def test_roundtrip_and_a_leftover_temp_file_is_never_read(tmp_path: Path) -> None:
    store = Store(tmp_path)
    store.write(STEP_MINUTES, "p1", _minutes())
    part = store.partition_path("step_minutes", "p1")
    (part.parent / ".tmp-crashed.parquet").write_bytes(b"half a parquet file")
    pd.testing.assert_frame_equal(store.read(STEP_MINUTES), _minutes(), check_dtype=False)


def test_validation_rejects_nulls_duplicates_and_foreign_rows(tmp_path: Path) -> None:
    store = Store(tmp_path)
    with pytest.raises(SchemaError, match="duplicate keys"):
        store.write(STEP_MINUTES, "p1", pd.concat([_minutes(), _minutes()]))
    bad = _minutes().assign(device=pd.array([None], dtype="string"))
    with pytest.raises(SchemaError, match="device"):
        store.write(STEP_MINUTES, "p1", bad)
    with pytest.raises(SchemaError, match="other participants"):
        store.write(STEP_MINUTES, "p1", _minutes("p2"))
    assert not store.partition_path("step_minutes", "p1").exists()


def test_partitions_written_before_a_column_existed_are_upgraded(tmp_path: Path) -> None:
    store = Store(tmp_path)
    old = pa.Table.from_pandas(_minutes().drop(columns="source"), preserve_index=False)
    path = store.partition_path("step_minutes", "p1")
    path.parent.mkdir(parents=True)
    pq.write_table(old, path)
    assert list(store.read(STEP_MINUTES)["source"]) == ["fit"]


@pytest.mark.parametrize("bad", ["../x", "a/b", "", ".hidden", "x" * 65, "é"])
def test_participant_ids_never_become_paths(tmp_path: Path, bad: str) -> None:
    with pytest.raises(InvalidParticipant):
        Store(tmp_path).partition_path("daily", bad)


def test_raw_files_are_content_addressed_and_names_never_become_paths(tmp_path: Path) -> None:
    store = Store(tmp_path)
    sha, path = store.put_raw("p1", b"data", "../../etc/passwd.fit")
    assert path == tmp_path / "raw" / "p1" / f"{sha}.fit"
    assert store.put_raw("p1", b"data", "other-name.fit") == (sha, path)
    assert path.stat().st_mode & 0o777 == 0o600


def test_empty_tables_have_their_schema(tmp_path: Path) -> None:
    empty = Store(tmp_path).read(PARTICIPANTS)
    assert list(empty.columns) == PARTICIPANTS.names and empty.empty
    assert schemas.to_arrow(PARTICIPANTS, empty).schema == PARTICIPANTS.arrow


# ------------------------------------------------------------- the one-file roster


def _roster_row(pid: str, group: str | None = "g1") -> pd.DataFrame:
    from datetime import UTC, datetime

    from pipelines.config import Target
    from pipelines.rules.participants import Participant, to_frame

    person = Participant(id=pid, tz="Europe/Berlin", target=Target(), group=group)
    return to_frame(person, datetime(2026, 1, 1, tzinfo=UTC))


def test_the_roster_is_one_file_and_a_write_replaces_only_that_participant(
    tmp_path: Path,
) -> None:
    store = Store(tmp_path)
    for pid in ("p2", "p1", "p3"):
        store.write(PARTICIPANTS, pid, _roster_row(pid))
    store.write(PARTICIPANTS, "p2", _roster_row("p2", group="g9"))
    files = sorted(p.relative_to(tmp_path) for p in (tmp_path / "tables").rglob("*.parquet"))
    assert files == [Path("tables/participants/all.parquet")]
    everyone = store.read(PARTICIPANTS)
    assert everyone[["participant", "group"]].to_dict("records") == [
        {"participant": "p1", "group": "g1"},
        {"participant": "p2", "group": "g9"},
        {"participant": "p3", "group": "g1"},
    ]
    assert store.read(PARTICIPANTS, ["p3", "nobody"])["participant"].tolist() == ["p3"]
    assert store.participants() == ["p1", "p2", "p3"]
    store.write(PARTICIPANTS, "p1", PARTICIPANTS.empty())  # no row: p1 leaves the roster
    assert store.read(PARTICIPANTS)["participant"].tolist() == ["p2", "p3"]


def test_a_roster_kept_per_participant_by_an_older_version_is_folded_into_one_file(
    tmp_path: Path,
) -> None:
    store = Store(tmp_path)
    for pid in ("p1", "p2"):  # the old layout: a partition per participant
        legacy = tmp_path / "tables" / "participants" / f"participant={pid}" / "part.parquet"
        legacy.parent.mkdir(parents=True)
        pq.write_table(schemas.to_arrow(PARTICIPANTS, _roster_row(pid)), legacy)
    assert store.read(PARTICIPANTS)["participant"].tolist() == ["p1", "p2"]
    assert store.participants() == ["p1", "p2"]
    store.write(PARTICIPANTS, "p3", _roster_row("p3"))
    assert store.read(PARTICIPANTS)["participant"].tolist() == ["p1", "p2", "p3"]
    assert not list((tmp_path / "tables" / "participants").glob("participant=*"))


def _write_roster_rows(root: str, first: int, count: int) -> None:
    store = Store(root)
    for i in range(first, first + count):
        store.write(PARTICIPANTS, f"p{i:03d}", _roster_row(f"p{i:03d}"))


def test_two_processes_writing_the_roster_at_once_lose_no_row(tmp_path: Path) -> None:
    import multiprocessing

    ctx = multiprocessing.get_context("spawn")
    workers = [
        ctx.Process(target=_write_roster_rows, args=(str(tmp_path), first, 40)) for first in (0, 40)
    ]
    for w in workers:
        w.start()
    for w in workers:
        w.join(timeout=120)
        assert w.exitcode == 0
    assert Store(tmp_path).read(PARTICIPANTS)["participant"].tolist() == [
        f"p{i:03d}" for i in range(80)
    ]


def test_a_narrow_read_returns_only_the_columns_asked_for_even_from_old_partitions(
    tmp_path: Path,
) -> None:
    store = Store(tmp_path)
    store.write(STEP_MINUTES, "p1", _minutes("p1"))
    old = tmp_path / "tables" / STEP_MINUTES.name / "participant=p2" / "part.parquet"
    old.parent.mkdir(parents=True)
    pq.write_table(schemas.to_arrow(STEP_MINUTES, _minutes("p2")).drop(["source"]), old)
    narrow = store.read(STEP_MINUTES, ["p1", "p2"], columns=["steps", "source"])
    assert narrow.to_dict("records") == [
        {"participant": "p1", "steps": 100, "source": "fit"},
        {"participant": "p2", "steps": 100, "source": "fit"},  # the column's default
    ]
    with pytest.raises(SchemaError, match="no column nope"):
        store.read(STEP_MINUTES, ["p1"], columns=["nope"])


def _settings(group: str, days: int) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "group": pd.array([group], dtype="string"),
            "no_data_days": pd.array([days], dtype="int16"),
            "min_adherence_14d": [0.5],
            "pain_delta": [20.0],
            "painkiller_days": pd.array([14], dtype="int16"),
            "updated_at": pd.to_datetime(["2026-11-01T09:00:00Z"]).as_unit("us"),
        }
    )


def test_a_table_partitioned_by_another_column_keeps_its_layout(tmp_path: Path) -> None:
    store = Store(tmp_path)
    # as an earlier version wrote the group settings itself, without the store
    old = tmp_path / "tables" / "group_settings" / "group=g1" / "part.parquet"
    old.parent.mkdir(parents=True)
    pq.write_table(schemas.to_arrow(GROUP_SETTINGS, _settings("g1", 3)), old)
    store.write(GROUP_SETTINGS, "g2", _settings("g2", 5))
    assert (tmp_path / "tables" / "group_settings" / "group=g2" / "part.parquet").is_file()
    assert store.partition_path(GROUP_SETTINGS, "g2") == store.partition_path(
        "group_settings", "g2"
    )
    assert store.read(GROUP_SETTINGS)[["group", "no_data_days"]].to_dict("records") == [
        {"group": "g1", "no_data_days": 3},
        {"group": "g2", "no_data_days": 5},
    ]
    assert store.read(GROUP_SETTINGS, ["g2"], columns=["pain_delta"]).to_dict("records") == [
        {"group": "g2", "pain_delta": 20.0}
    ]
    assert store.read(GROUP_SETTINGS, ["p1"]).empty  # a participant id is just another value
    assert store.participants() == []  # a group's partition is never taken for a participant
    with pytest.raises(SchemaError, match="other groups"):
        store.write(GROUP_SETTINGS, "g1", _settings("g2", 5))
    with pytest.raises(ValueError, match="group"):
        store.write(GROUP_SETTINGS, "../g1", _settings("../g1", 5))
