"""Pain-diary reader: a person's own table of pain, flare-ups, painkillers and notes.

The rules for people (columns, values, errors, the import rule) are in
``docs/templates/diary.md``, with templates ``diary.csv`` (English) and ``Tagebuch.csv``
(German); this docstring is the reference for the code.

:func:`parse_diary` reads a whole file, :func:`diary_entry` checks one entry typed by a
person (CLI, dashboard form) with the same rules. Both are pure: bytes and values in,
records out (:class:`~ingest.records.DiaryEntry`, :class:`~ingest.records.RowError`).

File
    CSV (delimiter ``,``, ``;`` or tab: whichever makes the header name the most diary
    columns; quoted fields) in UTF-8 with or without BOM, Windows-1252, or UTF-16 (BOM);
    or XLSX, recognised by content (a zip holding ``xl/workbook.xml``), read with openpyxl
    in read-only mode, values not formulas: the first sheet whose header names a date and a
    pain column. The header is the first row among the first :data:`HEADER_SEARCH_ROWS`
    non-empty rows that names at least two diary columns, so a title line above it is
    fine. Empty rows and rows whose first cell starts with ``#`` are ignored (unless the
    first column is the note). Row numbers are the spreadsheet's (the first line is row 1).

Columns
    :data:`COLUMNS` (header names compared in lower case, accents and ``ß`` folded, every
    run of other characters read as ``_``: "Schmerz (0-10)" is ``schmerz_0_10``). A pain
    name followed by ``0_10``, ``0_bis_10`` or ``nrs`` is the 0–10 scale, followed by
    ``0_100`` or ``0_bis_100`` the 0–100 scale. Date and pain (either scale) are required;
    both scales at once, or two columns for the same field, reject the file. Other columns
    are ignored with a warning.

Values
    * date: ``YYYY-MM-DD``, ``DD.MM.YYYY``, ``D.M.YY`` (two-digit years are 20YY, with a
      warning), ``YYYY/MM/DD``, a date cell; a time after the date ("2024-05-02 08:30", a
      date-time cell) is the entry's time (a time column, if filled, must agree). ``A/B/YYYY``
      (also with ``-``) is day/month or month/day: taken when only one reading exists
      (a part > 12, or both parts equal); otherwise the file decides: if its other slash
      dates are all day-first (some have a first part > 12 and none a second part > 12),
      day-first is used, with a warning (likewise month-first); else the row is an error
      "ambiguous date". Future dates (after ``today``) and dates before 1990 (a typo in the
      year; ``ingest.limits.RecordLimits``) are errors; a row with *only* a
      future date (a pre-filled template) is skipped with one warning for all such rows.
    * time: ``HH:MM`` 24-hour (``H:MM`` and ``HH:MM:SS`` too; seconds are dropped), a
      time cell. Optional.
    * pain: a number with ``.`` or ``,`` as the decimal mark; 0–100, or 0–10 on the NRS
      column, stored ×10 (4,5 → 45.0). Empty pain is fine when the row says something else
      (flare-up, painkiller, exercise pain or a note); else "no pain value".
    * flare_up, exercise_pain: :data:`YES` / :data:`NO` (case-insensitive), booleans or
      1/0 cells; empty → None.
    * painkiller: yes/no, :data:`NONE_TAKEN`, or a medicine's name ("Ibuprofen 400" →
      ``painkiller=True, painkiller_name="Ibuprofen 400"``; "ja, Ibuprofen" → name
      "Ibuprofen"; "nein Ibuprofen" is an error: yes or no?).
    * note: as written, whitespace stripped; more than :data:`NOTE_MAX_CHARS` characters
      are cut, with a warning.

Errors
    Every row that is not taken gets one :class:`RowError` per bad cell (its row, the
    column as the header writes it, the value as written, a message saying what to do);
    good rows still go through. Rows for the same date and time (or both without time)
    are duplicates: identical ones are taken once, with a warning; conflicting ones are
    all errors, none is taken. Entries for one day at different times are all kept (the
    pipeline averages them per day).
"""

from __future__ import annotations

import calendar
import csv
import io
import re
import unicodedata
import warnings
import zipfile
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal, InvalidOperation
from itertools import chain, islice
from typing import Final, Literal, TypeVar

from ingest.limits import RECORD_LIMITS, UPLOAD_LIMITS
from ingest.records import DiaryEntry, ParsedDiary, RejectedFile, RowError
from ingest.values import spreadsheet_text

__all__ = [
    "COLUMNS",
    "FORMAT",
    "HEADER_SEARCH_ROWS",
    "NO",
    "NONE_TAKEN",
    "NOTE_MAX_CHARS",
    "PAINKILLER_NAME_MAX_CHARS",
    "YES",
    "diary_entry",
    "parse_diary",
]

FORMAT: Final = "diary"

