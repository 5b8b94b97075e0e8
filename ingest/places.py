"""Place names out of activity names: the one rule (applied by :func:`ingest.read.checked_records`
to whatever any reader returns, and by readers that quote a name in a warning).

Services name an outing after where it happened: Garmin Connect titles every activity
"<place> <activity type>" ("Kaiserslautern Laufen", "Berlin Walking", "Munich Road
Cycling"), the place looked up from the track's start position, and the title travels on
into its GPX exports, its activities CSV and to Strava. Such a place locates a person as
well as the coordinates the readers drop, so it must not reach the tables.

Rule: when a session's sport is known and its name is more than one word, and the name
*ends* in words that name that same sport (a Garmin Connect type in English or German,
or any activity-type name :func:`ingest.sports.sport_from_name` knows), the words before
them are left out: "Kaiserslautern Laufen" (running) → "Laufen", "Munich Road Cycling"
(cycling) → "Road Cycling" - unless they are only a time of day (Strava's "Morning Walk"
stays) or the whole name is an activity type ("Nordic Walking"). The category never
suffers: the sport is known, and the name only repeats it. Names that do not end in their
sport ("Tai Chi am Morgen", "Ylläslenkki", "Lauf") are kept as written - a name the person
typed themselves is their own text, like a diary note, and may still name a place
(docs/privacy.md says so).
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Final

from ingest.garmin_connect_csv import GARMIN_TYPES
from ingest.records import ParsedFile, SessionRecord
from ingest.sports import sport_from_name

__all__ = ["MAX_SPORT_WORDS", "TIMES_OF_DAY", "without_place", "without_places"]

MAX_SPORT_WORDS: Final = 4
"""The longest activity-type name looked for at the end of a name ("Open Water Swimming")."""

TIMES_OF_DAY: Final = frozenset(
    {"morning", "lunch", "afternoon", "evening", "night", "morgen", "mittag", "nachmittag"}
    | {"abend", "nacht", "vormittag"}
)
"""Words before the sport that locate nothing: Strava's automatic titles ("Morning Walk")."""

_NOT_LETTERS: Final = re.compile(r"[^a-zäöüß]")


def _sport_of(words: str) -> int | None:
    garmin = GARMIN_TYPES.get(_NOT_LETTERS.sub("", words.lower()))
    if garmin is not None:
        return garmin[0]
    return sport_from_name(words)[0]


def without_place(name: str | None, sport: int | None) -> str | None:
    """``name`` without the place an automatic "<place> <sport>" title puts before the
    sport (see the module docstring); any other name unchanged."""
    if name is None or sport is None:
        return name
    words = name.split()
    if _sport_of(name) is not None:  # the whole name is a type: "Nordic Walking"
        return name
    for size in range(min(MAX_SPORT_WORDS, len(words) - 1), 0, -1):
        tail = " ".join(words[-size:])
        if _sport_of(tail) == sport:
            before = {_NOT_LETTERS.sub("", w.lower()) for w in words[:-size]}
            return name if before <= TIMES_OF_DAY else tail
    return name


def _session(record: SessionRecord) -> SessionRecord:
    name = without_place(record.activity_name, record.sport)
    return record if name == record.activity_name else replace(record, activity_name=name)


def without_places(parsed: ParsedFile) -> ParsedFile:
    """``parsed`` with every session's name passed through :func:`without_place`."""
    sessions = tuple(_session(s) for s in parsed.sessions)
    if all(a is b for a, b in zip(sessions, parsed.sessions, strict=True)):
        return parsed
    return replace(parsed, sessions=sessions)
