"""The sessions table's rules (docs/rules.md, "Duplicate sessions across devices and formats",
"Categories decided from data", "Times without a zone"): rows from records, the category and
local day of every row, the duplicate rule at its edges (more than half of the shorter one;
compatible categories; source priority, then moving time, then id) and the stated category a
kept record adopts; corrections by the participant. Expected rows are written out by hand."""

from __future__ import annotations

import warnings
from datetime import UTC, date, datetime
from typing import Any

import pandas as pd
import pytest

from ingest.records import Device, SessionRecord
from pipelines import schemas
from pipelines.rules import sessions
from pipelines.schemas import CATEGORY_OVERRIDES, SESSIONS

WATCH = Device("garmin", "fenix5", "111")
PHONE = Device("apple", "iphone", "222")
BERLIN = "Europe/Berlin"
WALK: dict[str, Any] = {"sport": 11, "sub_sport": 0}  # FIT walking
YOGA: dict[str, Any] = {"sport": 10, "sub_sport": 43}  # FIT training/yoga


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def record(
    fmt: str,
    start: str,
    minutes: float,
    *,
    moving: float | None = None,
    index: int = 0,
    device: Device = WATCH,
    offset_h: float | None = 2,
    floating: bool = False,
    sport: int | None = None,
    sub_sport: int | None = None,
    sport_name: str | None = None,
    name: str | None = None,
    distance_m: float | None = None,
    steps: int | None = None,
) -> SessionRecord:
    return SessionRecord(
        source_format=fmt,
        index=index,
        start_utc=utc(start),
        elapsed_s=minutes * 60,
        moving_s=(minutes if moving is None else moving) * 60,
        sport=sport,
        sub_sport=sub_sport,
        sport_name=sport_name,
        activity_name=name,
        distance_m=distance_m,
        steps=steps,
        device=device,
        utc_offset_s=None if offset_h is None else int(offset_h * 3600),
        floating=floating,
    )


def sha(letter: str) -> str:
    """A file's SHA-256 made of one hex digit: its session ids sort by that digit."""
    return letter * 64


def table(*files: tuple[str, SessionRecord], tz: str = BERLIN) -> pd.DataFrame:
    """The rows of several files, each (sha letter, record), as stored (not yet derived)."""
    return pd.concat(
        [sessions.records_frame("p1", sha(letter), [r], tz) for letter, r in files],
        ignore_index=True,
    )


def row(letter: str, r: SessionRecord, **derived: object) -> dict[str, object]:
    """The row a record gives, written out field by field, with ``derived`` over it."""
    return {
        "participant": "p1",
        "session_id": f"{letter * 16}:{r.index}",
        "file_sha256": sha(letter),
        "source_format": r.source_format,
        "start_utc": r.start_utc,
        "end_utc": r.start_utc + pd.Timedelta(seconds=r.elapsed_s),
        "local_start": None,
        "elapsed_s": r.elapsed_s,
        "moving_s": r.moving_s,
        "sport": r.sport,
        "sub_sport": r.sub_sport,
        "sport_name": r.sport_name,
        "activity_name": r.activity_name,
        "category": None,
        "category_source": None,
        "distance_m": r.distance_m,
        "steps": r.steps,
        "device": r.device.key,
        "utc_offset_s": r.utc_offset_s,
        "local_date": None,
        "tz_source": None,
        "duplicate_of": None,
    } | derived


def frame(*rows: dict[str, object]) -> pd.DataFrame:
    return schemas.coerce(SESSIONS, pd.DataFrame(list(rows)))


def check(got: pd.DataFrame, *rows: dict[str, object]) -> None:
    pd.testing.assert_frame_equal(got.reset_index(drop=True), frame(*rows))


def test_session_id() -> None:
    assert sessions.session_id("0123456789abcdef" + "f" * 48, 7) == "0123456789abcdef:7"


@pytest.mark.parametrize(
    ("source_format", "rank"),
    [
        ("fit", 0),
        ("tcx", 1),
        ("gpx", 2),
        ("suunto_sml", 3),
        ("polar_hrm", 7),
        ("strava_json", 8),
        ("apple_health", 9),
        ("google_fit", 10),
        ("strava_csv", 11),
        ("garmin_connect_csv", 12),
        ("sessions_csv", 13),
        ("unheard_of", 14),  # unknown sources come last, after the 14 known ones
        ("", 14),
    ],
)
def test_priority(source_format: str, rank: int) -> None:
    assert sessions.priority(source_format) == rank


