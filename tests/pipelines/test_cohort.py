"""The demo cohort: deterministic, and showing what the pipeline must cope with."""

from __future__ import annotations

import hashlib
import io
import itertools
import json
import zipfile
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import fitparse
import pytest

from demo.cohort import EXPORT_ZIP_FOLDER, DemoParticipant, generate_cohort, write_export

FIT_EPOCH = datetime(1989, 12, 31, tzinfo=UTC)
ONE_MINUTE = timedelta(minutes=1)


def tree_digest(root: Path) -> str:
    """SHA-256 over every file's relative path and bytes under ``root``."""
    digest = hashlib.sha256()
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        digest.update(path.relative_to(root).as_posix().encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def values(data: bytes, name: str) -> list[dict[str, Any]]:
    return [m.get_values() for m in fitparse.FitFile(io.BytesIO(data)).get_messages(name)]


def aware(instant: datetime) -> datetime:
    return instant.replace(tzinfo=UTC)


@dataclass(frozen=True)
class Session:
    """What one activity file says, in local time."""

    sport: str
    sub_sport: str
    name: str | None
    local_start: datetime
    local_end: datetime
    moving_s: float
    utc_offset_s: int


def read_session(data: bytes) -> Session:
    [session] = values(data, "session")
    [activity] = values(data, "activity")
    [sport] = values(data, "sport")
    offset = activity["local_timestamp"] - activity["timestamp"]
    local_start = session["start_time"] + offset
    return Session(
        sport=session["sport"],
        sub_sport=session["sub_sport"],
        name=sport.get("name"),
        local_start=local_start,
        local_end=local_start + timedelta(seconds=session["total_elapsed_time"]),
        moving_s=session["total_timer_time"],
        utc_offset_s=int(offset.total_seconds()),
    )


def activity_files(home: Path) -> dict[str, bytes]:
    """A participant's activity files, loose or inside their export zip."""
    if (home / "garmin-export.zip").exists():
        with zipfile.ZipFile(home / "garmin-export.zip") as archive:
            return {name: archive.read(name) for name in archive.namelist()}
    return {path.name: path.read_bytes() for path in sorted((home / "activities").glob("*.fit"))}


def sessions(home: Path) -> list[Session]:
    return [read_session(data) for data in activity_files(home).values()]


def minute_steps(data: bytes) -> dict[datetime, int]:
    """Steps per UTC minute from a monitoring file's cumulative per-type counters."""
    [info] = values(data, "monitoring_info")
    last_full = int((aware(info["timestamp"]) - FIT_EPOCH).total_seconds())
    previous: dict[str, tuple[int, int]] = {}
    steps: dict[datetime, int] = {}
    for message in values(data, "monitoring"):
        if "timestamp" in message:
            last_full = int((aware(message["timestamp"]) - FIT_EPOCH).total_seconds())
        else:
            last_full += (message["timestamp_16"] - last_full) & 0xFFFF
        kind = message["activity_type"]
        if kind == "sedentary":
            continue
        if kind in previous and message["steps"] > previous[kind][1]:
            minute = FIT_EPOCH + timedelta(seconds=previous[kind][0])
            steps[minute] = steps.get(minute, 0) + message["steps"] - previous[kind][1]
        previous[kind] = (last_full, message["steps"])
    return steps


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[DemoParticipant]]:
    root = tmp_path_factory.mktemp("cohort")
    return root, generate_cohort(root, participants=3, weeks=2)


