"""The storage module: atomic partitions, schema validation, upgrades, safe names."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from pipelines import schemas
from pipelines.schemas import PARTICIPANTS, STEP_MINUTES, SchemaError
from pipelines.storage import InvalidParticipant, Store


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