COLUMNS: Final[dict[str, tuple[str, ...]]] = {
    "date": ("date", "day", "datum", "tag"),
    "time": ("time", "time_of_day", "uhrzeit", "zeit"),
    "pain": (
        "pain",
        "pain_0_100",
        "pain_level",
        "pain_score",
        "pain_intensity",
        "schmerz",
        "schmerzen",
        "schmerzstärke",
        "schmerzstaerke",
        "schmerzintensität",
        "schmerzwert",
    ),
    "pain_0_10": ("pain_0_10", "nrs", "pain_nrs", "schmerz_0_10", "schmerz_nrs"),
    "flare_up": ("flare_up", "flare", "flareup", "schub", "schmerzschub"),
    "painkiller": (
        "painkiller",
        "painkillers",
        "pain_killer",
        "pain_medication",
        "medication",
        "medicine",
        "meds",
        "schmerzmittel",
        "medikament",
        "medikamente",
    ),
    "exercise_pain": (
        "exercise_pain",
        "soreness",
        "pain_after_exercise",
        "pain_after_training",
        "muskelkater",
        "schmerz_nach_training",
        "schmerzen_nach_training",
    ),
    "note": (
        "note",
        "notes",
        "comment",
        "comments",
        "remark",
        "remarks",
        "notiz",
        "notizen",
        "bemerkung",
        "bemerkungen",
        "kommentar",
    ),
}
"""Diary field → header names (normalised as the module docstring says). ``pain`` is the
0–100 scale, ``pain_0_10`` the 0–10 (NRS) scale, stored ×10."""

YES: Final = frozenset({"yes", "y", "true", "1", "ja", "j", "x", "wahr"})
NO: Final = frozenset({"no", "n", "false", "0", "nein", "falsch"})
NONE_TAKEN: Final = frozenset({"none", "keine", "kein", "keins"})
"""Further ways to write "no" in the painkiller column."""

NOTE_MAX_CHARS: Final = 2000
PAINKILLER_NAME_MAX_CHARS: Final = 200
HEADER_SEARCH_ROWS: Final = 10
MAX_BYTES: Final = UPLOAD_LIMITS.max_diary_bytes  # the value lives in ingest.limits
MAX_ROWS: Final = 50_000
MAX_XLSX_UNCOMPRESSED: Final = 100_000_000
_QUOTED_MAX: Final = 10  # rows or values one message quotes; the rest are counted
_MAX_BLANK_RUN: Final = 10_000  # an XLSX sheet formatted to its last row: stop reading

Cell = str | int | float | bool | date | time | None
"""One cell as a reader gives it: CSV cells are text; XLSX cells may be typed."""

_Row = tuple[int, Sequence[Cell]]  # (spreadsheet row number, cells)
_T = TypeVar("_T")
_SlashOrder = Literal["dmy", "mdy"]

_CONTENT: Final = ("flare_up", "painkiller", "exercise_pain", "note")
_FIELD_ORDER: Final = ("date", "time", "pain", "pain_0_10", *_CONTENT)
_FIELD_WORDS: Final = {
    "date": "date",
    "time": "time",
    "pain": "pain",
    "pain_0_10": "pain",
    "flare_up": "flare-up",
    "painkiller": "painkiller",
    "exercise_pain": "exercise pain",
    "note": "note",
}
_SCALE_SUFFIXES: Final = (
    ("0_100", "pain"),
    ("0_bis_100", "pain"),
    ("0_10", "pain_0_10"),
    ("0_bis_10", "pain_0_10"),
    ("nrs", "pain_0_10"),
)
_DELIMITERS: Final = (",", ";", "\t")
_DELIMITER_NAMES: Final = {",": "comma", ";": "semicolon", "\t": "tab"}
_YES_PREFIXES: Final = frozenset({"yes", "ja", "x"})

_DATE_TIME: Final = re.compile(
    r"(?P<date>[^\sT]+)(?:(?:\s+|T)(?P<time>\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?))?"
)
_YEAR_FIRST: Final = re.compile(r"(\d{4})[-/](\d{1,2})[-/](\d{1,2})")
_DOTTED: Final = re.compile(r"(\d{1,2})\.(\d{1,2})\.(\d{4}|\d{2})")
_SLASHED: Final = re.compile(r"(\d{1,2})([/-])(\d{1,2})\2(\d{4}|\d{2})")
_CLOCK: Final = re.compile(r"(\d{1,2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?")
_NUMBER: Final = re.compile(r"[+-]?(?:\d+(?:[.,]\d*)?|[.,]\d+)")
_LETTER: Final = re.compile(r"[^\W\d_]")
_FIRST_WORD: Final = re.compile(r"([^\s,;:]+)[\s,;:]+(.+)", re.DOTALL)


class _Bad(ValueError):
    """A cell that cannot be read; the message names the column, the value and the fix."""


# ----------------------------------------------------------------------------- public API


def parse_diary(name: str, data: bytes, *, today: date) -> ParsedDiary:
    """Read a pain diary (CSV or XLSX, see the module docstring).

    Every row becomes a :class:`DiaryEntry` or at least one :class:`RowError`; ``today``
    is the last date an entry may have. Raises :class:`RejectedFile` with the reason when
    the file is not a diary at all: empty, not a table, no date or no pain column, ...
    ``name`` only sharpens such a reason; the content decides what the file is.
    """
    table = _read_table(name, data)
    return _read_entries(table, today=today)


def diary_entry(
    *,
    date: str | date,
    pain: str | float | None = None,
    time: str | time | None = None,
    flare_up: str | bool | None = None,
    painkiller: str | bool | None = None,
    exercise_pain: str | bool | None = None,
    note: str | None = None,
    today: date,
    pain_scale: str = "0-100",
) -> DiaryEntry:
    """One entry typed by a person, checked by the same rules as a file's row.

    ``pain_scale`` is ``"0-100"`` or ``"0-10"`` (stored ×10). The entry's ``row`` is 0: it
    comes from no file. Raises :class:`ValueError` naming every bad value; a note longer
    than :data:`NOTE_MAX_CHARS` is an error here (nobody is there to read a warning).
    """
    if pain_scale not in ("0-100", "0-10"):
        raise ValueError(f"pain_scale {pain_scale!r} is neither '0-100' nor '0-10'")
    pain_field = "pain" if pain_scale == "0-100" else "pain_0_10"
    values: dict[str, Cell] = {
        "date": date,
        "time": time,
        pain_field: pain,
        "flare_up": flare_up,
        "painkiller": painkiller,
        "exercise_pain": exercise_pain,
        "note": note,
    }
    labels = {key: key for key in values} | {pain_field: "pain"}
    result = _row_entry(values, labels, row=0, today=today, slash_order=None, typed=True)
    if result.errors or result.entry is None:
        raise ValueError("; ".join(message for _, _, message in result.errors))
    return result.entry


