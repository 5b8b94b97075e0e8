"""`backtrack ingest --runner dask`: the same tables as the local runner, parsed on a Dask
cluster (a temporary 2-worker LocalCluster on 127.0.0.1 here)."""

from __future__ import annotations

import io
import re
import socket
import zipfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from demo import fitwriter
from pipelines.app import uploads
from pipelines.cli.main import app
from pipelines.store.storage import Store

runner = CliRunner()

# Columns that say when a row was written, not what it holds: the two runs happen at
# different instants, so these differ however the files were parsed.
WRITTEN_AT = {"ingested_at", "updated_at"}


def _walk(day: int, minutes: int) -> bytes:
    return fitwriter.activity_file(
        start_utc=datetime(2024, 5, 1, 6, 0, tzinfo=UTC) + timedelta(days=day),
        elapsed_s=minutes * 60,
        sport=11,
        utc_offset_s=7200,
        record_interval_s=30,
    )


def _upload(folder: Path) -> Path:
    """Loose FIT files, a settings file (skipped), a zip export with two more walks and a
    copy of a loose walk (a duplicate: which copy wins depends on the order kept)."""
    folder.mkdir(parents=True)
    for i in range(4):
        (folder / f"walk-{i}.fit").write_bytes(_walk(2 * i, 25 + 5 * i))
    (folder / "settings.fit").write_bytes(fitwriter.settings_file())
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("export/walk-a.fit", _walk(9, 40))
        archive.writestr("export/walk-b.fit", _walk(11, 50))
        archive.writestr("export/copy-of-walk-1.fit", _walk(2, 30))
    (folder / "export.zip").write_bytes(buffer.getvalue())
    return folder


def _tables(data: Path) -> dict[str, pd.DataFrame]:
    return {
        str(path.relative_to(data)): pd.read_parquet(path).drop(columns=WRITTEN_AT, errors="ignore")
        for path in sorted((data / "tables").rglob("*.parquet"))
    }


def _raw(data: Path) -> dict[str, bytes]:
    """The raw store's files, decrypted (each is sealed with a fresh nonce)."""
    store = Store(data)
    return {
        str(p.relative_to(data)): store.read_raw(p)
        for p in (data / "raw").rglob("*")
        if p.is_file()
    }


def _completed_task_runs(name: str) -> int:
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import TaskRunFilter, TaskRunFilterName

    with get_client(sync_client=True) as client:
        task_runs = client.read_task_runs(
            task_run_filter=TaskRunFilter(name=TaskRunFilterName(like_=name))
        )
    return sum(1 for run in task_runs if run.state is not None and run.state.is_completed())


@pytest.mark.prefect
def test_dask_runner_gives_the_local_runners_tables(prefect_harness: None, tmp_path: Path) -> None:
    files = _upload(tmp_path / "in")
    local, dask = tmp_path / "local", tmp_path / "dask"
    common = ["ingest", str(files), "-p", "p1", "--tz", "Europe/Berlin"]
    first = runner.invoke(app, [*common, "--data-dir", str(local)])
    assert first.exit_code == 0, first.output
    second = runner.invoke(
        app, [*common, "--data-dir", str(dask), "--runner", "dask", "--dask-workers", "2"]
    )
    assert second.exit_code == 0, second.output
    # stdout: what the CLI says. Not stderr — running the CLI twice in one process, a log
    # record of the first run's Prefect handlers can meet its closed capture stream there
    # ("--- Logging error ---"), which a real process never has.
    assert second.stdout == first.stdout
    assert "6 ingested (6 sessions)" in first.stdout
    assert "1 duplicate, 1 skipped" in first.stdout
    # the dask run parsed on the cluster: one parse-part task run per upload here (6
    # uploads, fewer than the 4 parts per worker thread asked for)
    assert _completed_task_runs("parse-part") == 6

    local_tables, dask_tables = _tables(local), _tables(dask)
    assert sorted(dask_tables) == sorted(local_tables)
    assert {"tables/sessions/participant=p1/part.parquet"} <= set(local_tables)
    for name, table in local_tables.items():
        pd.testing.assert_frame_equal(dask_tables[name], table, obj=name)
    assert _raw(dask) == _raw(local)