def test_records_frame_writes_every_field() -> None:
    r = record(
        "fit",
        "2024-05-01 08:00",
        30,
        moving=25,
        index=2,
        **WALK,
        sport_name="walking",
        name="Morning",
        distance_m=2000.0,
        steps=2500,
    )
    got = sessions.records_frame("p1", sha("a"), [r])
    check(got, row("a", r))


@pytest.mark.parametrize(
    ("moving", "stored_s"),
    [
        (40, 1800.0),  # more moving than elapsed time: the elapsed time
        (-1, 0.0),  # a negative timer: none
        (0, 0.0),
        (30, 1800.0),
    ],
)
def test_records_frame_keeps_moving_time_within_elapsed(moving: float, stored_s: float) -> None:
    r = record("fit", "2024-05-01 08:00", 30, moving=moving, **WALK)
    got = sessions.records_frame("p1", sha("a"), [r])
    check(got, row("a", r, moving_s=stored_s))


def test_records_frame_of_no_records_is_the_empty_table() -> None:
    pd.testing.assert_frame_equal(sessions.records_frame("p1", sha("a"), []), SESSIONS.empty())


def test_records_frame_places_floating_times_in_the_zone() -> None:
    # Wall time 08:00 (tagged UTC, no offset) in Berlin in summer: 06:00–06:30 UTC; a stated
    # offset of a floating record is not trusted. A second, fixed record stays as it is.
    floating = record("fitbit", "2024-07-01 08:00", 30, index=0, floating=True, offset_h=5)
    fixed = record("fitbit", "2024-07-01 12:00", 30, index=1, offset_h=None)
    with warnings.catch_warnings():  # no deprecated pandas spelling (a unit "S", ...)
        warnings.simplefilter("error")
        got = sessions.records_frame("p1", sha("b"), [floating, fixed], BERLIN)
    check(
        got,
        row(
            "b",
            floating,
            start_utc=utc("2024-07-01 06:00"),
            end_utc=utc("2024-07-01 06:30"),
            local_start=datetime(2024, 7, 1, 8, 0),
            utc_offset_s=None,
        ),
        row("b", fixed),
    )


def test_records_frame_in_utc_by_default() -> None:
    floating = record("fitbit", "2024-07-01 08:00", 45, floating=True)
    got = sessions.records_frame("p1", sha("b"), [floating])
    check(
        got,
        row(
            "b",
            floating,
            local_start=datetime(2024, 7, 1, 8, 0),
            end_utc=utc("2024-07-01 08:45"),
            utc_offset_s=None,
        ),
    )


def test_derive_of_nothing() -> None:
    pd.testing.assert_frame_equal(sessions.derive(SESSIONS.empty(), BERLIN), SESSIONS.empty())


def test_derive_fills_category_day_and_zone_sorted_by_start() -> None:
    # Three files given out of order; sorted by start (then id). Local days: the file's own
    # offset (+2 h: 23:00 UTC is 1 May), else Berlin at that instant (CEST, +2 h).
    late = record("fit", "2024-04-30 23:00", 20, **YOGA)  # 01:00 on 1 May (offset +2 h)
    early = record("gpx", "2024-04-30 21:30", 30, offset_h=None)  # 23:30 CEST, 30 April
    tied = record("tcx", "2024-04-30 23:00", 10, sport=1, offset_h=None)  # running
    got = sessions.derive(table(("c", late), ("a", early), ("b", tied)), BERLIN)
    check(
        got,
        row(
            "a",
            early,
            category="other",
            category_source="unknown",  # no sport, no name, no distance or steps
            local_date=date(2024, 4, 30),
            tz_source=BERLIN,
        ),
        row(
            "b",
            tied,  # same start as "c": the smaller id first
            category="other",
            category_source="device",
            local_date=date(2024, 5, 1),
            tz_source=BERLIN,
        ),
        row(
            "c",
            late,
            category="yoga",
            category_source="device",
            local_date=date(2024, 5, 1),
            tz_source="file",
        ),
    )


