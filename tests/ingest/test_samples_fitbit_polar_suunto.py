"""The Fitbit, Polar and Suunto readers on the real-world corpus in ../shared/samples.

Files are read in place, never copied. Every sample of these formats is ingested, skipped
or rejected with a specific reason - never an exception - and each sniffer claims exactly
the files of its own format among all samples of every format.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from types import ModuleType

import pytest

from ingest import fitbit, polar, polar_xml, suunto_json, suunto_sml, suunto_xml
from ingest.records import DailySteps, Device, ParsedFile, RejectedFile, SessionRecord, SkippedFile
from tests.support.paths import SAMPLES

if not SAMPLES.is_dir():
    pytest.skip("real-world corpus ../shared/samples not present", allow_module_level=True)

pytestmark = pytest.mark.samples

READERS: tuple[ModuleType, ...] = (fitbit, polar, polar_xml, suunto_sml, suunto_xml, suunto_json)
FITABASE = SAMPLES / "fitbit" / "fitabase-Leonienutz"
PERSON = "1503960366"
MANY_PEOPLE = (
    "holds data of 33 people (Fitbit Ids 1503960366, 1624580081, 1644430081 and 30 more): "
    "upload one person's own export"
)

# relative path → reader format
CLAIMS: dict[str, str] = {
    "fitbit/fitabase-Leonienutz/dailyActivity_merged.csv": "fitbit",
    "fitbit/fitabase-Leonienutz/dailyIntensities_merged.csv": "fitbit",
    "fitbit/fitabase-Leonienutz/dailySteps_merged.csv": "fitbit",
    "fitbit/fitabase-Leonienutz/hourlySteps_merged.csv": "fitbit",
    "polar/GoldenCheetah/04010301.hrm": "polar_hrm",
    "polar/Runalyze/15031101.spinning.hrm": "polar_hrm",
    "polar/Runalyze/15031201.hrm": "polar_hrm",
    "polar/Runalyze/hrv.hrm": "polar_hrm",
    "polar/Runalyze/Multiple-Polar.xml": "polar_xml",
    "polar/Runalyze/Polar.xml": "polar_xml",
    "suunto/Runalyze/Suunto-Ambit-Indoor-reduced.sml": "suunto_sml",
    "suunto/Runalyze/Suunto-Ambit-reduced.sml": "suunto_sml",
    "suunto/Runalyze/Suunto-Ambit-with-laps-reduced.xml": "suunto_xml",
    "suunto/sports-lib/miltisport-laps.json": "suunto_json",
    "suunto/sports-lib/multisport.json": "suunto_json",
}


def _claims(head: bytes) -> list[str]:
    return [reader.FORMAT for reader in READERS if reader.sniff(head)]


def test_each_sniffer_claims_exactly_its_own_samples() -> None:
    claimed = {}
    for path in sorted(SAMPLES.rglob("*")):
        if not path.is_file():
            continue
        with path.open("rb") as file:
            claims = _claims(file.read(4096))
        assert len(claims) <= 1, f"{path} claimed by {claims}"
        if claims:
            claimed[path.relative_to(SAMPLES).as_posix()] = claims[0]

    assert claimed == CLAIMS


def _read(relative: str) -> ParsedFile:
    wanted = CLAIMS[relative]
    reader = next(reader for reader in READERS if wanted == reader.FORMAT)
    return reader.parse((SAMPLES / relative).read_bytes())


# ------------------------------------------------------------------------------- Fitbit


@pytest.mark.parametrize(
    "relative", [name for name, format_ in CLAIMS.items() if format_ == "fitbit"]
)
def test_fitabase_merged_files_of_many_people_are_rejected(relative: str) -> None:
    with pytest.raises(RejectedFile) as raised:
        _read(relative)

    assert raised.value.reason == MANY_PEOPLE


def one_person(name: str, person: str = PERSON) -> bytes:
    """A corpus file filtered to one person's rows: the real layout, one Id."""
    lines = (FITABASE / name).read_bytes().splitlines(keepends=True)
    return b"".join([lines[0], *(line for line in lines[1:] if line.startswith(person.encode()))])


