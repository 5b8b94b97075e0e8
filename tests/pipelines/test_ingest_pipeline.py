"""End to end without Prefect: FIT files → raw store → tables → report (pipelines.app.uploads)."""

from __future__ import annotations

import gzip
import io
import zipfile
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pandas as pd
import pytest

from demo import fitwriter
from pipelines.app import participants as settings
from pipelines.app import refresh as refreshing
from pipelines.app import uploads
from pipelines.rules import report as report_mod
from pipelines.schemas import BLOCKS, DAILY, FILES, SESSIONS, STEP_MINUTES, TABLES
from pipelines.store.storage import Store


def ingest(store: Store, participant: str, paths: list[Path]) -> list[uploads.Outcome]:
    stored = uploads.store_uploads(store, participant, paths)
    outcomes = uploads.record(store, participant, uploads.parse_stored(stored, workers=1))
    refreshing.refresh_participant(store, participant)
    return outcomes


def snapshot(store: Store) -> dict[str, pd.DataFrame]:
    return {name: store.read(schema) for name, schema in TABLES.items()}


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


@pytest.fixture
def export(tmp_path: Path) -> Path:
    """A small export: walks, Pilates, a monitoring day, a settings file, a broken file."""
    folder = tmp_path / "export"
    folder.mkdir()
    walk = fitwriter.activity_file(
        start_utc=at("2024-05-02T06:00:00"),
        elapsed_s=35 * 60,
        sport=11,
        utc_offset_s=7200,
        steps=3900,
        record_interval_s=10,
    )
    (folder / "walk.fit").write_bytes(walk)
    (folder / "pilates.fit").write_bytes(
        fitwriter.activity_file(
            start_utc=at("2024-05-03T16:00:00"),
            elapsed_s=50 * 60,
            sport=4,
            sub_sport=44,
            utc_offset_s=7200,
            record_interval_s=None,
        )
    )
    minutes = [(at("2024-05-04T07:00:00") + timedelta(minutes=i), 110) for i in range(25)]
    (folder / "monitor.fit").write_bytes(
        fitwriter.monitoring_file(step_minutes=minutes, utc_offset_s=7200)
    )
    (folder / "settings.fit").write_bytes(fitwriter.settings_file())
    (folder / "broken.fit").write_bytes(fitwriter.truncated(walk, 300))
    (folder / "notes.txt").write_bytes(b"not a tracker file")
    return folder


def test_export_is_ingested_and_every_file_accounted_for(tmp_path: Path, export: Path) -> None:
    store = Store(tmp_path / "data")
    outcomes = ingest(store, "p1", uploads.collect_paths([export]))
    status = {o.name: o.status for o in outcomes}
    assert status == {
        "broken.fit": "rejected",
        "monitor.fit": "ok",
        "notes.txt": "rejected",
        "pilates.fit": "ok",
        "settings.fit": "skipped",
        "walk.fit": "ok",
    }
    assert all(o.reason for o in outcomes if o.status != "ok")
    reasons = {o.name: o.reason for o in outcomes}
    assert "settings" in (reasons["settings.fit"] or "").lower()
    assert reasons["broken.fit"]

    manifest = store.read(FILES)
    assert sorted(manifest["status"]) == ["ok", "ok", "ok", "rejected", "rejected", "skipped"]
    raw = store.raw_files("p1")
    assert len(raw) == 6 and all(p.name.split(".")[0] in set(manifest["sha256"]) for p in raw)

    sessions = store.read(SESSIONS)
    assert sorted(sessions["category"]) == ["pilates", "walking"]
    days = store.read(DAILY).set_index("date")
    assert days.loc[date(2024, 5, 2), "walking_minutes"] == 35.0
    assert bool(days.loc[date(2024, 5, 2), "met"])
    assert days.loc[date(2024, 5, 3), "sessions_pilates"] == 1
    assert days.loc[date(2024, 5, 4), "walking_minutes"] == 25.0
    assert days.loc[date(2024, 5, 4), "steps"] == 25 * 110
    assert list(store.read(BLOCKS)["status"]) == ["met", "missed"]