# ----------------------------------------------------------------------------- headers


def _normalise(header: str) -> str:
    text = header.strip().lower().replace("ß", "ss")
    text = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    return re.sub(r"[^0-9a-z]+", "_", text).strip("_")


_LOOKUP: Final = {
    _normalise(alias): column for column, aliases in COLUMNS.items() for alias in aliases
}


def _field_of(header: str) -> str | None:
    """The diary field a header names, or None."""
    key = _normalise(header)
    if key in _LOOKUP:
        return _LOOKUP[key]
    for suffix, scale in _SCALE_SUFFIXES:
        base = key.removesuffix("_" + suffix)
        if base != key and _LOOKUP.get(base) in ("pain", scale):  # not "NRS (0-100)"
            return scale
    return None


@dataclass(frozen=True, slots=True)
class _Header:
    row: int
    positions: dict[str, int]  # field → cell index
    labels: dict[str, str]  # field → header cell as written
    unknown: tuple[str, ...]  # headers that name no diary field, as written
    repeated: tuple[tuple[str, str, str], ...]  # (field, first label, second label)
    width: int  # cells up to the last named one
    written: tuple[str, ...]  # every header cell with text, in order
    labelled: frozenset[int]  # positions of header cells with text

    @property
    def pain_field(self) -> str:
        return "pain_0_10" if "pain_0_10" in self.positions else "pain"

    def problem(self) -> str | None:
        """Why this header cannot be a diary's, or None."""
        if self.repeated:
            described = "; ".join(
                f"{first!r} and {second!r} both mean {_FIELD_WORDS[key]}"
                for key, first, second in self.repeated
            )
            return f"two columns for the same thing ({described}): keep one of them"
        if "pain" in self.positions and "pain_0_10" in self.positions:
            return (
                f"two pain columns on different scales: {self.labels['pain']!r} (0–100) and "
                f"{self.labels['pain_0_10']!r} (0–10); keep the one you fill in"
            )
        missing = [
            what
            for what, present in (
                ("date column (date, Datum, ...)", "date" in self.positions),
                (
                    "pain column (pain or Schmerz for 0–100, pain_0_10 or NRS for 0–10)",
                    "pain" in self.positions or "pain_0_10" in self.positions,
                ),
            )
            if not present
        ]
        if missing:
            cells = ", ".join(repr(label) for label in self.written)
            return f"no {' and no '.join(missing)}: the header (row {self.row}) has {cells}"
        return None


def _header(row: int, cells: Sequence[Cell]) -> _Header:
    positions: dict[str, int] = {}
    labels: dict[str, str] = {}
    unknown: list[str] = []
    repeated: list[tuple[str, str, str]] = []
    written: dict[int, str] = {}
    for index, cell in enumerate(cells):
        label = _text(cell)
        if label is None:
            continue
        written[index] = label
        key = _field_of(label)
        if key is None:
            unknown.append(label)
        elif key in positions:
            repeated.append((key, labels[key], label))
        else:
            positions[key] = index
            labels[key] = label
    width = max(written, default=-1) + 1
    return _Header(
        row,
        positions,
        labels,
        tuple(unknown),
        tuple(repeated),
        width,
        tuple(written.values()),
        frozenset(written),
    )


def _find_header(rows: Iterator[_Row]) -> tuple[_Header | None, list[_Row]]:
    """The header among the first rows (None when no row names a diary column) and the
    rows read after it."""
    head = list(islice(rows, HEADER_SEARCH_ROWS))
    candidates = [
        (i, _header(number, cells)) for i, (number, cells) in enumerate(head) if not _comment(cells)
    ]
    for minimum in (2, 1):
        for i, header in candidates:
            named = header.positions.keys() | {key for key, _, _ in header.repeated}
            if len(named) >= minimum and named & {"date", "pain", "pain_0_10"}:
                return header, head[i + 1 :]
    return None, []


def _no_header_reason(first: Sequence[Cell] | None) -> str:
    expected = "a header naming a date column (date, Datum) and a pain column (pain, Schmerz)"
    if first is None:
        return f"no rows: expected {expected}"
    cells = ", ".join(repr(text) for text in map(_text, first[:8]) if text is not None)
    return f"not a diary: expected {expected} in the first rows; the first row has {cells}"


# ----------------------------------------------------------------------------- tables


@dataclass(slots=True)
class _Table:
    header: _Header
    rows: list[_Row]
    shifted_by_extra_cells: bool  # CSV: an extra cell moves every later value one column
    delimiter: str = ","
    warnings: list[str] = field(default_factory=list)


def _read_table(name: str, data: bytes) -> _Table:
    if not data.strip(b" \t\r\n\x00\xef\xbb\xbf\xff\xfe"):
        raise RejectedFile("the file is empty")
    if len(data) > MAX_BYTES:
        raise RejectedFile(f"{len(data)} bytes is far too large for a diary (at most {MAX_BYTES})")
    if data.startswith(b"PK"):
        return _xlsx_table(data)
    if data.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        raise RejectedFile("an old Excel workbook (.xls): save it as .xlsx or CSV and upload that")
    if data.startswith(b"%PDF"):
        raise RejectedFile("a PDF document: upload the diary as a CSV or XLSX table")
    if name.lower().endswith((".xlsx", ".xlsm")):
        raise RejectedFile(
            "named like an Excel workbook but it is not one (damaged or renamed?): "
            "save it again as .xlsx or CSV"
        )
    return _csv_table(_decode(data))