@pytest.fixture(scope="module")
def week(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Seven participants for one week: enough to reach the traveller and the zip export."""
    root = tmp_path_factory.mktemp("week")
    generate_cohort(root, participants=7, weeks=1)
    return root


def test_same_seed_same_bytes_other_seed_other_bytes(
    small: tuple[Path, list[DemoParticipant]], tmp_path: Path
) -> None:
    root, _ = small
    generate_cohort(tmp_path / "again", participants=3, weeks=2)
    generate_cohort(tmp_path / "other", participants=3, weeks=2, seed=8)
    assert tree_digest(tmp_path / "again") == tree_digest(root)
    assert tree_digest(tmp_path / "other") != tree_digest(root)


def test_cohort_json_lists_the_participants(small: tuple[Path, list[DemoParticipant]]) -> None:
    root, cohort = small
    assert json.loads((root / "cohort.json").read_text(encoding="utf-8")) == [
        {
            "id": "p01",
            "group": "group-a",
            "tz": "Europe/Berlin",
            "program_start": "2026-08-31",
            "profile": "steady",
        },
        {
            "id": "p02",
            "group": "group-b",
            "tz": "Europe/Berlin",
            "program_start": "2026-09-03",
            "profile": "drifting",
        },
        {
            "id": "p03",
            "group": "group-a",
            "tz": "Europe/Berlin",
            "program_start": "2026-09-06",
            "profile": "studio",
        },
    ]
    assert cohort == [
        DemoParticipant("p01", "group-a", "Europe/Berlin", date(2026, 8, 31), "steady"),
        DemoParticipant("p02", "group-b", "Europe/Berlin", date(2026, 9, 3), "drifting"),
        DemoParticipant("p03", "group-a", "Europe/Berlin", date(2026, 9, 6), "studio"),
    ]


def test_participant_folders(small: tuple[Path, list[DemoParticipant]]) -> None:
    root, _ = small
    assert sorted(p.name for p in root.iterdir()) == ["cohort.json", "p01", "p02", "p03"]
    for pid in ("p01", "p02", "p03"):
        assert sorted(p.name for p in (root / pid).iterdir()) == ["activities", "monitoring"]


def test_full_cohort_ids_groups_and_the_zip_export(week: Path) -> None:
    people = json.loads((week / "cohort.json").read_text(encoding="utf-8"))
    assert [p["id"] for p in people] == ["p01", "p02", "p03", "p04", "p05", "p06", "p07"]
    assert {p["group"] for p in people} == {"group-a", "group-b"}
    assert sorted(p.name for p in (week / "p07").iterdir()) == ["garmin-export.zip", "monitoring"]
    with zipfile.ZipFile(week / "p07" / "garmin-export.zip") as archive:
        members = archive.namelist()
    assert members and all(m.startswith(EXPORT_ZIP_FOLDER + "/demo-p07@") for m in members)
    assert EXPORT_ZIP_FOLDER.count("/") == 2
    assert all(s.sport in ("walking", "hiking") for s in sessions(week / "p07"))


def test_a_walk_crosses_local_midnight_for_everyone(
    small: tuple[Path, list[DemoParticipant]],
) -> None:
    root, cohort = small
    for person in cohort:
        late = [s for s in sessions(root / person.id) if s.local_start.date() != s.local_end.date()]
        assert [(s.sport, s.sub_sport, s.local_start.hour) for s in late] == [
            ("walking", "generic", 23)
        ]


def test_some_days_have_no_files_at_all(small: tuple[Path, list[DemoParticipant]]) -> None:
    root, cohort = small
    for person in cohort:
        program = {person.program_start + timedelta(days=i) for i in range(14)}
        monitored = {
            date.fromisoformat(p.stem) for p in (root / person.id / "monitoring").glob("*.fit")
        }
        recorded = {s.local_start.date() for s in sessions(root / person.id)}
        assert recorded <= monitored <= program
        assert program - monitored, f"{person.id} wore the watch every day"


def test_monitoring_files_cover_their_local_day(small: tuple[Path, list[DemoParticipant]]) -> None:
    root, _ = small
    for path in sorted((root / "p01" / "monitoring").glob("*.fit")):
        data = path.read_bytes()
        [info] = values(data, "monitoring_info")
        assert info["local_timestamp"] == datetime.fromisoformat(path.stem)
        assert info["local_timestamp"] - info["timestamp"] == timedelta(hours=2)  # CEST
        offset = timedelta(hours=2)
        local_days = {(minute + offset).date() for minute in minute_steps(data)}
        assert local_days == {date.fromisoformat(path.stem)}


def utc_minutes(session: Session) -> set[datetime]:
    """The UTC minutes a session touches."""
    offset = timedelta(seconds=session.utc_offset_s)
    minute = aware(session.local_start - offset).replace(second=0)
    minutes = set()
    while minute < aware(session.local_end - offset):
        minutes.add(minute)
        minute += timedelta(minutes=1)
    return minutes


def test_walks_and_unrecorded_brisk_walks_show_in_the_steps(
    small: tuple[Path, list[DemoParticipant]],
) -> None:
    root, _ = small
    steps: dict[datetime, int] = {}
    for path in sorted((root / "p01" / "monitoring").glob("*.fit")):
        steps |= minute_steps(path.read_bytes())
    brisk = {minute for minute, count in steps.items() if count >= 90}
    recorded = sessions(root / "p01")
    walked = set().union(*(utc_minutes(s) for s in recorded if s.sport == "walking"))
    assert len(brisk & walked) > 0.9 * len(walked)  # all but the partial minutes
    unrecorded = sorted(brisk - set().union(*(utc_minutes(s) for s in recorded)))
    starts = [b for a, b in itertools.pairwise(unrecorded) if b - a > ONE_MINUTE]
    assert len(unrecorded) >= 8 and len(starts) >= 1  # brisk bouts nobody recorded
    worn_days = len(list((root / "p01" / "monitoring").iterdir()))
    assert 5_000 < sum(steps.values()) / worn_days < 12_000


def test_walk_lengths_and_a_hike(small: tuple[Path, list[DemoParticipant]]) -> None:
    root, _ = small
    everyone = [s for pid in ("p01", "p02", "p03") for s in sessions(root / pid)]
    walks = [s.moving_s / 60 for s in everyone if s.sport == "walking"]
    assert walks and all(15 <= minutes <= 75 for minutes in walks)
    assert [s.name for s in everyone if s.sport == "hiking"] == ["Hike"]


def test_studio_participant_does_strength_pilates_yoga_and_tai_chi(
    small: tuple[Path, list[DemoParticipant]],
) -> None:
    root, _ = small
    classes = {
        (s.sport, s.sub_sport, s.name) for s in sessions(root / "p03") if s.sport != "walking"
    }
    assert classes == {
        ("training", "strength_training", "Strength"),
        ("fitness_equipment", "pilates", "Pilates"),
        ("training", "yoga", "Yoga"),
        ("training", "generic", "Tai Chi"),
    }


def test_traveller_files_carry_the_new_york_offset(week: Path) -> None:
    offsets = {s.utc_offset_s for s in sessions(week / "p04")}
    assert offsets == {7200, -14400}
    monitoring = {}
    for path in sorted((week / "p04" / "monitoring").glob("*.fit")):
        [info] = values(path.read_bytes(), "monitoring_info")
        monitoring[path.stem] = int((info["local_timestamp"] - info["timestamp"]).total_seconds())
    assert -14400 in monitoring.values() and 7200 in monitoring.values()


def test_write_export_one_year(tmp_path: Path) -> None:
    paths = write_export(tmp_path, years=1, record_interval_s=600)
    activities = [p for p in paths if p.parent.name == "activities"]
    monitoring = [p for p in paths if p.parent.name == "monitoring"]
    assert (len(activities), len(monitoring)) == (300, 365)
    assert sorted(paths) == sorted(p for p in tmp_path.rglob("*.fit"))
    first = read_session(activities[0].read_bytes())
    assert (first.sport, first.moving_s, first.local_end - first.local_start) == (
        "walking",
        3600.0,
        timedelta(hours=1),
    )
