"""Participant pages in AppTest: uploads handed to the ingest CLI, live status, headline
figures equal to the report, category correction, diary entry and diary file."""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import time
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from streamlit.testing.v1 import AppTest

from dashboards import data, uploads
from demo.fitwriter import activity_file
from pipelines.app import refresh as refreshing
from pipelines.app import uploads as app_uploads
from pipelines.rules import participants
from pipelines.rules import report as report_mod
from pipelines.schemas import DAYS, DIARY, FILES, PARTICIPANTS, SESSIONS
from pipelines.store.storage import Store
from tests.support.plaintext import plaintext_uploads
from tests.support.signin import TOKEN_KEY, token_for

APP = Path(__file__).resolve().parents[2] / "dashboards" / "app.py"
TIMEOUT_S = 60
P01 = data.Viewer("participant", participant="p01")
COACH_B = data.Viewer("coach", groups=frozenset({"group-b"}))
WALK = activity_file(
    start_utc=datetime(2030, 1, 7, 9, 0, tzinfo=UTC), elapsed_s=40 * 60, sport=11, steps=4000
)


@pytest.fixture
def own_dir(data_dir: Path, tmp_path: Path) -> Path:
    """A private copy of the demo data dir: these tests write."""
    return Path(shutil.copytree(data_dir, tmp_path / "data"))


@pytest.fixture
def sync_cli(monkeypatch: pytest.MonkeyPatch) -> list[list[str]]:
    """Run the ingest synchronously in this process (the jobs the CLI's flow calls, without
    Prefect's start-up); records every command the page asked for."""
    commands: list[list[str]] = []

    def launch(command: list[str], log_path: Path) -> subprocess.CompletedProcess[str]:
        commands.append(command)
        listed = command[command.index("--listed") + 1]
        participant = command[command.index("-p") + 1]
        store = Store(command[command.index("--data-dir") + 1])
        stored = app_uploads.store_listed_uploads(store, participant, listed)
        store.remove_upload_list(Path(listed))
        app_uploads.record(store, participant, app_uploads.parse_stored(stored, workers=1))
        refreshing.refresh_participant(store, participant)
        done = subprocess.CompletedProcess(command, 0)
        done.pid = 0  # type: ignore[attr-defined]
        done.poll = lambda: 0  # type: ignore[attr-defined]
        return done

    monkeypatch.setattr(uploads, "_launch", launch)
    return commands


def app_for(monkeypatch: pytest.MonkeyPatch, root: Path, page: str, **query: str) -> AppTest:
    monkeypatch.setenv("BACKTRACK_DATA_DIR", str(root))
    at = AppTest.from_file(APP, default_timeout=TIMEOUT_S)
    if query:
        at.session_state[TOKEN_KEY] = token_for(root, **query)
    at.run()
    return at.switch_page(page).run()


def expected_report(root: Path, pid: str) -> dict[str, Any]:
    store = Store(root)
    p = participants.from_rows(pid, store.read(PARTICIPANTS, [pid]))
    return report_mod.build(p, store.read(DAYS, [pid]))


def metric(at: AppTest, label: str) -> str:
    [found] = [m for m in at.metric if m.label == label]
    return str(found.value)


def table_with(at: AppTest, column: str) -> Any:
    [frame] = [d.value for d in at.dataframe if column in d.value.columns]
    return frame


def test_headline_figures_equal_the_report(monkeypatch: pytest.MonkeyPatch, data_dir: Path) -> None:
    at = app_for(monkeypatch, data_dir, "pages/my_activity.py", participant="p01")
    assert not at.exception
    expected = expected_report(data_dir, "p01")["adherence"]
    assert metric(at, "Walking target reached") == f"{expected['ratio']:.0%}"
    streak = expected["current_streak_blocks"]
    assert metric(at, "Current streak") == f"{streak} block{'' if streak == 1 else 's'}"
    gap = expected["longest_gap_days"]
    assert metric(at, "Longest gap") == f"{gap} day{'' if gap == 1 else 's'}"
    assert metric(at, "Blocks without data") == str(expected["blocks_no_data"])
    sources = table_with(at, "sources")
    frame = Store(data_dir).read(DAYS, ["p01"]).sort_values("date").tail(14).iloc[::-1]
    assert list(sources["date"]) == [d.isoformat() for d in frame["date"]]
    assert list(sources["sources"]) == [str(s).replace(",", ", ") for s in frame["sources"]]


def test_blocks_strip_has_one_visible_square_per_block(data_dir: Path) -> None:
    from dashboards import charts

    blocks = data.blocks(P01, "p01", data.StoreTables(Store(data_dir)))
    spec = charts.blocks_chart(blocks).to_dict()
    assert spec["mark"]["type"] == "rect" and spec["height"] >= 40
    assert spec["encoding"]["x"]["type"] == "ordinal" and "x2" not in spec["encoding"]
    assert len(next(iter(spec["datasets"].values()))) == len(blocks)