def test_one_persons_daily_activity() -> None:
    parsed = fitbit.parse(one_person("dailyActivity_merged.csv"))

    assert parsed.kind == "summary"
    assert len(parsed.daily_steps) == 29
    assert parsed.daily_steps[0] == DailySteps(
        date(2016, 4, 12), 13162, Device("fitbit", None, PERSON)
    )
    assert parsed.warnings[0].startswith("intensity minutes, distances and calories are not used")


def test_one_persons_hourly_steps_match_the_daily_total() -> None:
    hourly = fitbit.parse(one_person("hourlySteps_merged.csv"))
    daily = fitbit.parse(one_person("dailySteps_merged.csv"))

    assert (hourly.kind, len(hourly.step_intervals), hourly.warnings) == ("monitoring", 717, ())
    first = hourly.step_intervals[0]
    assert (first.start_utc, first.end_utc, first.steps, first.floating) == (
        datetime(2016, 4, 12, 0, tzinfo=UTC),
        datetime(2016, 4, 12, 1, tzinfo=UTC),
        373,
        True,
    )
    april_12 = sum(
        i.steps for i in hourly.step_intervals if i.start_utc.date() == date(2016, 4, 12)
    )
    assert daily.daily_steps[0] == DailySteps(date(2016, 4, 12), 13162, first.device)
    assert abs(april_12 - 13162) <= 10  # Fitabase's hourly and daily totals differ slightly


def test_one_persons_intensities_are_skipped() -> None:
    with pytest.raises(SkippedFile, match=r"^Fitabase intensity file"):
        fitbit.parse(one_person("dailyIntensities_merged.csv"))


# -------------------------------------------------------------------------------- Polar


def _summary(session: SessionRecord) -> tuple[object, ...]:
    return (
        session.start_utc,
        session.elapsed_s,
        session.moving_s,
        session.sport,
        session.sport_name,
        session.distance_m,
        session.floating,
        session.utc_offset_s,
    )


def wall(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)  # type: ignore[misc]


def test_polar_hrm_samples() -> None:
    s610 = _read("polar/GoldenCheetah/04010301.hrm").sessions
    spinning = _read("polar/Runalyze/15031101.spinning.hrm").sessions
    run = _read("polar/Runalyze/15031201.hrm").sessions
    hrv = _read("polar/Runalyze/hrv.hrm").sessions

    assert s610 == (
        SessionRecord(
            source_format="polar_hrm",
            index=0,
            start_utc=wall(2004, 1, 3, 2, 16, 26),
            elapsed_s=19469.9,
            moving_s=19469.9,
            device=Device("polar", "Polar S610 / S610i", None),
            floating=True,
        ),
    )
    assert spinning == (
        SessionRecord(
            source_format="polar_hrm",
            index=0,
            start_utc=wall(2015, 3, 11, 20, 18, 33),
            elapsed_s=3689.1,
            moving_s=3689.1,
            activity_name="exercise",
            device=Device("polar", "0", None),
            floating=True,
        ),
    )
    # speed samples every 5 s: the first is 0 (standing at the start); 11.7 km in 61 min
    assert _summary(run[0]) == (
        wall(2015, 3, 12, 12, 42, 43),
        3697.4,
        3695.0,
        None,
        None,
        pytest.approx(11694.17, abs=0.01),
        True,
        None,
    )
    assert (hrv[0].elapsed_s, hrv[0].moving_s, hrv[0].device.product) == (
        133.3,
        133.3,
        "Polar CS600X",
    )


def test_polar_xml_samples() -> None:
    single = _read("polar/Runalyze/Polar.xml")
    multiple = _read("polar/Runalyze/Multiple-Polar.xml")

    assert single == ParsedFile(
        format="polar_xml",
        kind="activity",
        sessions=(
            SessionRecord(
                source_format="polar_xml",
                index=0,
                start_utc=wall(2013, 3, 24, 11, 33, 9),
                elapsed_s=2929.0,
                moving_s=2929.0,
                distance_m=6600.0,
                device=Device("polar", None, None),
                floating=True,
            ),
        ),
    )
    assert [_summary(session) for session in multiple.sessions] == [
        (wall(2011, 5, 11, 7, 9, 34), 2372.0, 2372.0, 2, "Cycling", 17100.0, True, None),
        (wall(2011, 5, 11, 17, 31, 19), 2027.0, 2027.0, 2, "Cycling", 16700.0, True, None),
        (wall(2011, 5, 12, 7, 14, 49), 2423.0, 2423.0, 2, "Cycling", 17000.0, True, None),
        (wall(2011, 5, 12, 17, 35, 32), 2106.0, 2106.0, 2, "Cycling", 16500.0, True, None),
        (wall(2011, 5, 13, 7, 12, 15), 2389.0, 2389.0, 2, "Cycling", 17000.0, True, None),
        (wall(2011, 5, 13, 17, 5, 28), 2037.0, 2037.0, 2, "Cycling", 16600.0, True, None),
    ]
    assert multiple.warnings == ()


