"""The demo pain diaries: deterministic, in the diary template, and showing the pain rules."""

from __future__ import annotations

import csv
import hashlib
from datetime import date, datetime, timedelta
from pathlib import Path

import pandas as pd
import pytest

from demo.cohort import PROFILES, DemoParticipant
from demo.diaries import (
    GERMAN_PARTICIPANTS,
    NRS_PARTICIPANT,
    PAINKILLER_RUN_PARTICIPANT,
    write_diaries,
)
from ingest.diary import parse_diary
from pipelines.rules import pain

START = date(2026, 8, 31)
WEEKS = 12
ENGLISH = "date,time,pain,flare_up,painkiller,exercise_pain,note"
GERMAN = "Datum;Uhrzeit;Schmerz;Schub;Schmerzmittel;Notiz"


def cohort(count: int = 12) -> list[DemoParticipant]:
    """Participants as ``generate_cohort`` lists them (without writing any FIT file)."""
    return [
        DemoParticipant(
            id=f"p{i + 1:02d}",
            group="group-a" if i % 2 == 0 else "group-b",
            tz="Europe/Berlin",
            program_start=START + timedelta(days=i * 3 % 7),
            profile=PROFILES[i % len(PROFILES)],
        )
        for i in range(count)
    ]


def digest(paths: dict[str, Path]) -> dict[str, str]:
    return {pid: hashlib.sha256(path.read_bytes()).hexdigest() for pid, path in paths.items()}


def rows(path: Path) -> tuple[list[str], list[list[str]]]:
    text = path.read_text(encoding="utf-8")
    delimiter = ";" if text.startswith("Datum;") else ","
    header, *body = list(csv.reader(text.splitlines(), delimiter=delimiter))
    return header, body


def entry_date(text: str) -> date:
    return datetime.strptime(text, "%d.%m.%Y").date() if "." in text else date.fromisoformat(text)


def per_day(path: Path, participant: DemoParticipant, weeks: int = WEEKS) -> pd.DataFrame:
    """The per-day frame the pain rules take, read straight from the CSV."""
    header, body = rows(path)
    scale = 10.0 if header[2].endswith("_0_10") else 1.0
    yes = {"yes": True, "ja": True, "no": False, "nein": False, "": None}
    entries = pd.DataFrame(
        {
            "date": [entry_date(r[0]) for r in body],
            "pain": [float(r[2].replace(",", ".")) * scale for r in body],
            "flare_up": pd.array([yes[r[3]] for r in body], dtype="boolean"),
            "painkiller": [r[4] not in ("no", "nein") for r in body],
        }
    )
    grouped = entries.groupby("date")
    days = pd.DataFrame(
        {
            "pain": grouped["pain"].mean(),
            "flare_up": grouped["flare_up"].any(),
            "painkiller": grouped["painkiller"].any(),
        }
    )
    calendar = [participant.program_start + timedelta(days=i) for i in range(weeks * 7)]
    days = days.reindex(calendar).rename_axis("date").reset_index()
    days["flare_up"] = days["flare_up"].astype("boolean")
    days["painkiller"] = days["painkiller"].astype("boolean")
    days["walking_minutes"] = 0.0
    days["has_data"] = False
    return days