@pytest.mark.parametrize(
    ("fields", "decided"),
    [
        # each of the record's fields reaches the taxonomy
        ({"sport": 11}, ("walking", "device")),
        ({"sport": 10, "sub_sport": 43}, ("yoga", "device")),
        ({"sub_sport": 27}, ("walking", "device")),  # indoor walking, no sport
        ({"name": "Yoga am Abend"}, ("yoga", "name")),
        ({"sport_name": "Pilates"}, ("pilates", "name")),
        ({"name": "Yoga", "sport_name": "Walking"}, ("yoga", "name")),  # the title first
        ({"name": "Morning", "sport_name": "Walking"}, ("walking", "name")),
        ({"sport": 4, "name": "Pilates"}, ("pilates", "name")),
        # inferred from the data: 30 minutes moving, 2500 m (1.39 m/s), 3000 steps (100/min)
        ({"distance_m": 2500.0}, ("walking", "inferred")),
        ({"steps": 3000}, ("walking", "inferred")),
        ({"distance_m": 2500.0, "steps": 900}, ("other", "unknown")),  # 30 steps/min
        ({"distance_m": 9000.0, "steps": 3000}, ("other", "unknown")),  # 5 m/s
        ({"distance_m": 9000.0}, ("other", "unknown")),
        ({"sport": 0, "steps": 3000}, ("walking", "inferred")),
    ],
)
def test_derive_classifies_from_every_field(
    fields: dict[str, Any], decided: tuple[str, str]
) -> None:
    r = record("gpx", "2024-05-01 08:00", 30, **fields)
    got = sessions.derive(table(("a", r)), BERLIN)
    category, source = decided
    check(
        got,
        row(
            "a",
            r,
            category=category,
            category_source=source,
            local_date=date(2024, 5, 1),
            tz_source="file",
        ),
    )


def test_derive_infers_from_the_moving_time() -> None:
    # 2500 m in 60 elapsed minutes, of which 30 moving: 1.39 m/s moving (a walk); over the
    # elapsed hour it would be 0.69 m/s. 1500 m in 30 elapsed / 10 moving minutes: 2.5 m/s
    # moving — not a walk, though 0.83 m/s over the elapsed time would be.
    paused = record("gpx", "2024-05-01 08:00", 60, moving=30, distance_m=2500.0)
    fast = record("gpx", "2024-05-01 12:00", 30, moving=10, distance_m=1500.0)
    got = sessions.derive(table(("a", paused), ("b", fast)), BERLIN)
    day = {"local_date": date(2024, 5, 1), "tz_source": "file"}
    check(
        got,
        row("a", paused, category="walking", category_source="inferred", **day),
        row("b", fast, category="other", category_source="unknown", **day),
    )


def test_derive_places_floating_rows_in_the_zone_given_now() -> None:
    # Stored as placed in UTC; derived for Berlin: 08:00 wall time is 06:00 UTC in July.
    r = record("fitbit", "2024-07-01 08:00", 30, floating=True, sport=11)
    stored = sessions.records_frame("p1", sha("a"), [r], "UTC")
    with warnings.catch_warnings():  # no deprecated pandas spelling (a unit "S", ...)
        warnings.simplefilter("error")
        got = sessions.derive(stored, BERLIN)
    check(
        got,
        row(
            "a",
            r,
            start_utc=utc("2024-07-01 06:00"),
            end_utc=utc("2024-07-01 06:30"),
            local_start=datetime(2024, 7, 1, 8, 0),
            utc_offset_s=None,
            category="walking",
            category_source="device",
            local_date=date(2024, 7, 1),
            tz_source=BERLIN,
        ),
    )


def test_overrides_win_over_the_taxonomy() -> None:
    walk = record("fit", "2024-05-01 08:00", 30, **WALK)
    yoga = record("fit", "2024-05-01 12:00", 30, **YOGA)
    got = sessions.derive(
        table(("a", walk), ("b", yoga)),
        BERLIN,
        {"aaaaaaaaaaaaaaaa:0": "strength", "ffffffffffffffff:0": "yoga"},  # one unknown id
    )
    day = {"local_date": date(2024, 5, 1), "tz_source": "file"}
    check(
        got,
        row("a", walk, category="strength", category_source="user", **day),
        row("b", yoga, category="yoga", category_source="device", **day),
    )


# duplicates() on the columns it reads; a session: (id, source, start "HH:MM" on 1 May,
# elapsed minutes, moving minutes, category, category_source).
Candidate = tuple[str, str, str, float, float, str, str]