# ------------------------------------------------------------------------------- Suunto


def test_suunto_sml_samples() -> None:
    outdoor = _read("suunto/Runalyze/Suunto-Ambit-reduced.sml")
    indoor = _read("suunto/Runalyze/Suunto-Ambit-Indoor-reduced.sml")

    # DateTime 10:15:36 local, first sample 08:15:34.865Z at Time 0: UTC+2
    assert outdoor == ParsedFile(
        format="suunto_sml",
        kind="activity",
        sessions=(
            SessionRecord(
                source_format="suunto_sml",
                index=0,
                start_utc=wall(2014, 8, 22, 8, 15, 36),
                elapsed_s=3773.1,
                moving_s=3773.1,
                sport=1,
                sub_sport=0,
                sport_name="Running",
                activity_name="Laufen",
                distance_m=100.0,  # as the reduced file's header says
                device=Device("suunto", "Suunto Ambit2", "64B2095121000A00"),
                utc_offset_s=7200,
            ),
        ),
    )
    # the samples' UTC repeats the local DateTime without "Z": not trusted, floating
    assert indoor.sessions == (
        SessionRecord(
            source_format="suunto_sml",
            index=0,
            start_utc=wall(2014, 10, 15, 15, 15, 9),
            elapsed_s=3964.8,
            moving_s=3964.8,
            sport_name="Treadmill",
            activity_name="Indoor-Crosstra",
            distance_m=6060.0,
            device=Device("suunto", "Suunto Ambit3 Peak", "D60D0B511A001300"),
            floating=True,
        ),
    )


def test_suunto_moveslink_xml_sample() -> None:
    parsed = _read("suunto/Runalyze/Suunto-Ambit-with-laps-reduced.xml")

    assert parsed.sessions == (
        SessionRecord(
            source_format="suunto_xml",
            index=0,
            start_utc=wall(2014, 4, 26, 14, 17, 22),
            elapsed_s=1551.7,
            moving_s=1551.7,
            sport=1,
            sub_sport=0,
            sport_name="Running",
            activity_name="Laufen",
            distance_m=5013.0,
            device=Device("suunto", None, None),
            utc_offset_s=7200,
        ),
    )


def test_suunto_json_samples() -> None:
    multisport = _read("suunto/sports-lib/multisport.json")
    laps = _read("suunto/sports-lib/miltisport-laps.json")

    spartan = Device("suunto", "Amsterdam", "sn")
    assert multisport.sessions == (
        SessionRecord(
            source_format="suunto_json",
            index=0,
            start_utc=datetime(2018, 4, 9, 16, 3, 13, 368000, tzinfo=UTC),
            elapsed_s=10.486,
            moving_s=10.4,
            sport=1,
            sub_sport=3,
            sport_name="Trail running",
            distance_m=0.0,
            device=spartan,
            utc_offset_s=7200,
        ),
        SessionRecord(
            source_format="suunto_json",
            index=1,
            start_utc=datetime(2018, 4, 9, 16, 3, 23, 854000, tzinfo=UTC),
            elapsed_s=7.434,
            moving_s=6.6,
            sport_name="Circuit training",
            distance_m=0.0,
            device=spartan,
            utc_offset_s=7200,
        ),
    )
    assert [(s.sport_name, s.elapsed_s, s.moving_s) for s in laps.sessions] == [
        ("Hiking", 23.487, 23.4),
        ("Running", 17.8, 17.8),
        ("Hiking", 13.395, 12.5),
    ]
    assert (multisport.warnings, laps.warnings) == ((), ())