def test_uploaded_fit_file_is_ingested_and_shown(
    monkeypatch: pytest.MonkeyPatch, own_dir: Path, sync_cli: list[list[str]]
) -> None:
    at = app_for(monkeypatch, own_dir, "pages/my_activity.py", participant="p01")
    at.file_uploader[0].set_value(("../../evil name?.fit", WALK, "application/octet-stream"))
    [submit] = [b for b in at.button if b.label == "Upload and ingest"]
    submit.click().run()
    assert not at.exception
    [command] = sync_cli
    assert command[:5] == [command[0], "-m", "pipelines.cli.main", "ingest", "--listed"]
    assert command[-4:] == ["-p", "p01", "--data-dir", str(own_dir.resolve())]
    assert Path(command[5]).parent == (own_dir / "requests" / "p01").resolve()
    # nothing of the upload lies anywhere outside the sealed raw store (issue 14)
    assert plaintext_uploads(own_dir, [WALK]) == []
    at.run()  # the status poll (a fragment every 2 s in a browser)
    status = table_with(at, "status")
    assert list(status["status"]) == ["ingested"]
    assert list(status["file"]) == ["../../evil name?.fit"]  # shown, never used as a path
    manifest = Store(own_dir).read(FILES, ["p01"])
    assert hashlib.sha256(WALK).hexdigest() in set(manifest["upload_sha256"])
    assert plaintext_uploads(own_dir, [WALK]) == []  # after the ingest too


def test_category_correction_changes_session_and_report(
    monkeypatch: pytest.MonkeyPatch, own_dir: Path
) -> None:
    store = Store(own_dir)
    sessions = store.read(SESSIONS, ["p01"])
    counted = sessions[sessions["duplicate_of"].isna() & (sessions["category"] == "walking")]
    session_id = str(counted.sort_values("start_utc")["session_id"].iloc[-1])
    before = expected_report(own_dir, "p01")["weeks"]

    at = app_for(monkeypatch, own_dir, "pages/my_activity.py", participant="p01")
    at.toggle(key="correct_category").set_value(True).run()
    [session_box] = [s for s in at.selectbox if s.label == "Session"]
    [category_box] = [s for s in at.selectbox if s.label == "Category"]
    session_box.set_value(session_id)
    category_box.set_value("yoga")
    [save] = [b for b in at.button if b.label == "Save category"]
    save.click().run()
    assert not at.exception

    row = store.read(SESSIONS, ["p01"]).set_index("session_id").loc[session_id]
    assert (row["category"], row["category_source"]) == ("yoga", "user")
    after = expected_report(own_dir, "p01")["weeks"]
    total = {c: sum(w["sessions"][c] for w in after) for c in ("walking", "yoga")}
    total_before = {c: sum(w["sessions"][c] for w in before) for c in ("walking", "yoga")}
    assert total == {"walking": total_before["walking"] - 1, "yoga": total_before["yoga"] + 1}
    table = table_with(at, "decided by")
    assert table.set_index("session").loc[session_id, "decided by"] == "user"


def test_diary_form_adds_an_entry_and_rejects_pain_120(
    monkeypatch: pytest.MonkeyPatch, own_dir: Path
) -> None:
    at = app_for(monkeypatch, own_dir, "pages/pain.py", participant="p01")
    day = date(2025, 6, 1)
    at.date_input[0].set_value(day)
    at.text_input[0].set_value("07:30")
    at.number_input[0].set_value(120)
    [save] = [b for b in at.button if b.label == "Save entry"]
    save.click().run()
    assert not at.exception
    assert any("above 100" in e.value for e in at.error)
    assert day not in set(Store(own_dir).read(DIARY, ["p01"])["date"])

    at.number_input[0].set_value(35)
    at.radio[0].set_value("yes")
    at.text_input[1].set_value("Ibuprofen 400")
    [save] = [b for b in at.button if b.label == "Save entry"]
    save.click().run()
    assert not at.error
    diary = Store(own_dir).read(DIARY, ["p01"]).set_index("date").loc[day]
    assert (diary["pain"], diary["time"], diary["painkiller_name"]) == (
        35.0,
        "07:30",
        "Ibuprofen 400",
    )
    assert bool(diary["painkiller"]) and diary["source"] == "entry"


def test_diary_upload_shows_its_bad_rows(monkeypatch: pytest.MonkeyPatch, own_dir: Path) -> None:
    csv = b"date,pain\n2025-05-01,40\n2025-05-02,120\n"
    at = app_for(monkeypatch, own_dir, "pages/pain.py", participant="p01")
    at.file_uploader[0].set_value(("diary.csv", csv, "text/csv"))
    [submit] = [b for b in at.button if b.label == "Import diary"]
    submit.click().run()
    assert not at.exception
    errors = table_with(at, "message")
    assert list(errors["row"]) == [3]
    assert list(errors["value"]) == ["120"]
    assert date(2025, 5, 1) in set(Store(own_dir).read(DIARY, ["p01"])["date"])