def test_ingesting_again_changes_nothing(tmp_path: Path, export: Path) -> None:
    store = Store(tmp_path / "data")
    files = uploads.collect_paths([export])
    ingest(store, "p1", files)
    before = snapshot(store)
    again = ingest(store, "p1", files)
    assert {o.status for o in again} == {"already"}
    after = snapshot(store)
    for name in TABLES:
        pd.testing.assert_frame_equal(before[name], after[name], obj=name)


def test_same_content_inside_an_archive_is_a_duplicate(tmp_path: Path, export: Path) -> None:
    store = Store(tmp_path / "data")
    ingest(store, "p1", [export / "walk.fit"])
    before = store.read(DAILY)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr(
            "Garmin/Activities/renamed.fit.gz", gzip.compress((export / "walk.fit").read_bytes())
        )
    (tmp_path / "bulk.zip").write_bytes(buf.getvalue())
    outcomes = ingest(store, "p1", [tmp_path / "bulk.zip"])
    assert [(o.status, o.sessions) for o in outcomes] == [("duplicate", 0)]
    assert "walk.fit" in (outcomes[0].reason or "")
    pd.testing.assert_frame_equal(before, store.read(DAILY))
    assert len(store.read(SESSIONS)) == 1


def test_the_same_walk_from_two_devices_counts_once(tmp_path: Path) -> None:
    store = Store(tmp_path / "data")
    paths = []
    for serial, shift in ((1, 0), (2, 40)):
        path = tmp_path / f"walk-{serial}.fit"
        path.write_bytes(
            fitwriter.activity_file(
                start_utc=at("2024-05-02T06:00:00") + timedelta(seconds=shift),
                elapsed_s=1800,
                sport=11,
                serial=serial,
                utc_offset_s=7200,
                record_interval_s=None,
            )
        )
        paths.append(path)
    ingest(store, "p1", paths)
    day = store.read(DAILY).iloc[0]
    assert (day["sessions_walking"], round(day["walking_minutes"], 2)) == (1, 30.0)
    assert store.read(SESSIONS)["duplicate_of"].notna().sum() == 1


def test_report_contract(tmp_path: Path, export: Path) -> None:
    store = Store(tmp_path / "data")
    ingest(store, "p1", uploads.collect_paths([export]))
    p = settings.load_participant(store, "p1")
    result = report_mod.build(p, store.read(DAILY, ["p1"]))
    assert set(result) >= {"participant", "target", "adherence", "days", "weeks"}
    assert result["target"] == {
        "min_minutes": 30,
        "max_minutes": 60,
        "every_n_days": 2,
        "min_bout_minutes": 10,
        "program_start": None,
        "training_sessions_per_week": 2,
        "min_training_minutes": 15,
    }
    # 05-02 … 05-04 is part of program week 1 (05-02 … 05-08): no complete week yet
    assert result["adherence"] == {
        "ratio": None,
        "dose_ratio": None,
        "weeks_met": 0,
        "weeks_total": 0,
        "weeks_no_data": 0,
        "weekly_target_days": 3,
        "weekly_target_minutes": 90,
        "block_ratio": 1.0,
        "blocks_met": 1,
        "blocks_total": 1,
        "blocks_no_data": 0,
        "current_streak_blocks": 1,
        "longest_gap_days": 2,
    }
    assert result["training"] == {
        "target_sessions_per_week": 2,
        "min_session_minutes": 15,
        "ratio": None,
        "weeks_met": 0,
        "weeks_total": 0,
    }
    assert [d["date"] for d in result["days"]] == ["2024-05-02", "2024-05-03", "2024-05-04"]
    assert result["days"][0] == {
        "date": "2024-05-02",
        "walking_minutes": 35.0,
        "brisk_walking_minutes": 35.0,
        "met": True,
        "has_data": True,
        "status": "met",
        "wear_minutes": 35.0,  # the 35-minute walk is all that says the watch was worn
        "wear_basis": "session",
        "approximate": False,
        "steps": 0,
        "sessions": {
            "walking": 1,
            "strength": 0,
            "pilates": 0,
            "yoga": 0,
            "tai_chi": 0,
            "other": 0,
        },
        "sources": ["fit"],
    }
    assert result["weeks"] == [
        {
            "week": 1,
            "start": "2024-05-02",
            "end": "2024-05-08",
            "complete": False,
            "has_data": True,
            "walking_days": 2,
            "met_days": 1,
            "walking_minutes": 60.0,
            "walking_minutes_credited": 60.0,  # 35 + 25, neither above 60
            "training_sessions": 1,  # the 50-minute Pilates class (≥ 15 min)
            "training_minutes": 50.0,
            "sessions": {
                "walking": 1,
                "strength": 0,
                "pilates": 1,
                "yoga": 0,
                "tai_chi": 0,
                "other": 0,
            },
        }
    ]


