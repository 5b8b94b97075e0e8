"""End to end on a real Prefect server: ``prefect server start`` on 127.0.0.1 (a temporary
home and database), ``backtrack serve`` against it, the ingest deployment run by request and
by a file dropped into the inbox, and ``backtrack ingest`` recorded there — then everything
stopped (process groups killed, nothing left behind)."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

import pytest

from demo import fitwriter
from pipelines.app import uploads
from pipelines.schemas import SESSIONS
from pipelines.store.storage import Store

pytestmark = pytest.mark.prefect
BIN = Path(sys.executable).parent
T = TypeVar("T")
STARTUP_S = 120.0  # a loaded machine: generous, but every wait ends as soon as it can


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _until(what: str, check: Callable[[], T | None], timeout_s: float, poll_s: float = 0.5) -> T:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(poll_s)
    raise AssertionError(f"timed out after {timeout_s:.0f} s waiting for {what}")


def _start(command: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with open(log, "wb") as out:
        return subprocess.Popen(
            command,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: stopped with all its children
        )


def _stop(process: subprocess.Popen[bytes]) -> None:
    for sig, wait_s in ((signal.SIGTERM, 20), (signal.SIGKILL, 10)):
        try:
            os.killpg(process.pid, sig)
        except ProcessLookupError:
            return
        try:
            process.wait(wait_s)
        except subprocess.TimeoutExpired:
            continue
        # the group may outlive its leader (a flow-run child): make sure
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        return


def _healthy(url: str, process: subprocess.Popen[bytes], log: Path) -> bool:
    if process.poll() is not None:
        raise AssertionError(f"prefect server exited: {log.read_text()[-3000:]}")
    try:
        with urllib.request.urlopen(f"{url}/health", timeout=5) as response:
            return bool(response.status == 200)
    except OSError:
        return False


def _walk(path: Path, day: int) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(
        fitwriter.activity_file(
            start_utc=datetime(2024, 5, day, 6, 0, tzinfo=UTC),
            elapsed_s=35 * 60,
            sport=11,
            utc_offset_s=7200,
            record_interval_s=30,
        )
    )
    return path


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, dict[str, str]]]:
    """A real Prefect server on a free port of 127.0.0.1, and the environment to reach it."""
    home = tmp_path_factory.mktemp("prefect-server")
    port = _free_port()
    url = f"http://127.0.0.1:{port}/api"
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")} | {
        "PREFECT_HOME": str(home),
        "PREFECT_SERVER_DATABASE_CONNECTION_URL": f"sqlite+aiosqlite:///{home}/prefect.db",
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "PREFECT_SERVER_UI_ENABLED": "false",
        "PREFECT_LOGGING_LEVEL": "WARNING",
    }
    log = home / "server.log"
    process = _start(
        [str(BIN / "prefect"), "server", "start", "--host", "127.0.0.1", "--port", str(port)],
        env,
        log,
    )
    try:
        _until("the server's /api/health", lambda: _healthy(url, process, log), STARTUP_S)
        client_env = env | {"PREFECT_API_URL": url, "PREFECT_RUNNER_POLL_FREQUENCY": "1"}
        yield url, client_env
    finally:
        _stop(process)


def _client(url: str) -> Any:
    from prefect import get_client
    from prefect.settings import PREFECT_API_URL, temporary_settings

    class _Client:
        def __enter__(self) -> Any:
            self._settings = temporary_settings(updates={PREFECT_API_URL: url})
            self._settings.__enter__()
            self._client = get_client(sync_client=True)
            return self._client.__enter__()

        def __exit__(self, *exc: object) -> None:
            self._client.__exit__(*exc)
            self._settings.__exit__(*exc)

    return _Client()


def _runs_named(url: str, name: str) -> list[Any]:
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterName

    with _client(url) as client:
        return list(
            client.read_flow_runs(
                flow_run_filter=FlowRunFilter(name=FlowRunFilterName(any_=[name]))
            )
        )


def _completed(url: str, name: str) -> Any:
    runs = _runs_named(url, name)
    final = [r for r in runs if r.state and r.state.is_final()]
    if final:
        assert final[0].state.is_completed(), (final[0].state, final[0].state.message)
        return final[0]
    return None


def _artifact_keys(url: str, flow_run_id: Any) -> list[str | None]:
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterFlowRunId

    with _client(url) as client:
        artifacts = client.read_artifacts(
            artifact_filter=ArtifactFilter(flow_run_id=ArtifactFilterFlowRunId(any_=[flow_run_id]))
        )
    return [a.key for a in artifacts]


def test_served_deployments_inbox_and_cli_runs_on_a_real_server(
    server: tuple[str, dict[str, str]], tmp_path: Path
) -> None:
    url, env = server
    data, inbox = tmp_path / "data", tmp_path / "inbox"
    started = time.monotonic()
    cli_file = _walk(tmp_path / "cli" / "walk.fit", 3)
    # `backtrack ingest` with PREFECT_API_URL: the in-process flow, recorded on the server
    cli = subprocess.Popen(
        [str(BIN / "backtrack"), "ingest", str(cli_file), "-p", "p7", "--data-dir", str(data)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    serve = _start(
        [
            str(BIN / "backtrack"),
            "serve",
            "--data-dir",
            str(data),
            "--inbox",
            str(inbox),
            "--poll",
            "1",
            "--timezone",
            "Europe/Berlin",
        ],
        env,
        tmp_path / "serve.log",
    )
    via: subprocess.Popen[bytes] | None = None
    try:
        from prefect.settings import PREFECT_API_URL, temporary_settings

        from pipelines.orchestrate import serve as serve_mod

        with temporary_settings(updates={PREFECT_API_URL: url}):

            def served() -> bool:
                if serve.poll() is not None:
                    raise AssertionError((tmp_path / "serve.log").read_text()[-3000:])
                return serve_mod.deployment_ready("ingest/ingest")

            _until("the served ingest deployment", served, STARTUP_S, poll_s=1)
            with _client(url) as client:
                refresh = client.read_deployment_by_name("refresh/refresh")
            assert [s.schedule.cron for s in refresh.schedules] == ["0 3 * * *"]
            assert [s.schedule.timezone for s in refresh.schedules] == ["Europe/Berlin"]

            # the deployment, triggered as the dashboard does
            walk = [_walk(tmp_path / "up" / "w.fit", 1)]
            with uploads.upload_list(Store(data), "p5", walk) as listed:
                run = serve_mod.start_ingest_run("p5", listed, data)
                status = serve_mod.wait_for(run.id, STARTUP_S, poll_s=1)
        assert status["state"] == "COMPLETED", (status, (tmp_path / "serve.log").read_text())
        assert status["name"] == "ingest-p5"
        assert _artifact_keys(url, run.id) == ["ingest-p5"]
        assert len(Store(data).read(SESSIONS, ["p5"])) == 1

        # the dashboard's way: `backtrack ingest --via-deployment --run-file`
        run_file = tmp_path / "flow-run.json"
        via = subprocess.Popen(
            [
                str(BIN / "backtrack"),
                "ingest",
                str(_walk(tmp_path / "dash" / "w.fit", 4)),
                "-p",
                "p8",
                "--data-dir",
                str(data),
                "--via-deployment",
                "--run-file",
                str(run_file),
            ],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

        # a file dropped into the inbox: ingested through the deployment, then only a note in
        # .done is left of it (its bytes are sealed in the raw store)
        dropped = _walk(inbox / "p6" / "walk.fit", 2)
        done = inbox / "p6" / ".done" / "walk.fit.txt"
        _until("the dropped file's note in .done", done.exists, STARTUP_S)
        assert not dropped.exists()
        assert len(Store(data).read(SESSIONS, ["p6"])) == 1
        inbox_run = _until("the inbox run", lambda: _completed(url, "ingest-p6"), 30)
        assert _artifact_keys(url, inbox_run.id) == ["ingest-p6"]

        output, _ = via.communicate(timeout=STARTUP_S)
        assert via.returncode == 0, output.decode()
        assert "1 ingested" in output.decode()
        shown = json.loads(run_file.read_text())
        assert (shown["name"], shown["state"]) == ("ingest-p8", "COMPLETED")
        assert _artifact_keys(url, shown["flow_run_id"]) == ["ingest-p8"]
        assert len(Store(data).read(SESSIONS, ["p8"])) == 1

        output, _ = cli.communicate(timeout=STARTUP_S)
        assert cli.returncode == 0, output.decode()
        cli_run = _until("the CLI run", lambda: _completed(url, "ingest-p7"), 30)
        assert _artifact_keys(url, cli_run.id) == ["ingest-p7"]
        assert len(Store(data).read(SESSIONS, ["p7"])) == 1
    finally:
        _stop(serve)
        _stop(cli)
        if via is not None:
            _stop(via)
    assert serve.poll() is not None and cli.poll() is not None
    print(f"end to end in {time.monotonic() - started:.1f} s")
    shutil.rmtree(inbox, ignore_errors=True)