def _decode(data: bytes) -> str:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16", errors="replace")
    head = data[:512]
    if b"\x00" in head:
        odd_nuls, even_nuls = head[1::2].count(0), head[0::2].count(0)
        if odd_nuls > len(head) // 4 and not even_nuls:
            return data.decode("utf-16-le", errors="replace")
        if even_nuls > len(head) // 4 and not odd_nuls:
            return data.decode("utf-16-be", errors="replace")
        raise RejectedFile("binary content, not a text table: upload the diary as CSV or XLSX")
    return spreadsheet_text(data)


def _csv_table(text: str) -> _Table:
    delimiter = _sniff_delimiter(text)
    try:
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
        numbered = (
            (number, cells) for number, cells in enumerate(reader, 1) if not _blank_row(cells)
        )
        header, after = _find_header(numbered)
        if header is None:
            first = next(
                (
                    cells
                    for cells in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
                    if not _blank_row(cells)
                ),
                None,
            )
            raise RejectedFile(_no_header_reason(first))
        problem = header.problem()
        if problem:
            raise RejectedFile(problem)
        rows = _bounded(chain(after, numbered))
    except csv.Error as error:
        raise RejectedFile(f"the CSV cannot be read: {error}") from None
    return _Table(header, rows, shifted_by_extra_cells=True, delimiter=delimiter)


def _sniff_delimiter(text: str) -> str:
    """The delimiter that makes a line near the top name the most diary columns."""
    lines = io.StringIO(text, newline=None)  # universal newlines: a lone "\r" ends a line too
    top = (line for line in lines if line.strip() and not line.lstrip().startswith("#"))
    head = list(islice(top, HEADER_SEARCH_ROWS))

    def named(delimiter: str) -> int:
        best = 0
        for line in head:
            try:
                cells = next(csv.reader([line], delimiter=delimiter), [])
            except csv.Error:
                continue
            best = max(best, len(_header(0, cells).positions))
        return best

    return max(_DELIMITERS, key=named)  # ties: the first, so "," wins


def _bounded(rows: Iterable[_Row]) -> list[_Row]:
    taken = list(islice(rows, MAX_ROWS + 1))
    if len(taken) > MAX_ROWS:
        raise RejectedFile(f"more than {MAX_ROWS} rows: too many for one person's diary")
    return taken


def _xlsx_table(data: bytes) -> _Table:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        names = set(archive.namelist())
        opendocument = "mimetype" in names and archive.read("mimetype").startswith(
            b"application/vnd.oasis.opendocument.spreadsheet"
        )
        unpacked = sum(info.file_size for info in archive.infolist())
    except (
        zipfile.BadZipFile,
        zipfile.LargeZipFile,
        OSError,
        EOFError,
        ValueError,
        NotImplementedError,  # "zip file version 12.8": the directory asks for more than zip
    ) as error:
        raise RejectedFile(f"a damaged zip/XLSX file ({error}): save it again") from None
    if "xl/workbook.xml" not in names:
        if opendocument:
            raise RejectedFile("an OpenDocument spreadsheet (.ods): save it as .xlsx or CSV")
        raise RejectedFile("a zip archive, not an Excel workbook: upload the .xlsx or .csv itself")
    if unpacked > MAX_XLSX_UNCOMPRESSED:
        raise RejectedFile(f"the workbook unpacks to {unpacked} bytes: far too large for a diary")

    import openpyxl  # here, not at the top: CSV diaries never pay for it

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many kinds for broken workbooks
        raise RejectedFile(
            f"the Excel workbook cannot be opened ({type(error).__name__}: {error})"
        ) from None
    try:
        return _workbook_table(workbook)
    except RejectedFile:
        raise
    except Exception as error:
        raise RejectedFile(
            f"the Excel workbook cannot be read ({type(error).__name__}: {error})"
        ) from None
    finally:
        workbook.close()


def _workbook_table(workbook: object) -> _Table:
    """The first sheet with a diary header, or :class:`RejectedFile` saying why each is not."""
    chosen: _Table | None = None
    chosen_title = ""
    not_diaries: list[tuple[str, str]] = []  # (sheet, why not), before the chosen one
    also_diaries: list[str] = []
    for sheet in getattr(workbook, "worksheets", []):
        if not hasattr(sheet, "iter_rows"):  # a chart sheet
            continue
        title = str(getattr(sheet, "title", "?"))
        if callable(reset := getattr(sheet, "reset_dimensions", None)):
            reset()  # some writers store a wrong used range, which read-only mode trusts
        rows = _sheet_rows(sheet)
        header, after = _find_header(rows)
        problem: str | None
        if header is None:
            problem = _no_header_reason(next(iter(_sheet_rows(sheet)), (0, None))[1])
        else:
            problem = header.problem()
        if problem is not None or header is None:
            if chosen is None:
                not_diaries.append((title, problem or ""))
        elif chosen is None:
            chosen, chosen_title = _Table(header, _bounded(chain(after, rows)), False), title
        else:
            also_diaries.append(title)
    if chosen is None:
        if not not_diaries:
            raise RejectedFile("the workbook has no sheets with cells")
        raise RejectedFile(
            "no sheet is a diary: " + "; ".join(f"sheet {t!r}: {why}" for t, why in not_diaries)
        )
    if not_diaries:
        listed = ", ".join(repr(title) for title, _ in not_diaries)
        chosen.warnings.append(
            f"read sheet {chosen_title!r}, the first with a diary header (not {listed})"
        )
    if also_diaries:
        listed = ", ".join(repr(title) for title in also_diaries)
        chosen.warnings.append(
            f"sheet(s) {listed} also look like a diary but were not read: only the first "
            "diary sheet is; put all entries on one sheet"
        )
    return chosen