def test_participant_zone_change_moves_days(tmp_path: Path) -> None:
    store = Store(tmp_path / "data")
    path = tmp_path / "late.fit"
    path.write_bytes(
        fitwriter.activity_file(
            start_utc=at("2024-05-02T23:30:00"),
            elapsed_s=3600,
            sport=11,
            utc_offset_s=None,
            record_interval_s=None,
        )
    )
    settings.configure(store, "p1", tz="UTC")
    ingest(store, "p1", [path])
    assert list(store.read(DAILY)["date"]) == [date(2024, 5, 2), date(2024, 5, 3)]
    settings.configure(store, "p1", tz="Europe/Berlin")
    refreshing.refresh_participant(store, "p1")
    assert list(store.read(DAILY)["date"]) == [date(2024, 5, 3)]
    assert store.read(STEP_MINUTES).empty


def test_parallel_parsing_of_an_archive_equals_serial(
    tmp_path: Path, export: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for path in sorted(export.iterdir()):
            zf.writestr(f"export/{path.name}", path.read_bytes())
    (tmp_path / "export.zip").write_bytes(buf.getvalue())
    store = Store(tmp_path / "data")
    stored = uploads.store_uploads(store, "p1", [tmp_path / "export.zip", export / "walk.fit"])

    def view(uploads: list[uploads.Upload]) -> list[tuple[object, ...]]:
        return [
            (u.name, m.path, m.sha256, m.parsed, m.error and (m.error.status, m.error.reason))
            for u in uploads
            for m in u.members
        ]

    serial = uploads.parse_stored(stored, workers=1)
    monkeypatch.setattr(uploads, "PARALLEL_MIN_BYTES", 0)
    parallel = uploads.parse_stored(stored, workers=2)
    assert view(parallel) == view(serial)
    assert [len(u.members) for u in serial] == [6, 1]


def test_inferred_walk_can_be_corrected_by_the_participant(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from pipelines.cli.main import app

    store = Store(tmp_path / "data")
    path = tmp_path / "untyped.fit"
    path.write_bytes(
        fitwriter.activity_file(
            start_utc=at("2024-05-02T06:00:00"),
            elapsed_s=1800,
            sport=0,
            distance_m=2500,  # 5 km/h
            utc_offset_s=7200,
            record_interval_s=None,
        )
    )
    ingest(store, "p1", [path])
    session = store.read(SESSIONS).iloc[0]
    assert (session["category"], session["category_source"]) == ("walking", "inferred")
    assert store.read(DAILY).iloc[0]["walking_minutes"] == 30.0

    runner = CliRunner()
    args = ["--data-dir", str(tmp_path / "data"), "-p", "p1"]
    listed = runner.invoke(app, ["session", "list", *args])
    assert listed.exit_code == 0 and session["session_id"] in listed.output
    assert "inferred" in listed.output
    fixed = runner.invoke(app, ["session", "set-category", session["session_id"], "other", *args])
    assert fixed.exit_code == 0, fixed.output
    session = store.read(SESSIONS).iloc[0]
    assert (session["category"], session["category_source"]) == ("other", "user")
    assert store.read(DAILY).iloc[0]["walking_minutes"] == 0.0
    undo = runner.invoke(app, ["session", "set-category", session["session_id"], "auto", *args])
    assert undo.exit_code == 0
    assert store.read(SESSIONS).iloc[0]["category_source"] == "inferred"
    bad = runner.invoke(app, ["session", "set-category", "nope:0", "walking", *args])
    assert bad.exit_code == 2 and "no session" in bad.output


def test_parallel_parsing_ignores_a_foreign_main_script(
    tmp_path: Path, export: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A host that ran another script as ``__main__`` (a Streamlit page under AppTest, a
    notebook) must not have that script re-run in the spawned parser processes."""
    import sys
    import types

    script = tmp_path / "host.py"
    script.write_text("raise SystemExit('the host script must not run in a parser')\n")
    host = types.ModuleType("__main__")
    host.__file__ = str(script)
    monkeypatch.setitem(sys.modules, "__main__", host)
    monkeypatch.setattr(uploads, "PARALLEL_MIN_BYTES", 0)
    store = Store(tmp_path / "data")
    stored = uploads.store_uploads(store, "p1", [export / "walk.fit", export / "pilates.fit"])
    parsed = uploads.parse_stored(stored, workers=2)
    assert [m.parsed is not None for u in parsed for m in u.members] == [True, True]


def _without_run_time(tables: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """The tables less the one column that differs between two ingests of the same files:
    when the manifest row was written."""
    return {**tables, "files": tables["files"].drop(columns="ingested_at")}


def test_an_upload_recorded_in_a_child_process_gives_the_same_tables(
    tmp_path: Path, export: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``ingest_stored`` parses and records a large upload in a process of its own: the
    outcomes and every table are those of doing it in this process (``apart_from`` 0 and
    "never" stand for a large and a small upload)."""
    pools: list[int] = []
    real_pool = uploads.process_pool

    def counted_pool(workers: int):  # type: ignore[no-untyped-def]
        pools.append(workers)
        return real_pool(workers)

    monkeypatch.setattr(uploads, "process_pool", counted_pool)
    results = {}
    for where, apart_from in (("here", 10**15), ("apart", 0)):
        store = Store(tmp_path / where)
        stored = uploads.store_uploads(store, "p1", uploads.collect_paths([export]))
        outcomes = uploads.ingest_stored(store, "p1", stored, apart_from=apart_from)
        results[where] = (outcomes, _without_run_time(snapshot(store)))

    here, apart = results["here"], results["apart"]
    assert pools == [1]  # one child, for the "large" upload only
    assert apart[0] == here[0]
    assert [o.status for o in apart[0]].count("ok") == 3
    assert apart[1].keys() == here[1].keys()
    for name in here[1]:
        pd.testing.assert_frame_equal(apart[1][name], here[1][name], obj=name)
    assert len(apart[1]["sessions"]) == 2 and len(apart[1]["daily"]) > 0


def test_a_child_process_refusal_reaches_the_caller(tmp_path: Path, export: Path) -> None:
    """What the child raises (here: the id was erased while its files were being stored)
    is raised to the caller as itself, and nothing of the participant is written."""
    from pipelines.app import rights
    from pipelines.store import tombstones

    store = Store(tmp_path / "data")
    stored = uploads.store_uploads(store, "p1", uploads.collect_paths([export]))
    rights.erase(store, "p1", actor="cli:test")
    with pytest.raises(tombstones.Erased):
        uploads.ingest_stored(store, "p1", stored, apart_from=0)
    assert store.read(FILES, ["p1"]).empty and store.read(SESSIONS, ["p1"]).empty


def test_a_child_process_killed_mid_write_leaves_the_upload_to_a_rerun(
    tmp_path: Path, export: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The child that parses and records a large upload is killed (SIGKILL) at the third
    crash point of its writes (``BACKTRACK_CRASH_AT``, inherited): the caller gets a
    plain error, no file is recorded as ingested, and the rerun ingests every file."""
    store = Store(tmp_path / "data")
    stored = uploads.store_uploads(store, "p1", uploads.collect_paths([export]))
    monkeypatch.setenv("BACKTRACK_CRASH_AT", "3")
    with pytest.raises(uploads.ChildDied, match=r"ended abruptly .* run the ingest again"):
        uploads.ingest_stored(store, "p1", stored, apart_from=0)
    assert store.read(FILES, ["p1"]).empty
    assert not store.read(SESSIONS, ["p1"]).empty  # it had written the sessions

    monkeypatch.delenv("BACKTRACK_CRASH_AT")
    outcomes = uploads.ingest_stored(store, "p1", stored, apart_from=0)
    assert [o.status for o in outcomes].count("ok") == 3
    assert sorted(store.read(FILES, ["p1"])["original_name"]) == sorted(o.name for o in outcomes)