@pytest.fixture(scope="module")
def diaries(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return write_diaries(tmp_path_factory.mktemp("cohort"), cohort())


@pytest.fixture(scope="module")
def by_id() -> dict[str, DemoParticipant]:
    return {p.id: p for p in cohort()}


def test_same_seed_same_bytes_and_each_person_their_own_stream(tmp_path: Path) -> None:
    first = digest(write_diaries(tmp_path / "a", cohort()))
    again = digest(write_diaries(tmp_path / "b", cohort()))
    other_seed = digest(write_diaries(tmp_path / "c", cohort(), seed=6))
    small = digest(write_diaries(tmp_path / "d", cohort(2)))
    assert first == again
    assert all(first[pid] != other_seed[pid] for pid in first)
    assert small == {pid: first[pid] for pid in ("p01", "p02")}


def test_one_diary_per_participant(diaries: dict[str, Path]) -> None:
    assert sorted(diaries) == [f"p{i:02d}" for i in range(1, 13)]
    assert all(path == path.parent.parent / pid / "diary.csv" for pid, path in diaries.items())


def test_headers_per_language_and_scale(diaries: dict[str, Path]) -> None:
    headers = {
        pid: path.read_text(encoding="utf-8").split("\n")[0] for pid, path in diaries.items()
    }
    expected = {pid: ENGLISH for pid in diaries} | {pid: GERMAN for pid in GERMAN_PARTICIPANTS}
    expected[NRS_PARTICIPANT] = "Datum;Uhrzeit;Schmerz_0_10;Schub;Schmerzmittel;Notiz"
    assert headers == expected
    assert all(path.read_bytes().endswith(b"\n") for path in diaries.values())
    assert not any(b"\r" in path.read_bytes() for path in diaries.values())


def test_values_are_written_as_people_write_them(
    diaries: dict[str, Path], by_id: dict[str, DemoParticipant]
) -> None:
    second_entries = skipped = 0
    for pid, path in diaries.items():
        header, body = rows(path)
        german = pid in GERMAN_PARTICIPANTS
        answers = {"ja", "nein", ""} if german else {"yes", "no", ""}
        assert all(len(r) == len(header) for r in body), pid
        assert all(r[3] in answers for r in body), pid
        assert all(r[4] in ("nein" if german else "no") or r[4][0].isupper() for r in body), pid
        assert all(r[1] == "" or (len(r[1]) == 5 and r[1][2] == ":") for r in body), pid
        if not german:
            assert all(r[5] in answers for r in body), pid
        assert not any("." in r[2] for r in body) if german else not any("," in r[2] for r in body)
        pains = [float(r[2].replace(",", ".")) for r in body]
        assert max(pains) <= (10 if pid == NRS_PARTICIPANT else 100) and min(pains) >= 0, pid
        dates = [entry_date(r[0]) for r in body]
        first = by_id[pid].program_start
        assert dates == sorted(dates)
        assert first <= dates[0] and dates[-1] <= first + timedelta(days=WEEKS * 7 - 1)
        written = len(set(dates))
        assert written >= 0.6 * WEEKS * 7, pid  # most days ...
        skipped += WEEKS * 7 - written
        second_entries += len(body) - written
    assert skipped >= 12 * 5  # ... but not all
    assert second_entries >= 12  # about one day in twelve has a morning entry too
    nrs = [r[2] for r in rows(diaries[NRS_PARTICIPANT])[1]]
    assert any("," in v for v in nrs)  # "4,5": half steps with a decimal comma


def test_diaries_parse_without_errors_or_warnings(diaries: dict[str, Path]) -> None:
    for path in diaries.values():
        parsed = parse_diary(path.name, path.read_bytes(), today=date(2027, 1, 1))
        assert (parsed.errors, parsed.warnings) == ((), ())
        assert len(parsed.entries) == len(rows(path)[1])
        assert all(e.pain is not None and 0 <= e.pain <= 100 for e in parsed.entries)


def longest_run(flags: pd.Series) -> int:
    longest = run = 0
    for value in flags.fillna(False).astype(bool):
        run = run + 1 if value else 0
        longest = max(longest, run)
    return longest


def test_one_participant_takes_painkillers_for_more_than_two_weeks(
    diaries: dict[str, Path], by_id: dict[str, DemoParticipant]
) -> None:
    runs = {
        pid: longest_run(per_day(path, by_id[pid])["painkiller"]) for pid, path in diaries.items()
    }
    assert runs[PAINKILLER_RUN_PARTICIPANT] > 14
    assert {pid for pid, run in runs.items() if run > 14} == {PAINKILLER_RUN_PARTICIPANT}
    days = per_day(diaries[PAINKILLER_RUN_PARTICIPANT], by_id[PAINKILLER_RUN_PARTICIPANT])
    rule_runs = [pain.painkiller_run(days, as_of) for as_of in days["date"]]
    assert max(rule_runs) == runs[PAINKILLER_RUN_PARTICIPANT]  # the rule sees the same run
    assert pain.painkiller_warning(max(rule_runs))


def test_walkers_improve_and_drifters_do_not(
    diaries: dict[str, Path], by_id: dict[str, DemoParticipant]
) -> None:
    for pid, path in diaries.items():
        participant = by_id[pid]
        days = per_day(path, participant)
        end = participant.program_start + timedelta(days=WEEKS * 7 - 1)
        base = pain.baseline(days, participant.program_start)
        assert base is not None and 30 <= base <= 85, pid
        last_weeks = days["pain"].iloc[-14:].mean()
        if participant.profile in ("steady", "studio"):
            assert last_weeks <= base - 10, pid  # 15–25 points, less what noise takes
        if participant.profile == "drifting":
            assert last_weeks >= base - 6, pid  # flat or worse, give or take the noise
        summary = pain.summarize(days, participant.program_start, end)
        assert summary.flare_ups_per_3_months_baseline is not None, pid


def test_flare_ups_are_detected_and_some_flagged(
    diaries: dict[str, Path], by_id: dict[str, DemoParticipant]
) -> None:
    flagged_somewhere = False
    for pid, path in diaries.items():
        days = per_day(path, by_id[pid])
        base = pain.baseline(days, by_id[pid].program_start)
        detected = pain.flare_days(days.assign(flare_up=None), base)
        assert detected.sum() >= 2, pid  # at least one episode by the numbers
        flagged_somewhere |= bool(days["flare_up"].fillna(False).any())
    assert flagged_somewhere


def test_weeks_sets_the_range(tmp_path: Path) -> None:
    [person] = cohort(1)
    path = write_diaries(tmp_path, [person], weeks=2)["p01"]
    dates = {entry_date(r[0]) for r in rows(path)[1]}
    assert min(dates) >= person.program_start
    assert max(dates) <= person.program_start + timedelta(days=13)