def _sheet_rows(sheet: object) -> Iterator[_Row]:
    """A sheet's non-empty rows with their row numbers."""
    blank_run = 0
    rows: Iterable[tuple[Cell, ...]] = sheet.iter_rows(values_only=True)  # type: ignore[attr-defined]
    for number, cells in enumerate(rows, 1):
        if _blank_row(cells):
            blank_run += 1
            if blank_run > _MAX_BLANK_RUN:
                return
            continue
        blank_run = 0
        yield number, cells


# ----------------------------------------------------------------------------- rows


@dataclass(slots=True)
class _RowResult:
    entry: DiaryEntry | None = None
    errors: list[tuple[str | None, Cell, str]] = field(default_factory=list)
    two_digit_year: bool = False
    slash_by_file: bool = False
    note_cut: bool = False
    future_blank: bool = False  # only a date, after today: a pre-filled template row


@dataclass(frozen=True, slots=True)
class _Taken:
    entry: DiaryEntry
    values: dict[str, Cell]


def _read_entries(table: _Table, *, today: date) -> ParsedDiary:
    header = table.header
    warnings_: list[str] = list(table.warnings)
    errors: list[RowError] = []
    taken: list[_Taken] = []
    two_digit: list[int] = []
    slash_by_file: list[int] = []
    notes_cut: list[int] = []
    future_blank: list[int] = []
    unnamed: set[int] = set()
    slash_order = _slash_order(
        (number, cells[header.positions["date"]])
        for number, cells in table.rows
        if header.positions["date"] < len(cells)
    )

    for number, cells in table.rows:
        if _comment(cells) and header.positions.get("note") != 0:  # "#hashtag" notes are data
            continue
        values = {
            key: cells[position] if position < len(cells) else None
            for key, position in header.positions.items()
        }
        extra = [i for i, cell in enumerate(cells) if i >= header.width and not _blank(cell)]
        if extra and table.shifted_by_extra_cells:
            errors.append(
                RowError(
                    number,
                    None,
                    table.delimiter.join(str(cell) for cell in cells),
                    f"{len(cells)} cells but the header has {header.width}, so the values "
                    "are in the wrong columns (a decimal comma in a "
                    f"{_DELIMITER_NAMES[table.delimiter]}-separated file?): put the value "
                    "in quotes or separate the columns with ';'",
                )
            )
            continue
        unnamed.update(
            i for i, cell in enumerate(cells) if i not in header.labelled and not _blank(cell)
        )
        if all(_blank(value) for value in values.values()):
            continue  # only ignored columns say anything: they are warned about below
        result = _row_entry(values, header.labels, row=number, today=today, slash_order=slash_order)
        errors += [
            RowError(number, header.labels.get(key) if key else None, _text(value), message)
            for key, value, message in result.errors
        ]
        if result.two_digit_year:
            two_digit.append(number)
        if result.slash_by_file:
            slash_by_file.append(number)
        if result.note_cut:
            notes_cut.append(number)
        if result.future_blank:
            future_blank.append(number)
        if result.entry is not None:
            taken.append(_Taken(result.entry, values))

    entries, duplicate_errors, duplicate_warnings = _deduplicate(taken, header.labels)
    errors += duplicate_errors
    if header.unknown:
        listed = ", ".join(repr(label) for label in header.unknown)
        warnings_.append(f"ignored column(s) that are not part of the diary: {listed}")
    if unnamed:
        listed = ", ".join(_column_letter(i) for i in sorted(unnamed))
        warnings_.append(f"column(s) {listed} have values but no header: ignored")
    if slash_by_file and slash_order is not None:
        readings = {"dmy": "day/month/year", "mdy": "month/day/year"}
        warnings_.append(
            f"{_rows_text(slash_by_file)}: dates with '/' read as {readings[slash_order]}, "
            "like this file's other slash dates; write 2024-05-03 or 03.05.2024 to be sure"
        )
    if two_digit:
        warnings_.append(
            f"{_rows_text(two_digit)}: two-digit years read as 20YY (2.5.24 is 2024-05-02)"
        )
    if future_blank:
        warnings_.append(
            f"{_rows_text(future_blank)}: only a date after {today.isoformat()} "
            "(a pre-filled template?): skipped"
        )
    if notes_cut:
        warnings_.append(
            f"{_rows_text(notes_cut)}: note longer than {NOTE_MAX_CHARS} characters, cut "
            f"to {NOTE_MAX_CHARS}"
        )
    warnings_ += duplicate_warnings
    if header.pain_field == "pain":
        pains = [entry.pain for entry in entries if entry.pain is not None]
        if len(pains) >= 3 and max(pains) <= 10:
            label = header.labels["pain"]
            warnings_.append(
                f"every pain value in {label!r} is between 0 and 10, read on the 0–100 scale; "
                f"if you used 0–10, rename the column to '{label} (0-10)' and upload again"
            )
    if not entries and not errors:
        warnings_.append("the diary has a header but no entries")
    errors.sort(key=lambda error: error.row)  # stable: a row's errors keep their order
    return ParsedDiary(tuple(entries), tuple(errors), tuple(warnings_))


