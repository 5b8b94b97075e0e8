"""The Prefect flows and the CLI, run for real (one temporary Prefect server per session)."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from demo import fitwriter
from pipelines.app import participants as settings
from pipelines.app import refresh as refreshing
from pipelines.app import uploads
from pipelines.cli.main import app
from pipelines.schemas import DAILY, FILES, PARTICIPANTS
from pipelines.store.storage import Store

pytestmark = pytest.mark.prefect
runner = CliRunner()


def _walks(folder: Path, n: int = 3) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for i in range(n):
        path = folder / f"walk-{i}.fit"
        path.write_bytes(
            fitwriter.activity_file(
                start_utc=datetime(2024, 5, 1, 6, 0, tzinfo=UTC) + timedelta(days=2 * i),
                elapsed_s=(25 + 5 * i) * 60,
                sport=11,
                utc_offset_s=7200,
                record_interval_s=30,
            )
        )
        paths.append(path)
    return paths


def test_ingest_flow_writes_tables(prefect_harness: None, tmp_path: Path) -> None:
    from pipelines.orchestrate.flows import ingest_flow, refresh_flow

    paths = _walks(tmp_path / "in")
    store = Store(tmp_path / "data")
    with uploads.upload_list(store, "p1", paths) as listed:
        outcomes = ingest_flow("p1", listed, str(tmp_path / "data"))
    assert [(o.name, o.status, o.sessions) for o in outcomes] == [
        ("walk-0.fit", "ok", 1),
        ("walk-1.fit", "ok", 1),
        ("walk-2.fit", "ok", 1),
    ]
    store = Store(tmp_path / "data")
    assert list(store.read(DAILY)["walking_minutes"]) == [25.0, 0.0, 30.0, 0.0, 35.0]
    before = store.read(DAILY)
    refresh_flow(["p1"], str(tmp_path / "data"))
    assert store.read(DAILY).equals(before)
    refresh_flow([], str(tmp_path / "data"), participants_label="nightly")  # everyone
    assert store.read(DAILY).equals(before)


def test_cli_ingest_then_report_json(prefect_harness: None, tmp_path: Path) -> None:
    data = tmp_path / "data"
    _walks(tmp_path / "in")
    (tmp_path / "in" / "settings.fit").write_bytes(fitwriter.settings_file())
    result = runner.invoke(
        app,
        [
            "ingest",
            str(tmp_path / "in"),
            "-p",
            "p7",
            "--tz",
            "Europe/Berlin",
            "--data-dir",
            str(data),
        ],
    )
    assert result.exit_code == 0, result.output
    assert "3 ingested" in result.output and "settings.fit" in result.output
    assert "skipped" in result.output

    result = runner.invoke(app, ["report", "-p", "p7", "--json", "--data-dir", str(data)])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["participant"] == "p7"
    assert report["target"] == {
        "min_minutes": 30,
        "max_minutes": 60,
        "every_n_days": 2,
        "min_bout_minutes": 10,
        "program_start": None,
        "training_sessions_per_week": 2,
        "min_training_minutes": 15,
    }
    # 2024-05-01 … 05-05 lies inside program week 1 (05-01 … 05-07), still in progress: no
    # complete week, so no weekly ratio yet; blocks 05-01/02 missed, 05-03/04 met.
    assert report["adherence"] == {
        "ratio": None,
        "dose_ratio": None,
        "weeks_met": 0,
        "weeks_total": 0,
        "weeks_no_data": 0,
        "weekly_target_days": 3,
        "weekly_target_minutes": 90,
        "block_ratio": 0.5,
        "blocks_met": 1,
        "blocks_total": 2,
        "blocks_no_data": 0,
        "current_streak_blocks": 2,
        "longest_gap_days": 2,
    }
    assert [(d["date"], d["walking_minutes"], d["met"]) for d in report["days"]] == [
        ("2024-05-01", 25.0, False),
        ("2024-05-02", 0.0, False),
        ("2024-05-03", 30.0, True),
        ("2024-05-04", 0.0, False),
        ("2024-05-05", 35.0, True),
    ]
    assert [(w["week"], w["start"], w["complete"]) for w in report["weeks"]] == [
        (1, "2024-05-01", False)
    ]

    result = runner.invoke(
        app,
        [
            "report",
            "-p",
            "p7",
            "--start",
            "2024-05-03",
            "--end",
            "2024-05-06",
            "--data-dir",
            str(data),
        ],
    )
    assert result.exit_code == 0 and "blocks 100%" in result.output  # 05-03/04, 05-05/06


def test_cli_reingest_of_known_files_never_starts_a_flow(
    prefect_harness: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = tmp_path / "data"
    _walks(tmp_path / "in", 1)
    args = ["ingest", str(tmp_path / "in"), "-p", "p1", "--data-dir", str(data)]
    assert runner.invoke(app, args).exit_code == 0
    manifest = Store(data).read(FILES)

    import pipelines.orchestrate.flows

    def no_flow(*_: object, **__: object) -> None:
        raise AssertionError("a flow was started for files already ingested")

    monkeypatch.setattr(pipelines.orchestrate.flows, "ingest_flow", no_flow)
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "1 already ingested" in result.output
    assert Store(data).read(FILES).equals(manifest)


@pytest.mark.parametrize(("tz", "refreshed"), [("Europe/Berlin", []), ("America/New_York", ["p1"])])
def test_cli_ingest_with_a_new_zone_refreshes_even_when_every_file_is_known(
    prefect_harness: None,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    tz: str,
    refreshed: list[str],
) -> None:
    """The ingest flow refreshes only what an upload changed; a changed zone moves the days
    already placed, so ``ingest --tz`` refreshes on its own when the zone is new."""
    data = tmp_path / "data"
    _walks(tmp_path / "in", 1)
    args = ["ingest", str(tmp_path / "in"), "-p", "p1", "--data-dir", str(data)]
    assert runner.invoke(app, [*args, "--tz", "Europe/Berlin"]).exit_code == 0
    calls: list[str] = []
    monkeypatch.setattr(refreshing, "refresh_participant", lambda _store, pid: calls.append(pid))
    result = runner.invoke(app, [*args, "--tz", tz])
    assert result.exit_code == 0, result.output
    assert calls == refreshed
    assert Store(data).read(PARTICIPANTS)["tz"].tolist() == [tz]


def test_cli_exit_code_when_nothing_could_be_ingested(
    prefect_harness: None, tmp_path: Path
) -> None:
    bad = tmp_path / "bad.fit"
    bad.write_bytes(b"this is not a FIT file at all")
    result = runner.invoke(
        app, ["ingest", str(bad), "-p", "p1", "--data-dir", str(tmp_path / "data")]
    )
    assert result.exit_code == 1
    assert "rejected" in result.output and "bad.fit" in result.output


def test_cli_rejects_unsafe_participant_and_unknown_zone(tmp_path: Path) -> None:
    result = runner.invoke(app, ["report", "-p", "../etc", "--data-dir", str(tmp_path)])
    assert result.exit_code == 2 and "participant id" in result.output
    result = runner.invoke(
        app, ["participant", "set", "p1", "--tz", "Mars/Olympus", "--data-dir", str(tmp_path)]
    )
    assert result.exit_code == 2 and "time zone" in result.output


def test_cli_participant_set_pause_and_wear_settings(tmp_path: Path) -> None:
    args = ["participant", "set", "p1", "--data-dir", str(tmp_path)]
    result = runner.invoke(app, [*args, "--max-pause-minutes", "1", "--min-wear-minutes", "480"])
    assert result.exit_code == 0, result.output
    target = settings.load_participant(Store(tmp_path), "p1").target
    assert (target.max_pause_minutes, target.min_wear_minutes) == (1, 480)
    result = runner.invoke(app, [*args, "--max-pause-minutes", "11"])
    assert result.exit_code == 2 and "max_pause_minutes must be 0..10" in result.output


def test_cli_sets_the_training_target(tmp_path: Path) -> None:
    args = ["participant", "set", "p1", "--data-dir", str(tmp_path)]
    training = ["--training-sessions-per-week", "3", "--min-training-minutes", "20"]
    result = runner.invoke(app, [*args, *training])
    assert result.exit_code == 0, result.output
    report = json.loads(
        runner.invoke(app, ["report", "-p", "p1", "--json", "--data-dir", str(tmp_path)]).stdout
    )
    assert (
        report["target"]["training_sessions_per_week"],
        report["target"]["min_training_minutes"],
    ) == (3, 20)
    assert report["training"] == {
        "target_sessions_per_week": 3,
        "min_session_minutes": 20,
        "ratio": None,
        "weeks_met": 0,
        "weeks_total": 0,
    }
    result = runner.invoke(app, [*args, "--training-sessions-per-week", "0"])
    assert result.exit_code == 2 and "training_sessions_per_week" in result.output


def test_cli_demo_runs_the_cohort_through_the_flows(prefect_harness: None, tmp_path: Path) -> None:
    from demo.__main__ import app as demo_app

    result = runner.invoke(
        demo_app, ["--data-dir", str(tmp_path), "--participants", "2", "--weeks", "2"]
    )
    assert result.exit_code == 0, result.output
    assert "Every-other-day adherence" in result.output
    assert "p01" in result.output and "p02" in result.output
    store = Store(tmp_path / "data")
    assert store.participants() == ["p01", "p02"]
    assert store.read(DAILY)["has_data"].sum() >= 14
    assert set(store.read(FILES)["status"]) == {"ok"}


def test_ingest_run_is_named_logged_per_file_and_leaves_an_artifact(
    prefect_harness: None, tmp_path: Path
) -> None:
    import logging

    from prefect import get_client
    from prefect.client.schemas.filters import (
        ArtifactFilter,
        ArtifactFilterFlowRunId,
        LogFilter,
        LogFilterFlowRunId,
    )
    from prefect.logging.handlers import APILogWorker

    from pipelines.orchestrate.flows import ingest_flow

    paths = _walks(tmp_path / "in", 1)
    bad = tmp_path / "in" / "bad|[x](y).fit"
    bad.write_bytes(b"this is not a FIT file at all")
    flow_runs = logging.getLogger("prefect.flow_runs")
    level = flow_runs.level
    flow_runs.setLevel(logging.INFO)  # the CLI sets this; the tests keep Prefect quiet
    try:
        store = Store(tmp_path / "data")
        with uploads.upload_list(store, "P_9", [*paths, bad]) as listed:
            state = ingest_flow("P_9", listed, str(tmp_path / "data"), return_state=True)
        APILogWorker.drain_all(timeout=10)
    finally:
        flow_runs.setLevel(level)
    assert state.is_completed()
    run_id = state.state_details.flow_run_id
    with get_client(sync_client=True) as client:
        assert client.read_flow_run(run_id).name == "ingest-P_9"
        artifacts = client.read_artifacts(
            artifact_filter=ArtifactFilter(flow_run_id=ArtifactFilterFlowRunId(any_=[run_id]))
        )
        logs = client.read_logs(log_filter=LogFilter(flow_run_id=LogFilterFlowRunId(any_=[run_id])))
    assert [(a.key, a.type) for a in artifacts] == [("ingest-p-9", "markdown")]
    markdown = str(artifacts[0].data)
    assert "| ok | 1 |" in markdown and "| rejected | 1 |" in markdown
    # files by a hash prefix, never by the name a person gave them (docs/privacy.md)
    walk, junk = (hashlib.sha256(p.read_bytes()).hexdigest()[:12] for p in (paths[0], bad))
    assert rf"| {junk}\.fit | rejected |" in markdown and "bad" not in markdown
    lines = [log.message for log in logs]
    assert any(m.startswith(f"{walk}.fit: ok (1 sessions") for m in lines), lines
    assert any(m.startswith(f"{junk}.fit: rejected — ") for m in lines), lines
    assert not any("walk-0" in m or "bad|" in m for m in lines), lines


def test_serve_without_a_server_says_how_to_start_one(tmp_path: Path) -> None:
    from prefect.settings import PREFECT_API_URL, temporary_settings

    with temporary_settings(restore_defaults={PREFECT_API_URL}):  # whatever ran before
        result = runner.invoke(app, ["serve", "--data-dir", str(tmp_path)])
    assert result.exit_code == 2
    assert "PREFECT_API_URL" in result.output
    assert "prefect server start --host 127.0.0.1" in result.output


NO_START = "no program start is set"


def test_cli_participant_set_says_when_no_program_start_is_set(tmp_path: Path) -> None:
    args = ["participant", "set", "p1", "--data-dir", str(tmp_path)]
    # nothing stored yet: what will stand in, and how to set it
    result = runner.invoke(app, [*args, "--min-minutes", "25"])
    assert result.exit_code == 0, result.output
    assert f"Note: {NO_START} for p1" in result.output
    assert "the first diary day will stand in" in result.output
    assert "backtrack participant set p1 --program-start YYYY-MM-DD" in result.output
    # a diary from 3 May: its first day stands in
    csv = tmp_path / "diary.csv"
    csv.write_text("Datum;Schmerz\n03.05.2024;40\n04.05.2024;50\n", encoding="utf-8")
    imported = runner.invoke(
        app, ["diary", "import", str(csv), "-p", "p1", "--data-dir", str(tmp_path)]
    )
    assert imported.exit_code == 0, imported.output
    result = runner.invoke(app, [*args, "--group", "g1"])
    assert result.exit_code == 0, result.output
    assert "the first diary day (2024-05-03) stands in" in result.output
    # given, then stored: no note
    result = runner.invoke(app, [*args, "--program-start", "2024-05-06"])
    assert result.exit_code == 0 and NO_START not in result.output, result.output
    result = runner.invoke(app, [*args, "--min-minutes", "30"])
    assert result.exit_code == 0 and NO_START not in result.output, result.output


def test_cli_ingest_of_a_new_participant_notes_the_missing_program_start_once(
    prefect_harness: None, tmp_path: Path
) -> None:
    data = tmp_path / "data"
    _walks(tmp_path / "in")  # walks on 1, 3 and 5 May 2024 (local time)
    args = ["ingest", str(tmp_path / "in"), "-p", "p9", "--data-dir", str(data)]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert result.output.count(NO_START) == 1
    assert "no diary yet, so the first day with activity data (2024-05-01) stands in" in (
        result.output
    )
    # not new any more: no note on the next ingest
    again = runner.invoke(app, args)
    assert again.exit_code == 0 and NO_START not in again.output, again.output
