"""Value parsers shared by the readers: numbers, instants, text and JSON out of a file's bytes.

One place for how a reader reads a value, so that every format treats the same kind of
value the same way:

* :func:`finite_float` / :func:`non_negative_float`: a number written as text (or already
  a number) - never NaN or ±infinity, never a ``bool``; ``None`` when there is none.
* :func:`utc_instant`: an ISO 8601 date-time that must state its zone, as an aware UTC
  instant.
* :func:`utf8_text` (UTF-8 or the file is rejected, a BOM dropped) and
  :func:`spreadsheet_text` (UTF-8, else Windows-1252 as Excel saves "CSV" on Windows).
* :func:`json_document`: JSON text whose every way of being broken is a clear rejection.

They never raise anything but the rejection or error they name.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from ingest.records import RejectedFile

__all__ = [
    "finite_float",
    "json_document",
    "non_negative_float",
    "spreadsheet_text",
    "utc_instant",
    "utf8_text",
]


def finite_float(value: object) -> float | None:
    """``value`` (a text such as " 12.5" or "1e3", or a number) as a finite float; None when
    it is None, a bool, not a number, NaN or ±infinity.

    >>> finite_float(" 12.5"), finite_float("nan"), finite_float("1e999"), finite_float(True)
    (12.5, None, None, None)
    """
    if value is None or isinstance(value, bool):
        return None
    try:
        number = float(value if isinstance(value, str) else str(value))
    except ValueError:  # not a number, or an integer of more than 4300 digits
        return None
    return number if math.isfinite(number) else None


def non_negative_float(value: object) -> float | None:
    """:func:`finite_float`, and None for a negative number.

    >>> non_negative_float("0"), non_negative_float("-0.5"), non_negative_float(3)
    (0.0, None, 3.0)
    """
    number = finite_float(value)
    return number if number is not None and number >= 0 else None


def utc_instant(
    value: Any,
    what: str,
    *,
    bad: Callable[[str], Exception] = ValueError,
    no_zone: str = "states no UTC offset",
) -> datetime:
    """An ISO 8601 date-time that states its zone ("2024-05-01T06:00:00Z", "...+02:00") as an
    aware UTC instant. Raises ``bad(message)`` naming ``what`` and the value when it is not
    a text, not ISO 8601, states no zone (the message ends in ``no_zone``) or lies beyond
    the year 9999 in UTC.

    >>> utc_instant("2024-05-01T08:00:00+02:00", "start")
    datetime.datetime(2024, 5, 1, 6, 0, tzinfo=datetime.timezone.utc)
    """
    if not isinstance(value, str):
        raise bad(f"{what} {value!r} is not a date")
    try:
        instant = datetime.fromisoformat(value)
    except ValueError:
        raise bad(f"{what} {value!r} is not an ISO date") from None
    if instant.tzinfo is None:
        raise bad(f"{what} {value!r} {no_zone}")
    try:
        return instant.astimezone(UTC)
    except OverflowError:  # 9999-12-31T23:00-10:00 is in the year 10000 in UTC
        raise bad(f"{what} {value!r} is after the year 9999 in UTC") from None


def utf8_text(data: bytes, reason: str) -> str:
    """``data`` as UTF-8 text (a leading BOM dropped); else :class:`RejectedFile` with
    ``reason``, in which ``{byte}`` stands for the position of the first byte that is not
    UTF-8."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise RejectedFile(reason.format(byte=error.start)) from None


def spreadsheet_text(data: bytes) -> str:
    """The text of a table a person may have saved from a spreadsheet: UTF-8 (a leading BOM
    dropped) when it is UTF-8, else Windows-1252 - what Excel writes as "CSV" on Windows -
    with bytes that are not Windows-1252 replaced.

    >>> spreadsheet_text("Grüße".encode("utf-8-sig")), spreadsheet_text("Grüße".encode("cp1252"))
    ('Grüße', 'Grüße')
    """
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def json_document(text: str, what: str) -> Any:
    """The JSON document ``text`` holds; else :class:`RejectedFile` saying where it is
    broken, or that it is nested deeper or holds longer numbers than Python reads - "not a
    ``what``" (e.g. "Fitbit file") for those two."""
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise RejectedFile(
            f"broken JSON at line {error.lineno}, column {error.colno}: {error.msg}"
        ) from None
    except RecursionError:
        raise RejectedFile(f"JSON nested over 1000 levels deep: not a {what}") from None
    except ValueError:  # Python's limit on an integer's digits (4300), hit by json
        raise RejectedFile(f"a JSON number of over 4300 digits: not a {what}") from None