def _row_entry(
    values: Mapping[str, Cell],
    labels: Mapping[str, str],
    *,
    row: int,
    today: date,
    slash_order: _SlashOrder | None,
    typed: bool = False,
) -> _RowResult:
    """One row (or one typed entry) checked: an entry, or why not."""
    result = _RowResult()
    pain_field = "pain_0_10" if "pain_0_10" in values else "pain"

    def read(key: str, reader: Callable[[Cell, str], _T]) -> _T | None:
        value = values.get(key)
        if _blank(value):
            return None
        try:
            return reader(value, labels.get(key, key))
        except _Bad as error:
            result.errors.append((key, value, str(error)))
            return None

    day: date | None = None
    clock_in_date: str | None = None
    if _blank(values.get("date")):
        result.errors.append(
            ("date", None, "no date: every entry needs the day it is about (2024-05-02)")
        )
    else:
        read_date = read("date", lambda v, label: _date(v, label, slash_order=slash_order))
        if read_date is not None:
            day, clock_in_date = read_date.day, read_date.clock
            result.two_digit_year = read_date.two_digit_year
            result.slash_by_file = read_date.slash_by_file
    clock = read("time", _time)
    if clock is not None and clock_in_date is not None and clock != clock_in_date:
        result.errors.append(
            (
                "time",
                values.get("time"),
                f"{labels.get('time', 'time')} {clock} differs from the time in the date "
                f"({clock_in_date}): keep one",
            )
        )
    scale = 10 if pain_field == "pain_0_10" else 100
    pain = read(pain_field, lambda v, label: _pain(v, label, scale=scale))
    flare_up = read("flare_up", _yes_no)
    painkiller = read("painkiller", _painkiller)
    exercise_pain = read("exercise_pain", _yes_no)
    note = read("note", _note)
    if note is not None and len(note) > NOTE_MAX_CHARS:
        if typed:
            result.errors.append(
                ("note", None, f"note has {len(note)} characters; at most {NOTE_MAX_CHARS}")
            )
        note, result.note_cut = note[:NOTE_MAX_CHARS].rstrip(), True

    says_something = any(not _blank(values.get(key)) for key in (pain_field, *_CONTENT))
    if day is not None and day > today:
        if not says_something and not typed:
            result.future_blank = True
            return result
        result.errors.append(
            (
                "date",
                values.get("date"),
                f"{labels.get('date', 'date')} {_shown(values.get('date'))} is "
                f"{day.isoformat()}, in the future (today is {today.isoformat()})",
            )
        )
    if day is not None and day < RECORD_LIMITS.earliest.date():
        result.errors.append(
            (
                "date",
                values.get("date"),
                f"{labels.get('date', 'date')} {_shown(values.get('date'))} is "
                f"{day.isoformat()}, before {RECORD_LIMITS.earliest.year}: check the year",
            )
        )
    if not says_something:
        result.errors.append(
            (
                pain_field,
                None,
                "no pain value, and no flare-up, painkiller, exercise pain or note: "
                "fill in the pain or delete the row",
            )
        )
    if result.errors or day is None:
        return result
    taken, name = painkiller if painkiller is not None else (None, None)
    result.entry = DiaryEntry(
        row=row,
        date=day,
        pain=pain,
        time=clock or clock_in_date,
        flare_up=flare_up,
        painkiller=taken,
        painkiller_name=name,
        exercise_pain=exercise_pain,
        note=note,
    )
    return result


# ----------------------------------------------------------------------------- duplicates


def _deduplicate(
    taken: Sequence[_Taken], labels: Mapping[str, str]
) -> tuple[list[DiaryEntry], list[RowError], list[str]]:
    """Rows for the same date and time: identical → the first; conflicting → none."""
    groups: dict[tuple[date, str | None], list[_Taken]] = {}
    for item in taken:
        groups.setdefault((item.entry.date, item.entry.time), []).append(item)
    entries: list[DiaryEntry] = []
    errors: list[RowError] = []
    warnings_: list[str] = []
    for (day, clock), group in groups.items():
        when = day.isoformat() + (f" {clock}" if clock else "")
        rows = _some([str(item.entry.row) for item in group], ", ")
        contents = {_content(item.entry) for item in group}
        if len(contents) == 1:
            entries.append(group[0].entry)
            if len(group) > 1:
                warnings_.append(
                    f"rows {rows} are the same entry for {when}: taken once (row "
                    f"{group[0].entry.row})"
                )
            continue
        differing = [key for key in _FIELD_ORDER if key in labels and _differs(group, key)]
        described = "; ".join(
            f"{labels[key]} "
            + _some([_text(item.values.get(key)) or "(empty)" for item in group], " vs ")
            for key in differing
        )
        first = differing[0]
        for item in group:
            errors.append(
                RowError(
                    item.entry.row,
                    labels.get(first),
                    _text(item.values.get(first)),
                    f"conflicting entries for {when} in rows {rows}: {described}; none was "
                    "taken: correct or delete all but one",
                )
            )
    entries.sort(key=lambda entry: entry.row)
    return entries, errors, warnings_


def _content(entry: DiaryEntry) -> tuple[object, ...]:
    return (
        entry.pain,
        entry.flare_up,
        entry.painkiller,
        entry.painkiller_name,
        entry.exercise_pain,
        entry.note,
    )


