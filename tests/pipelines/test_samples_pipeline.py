"""The whole real-world FIT corpus through the pipeline (skipped without ../shared/samples)."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipelines.app import refresh as refreshing
from pipelines.app import uploads
from pipelines.schemas import DAILY, FILES, SESSIONS
from pipelines.store.storage import Store
from tests.support.paths import SAMPLES

pytestmark = pytest.mark.samples
if not (SAMPLES / "fit").is_dir():
    pytest.skip("real-world corpus ../shared/samples not present", allow_module_level=True)


@pytest.fixture(scope="module")
def corpus_store(tmp_path_factory: pytest.TempPathFactory) -> Store:
    store = Store(tmp_path_factory.mktemp("corpus") / "data")
    files = sorted((SAMPLES / "fit").rglob("*.fit"))
    stored = uploads.store_uploads(store, "corpus", files)
    uploads.record(store, "corpus", uploads.parse_stored(stored))
    refreshing.refresh_participant(store, "corpus")
    return store


def test_every_corpus_file_has_a_status_and_a_specific_reason(corpus_store: Store) -> None:
    manifest = corpus_store.read(FILES)
    names = {p.name for p in (SAMPLES / "fit").rglob("*.fit")}
    assert set(manifest["original_name"]) == names
    assert set(manifest["status"]) <= {"ok", "duplicate", "skipped", "rejected"}
    not_ok = manifest[manifest["status"] != "ok"]
    assert not_ok["reason"].notna().all() and (not_ok["reason"].str.len() > 10).all()
    assert (manifest["status"] == "ok").sum() >= 40


@pytest.mark.parametrize(
    ("file", "moving_s"),
    [("garmin-fenix-5-walk.fit", 45.379), ("HrmPluginTestActivity.fit", 309.0)],
)
def test_sample_walks_are_walking_sessions_with_their_minutes(
    corpus_store: Store, file: str, moving_s: float
) -> None:
    manifest = corpus_store.read(FILES)
    sha = manifest.loc[manifest["original_name"] == file, "sha256"].item()
    sessions = corpus_store.read(SESSIONS)
    walk = sessions[sessions["file_sha256"] == sha]
    assert list(walk["category"]) == ["walking"]
    assert walk["moving_s"].item() == pytest.approx(moving_s, abs=0.01)
    day = corpus_store.read(DAILY).set_index("date").loc[walk["local_date"].item()]
    assert day["walking_minutes"] >= moving_s / 60 - 1e-6
    assert day["sessions_walking"] >= 1


def test_broken_files_are_rejected_not_lost(corpus_store: Store) -> None:
    manifest = corpus_store.read(FILES).set_index("original_name")
    for name in (
        "activity-unexpected-eof.fit",
        "strava-android-app-201.10-b1218918.fit",
        "antfs-dump.63.fit",
        "activity-settings-corruptheader.fit",
    ):
        assert manifest.loc[name, "status"] == "rejected", name
    assert manifest.loc["Settings2.fit", "status"] == "skipped"
    kept = {p.name.split(".")[0] for p in corpus_store.raw_files("corpus")}
    assert set(manifest["upload_sha256"]) <= kept


INDEX_FILES = {"MANIFEST.csv", "fit_inventory.csv"}


@pytest.fixture(scope="module")
def everything(tmp_path_factory: pytest.TempPathFactory) -> tuple[Store, list[Path]]:
    store = Store(tmp_path_factory.mktemp("all") / "data")
    files = sorted(p for p in SAMPLES.rglob("*") if p.is_file() and p.name not in INDEX_FILES)
    stored = uploads.store_uploads(store, "all", files)
    uploads.record(store, "all", uploads.parse_stored(stored))
    refreshing.refresh_participant(store, "all")
    return store, files


def test_every_sample_of_every_format_has_a_status_and_a_reason(
    everything: tuple[Store, list[Path]],
) -> None:
    store, files = everything
    manifest = store.read(FILES)
    recorded = set(manifest["upload_sha256"])
    assert len(recorded) == len({uploads.upload_sha256(f) for f in files})
    assert set(manifest["status"]) <= {"ok", "duplicate", "skipped", "rejected"}
    not_ok = manifest[manifest["status"] != "ok"]
    assert (not_ok["reason"].str.len() > 10).all()
    ok_formats = set(manifest.loc[manifest["status"] == "ok", "format"])
    assert ok_formats >= {
        "fit",
        "gpx",
        "tcx",
        "apple_health",
        "strava_csv",
        "google_fit",
        "polar_hrm",
        "polar_xml",
        "suunto_sml",
        "suunto_json",
        "garmin_connect_csv",
    }
    assert not manifest["reason"].fillna("").str.contains("please report this file").any()


def test_strava_activities_csv_sessions_per_category(everything: tuple[Store, list[Path]]) -> None:
    store, _ = everything
    sessions = store.read(SESSIONS)
    strava = sessions[sessions["source_format"] == "strava_csv"]
    assert len(strava) == 143
    assert strava.groupby("sport_name").size().to_dict() == {
        "Hike": 2,
        "Ride": 11,
        "Run": 127,
        "Swim": 2,
        "Workout": 1,
    }
    by_category = strava.groupby("category").size().to_dict()
    assert by_category == {"walking": 2, "other": 141}
