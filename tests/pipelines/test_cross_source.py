"""The same walk from every source counts once; hostile files are rejected, the rest goes in."""

from __future__ import annotations

import gzip
import io
import zipfile
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from demo import fitwriter, twins
from pipelines.app import refresh as refreshing
from pipelines.app import uploads
from pipelines.schemas import DAILY, FILES, SESSIONS
from pipelines.store.storage import Store

WALK = twins.Walk(datetime(2024, 5, 2, 6, 0, tzinfo=UTC))


def ingest(store: Store, paths: list[Path]) -> list[uploads.Outcome]:
    stored = uploads.store_uploads(store, "p1", paths)
    outcomes = uploads.record(store, "p1", uploads.parse_stored(stored, workers=1))
    refreshing.refresh_participant(store, "p1")
    return outcomes


def write(folder: Path, files: dict[str, bytes]) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    for name, data in files.items():
        (folder / name).write_bytes(data)
    return [folder / name for name in files]


EVERY_FORMAT = {
    "walk.fit": twins.fit(WALK),
    "walk.gpx": twins.gpx(WALK, with_type=True),
    "walk.tcx": twins.tcx(WALK),
    "export.zip": twins.apple_export_zip(WALK),
}


@pytest.mark.parametrize("order", [list(EVERY_FORMAT), list(reversed(EVERY_FORMAT))])
def test_the_same_walk_in_every_format_is_one_session_with_the_fit_minutes(
    tmp_path: Path, order: list[str]
) -> None:
    store = Store(tmp_path / "data")
    for name in order:  # one upload at a time, in either order
        outcomes = ingest(store, write(tmp_path / "in", {name: EVERY_FORMAT[name]}))
        assert all(o.status == "ok" for o in outcomes), outcomes
    sessions = store.read(SESSIONS)
    assert set(sessions["source_format"]) >= {"fit", "gpx", "tcx", "apple_health"}
    counted = sessions[sessions["duplicate_of"].isna()]
    assert list(counted["source_format"]) == ["fit"]
    assert list(counted["category"]) == ["walking"]
    day = store.read(DAILY).set_index("date").loc[date(2024, 5, 2)]
    assert day["walking_minutes"] == pytest.approx(WALK.moving_s / 60)
    assert day["sessions_walking"] == 1
    assert set(day["sources"].split(",")) >= {"fit", "apple_health"}


def _zip(members: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(zipfile.ZipInfo(name), data)
    return buf.getvalue()


BOMB_XML = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<gpx version="1.1" xmlns="http://www.topografix.com/GPX/1/1"><trk><name>&lol3;</name>
</trk></gpx>"""
XXE_TCX = b"""<?xml version="1.0"?>
<!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<TrainingCenterDatabase xmlns="http://www.garmin.com/xmlschemas/TrainingCenterDatabase/v2">
<Activities><Activity Sport="Running"><Id>&xxe;</Id></Activity></Activities>
</TrainingCenterDatabase>"""


def test_hostile_files_are_rejected_each_with_a_reason_and_good_files_go_through(
    tmp_path: Path,
) -> None:
    walk = fitwriter.activity_file(
        start_utc=datetime(2024, 5, 3, 6, tzinfo=UTC),
        elapsed_s=1800,
        sport=11,
        utc_offset_s=7200,
        record_interval_s=None,
    )
    upload = _zip(
        {
            "good/walk.fit": walk,
            "bomb.gpx": BOMB_XML,
            "xxe.tcx": XXE_TCX,
            "../../../../tmp/evil.fit": walk[:-1] + b"\x00",
            "zipbomb.zip": _zip({"zeros.fit": b"\x00" * 50_000_000}),
            "zeros.fit.gz": gzip.compress(b"\x00" * 50_000_000, mtime=0),
        }
    )
    store = Store(tmp_path / "data")
    outcomes = ingest(store, write(tmp_path / "in", {"mixed.zip": upload, "solo.gpx": BOMB_XML}))
    by_name = {o.name.rsplit("/", 1)[-1]: o for o in outcomes}
    assert by_name["walk.fit"].status == "ok"
    for name in ("bomb.gpx", "solo.gpx", "xxe.tcx", "zeros.fit", "zeros.fit.gz", "evil.fit"):
        hits = [o for key, o in by_name.items() if key.startswith(name.split(".")[0])]
        assert hits and all(o.status == "rejected" and o.reason for o in hits), (name, hits)
    reasons = " | ".join(o.reason or "" for o in outcomes)
    assert "entit" in reasons.lower() and "ratio" in reasons.lower()
    assert not Path("/tmp/evil.fit").exists()
    assert store.read(DAILY).set_index("date").loc[date(2024, 5, 3), "walking_minutes"] == 30.0
    assert len(store.read(FILES)) == len(outcomes)