def candidates(*rows: Candidate, index: list[int] | None = None) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "session_id": sid,
                "source_format": fmt,
                "start_utc": utc(f"2024-05-01 {start}"),
                "end_utc": utc(f"2024-05-01 {start}") + pd.Timedelta(minutes=minutes),
                "moving_s": moving * 60,
                "category": category,
                "category_source": source,
            }
            for sid, fmt, start, minutes, moving, category, source in rows
        ],
        index=index,
    )


def duplicate_of(*expected: str | None, index: list[int] | None = None) -> pd.Series:
    return pd.Series(list(expected), index=index, dtype="string")


def walk_at(sid: str, fmt: str, start: str, minutes: float) -> Candidate:
    return (sid, fmt, start, minutes, minutes, "walking", "device")


# (start, minutes) of two walks — a FIT file "a" and a GPX file "b" — and whether "b" is
# "a"'s twin. The overlap must be MORE than half of the shorter session.
OVERLAPS = [
    (("08:00", 30), ("08:00", 30), True),  # the same
    (("08:00", 30), ("08:14", 30), True),  # 16 of 30 minutes
    (("08:00", 30), ("08:15", 30), False),  # exactly half: not more
    (("08:00", 30), ("08:16", 30), False),  # 14 of 30
    (("08:00", 60), ("08:40", 30), True),  # 20 of the shorter's 30 (only a third of 60)
    (("08:00", 60), ("08:50", 30), False),  # 10 of 30
    (("08:00", 30), ("08:14", 60), True),  # the shorter one first: 16 of its 30 minutes
    (("08:00", 30), ("08:15", 60), False),  # 15 of 30
    (("08:00", 30), ("08:20", 60), False),  # 10 of 30 (though 08:00–09:20 spans both)
    (("08:00", 60), ("08:29", 30), True),  # 30 of 30 (inside)
    (("08:00", 60), ("08:10", 10), True),  # inside
    (("08:00", 30), ("08:30", 30), False),  # back to back
    (("08:00", 30), ("09:00", 30), False),
    (("08:00", 30), ("07:00", 30), False),  # before it
    (("08:00", 30), ("08:10", 0), True),  # a session without duration inside a walk
    (("08:00", 30), ("08:30", 0), False),  # ... at its end: outside
    (("08:00", 30), ("08:45", 0), False),  # ... after it
]


@pytest.mark.parametrize(("first", "second", "twin"), OVERLAPS)
def test_duplicates_overlap_more_than_half_of_the_shorter(
    first: tuple[str, float], second: tuple[str, float], twin: bool
) -> None:
    rows = candidates(walk_at("a", "fit", *first), walk_at("b", "gpx", *second))
    pd.testing.assert_series_equal(
        sessions.duplicates(rows), duplicate_of(None, "a" if twin else None)
    )


@pytest.mark.parametrize(
    ("second_start", "twin"),
    [
        ("08:00:00.400", True),  # overlaps the one-second session by 0.6 s: more than half
        ("08:00:00.500", False),  # by 0.5 s: exactly half, not more
    ],
)
def test_a_one_second_session_is_held_to_the_same_rule(second_start: str, twin: bool) -> None:
    # a: 08:00:00–08:00:01 (one second, fit); b: a 30-minute walk (gpx) from second_start.
    start = utc(f"2024-05-01 {second_start}")
    rows = pd.DataFrame(
        {
            "session_id": ["a", "b"],
            "source_format": ["fit", "gpx"],
            "start_utc": [utc("2024-05-01 08:00:00"), start],
            "end_utc": [utc("2024-05-01 08:00:01"), start + pd.Timedelta(minutes=30)],
            "moving_s": [1.0, 1800.0],
            "category": ["walking", "walking"],
            "category_source": ["device", "device"],
        }
    )
    pd.testing.assert_series_equal(
        sessions.duplicates(rows), duplicate_of(None, "a" if twin else None)
    )


