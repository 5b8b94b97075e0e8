"""The whole system as ``make demo`` starts it (``backtrack up``: Prefect server, ``backtrack
serve`` with its upload worker, dashboard), driven through Chromium: a participant signs in
and uploads a FIT file, the page shows it ingested within 5 s of the click, the completed
flow run and its artifact are on the Prefect server; a second file through the streamed
upload (the large-export path) is ingested within 5 s as well; and Ctrl-C leaves nothing
running."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, expect

from demo import fitwriter
from demo.accounts import create_demo_accounts
from pipelines.app import participants as settings
from pipelines.schemas import FILES
from pipelines.store.storage import Store
from tests.support.browser import (
    free_port,
    new_page,
    shown_as_ingested,
    sign_in,
    upload,
    upload_streamed,
)

UP_TIMEOUT_S = 300  # a first Prefect start creates its database; a busy machine is slower
INGESTED_WITHIN_S = 5.0  # issue 18: click → "ingested" on the page
UPLOAD_NAME = "system-walk.fit"
STREAMED_NAME = "system-streamed-walk.fit"


def _api(base: str, path: str, body: dict[str, Any]) -> Any:
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    request = urllib.request.Request(
        f"{base}{path}",
        data=json.dumps(body).encode(),
        headers={"content-type": "application/json"},
        method="POST",
    )
    with opener.open(request, timeout=10) as response:
        return json.loads(response.read())


def _processes_naming(text: str) -> list[str]:
    """Command lines of running processes that mention ``text`` (not zombies)."""
    found = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            command = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode()
            state = (proc / "stat").read_text().split(")")[-1].split()[0]
        except OSError:
            continue
        if text in command and state != "Z":
            found.append(command)
    return found


class Stack:
    def __init__(self, process: subprocess.Popen[str], dashboard: str, prefect: str) -> None:
        self.process = process
        self.dashboard = dashboard
        self.prefect = prefect


@pytest.fixture
def stack(tmp_path: Path) -> Iterator[Stack]:
    """``backtrack up`` over a fresh data directory with p01 (program from 1 Dec 2026) and
    the demo accounts, on free ports, its Prefect home in ``tmp_path``."""
    store = Store(tmp_path / "data")
    settings.configure(
        store,
        "p01",
        tz="Europe/Berlin",
        group="group-a",
        program_start=datetime(2026, 12, 1).date(),
    )
    create_demo_accounts(store.root, ["p01"])
    prefect_port, dashboard_port = free_port(), free_port()
    process = subprocess.Popen(
        [
            *(sys.executable, "-m", "pipelines.cli.main", "up"),
            *("--data-dir", str(store.root), "--prefect-home", str(tmp_path / "prefect")),
            *("--prefect-port", str(prefect_port), "--dashboard-port", str(dashboard_port)),
            *("--logs", str(tmp_path / "logs")),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=os.environ | {"PYTHONUNBUFFERED": "1"},
        start_new_session=True,
    )
    try:
        assert process.stdout is not None
        said: list[str] = []
        deadline = time.monotonic() + UP_TIMEOUT_S
        while not said or not said[-1].startswith("all parts are up"):
            line = process.stdout.readline()
            assert line and time.monotonic() < deadline, "".join(said)
            said.append(line)
        yield Stack(
            process, f"http://127.0.0.1:{dashboard_port}", f"http://127.0.0.1:{prefect_port}/api"
        )
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGINT)
            try:
                process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)


@pytest.mark.system
def test_the_full_stack_ingests_an_upload_within_seconds(
    stack: Stack, browser: Browser, tmp_path: Path
) -> None:
    fit = tmp_path / UPLOAD_NAME
    fit.write_bytes(
        fitwriter.activity_file(
            start_utc=datetime(2026, 12, 3, 9, 0, tzinfo=UTC),
            elapsed_s=40 * 60,
            sport=fitwriter.SPORT_WALKING,
            steps=4400,
            name="Walk",
        )
    )
    with new_page(browser) as page:
        sign_in(page, stack.dashboard, "p01")
        expect(page.get_by_role("heading", name="My activity")).to_be_visible()
        clicked = upload(page, fit)
        expect(shown_as_ingested(page, UPLOAD_NAME).first).to_be_attached(timeout=60_000)
        took = time.monotonic() - clicked
        clicked_wall = time.time() - took
    [job] = [f for f in (tmp_path / "data" / "inbox" / "p01").iterdir() if f.is_dir()]
    # the request (claimed.json keeps its time) and the worker's result, after the click
    request_s, result_s = (
        (job / name).stat().st_mtime - clicked_wall for name in ("claimed.json", "result.json")
    )
    assert took <= INGESTED_WITHIN_S, (
        f"ingested {took:.1f} s after the click (request at {request_s:.1f} s, "
        f"the worker's result at {result_s:.1f} s)"
    )

    files = Store(tmp_path / "data").read(FILES, ["p01"])
    assert files["status"].tolist() == ["ok"]
    # the run on the Prefect server: the served worker's flow run, completed, with its artifact
    runs = _api(
        stack.prefect, "/flow_runs/filter", {"flow_runs": {"name": {"any_": ["ingest-p01"]}}}
    )
    assert [(run["name"], run["state_type"]) for run in runs] == [("ingest-p01", "COMPLETED")]
    artifacts = _api(
        stack.prefect, "/artifacts/filter", {"artifacts": {"key": {"any_": ["ingest-p01"]}}}
    )
    assert [a["flow_run_id"] for a in artifacts] == [runs[0]["id"]]
    assert "1 file(s), 1 session(s) added." in artifacts[0]["data"]

    # a large export's path (the streamed upload to the dashboard server's endpoint) reaches
    # the same warm worker: ingested within seconds too
    streamed_fit = tmp_path / STREAMED_NAME
    streamed_fit.write_bytes(
        fitwriter.activity_file(
            start_utc=datetime(2026, 12, 4, 9, 0, tzinfo=UTC),
            elapsed_s=35 * 60,
            sport=fitwriter.SPORT_WALKING,
            steps=3900,
            name="Walk",
        )
    )
    with new_page(browser) as page:
        sign_in(page, stack.dashboard, "p01")
        expect(page.get_by_role("heading", name="My activity")).to_be_visible()
        clicked = upload_streamed(page, streamed_fit)
        expect(shown_as_ingested(page, STREAMED_NAME).first).to_be_attached(timeout=60_000)
        took = time.monotonic() - clicked
    assert took <= INGESTED_WITHIN_S, f"streamed upload ingested {took:.1f} s after the click"
    files = Store(tmp_path / "data").read(FILES, ["p01"])
    assert sorted(files["original_name"]) == sorted([STREAMED_NAME, UPLOAD_NAME])
    assert files["status"].tolist() == ["ok", "ok"]

    # Ctrl-C: everything stops, nothing of it is left running
    stack.process.send_signal(signal.SIGINT)
    out, _ = stack.process.communicate(timeout=60)
    assert stack.process.returncode == 0, out
    assert out.rstrip().endswith("stopped: nothing left running")
    assert _processes_naming(str(tmp_path)) == []