def test_split_stored_keeps_order_and_whole_uploads(tmp_path: Path) -> None:
    stored = []
    for i, size in enumerate([5, 1, 1, 1, 9, 1, 2]):
        path = tmp_path / f"{i}.fit"
        path.write_bytes(b"x" * size)
        stored.append(uploads.StoredUpload(path.name, f"{i:064x}", str(path)))
    for parts in (1, 2, 3, 4, 7, 50):
        runs = uploads.split_stored(stored, parts)
        assert [u for run in runs for u in run] == stored
        assert 1 <= len(runs) <= parts and all(runs)
    assert [len(run) for run in uploads.split_stored(stored, 3)] == [3, 2, 2]
    assert uploads.split_stored([], 4) == []


@pytest.mark.parametrize(
    ("options", "complaint"),
    [
        (["--dask-workers", "3"], "--dask-workers needs --runner dask"),
        (["--dask-address", "tcp://127.0.0.1:8786"], "--dask-address needs --runner dask"),
        (
            ["--runner", "dask", "--dask-address", "tcp://127.0.0.1:8786", "--dask-workers", "2"],
            "give one or the other",
        ),
        (["--runner", "dask", "--dask-address", "127.0.0.1"], "not a scheduler address"),
        (["--runner", "dask", "--dask-workers", "0"], "greater than or equal to 1"),
        (["--runner", "spark"], "spark"),
    ],
)
def test_runner_options_are_checked_before_anything_is_read(
    tmp_path: Path, options: list[str], complaint: str
) -> None:
    result = runner.invoke(
        app,
        ["ingest", str(tmp_path / "missing"), "-p", "p1", "--data-dir", str(tmp_path), *options],
    )
    assert result.exit_code == 2
    assert complaint in _plain(result.output)
    assert not (tmp_path / "raw").exists()


def test_a_remote_cluster_needs_a_prefect_server_it_can_reach(tmp_path: Path) -> None:
    """Without PREFECT_API_URL the flow's server listens on 127.0.0.1: workers elsewhere
    could not record their task runs, so the ingest is refused before anything is stored."""
    upload = tmp_path / "walk.fit"
    upload.write_bytes(_walk(0, 30))
    from prefect.settings import PREFECT_API_URL, temporary_settings

    remote = ["--runner", "dask", "--dask-address", "tcp://10.0.0.5:8786"]
    with temporary_settings(restore_defaults={PREFECT_API_URL}):  # as if no server was set
        result = runner.invoke(
            app, ["ingest", str(upload), "-p", "p1", "--data-dir", str(tmp_path / "data"), *remote]
        )
    assert result.exit_code == 2, result.output
    assert "needs PREFECT_API_URL" in _plain(result.output)
    assert not (tmp_path / "data" / "raw").exists()


def test_no_scheduler_at_the_address_is_said_before_anything_is_stored(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pipelines.orchestrate import flows

    # nothing listens: the answer is the same after 1 s of trying as after the 10 s a real
    # scheduler on a slow network is given
    monkeypatch.setattr(flows, "SCHEDULER_TIMEOUT_S", 1)
    upload = tmp_path / "walk.fit"
    upload.write_bytes(_walk(0, 30))
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        address = f"tcp://127.0.0.1:{probe.getsockname()[1]}"
    result = runner.invoke(
        app,
        [
            "ingest",
            str(upload),
            "-p",
            "p1",
            "--data-dir",
            str(tmp_path / "data"),
            "--runner",
            "dask",
            "--dask-address",
            address,
        ],
    )
    assert result.exit_code == 2, result.output
    assert f"no Dask scheduler answers at {address}" in _plain(result.output)
    assert not (tmp_path / "data" / "raw").exists()


def _plain(output: str) -> str:
    """CLI output without rich's box drawing and line wrapping."""
    return " ".join(re.sub("[│╭╮╰╯─]", " ", output).split())