_ENTRY_FIELDS: Final = {
    "pain": ("pain",),
    "pain_0_10": ("pain",),
    "flare_up": ("flare_up",),
    "painkiller": ("painkiller", "painkiller_name"),
    "exercise_pain": ("exercise_pain",),
    "note": ("note",),
}


def _differs(group: Sequence[_Taken], key: str) -> bool:
    attributes = _ENTRY_FIELDS.get(key)
    if attributes is None:
        return False
    seen = {tuple(getattr(item.entry, a) for a in attributes) for item in group}
    return len(seen) > 1


# ----------------------------------------------------------------------------- cells


@dataclass(frozen=True, slots=True)
class _DateRead:
    day: date
    clock: str | None = None  # a time written in the date cell
    two_digit_year: bool = False
    slash_by_file: bool = False  # an A/B/YYYY date read by the file's other slash dates


def _date(value: Cell, label: str, *, slash_order: _SlashOrder | None) -> _DateRead:
    shown = _shown(value)
    if isinstance(value, bool | time):
        raise _Bad(f"{label} {shown} is not a date: write 2024-05-02 or 02.05.2024")
    if isinstance(value, datetime):
        wall = value.time()
        return _DateRead(value.date(), None if wall == time() else _hh_mm(wall))
    if isinstance(value, date):
        return _DateRead(value)
    if isinstance(value, int | float):
        raise _Bad(
            f"{label} {shown} is a number, not a date: format the cell as a date or write "
            "2024-05-02"
        )
    text = str(value).strip()
    match = _DATE_TIME.fullmatch(text)
    if match is None:
        raise _Bad(f"{label} {shown} is not a date: write 2024-05-02 or 02.05.2024")
    try:
        clock = _time(match["time"], label) if match["time"] else None
    except _Bad:
        raise _Bad(
            f"{label} {shown} has a time that is not a time of day: write 2024-05-02 08:30 "
            "(24-hour, 00:00 to 23:59)"
        ) from None
    day_text = match["date"]
    if found := _YEAR_FIRST.fullmatch(day_text):
        year, month, day_number = int(found[1]), int(found[2]), int(found[3])
        return _DateRead(_calendar_date(year, month, day_number, label, shown), clock)
    if found := _DOTTED.fullmatch(day_text):
        year, two_digit = _year(found[3])
        day = _calendar_date(year, int(found[2]), int(found[1]), label, shown)
        return _DateRead(day, clock, two_digit)
    if found := _SLASHED.fullmatch(day_text):
        first, second = int(found[1]), int(found[3])
        year, two_digit = _year(found[4])
        order = _slash_reading(first, second)
        by_file = False
        if order is None:
            if first > 12 and second > 12:
                raise _Bad(
                    f"{label} {shown} is not a date: neither {first} nor {second} is a month"
                )
            if slash_order is None:
                raise _Bad(
                    f"{label} {shown} is an ambiguous date: {first} {_month(second)} or "
                    f"{_month(first)} {second}? write it as 2024-05-03 or 03.05.2024"
                )
            order, by_file = slash_order, True
        day_number, month = (first, second) if order == "dmy" else (second, first)
        day = _calendar_date(year, month, day_number, label, shown)
        return _DateRead(day, clock, two_digit, by_file)
    raise _Bad(f"{label} {shown} is not a date: write 2024-05-02 or 02.05.2024")


def _slash_reading(first: int, second: int) -> _SlashOrder | None:
    """The one reading of ``first/second/year``, or None when both or neither fit."""
    if first == second:
        return "dmy"
    if first > 12 and second <= 12:
        return "dmy"
    if second > 12 and first <= 12:
        return "mdy"
    return None


def _slash_order(dates: Iterable[tuple[int, Cell]]) -> _SlashOrder | None:
    """How this file writes A/B/YYYY: day-first when some dates can only be day-first and
    none only month-first (and the reverse); None when it cannot tell."""
    orders: set[_SlashOrder] = set()
    for _, value in dates:
        if not isinstance(value, str):
            continue
        match = _DATE_TIME.fullmatch(value.strip())
        found = _SLASHED.fullmatch(match["date"]) if match else None
        if found and int(found[1]) != int(found[3]):
            order = _slash_reading(int(found[1]), int(found[3]))
            if order is not None:
                orders.add(order)
    return orders.pop() if len(orders) == 1 else None


def _year(text: str) -> tuple[int, bool]:
    return (2000 + int(text), True) if len(text) == 2 else (int(text), False)


def _calendar_date(year: int, month: int, day: int, label: str, shown: str) -> date:
    if not 1 <= month <= 12:
        raise _Bad(f"{label} {shown} does not exist: there is no month {month}")
    if year < 1:
        raise _Bad(f"{label} {shown} does not exist: there is no year {year}")
    days = calendar.monthrange(year, month)[1]
    if not 1 <= day <= days:
        raise _Bad(
            f"{label} {shown} does not exist: {calendar.month_name[month]} {year} has {days} days"
        )
    return date(year, month, day)


def _month(number: int) -> str:
    return calendar.month_name[number] if 1 <= number <= 12 else str(number)


def _time(value: Cell, label: str) -> str:
    shown = _shown(value)
    if isinstance(value, datetime):
        return _hh_mm(value.time())
    if isinstance(value, time):
        return _hh_mm(value)
    if not isinstance(value, str):
        raise _Bad(f"{label} {shown} is not a time: write the 24-hour time like 08:30")
    match = _CLOCK.fullmatch(value.strip())
    if match is None:
        raise _Bad(f"{label} {shown} is not a time: write the 24-hour time like 08:30")
    hours, minutes, seconds = int(match[1]), int(match[2]), int(match[3] or 0)
    if hours > 23 or minutes > 59 or seconds > 59:
        raise _Bad(f"{label} {shown} is not a time of day: write 00:00 to 23:59")
    return f"{hours:02d}:{minutes:02d}"


