"""Place names out of session names (ingest/places.py, docs/privacy.md)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from ingest.places import without_place, without_places
from ingest.read import read_upload
from ingest.records import ParsedFile, SessionRecord
from tests.support.paths import SAMPLES

RUNNING, CYCLING, WALKING, TRAINING = 1, 2, 11, 10


@pytest.mark.parametrize(
    ("name", "sport", "kept"),
    [
        ("Kaiserslautern Laufen", RUNNING, "Laufen"),  # Garmin Connect, German
        ("Berlin Walking", WALKING, "Walking"),
        ("Bad Dürkheim Gehen", WALKING, "Gehen"),
        ("Munich Road Cycling", CYCLING, "Road Cycling"),
        ("Stuttgart Trail Running", RUNNING, "Trail Running"),
        ("Wien Yoga", TRAINING, "Yoga"),
        ("Morning Walk", WALKING, "Morning Walk"),  # Strava: a time of day locates nothing
        ("Abend Laufen", RUNNING, "Abend Laufen"),
        ("Nordic Walking", WALKING, "Nordic Walking"),  # the whole name is a type
        ("Berlin Walking", RUNNING, "Berlin Walking"),  # the name is not its own sport
        ("Tai Chi am Morgen", None, "Tai Chi am Morgen"),
        ("Kaiserslautern Laufen", None, "Kaiserslautern Laufen"),  # sport unknown: unchecked
        ("Lauf", RUNNING, "Lauf"),
        ("Ylläslenkki", RUNNING, "Ylläslenkki"),  # typed by the person: kept (documented)
        (None, RUNNING, None),
    ],
)
def test_without_place(name: str | None, sport: int | None, kept: str | None) -> None:
    assert without_place(name, sport) == kept


def _session(name: str | None, sport: int | None) -> SessionRecord:
    return SessionRecord(
        source_format="gpx",
        index=0,
        start_utc=datetime(2024, 5, 1, 7, tzinfo=UTC),
        elapsed_s=600.0,
        moving_s=600.0,
        sport=sport,
        activity_name=name,
    )


def test_without_places_changes_only_names_with_a_place() -> None:
    untouched = ParsedFile("gpx", "activity", sessions=(_session("Morning Walk", WALKING),))
    assert without_places(untouched) is untouched
    parsed = ParsedFile(
        "gpx",
        "activity",
        sessions=(_session("Zürich Walking", WALKING), _session("Yoga", TRAINING)),
        warnings=("w",),
    )
    assert without_places(parsed) == ParsedFile(
        "gpx",
        "activity",
        sessions=(_session("Walking", WALKING), _session("Yoga", TRAINING)),
        warnings=("w",),
    )


GPX = b"""<?xml version="1.0"?>
<gpx version="1.1" creator="Garmin Connect" xmlns="http://www.topografix.com/GPX/1/1">
  <trk><name>Kaiserslautern Laufen</name><type>running</type><trkseg>
    <trkpt lat="49.44301" lon="7.76884"><time>2024-05-01T07:00:00Z</time></trkpt>
    <trkpt lat="49.44401" lon="7.76984"><time>2024-05-01T07:00:40Z</time></trkpt>
    <trkpt lat="49.48401" lon="7.76984"><time>2024-05-01T07:00:41Z</time></trkpt>
    <trkpt lat="49.44501" lon="7.77084"><time>2024-05-01T07:01:20Z</time></trkpt>
  </trkseg></trk>
</gpx>"""


def test_every_reader_result_loses_the_place_also_in_warnings() -> None:
    (result,) = read_upload("run.gpx", GPX)
    assert result.parsed is not None
    assert [s.activity_name for s in result.parsed.sessions] == ["Laufen"]
    assert result.parsed.warnings  # the glitch is reported ...
    assert not [w for w in result.parsed.warnings if "Kaiserslautern" in w]  # ... placeless


@pytest.mark.skipif(not SAMPLES.is_dir(), reason=f"sample corpus not present at {SAMPLES}")
def test_garmin_connect_gpx_sample_loses_its_town() -> None:
    path = SAMPLES / "gpx" / "Runalyze" / "garmin-ns3-extension.gpx"
    (result,) = read_upload(path.name, path.read_bytes())
    assert result.parsed is not None
    assert [s.activity_name for s in result.parsed.sessions] == ["Laufen"]
