"""The value parsers every reader shares (ingest/values.py)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ingest.records import RejectedFile
from ingest.values import (
    finite_float,
    json_document,
    non_negative_float,
    spreadsheet_text,
    utc_instant,
    utf8_text,
)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("12.5", 12.5),
        (" 12.5\n", 12.5),
        ("-3", -3.0),
        ("1e3", 1000.0),
        (7, 7.0),
        (2.25, 2.25),
        ("", None),
        ("abc", None),
        ("nan", None),
        ("inf", None),
        ("-Infinity", None),
        ("1e999", None),  # overflows to infinity
        (10**400, None),  # a whole number too large for a float
        (True, None),  # a bool is no number
        (None, None),
    ],
)
def test_finite_float(value: object, expected: float | None) -> None:
    assert finite_float(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [("0", 0.0), ("-0.5", None), ("4", 4.0), ("nan", None), (None, None)],
)
def test_non_negative_float(value: object, expected: float | None) -> None:
    assert non_negative_float(value) == expected


@given(st.text(max_size=40) | st.floats() | st.integers() | st.booleans() | st.none())
def test_finite_float_is_finite_or_none_and_never_raises(value: object) -> None:
    number = finite_float(value)
    assert number is None or (number == number and abs(number) != float("inf"))


class _Bad(ValueError):
    pass


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2024-05-01T08:00:00+02:00", datetime(2024, 5, 1, 6, 0, tzinfo=UTC)),
        ("2024-05-01T06:00:00Z", datetime(2024, 5, 1, 6, 0, tzinfo=UTC)),
        ("2024-05-01T06:00:00.5-01:30", datetime(2024, 5, 1, 7, 30, 0, 500000, tzinfo=UTC)),
    ],
)
def test_utc_instant(value: str, expected: datetime) -> None:
    assert utc_instant(value, "start") == expected


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (17, "start 17 is not a date"),
        ("yesterday", "start 'yesterday' is not an ISO date"),
        ("2024-05-01T06:00:00", "start '2024-05-01T06:00:00' has no zone"),
        ("9999-12-31T23:00:00-10:00", "start '9999-12-31T23:00:00-10:00' is after the year 9999"),
    ],
)
def test_utc_instant_raises_the_callers_error(value: object, message: str) -> None:
    with pytest.raises(_Bad) as raised:
        utc_instant(value, "start", bad=_Bad, no_zone="has no zone")
    assert str(raised.value).startswith(message)


def test_utf8_text_drops_a_bom_and_names_the_first_bad_byte() -> None:
    assert utf8_text(b"\xef\xbb\xbfDate,Steps", "x") == "Date,Steps"
    with pytest.raises(RejectedFile) as raised:
        utf8_text(b"Gr\xfc\xdfe", "not UTF-8 (byte {byte}): not a test file")
    assert raised.value.reason == "not UTF-8 (byte 2): not a test file"


def test_spreadsheet_text_falls_back_to_windows_1252() -> None:
    # "Grüße": ü is C3 BC and ß is C3 9F in UTF-8; FC and DF in Windows-1252
    assert spreadsheet_text(b"\xef\xbb\xbfGr\xc3\xbc\xc3\x9fe") == "Grüße"
    assert spreadsheet_text(b"Gr\xfc\xdfe") == "Grüße"
    assert spreadsheet_text(b"a\x81b") == "a\ufffdb"  # 0x81 is not Windows-1252


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ('{"a": ', "broken JSON at line 1, column 7: Expecting value"),
        ("[" * 100_000, "JSON nested over 1000 levels deep: not a test file"),
        ("1" * 5000, "a JSON number of over 4300 digits: not a test file"),
    ],
)
def test_json_document_rejections(text: str, reason: str) -> None:
    with pytest.raises(RejectedFile) as raised:
        json_document(text, "test file")
    assert raised.value.reason == reason


def test_json_document_reads_json() -> None:
    assert json_document('{"a": [1, 2.5, null]}', "test file") == {"a": [1, 2.5, None]}