def _hh_mm(clock: time) -> str:
    return f"{clock.hour:02d}:{clock.minute:02d}"


def _pain(value: Cell, label: str, *, scale: int) -> float:
    shown = _shown(value)
    scale_text = f"0 to {scale}" + (" (the 0–10 scale; stored ×10)" if scale == 10 else "")
    if isinstance(value, bool):
        raise _Bad(f"{label} {shown} is yes/no, not a number: write a number from {scale_text}")
    if isinstance(value, date | time):
        raise _Bad(
            f"{label} {shown} is a date or time, not a number (did the spreadsheet turn "
            f"'4.5' into a date? format the column as a number): write {scale_text}"
        )
    number: Decimal | None = None
    if isinstance(value, int | float):
        try:
            number = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
        except InvalidOperation:
            number = None
        if number is not None and not number.is_finite():
            number = None
    elif _NUMBER.fullmatch(str(value).strip()):
        number = Decimal(str(value).strip().replace(",", "."))
    if number is None:
        raise _Bad(f"{label} {shown} is not a number: write a number from {scale_text}")
    if number < 0:
        raise _Bad(f"{label} {shown} is below 0: write a number from {scale_text}")
    if number > scale:
        hint = (
            f"; column {label!r} is the 0–10 scale: for 0–100 name it 'pain'" if scale == 10 else ""
        )
        raise _Bad(f"{label} {shown} is above {scale}: write a number from 0 to {scale}{hint}")
    return float(number * 10) if scale == 10 else float(number)


def _yes_no(value: Cell, label: str) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float) and value in (0, 1):
        return value == 1
    if isinstance(value, str):
        word = value.strip().lower()
        if word in YES:
            return True
        if word in NO:
            return False
    raise _Bad(
        f"{label} {_shown(value)} is not yes or no: write yes/no, ja/nein or x (yes), "
        "or leave it empty"
    )


def _painkiller(value: Cell, label: str) -> tuple[bool, str | None]:
    """(taken, name): yes/no, or a medicine's name (which means yes)."""
    shown = _shown(value)
    if isinstance(value, bool):
        return value, None
    if isinstance(value, int | float):
        if value in (0, 1):
            return value == 1, None
        raise _Bad(f"{label} {shown} is a number: write yes/no or the medicine's name")
    if not isinstance(value, str):
        raise _Bad(f"{label} {shown} is neither yes/no nor a medicine's name")
    text = value.strip()
    word = text.lower()
    if word in YES:
        return True, None
    if word in NO or word in NONE_TAKEN:
        return False, None
    name = text
    if found := _FIRST_WORD.fullmatch(text):
        first = found[1].lower()
        if first in NO or first in NONE_TAKEN:
            raise _Bad(f"{label} {shown}: yes or no? write 'no' alone, or only the medicine's name")
        if first in _YES_PREFIXES:
            name = found[2].strip()
    if not _LETTER.search(name):
        raise _Bad(f"{label} {shown} is neither yes/no nor a medicine's name")
    if len(name) > PAINKILLER_NAME_MAX_CHARS:
        raise _Bad(
            f"{label}: a name of {len(name)} characters (at most "
            f"{PAINKILLER_NAME_MAX_CHARS}): put the details in the note"
        )
    return True, name


def _note(value: Cell, label: str) -> str:
    return _text(value) or ""


# ----------------------------------------------------------------------------- helpers


def _blank(value: Cell) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _blank_row(cells: Sequence[Cell]) -> bool:
    return all(_blank(cell) for cell in cells)


def _comment(cells: Sequence[Cell]) -> bool:
    """A row whose first cell starts with ``#``: a comment, not data."""
    return bool(cells) and isinstance(cells[0], str) and cells[0].lstrip().startswith("#")


def _text(value: Cell) -> str | None:
    """A cell as written: text stripped, typed cells as a spreadsheet shows them."""
    if _blank(value):
        return None
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time() else value.isoformat(" ")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, time):
        return value.isoformat("minutes" if not value.second else "seconds")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _shown(value: Cell) -> str:
    text = _text(value)
    return "''" if text is None else repr(text)


def _and(items: Sequence[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _some(items: Sequence[str], joiner: str) -> str:
    """``items`` as ``_and`` words them (``joiner`` between all when not ", "); beyond
    :data:`_QUOTED_MAX` only the first, and how many more - a message per row of a group
    of thousands of rows must not quote them all (that was quadratic)."""
    if len(items) <= _QUOTED_MAX:
        return _and(items) if joiner == ", " else joiner.join(items)
    return f"{joiner.join(items[:_QUOTED_MAX])}{joiner}… ({len(items) - _QUOTED_MAX} more)"


def _rows_text(rows: Sequence[int]) -> str:
    """'row 4', 'rows 4, 7 and 9', 'rows 20–31' (runs of three or more as ranges)."""
    parts: list[str] = []
    start = previous = rows[0]
    for number in [*rows[1:], None]:
        if number is not None and number == previous + 1:
            previous = number
            continue
        if previous - start >= 2:
            parts.append(f"{start}–{previous}")
        else:
            parts += [str(n) for n in range(start, previous + 1)]
        if number is not None:
            start = previous = number
    return ("row " if parts == [str(rows[0])] else "rows ") + _and(parts)


def _column_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(ord("A") + remainder) + letters
    return letters