@pytest.mark.parametrize(
    ("rows", "expected"),
    [
        # source priority decides, whatever the ids, starts and moving times
        (
            [("a", "apple_health", "08:00", 30, 30), ("b", "fit", "08:01", 30, 20)],
            ["b", None],
        ),
        (
            [
                ("a", "gpx", "08:00", 30, 30),
                ("b", "tcx", "08:00", 30, 20),
                ("c", "sessions_csv", "08:00", 30, 30),
            ],
            ["b", None, "b"],
        ),
        (
            [("a", "mystery", "08:00", 30, 30), ("b", "sessions_csv", "08:00", 30, 20)],
            ["b", None],  # an unknown source comes after every known one
        ),
        # same source: the longer moving time
        (
            [
                ("a", "fit", "08:00", 30, 25),
                ("b", "fit", "08:00", 30, 28),
                ("c", "fit", "08:00", 30, 26),
            ],
            ["b", None, "b"],
        ),
        (
            [("a", "fit", "08:00", 30, 28), ("b", "fit", "08:00", 30, 25)],
            [None, "a"],
        ),
        # same source and moving time: the smaller id
        (
            [
                ("c", "fit", "08:00", 30, 30),
                ("b", "fit", "08:02", 30, 30),
                ("d", "fit", "08:00", 30, 30),
            ],
            ["b", None, "b"],
        ),
        # a chain: a 08:00–08:30, b 08:10–08:40, c 08:20–08:50 — a–b and b–c overlap by 20
        # of 30 minutes, a–c by 10 (no pair), but all three are one activity
        (
            [
                ("a", "gpx", "08:00", 30, 30),
                ("b", "tcx", "08:10", 30, 30),
                ("c", "fit", "08:20", 30, 30),
            ],
            ["c", "c", None],
        ),
        # a 08:00–10:00 holds b 08:10–08:20 and c 09:00–09:30, which do not overlap: one
        # cluster (b kept); d at 11:00 and e at 10:00 (when a ends) stand alone
        (
            [
                ("a", "gpx", "08:00", 120, 120),
                ("b", "fit", "08:10", 10, 10),
                ("c", "tcx", "09:00", 30, 30),
                ("d", "tcx", "11:00", 30, 30),
                ("e", "tcx", "10:00", 30, 30),
            ],
            ["b", None, "b", None, None],
        ),
        # a walk alone, then a pair: each cluster is looked at
        (
            [
                ("a", "fit", "07:00", 30, 30),
                ("b", "gpx", "08:00", 30, 30),
                ("c", "fit", "08:00", 30, 30),
            ],
            [None, "c", None],
        ),
        # two clusters, each with its own keeper
        (
            [
                ("a", "gpx", "08:00", 30, 30),
                ("b", "fit", "08:00", 30, 30),
                ("c", "fit", "12:00", 30, 30),
                ("d", "gpx", "12:00", 30, 30),
            ],
            ["b", None, None, "c"],
        ),
    ],
)
def test_which_record_of_a_cluster_is_kept(
    rows: list[tuple[str, str, str, float, float]], expected: list[str | None]
) -> None:
    frame = candidates(*((*r, "walking", "device") for r in rows))
    pd.testing.assert_series_equal(sessions.duplicates(frame), duplicate_of(*expected))


def test_duplicates_answer_on_the_frames_index() -> None:
    rows = candidates(
        walk_at("a", "gpx", "08:00", 30),
        walk_at("b", "fit", "08:05", 30),
        walk_at("c", "gpx", "12:00", 30),
        index=[7, 3, 5],
    )
    pd.testing.assert_series_equal(
        sessions.duplicates(rows), duplicate_of("b", None, None, index=[7, 3, 5])
    )


def test_duplicates_of_rows_not_sorted_by_start() -> None:
    # Ids and row order say nothing about time: a 12:00 (gpx) and d 12:10 (fit) overlap by
    # 20 of 30 minutes, c 08:00 (gpx) and b 08:05 (fit) by 25; a and b are four hours apart.
    rows = candidates(
        walk_at("a", "gpx", "12:00", 30),
        walk_at("d", "fit", "12:10", 30),
        walk_at("b", "fit", "08:05", 30),
        walk_at("c", "gpx", "08:00", 30),
    )
    pd.testing.assert_series_equal(sessions.duplicates(rows), duplicate_of("d", None, None, "b"))


@pytest.mark.parametrize(
    ("first", "second", "twins"),
    [
        (("walking", "device"), ("walking", "device"), True),
        (("walking", "device"), ("yoga", "device"), False),  # a walk and a class: both count
        (("walking", "name"), ("yoga", "name"), False),
        (("walking", "device"), ("walking", "name"), True),
        (("yoga", "device"), ("walking", "inferred"), True),  # inferred: fits anything
        (("walking", "inferred"), ("yoga", "device"), True),
        (("yoga", "name"), ("other", "unknown"), True),  # unknown: fits anything
        (("other", "unknown"), ("yoga", "device"), True),
        (("other", "device"), ("yoga", "device"), False),  # stated "other" is stated
        (("walking", "user"), ("strength", "device"), False),  # a correction is stated
        (("strength", "user"), ("walking", "inferred"), True),
    ],
)
def test_duplicates_need_compatible_categories(
    first: tuple[str, str], second: tuple[str, str], twins: bool
) -> None:
    rows = candidates(("a", "fit", "08:00", 30, 30, *first), ("b", "gpx", "08:00", 30, 30, *second))
    pd.testing.assert_series_equal(
        sessions.duplicates(rows), duplicate_of(None, "a" if twins else None)
    )


