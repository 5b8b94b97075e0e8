"""pipelines.schemas.coerce: a frame a rule built, typed from its table's Arrow types."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipelines import schemas
from pipelines.schemas import DIARY, TABLES, Column, SchemaError, TableSchema
from pipelines.store.storage import Store

NA = pd.NA
CEST = timezone(timedelta(hours=2))


def _one(type_: pa.DataType, nullable: bool) -> TableSchema:
    """A table of one column ``v`` of ``type_`` (and a key ``i``)."""
    columns = (Column("i", pa.int64(), "row"), Column("v", type_, "", nullable))
    return TableSchema("t", "one row per i", ("i",), columns, "")


# (arrow type, nullable, values in, values out, pandas dtype out) — worked by hand
CASES: list[tuple[str, pa.DataType, bool, list[Any], list[Any], str]] = [
    ("strings, None → NA", pa.string(), True, ["a", None, np.nan], ["a", NA, NA], "string"),
    ("string of a number", pa.string(), False, [7], ["7"], "string"),
    ("int16 not null", pa.int16(), False, [1, 2.0], [1, 2], "int16"),
    ("int32 not null", pa.int32(), False, [np.int64(40_000)], [40_000], "int32"),
    ("int64 not null, large", pa.int64(), False, [2**53 + 1], [2**53 + 1], "int64"),
    ("int with nulls", pa.int32(), True, [3600, None, np.nan, NA], [3600, NA, NA, NA], "Int64"),
    ("int16 with nulls", pa.int16(), True, [1.0, None], [1, NA], "Int64"),
    ("floats, None → NaN", pa.float64(), True, [1, None, 2.5], [1.0, np.nan, 2.5], "float64"),
    ("bool not null", pa.bool_(), False, [True, False], [True, False], "bool"),
    ("bool with nulls", pa.bool_(), True, [True, None, False], [True, NA, False], "boolean"),
    (
        "tz-aware UTC at µs",
        schemas.UTC_TS,
        False,
        [
            datetime(2024, 5, 2, 8, 0, 0, 1, tzinfo=UTC),
            datetime(2024, 5, 2, 10, 0, tzinfo=CEST),  # 08:00 UTC
            datetime(2024, 5, 2, 8, 30),  # naive: read as UTC
            "2024-05-02T08:45:00Z",
        ],
        [
            pd.Timestamp("2024-05-02T08:00:00.000001Z"),
            pd.Timestamp("2024-05-02T08:00:00Z"),
            pd.Timestamp("2024-05-02T08:30:00Z"),
            pd.Timestamp("2024-05-02T08:45:00Z"),
        ],
        "datetime64[us, UTC]",
    ),
    ("UTC with a null", schemas.UTC_TS, True, [None], [pd.NaT], "datetime64[us, UTC]"),
    (
        "wall clock, no zone",
        pa.timestamp("us"),
        True,
        [datetime(2024, 3, 31, 2, 30), None],
        [pd.Timestamp("2024-03-31T02:30"), pd.NaT],
        "datetime64[us]",
    ),
    (
        "days",
        pa.date32(),
        True,
        [date(2024, 5, 2), datetime(2024, 5, 3, 23, 59), pd.Timestamp("2024-05-04"), None, NA],
        [date(2024, 5, 2), date(2024, 5, 3), date(2024, 5, 4), None, None],
        "object",
    ),
    (
        "days from datetime64",
        pa.date32(),
        True,
        [np.datetime64("2024-05-02"), np.datetime64("NaT")],
        [date(2024, 5, 2), None],
        "object",
    ),
]


@pytest.mark.parametrize(
    ("type_", "nullable", "given", "expected", "dtype"),
    [c[1:] for c in CASES],
    ids=[c[0] for c in CASES],
)
def test_each_arrow_type_becomes_its_pandas_type(
    type_: pa.DataType, nullable: bool, given: list[Any], expected: list[Any], dtype: str
) -> None:
    schema = _one(type_, nullable)
    index = range(10, 10 + len(given))  # kept, whatever it is
    frame = pd.DataFrame({"i": index, "v": pd.Series(given, index=index, dtype=object)})
    out = schemas.coerce(schema, frame)
    assert str(out["v"].dtype) == dtype
    assert list(out.index) == list(frame.index)
    got = out["v"].tolist()
    assert len(got) == len(expected)
    for g, e in zip(got, expected, strict=True):
        if e is NA or e is pd.NaT or e is None:
            assert g is e or (e is not None and pd.isna(g)), (g, e)
        elif isinstance(e, float) and np.isnan(e):
            assert np.isnan(g)
        else:
            assert g == e and type(g) is type(e), (g, e)
    schemas.to_arrow(schema, out)  # what coerce returns, the table takes


@pytest.mark.parametrize(
    ("type_", "given", "message"),
    [
        (pa.int16(), [1, None], "t.v: must not be null"),
        (pa.bool_(), [True, None], "t.v: must not be null"),
        (pa.date32(), ["2024-05-02"], "is not a day"),
        (pa.float64(), ["many"], "t.v"),
        (pa.list_(pa.int8()), [[1]], "no coercion"),
    ],
)
def test_what_cannot_be_typed_is_a_schema_error(
    type_: pa.DataType, given: list[Any], message: str
) -> None:
    frame = pd.DataFrame({"i": range(len(given)), "v": pd.Series(given, dtype=object)})
    with pytest.raises(SchemaError, match=message):
        schemas.coerce(_one(type_, False), frame)


def test_only_the_schemas_columns_in_its_order_and_the_input_is_left_alone() -> None:
    schema = TableSchema(
        "t",
        "",
        ("a",),
        (Column("a", pa.string(), ""), Column("b", pa.int32(), "")),
        "",
    )
    frame = pd.DataFrame({"extra": [1.5], "b": [2], "a": ["x"]})
    out = schemas.coerce(schema, frame)
    assert list(out.columns) == ["a", "b"]
    assert frame["b"].dtype == np.int64 and list(frame.columns) == ["extra", "b", "a"]
    with pytest.raises(SchemaError, match=r"missing columns \['b'\]"):
        schemas.coerce(schema, frame.drop(columns="b"))


@pytest.mark.parametrize("schema", list(TABLES.values()), ids=list(TABLES))
def test_every_table_coerces_its_own_empty_frame(schema: TableSchema) -> None:
    out = schemas.coerce(schema, schema.empty())
    assert list(out.columns) == schema.names and out.empty
    schemas.to_arrow(schema, out)


_entries = st.lists(
    st.fixed_dictionaries(
        {
            "date": st.dates(date(2020, 1, 1), date(2030, 12, 31)),
            "time": st.one_of(st.none(), st.sampled_from(["08:00", "20:15"])),
            "pain": st.one_of(st.none(), st.floats(0, 100)),
            "flare_up": st.one_of(st.none(), st.booleans()),
            "painkiller": st.one_of(st.none(), st.booleans()),
            "painkiller_name": st.one_of(st.none(), st.text(max_size=5)),
            "exercise_pain": st.one_of(st.none(), st.booleans()),
            "note": st.one_of(st.none(), st.text(max_size=5)),
            "source": st.sampled_from(["file", "entry"]),
            "file_sha256": st.one_of(st.none(), st.just("f" * 64)),
            "row": st.one_of(st.none(), st.integers(2, 10_000)),
        }
    ),
    max_size=6,
    unique_by=lambda e: (e["date"], e["time"]),
)


@settings(max_examples=40, deadline=None)
@given(_entries)
def test_coerce_is_idempotent_and_what_the_store_reads_back(entries: list[dict[str, Any]]) -> None:
    frame = pd.DataFrame(
        [{"participant": "p1", **e} for e in entries], columns=DIARY.names, dtype=object
    )
    once = schemas.coerce(DIARY, frame)
    pd.testing.assert_frame_equal(schemas.coerce(DIARY, once), once)
    # written and read back, the same values (a nullable int reads back as float or int)
    table = schemas.to_arrow(DIARY, once)
    back = table.to_pandas(types_mapper=schemas._pandas_type)
    pd.testing.assert_frame_equal(schemas.coerce(DIARY, back), once.reset_index(drop=True))


def test_a_coerced_frame_round_trips_through_the_store(tmp_path: Path) -> None:
    frame = pd.DataFrame(
        {
            "participant": ["p1", "p1"],
            "date": [date(2024, 5, 2), datetime(2024, 5, 3, 12)],
            "time": ["08:00", None],
            "pain": [40, None],
            "flare_up": [None, True],
            "painkiller": [False, None],
            "painkiller_name": [None, "ibu"],
            "exercise_pain": [None, None],
            "note": [None, None],
            "source": ["file", "entry"],
            "file_sha256": ["f" * 64, None],
            "row": [2, None],
        },
        dtype=object,
    )
    store = Store(tmp_path)
    store.write(DIARY, "p1", schemas.coerce(DIARY, frame))
    back = store.read(DIARY)
    assert back["date"].tolist() == [date(2024, 5, 2), date(2024, 5, 3)]
    assert back["row"].tolist()[0] == 2 and pd.isna(back["row"].tolist()[1])
    pd.testing.assert_frame_equal(schemas.coerce(DIARY, back), schemas.coerce(DIARY, frame))