@pytest.mark.parametrize("viewer", [P01, COACH_B])
def test_nobody_acts_for_a_participant_outside_their_scope(
    own_dir: Path, viewer: data.Viewer
) -> None:
    tables = data.StoreTables(Store(own_dir))
    other = "p03"
    with pytest.raises(PermissionError):
        uploads.start_ingest(viewer, other, [("walk.fit", WALK)], tables)
    with pytest.raises(PermissionError):
        uploads.import_diary_upload(viewer, other, "d.csv", b"date,pain\n2030-01-01,4\n", tables)
    with pytest.raises(PermissionError):
        data.set_session_category(viewer, other, "x:0", "yoga", tables)
    with pytest.raises(PermissionError):
        data.add_diary_entry(viewer, other, day=date(2030, 1, 1), pain=10, tables=tables)
    with pytest.raises(PermissionError):
        data.import_diary(viewer, other, "nothing.csv", b"date,pain\n", tables)
    assert not (own_dir / "inbox").exists()


@pytest.mark.prefect
def test_a_real_ingest_process_records_the_upload(own_dir: Path) -> None:
    """The real thing: ``backtrack ingest`` in another process (Prefect start-up ≈ 15 s)."""
    tables = data.StoreTables(Store(own_dir))
    job = uploads.start_ingest(P01, "p01", [("walk.fit", WALK)], tables)
    assert isinstance(job.process, subprocess.Popen)
    deadline = time.monotonic() + TIMEOUT_S
    status = uploads.job_status(P01, job, tables)
    while not status.done and time.monotonic() < deadline:
        time.sleep(0.5)
        status = uploads.job_status(P01, job, tables)
    assert status.done, job.log_path.read_text()
    assert status.error is None and status.exit_code == 0
    assert [f.status for f in status.files] == ["ingested"]


class _Running:
    pid = 1

    def poll(self) -> int | None:
        return None


def test_a_running_ingest_shows_processing(monkeypatch: pytest.MonkeyPatch, own_dir: Path) -> None:
    monkeypatch.setattr(uploads, "_launch", lambda command, log_path: _Running())
    at = app_for(monkeypatch, own_dir, "pages/my_activity.py", participant="p01")
    at.file_uploader[0].set_value(("walk.fit", WALK, "application/octet-stream"))
    [submit] = [b for b in at.button if b.label == "Upload and ingest"]
    submit.click().run()
    assert not at.exception
    assert list(table_with(at, "status")["status"]) == ["processing"]
    assert any("updates by itself" in i.value for i in at.info)


def test_with_a_prefect_server_the_upload_goes_to_the_served_deployment(
    monkeypatch: pytest.MonkeyPatch, own_dir: Path
) -> None:
    """``PREFECT_API_URL`` set: the ingest process is asked to use the ``ingest`` deployment
    and to keep its flow run in ``flow-run.json``; the page shows that run's state (read from
    the file: the dashboard never loads Prefect)."""
    commands: list[list[str]] = []

    def launch(command: list[str], log_path: Path) -> _Running:
        commands.append(command)
        return _Running()

    monkeypatch.setenv("PREFECT_API_URL", "http://127.0.0.1:4200/api")
    monkeypatch.setattr(uploads, "_launch", launch)
    tables = data.StoreTables(Store(own_dir))
    job = uploads.start_ingest(P01, "p01", [("walk.fit", WALK)], tables)
    assert job.run_file == job.folder / uploads.RUN_FILE
    assert commands[0][-3:] == ["--via-deployment", "--run-file", str(job.run_file)]
    assert uploads.job_status(P01, job, tables).flow_run is None  # not triggered yet

    run = {"flow_run_id": "x", "name": "ingest-p01", "state": "RUNNING", "state_name": "Running"}
    job.run_file.write_text(json.dumps(run))
    assert uploads.job_status(P01, job, tables).flow_run == uploads.FlowRun(
        "ingest-p01", "RUNNING", "Running"
    )
    job.run_file.write_text("{not json")
    assert uploads.job_status(P01, job, tables).flow_run is None

    monkeypatch.delenv("PREFECT_API_URL")
    job = uploads.start_ingest(P01, "p01", [("walk.fit", WALK)], tables)
    assert job.run_file is None and "--via-deployment" not in commands[-1]


def test_the_page_shows_the_flow_run_state(monkeypatch: pytest.MonkeyPatch, own_dir: Path) -> None:
    def launch(command: list[str], log_path: Path) -> _Running:
        run_file = Path(command[command.index("--run-file") + 1])
        run_file.write_text('{"name": "ingest-p01", "state": "PENDING", "state_name": "Pending"}')
        return _Running()

    monkeypatch.setenv("PREFECT_API_URL", "http://127.0.0.1:4200/api")
    monkeypatch.setattr(uploads, "_launch", launch)
    at = app_for(monkeypatch, own_dir, "pages/my_activity.py", participant="p01")
    at.file_uploader[0].set_value(("walk.fit", WALK, "application/octet-stream"))
    [submit] = [b for b in at.button if b.label == "Upload and ingest"]
    submit.click().run()
    assert not at.exception
    assert any("Prefect flow run ingest-p01: Pending" in c.value for c in at.caption)