def test_compatibility_is_checked_pair_by_pair() -> None:
    # A yoga class 08:00–08:30 (device), an unknown track 08:00–08:30 and a walk 08:05–08:35:
    # track–yoga and track–walk are compatible, yoga–walk are not, but the track joins all
    # three into one activity: the yoga (fit) is kept.
    rows = candidates(
        ("a", "fit", "08:00", 30, 30, "yoga", "device"),
        ("b", "gpx", "08:00", 30, 30, "other", "unknown"),
        ("c", "tcx", "08:05", 30, 30, "walking", "device"),
    )
    pd.testing.assert_series_equal(sessions.duplicates(rows), duplicate_of(None, "a", "a"))


def _kept(got: pd.DataFrame) -> dict[str, str | None]:
    return {
        str(sid): (None if pd.isna(dup) else str(dup))
        for sid, dup in zip(got["session_id"], got["duplicate_of"], strict=True)
    }


def test_a_correction_makes_categories_incompatible() -> None:
    a = record("fit", "2024-05-01 08:00", 30, **WALK)
    b = record("gpx", "2024-05-01 08:00", 30, distance_m=2500.0)  # inferred walking
    got = sessions.derive(table(("a", a), ("b", b)), BERLIN, {"b" * 16 + ":0": "strength"})
    assert _kept(got) == {"a" * 16 + ":0": None, "b" * 16 + ":0": None}


def test_a_kept_record_adopts_the_category_its_duplicates_state() -> None:
    # A GPX track without type (fast: unknown) kept over the Strava CSV row naming it a hike
    # and an Apple Health workout naming it yoga: the better source of the two (apple_health
    # before strava_csv) decides. The duplicates keep their own categories.
    track = record("gpx", "2024-05-01 08:00", 60, distance_m=9000.0)
    hike = record("strava_csv", "2024-05-01 08:00", 60, sport_name="Hike", offset_h=None)
    yoga = record("apple_health", "2024-05-01 08:00", 60, name="Yoga", offset_h=None)
    got = sessions.derive(table(("a", track), ("b", hike), ("c", yoga)), BERLIN)
    day = {"local_date": date(2024, 5, 1)}
    kept = "a" * 16 + ":0"
    check(
        got,
        row("a", track, category="yoga", category_source="name", tz_source="file", **day),
        row(
            "b",
            hike,
            category="walking",
            category_source="name",
            tz_source=BERLIN,
            duplicate_of=kept,
            **day,
        ),
        row(
            "c",
            yoga,
            category="yoga",
            category_source="name",
            tz_source=BERLIN,
            duplicate_of=kept,
            **day,
        ),
    )


def test_adopted_category_of_the_same_source_by_id() -> None:
    # Two stated duplicates of the same source: the smaller id decides.
    track = record("gpx", "2024-05-01 08:00", 60)
    walk = record("strava_csv", "2024-05-01 08:00", 60, sport_name="Walk")
    yoga = record("strava_csv", "2024-05-01 08:00", 60, sport_name="Yoga")
    got = sessions.derive(table(("a", track), ("c", walk), ("b", yoga)), BERLIN)
    assert list(got["category"]) == ["yoga", "yoga", "walking"]
    assert list(got["category_source"]) == ["name", "name", "name"]


def test_a_stated_kept_category_is_not_replaced() -> None:
    # The kept FIT walk states its category; an overlapping inferred track is its duplicate;
    # nothing is adopted. A second cluster: an unknown track whose duplicate is unknown too
    # keeps "unknown".
    walk = record("fit", "2024-05-01 08:00", 30, **WALK)
    track = record("gpx", "2024-05-01 08:00", 30, distance_m=2500.0)
    lone = record("gpx", "2024-05-01 12:00", 30, index=1)
    twin = record("strava_csv", "2024-05-01 12:00", 30)
    got = sessions.derive(table(("a", walk), ("b", track), ("a", lone), ("c", twin)), BERLIN)
    day = {"local_date": date(2024, 5, 1), "tz_source": "file"}
    check(
        got,
        row("a", walk, category="walking", category_source="device", **day),
        row(
            "b",
            track,
            category="walking",
            category_source="inferred",
            duplicate_of="a" * 16 + ":0",
            **day,
        ),
        row("a", lone, category="other", category_source="unknown", **day),
        row(
            "c",
            twin,
            category="other",
            category_source="unknown",
            duplicate_of="a" * 16 + ":1",
            **day,
        ),
    )


