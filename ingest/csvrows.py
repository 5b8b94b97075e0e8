"""Rows of a sessions-per-row CSV (Strava, Garmin Connect, backtrack's template) → a
ParsedFile: one place for row numbering, skipped blank rows, per-row warnings and the
"nothing usable" outcome, so every such reader treats bad rows the same way."""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Final, Protocol

from ingest.records import ParsedFile, RejectedFile, SessionRecord, SkippedFile

MAX_QUOTED: Final = 3  # row problems quoted in a rejection


class RowReader(Protocol):
    """What ``csv.reader`` gives: rows, and the number of the file line last read."""

    line_num: int

    def __iter__(self) -> Iterator[list[str]]: ...


class BadRow(ValueError):
    """One row cannot become a session; the message says which value and why."""


def _blank(fields: Sequence[str]) -> bool:
    return not any(f.strip() for f in fields)


def _unreadable(label: str, row: int, error: csv.Error) -> str:
    return f"{label}: row {row} cannot be read: {csv_error_text(error)}; the file was not read"


def sessions_from_rows(
    reader: RowReader,
    make_session: Callable[[list[str], int], SessionRecord],
    *,
    format: str,
    label: str,
    nothing: str,
    first_line: int,
    line_offset: int | None = None,
    skip: Callable[[Sequence[str]], bool] = _blank,
) -> ParsedFile:
    """Every row of ``reader`` through ``make_session(fields, index)``.

    ``first_line`` is the file line before the first row; ``line_offset`` is added to the
    reader's line count (default ``first_line``: a reader over the lines after the header;
    0 for a reader that read the header itself), so row numbers are the spreadsheet's.
    ``label`` names the file in messages, ``nothing`` what a header-only file lacks
    ("activities"). Bad rows become warnings "row N: …; row skipped"; a file whose rows are
    all bad is rejected quoting the first problems."""
    sessions: list[SessionRecord] = []
    warnings: list[str] = []
    rows = 0
    offset = first_line if line_offset is None else line_offset
    line_end = first_line
    try:
        for fields in reader:
            row_number = line_end + 1  # the spreadsheet row where this record starts
            line_end = offset + reader.line_num
            if skip(fields):
                continue
            rows += 1
            try:
                sessions.append(make_session(fields, len(sessions)))
            except BadRow as error:
                warnings.append(f"row {row_number}: {error}; row skipped")
    except csv.Error as error:  # a row the csv module cannot split: the file ends here
        raise RejectedFile(_unreadable(label, line_end + 1, error)) from None
    if not rows:
        raise SkippedFile(f"{label} has a header but no {nothing}")
    if not sessions:
        raise RejectedFile(
            f"{label}: none of its {rows} rows is usable - "
            + "; ".join(warnings[:MAX_QUOTED])
            + (" ..." if len(warnings) > MAX_QUOTED else "")
        )
    return ParsedFile(
        format=format, kind="activity", sessions=tuple(sessions), warnings=tuple(warnings)
    )


@contextmanager
def readable_table(label: str) -> Iterator[None]:
    """Inside, an error of the ``csv`` module (a line it cannot split into fields) becomes
    the rejection "<label> is not a readable CSV table: <what it means>"."""
    try:
        yield
    except csv.Error as error:
        raise RejectedFile(
            f"{label} is not a readable CSV table: {csv_error_text(error)}"
        ) from None


def csv_error_text(error: csv.Error) -> str:
    """What a ``csv.Error`` (raised while splitting a line into fields) means, in words a
    person can act on."""
    text = str(error)
    if "field larger than field limit" in text:
        return (
            f"a value is longer than {csv.field_size_limit()} characters, which no "
            "spreadsheet or tracker export writes (a quote that is never closed?)"
        )
    if "new-line character seen in unquoted field" in text:
        return "a lone carriage return inside an unquoted value"
    if "line contains NUL" in text:
        return "it contains NUL bytes, so it is not a text table"
    return text