def test_a_kept_record_in_another_cluster_adopts_only_its_own() -> None:
    # Cluster 1: an unknown GPX kept, a named Yoga duplicate. Cluster 2 (later): an unknown
    # GPX kept with an unknown duplicate: stays unknown, not Yoga.
    first = record("gpx", "2024-05-01 08:00", 30, index=0)
    named = record("strava_csv", "2024-05-01 08:00", 30, sport_name="Yoga")
    second = record("gpx", "2024-05-01 12:00", 30, index=1)
    blank = record("strava_csv", "2024-05-01 12:00", 30, index=1)
    got = sessions.derive(table(("a", first), ("b", named), ("a", second), ("b", blank)), BERLIN)
    assert list(zip(got["category"], got["category_source"], strict=True)) == [
        ("yoga", "name"),
        ("yoga", "name"),
        ("other", "unknown"),
        ("other", "unknown"),
    ]


def test_counted() -> None:
    a = record("fit", "2024-05-01 08:00", 30, **WALK)
    b = record("gpx", "2024-05-01 08:00", 30, **WALK)
    c = record("gpx", "2024-05-01 12:00", 30, **WALK, index=1)
    derived = sessions.derive(table(("a", a), ("b", b), ("b", c)), BERLIN)
    got = sessions.counted(derived)
    pd.testing.assert_frame_equal(got, derived.loc[[0, 2]])


NOW = datetime(2024, 6, 1, 9, 0, tzinfo=UTC)
EARLIER = datetime(2024, 5, 1, 9, 0, tzinfo=UTC)


def overrides(*rows: tuple[str, str, datetime]) -> pd.DataFrame:
    frame = pd.DataFrame(
        [{"participant": "p1", "session_id": s, "category": c, "set_at": t} for s, c, t in rows],
        columns=CATEGORY_OVERRIDES.names,
    )
    return schemas.coerce(CATEGORY_OVERRIDES, frame)


@pytest.mark.parametrize(
    ("before", "session_id", "category", "after"),
    [
        ((), "s1", "yoga", (("s1", "yoga", NOW),)),
        ((("s1", "walking", EARLIER),), "s1", "yoga", (("s1", "yoga", NOW),)),
        (
            (("s1", "walking", EARLIER), ("s2", "other", EARLIER)),
            "s1",
            "strength",
            (("s2", "other", EARLIER), ("s1", "strength", NOW)),
        ),
        (
            (("s1", "walking", EARLIER), ("s2", "other", EARLIER)),
            "s1",
            None,
            (("s2", "other", EARLIER),),
        ),
        ((("s1", "walking", EARLIER),), "s1", None, ()),
        ((("s1", "walking", EARLIER),), "s9", None, (("s1", "walking", EARLIER),)),
        ((), "s1", None, ()),
    ],
)
def test_with_override(
    before: tuple[tuple[str, str, datetime], ...],
    session_id: str,
    category: str | None,
    after: tuple[tuple[str, str, datetime], ...],
) -> None:
    got = sessions.with_override(overrides(*before), "p1", session_id, category, NOW)
    pd.testing.assert_frame_equal(got, overrides(*after))


@pytest.mark.parametrize(
    ("value", "expected"),
    [(None, None), (pd.NA, None), (float("nan"), None), (3, 3), (3.0, 3), (0, 0)],
)
def test_int_or_none(value: object, expected: int | None) -> None:
    assert sessions._int_or_none(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [(None, None), (pd.NA, None), (pd.NaT, None), (float("nan"), None), (2.5, 2.5), (0, 0.0)],
)
def test_float_or_none(value: object, expected: float | None) -> None:
    assert sessions._float_or_none(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"), [(None, None), (pd.NA, None), (float("nan"), None), ("Yoga", "Yoga")]
)
def test_str_or_none(value: object, expected: str | None) -> None:
    assert sessions._str_or_none(value) == expected
