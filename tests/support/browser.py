"""The dashboard in a real browser: ``streamlit run`` on a free port, a fresh Chromium page,
and what the pages are read by (the browser and OIDC tests)."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Locator, Page, expect

from dashboards import i18n
from pipelines.app import participants as settings
from pipelines.rules import report as report_mod
from pipelines.schemas import DAYS
from pipelines.store.storage import Store

ROOT = Path(__file__).resolve().parents[2]
APP = ROOT / "dashboards" / "app.py"
HEALTH_TIMEOUT_S = 60

# ---------------------------------------------------------------- the server


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _healthy(url: str) -> bool:
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # never a proxy
    try:
        with opener.open(url, timeout=2) as response:
            return bool(response.read().decode().strip() == "ok")
    except OSError:
        return False


def _stop(server: subprocess.Popen[bytes]) -> None:
    """Terminate the server; kill its whole process group (ingest children too) if need be."""
    if server.poll() is None:
        server.terminate()
        with contextlib.suppress(subprocess.TimeoutExpired):
            server.wait(timeout=10)
    with contextlib.suppress(ProcessLookupError):  # what is left of its group
        os.killpg(server.pid, signal.SIGKILL)
    server.wait(timeout=10)


@contextlib.contextmanager
def streamlit_server(
    data_dir: Path, log_path: Path, *, port: int | None = None, extra_args: Sequence[str] = ()
) -> Iterator[str]:
    """``streamlit run dashboards/app.py`` on ``port`` (default: a free one) over ``data_dir``,
    more options in ``extra_args``, output to ``log_path``; its base URL once healthy, stopped
    on exit."""
    port = port or free_port()
    env = os.environ | {"BACKTRACK_DATA_DIR": str(data_dir)}
    command = [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(APP),
        "--server.headless",
        "true",
        "--server.port",
        str(port),
        "--server.address",
        "127.0.0.1",
        "--browser.gatherUsageStats",
        "false",
        "--server.fileWatcherType",  # a test server never reloads (nor offers to) on edits
        "none",
        *extra_args,
    ]
    with open(log_path, "wb") as log:
        server = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + HEALTH_TIMEOUT_S
        while not _healthy(f"{base}/_stcore/health"):
            if server.poll() is not None or time.monotonic() > deadline:
                output = log_path.read_text(errors="replace")[-3000:]
                pytest.fail(
                    f"streamlit did not answer {base}/_stcore/health within "
                    f"{HEALTH_TIMEOUT_S} s (exit code {server.poll()}):\n{output}"
                )
            time.sleep(0.25)
        yield base
    finally:
        _stop(server)


@contextlib.contextmanager
def new_page(browser: Browser) -> Iterator[Page]:
    """A fresh page (own cookies and session) with a desktop-sized viewport."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="en-GB")
    context.set_default_timeout(30_000)
    try:
        yield context.new_page()
    finally:
        context.close()


# ---------------------------------------------------------------- the pages

PAGE_TIMEOUT_MS = 30_000


def metric_value(page: Page, label: str) -> Locator:
    metric = page.get_by_test_id("stMetric").filter(
        has=page.get_by_test_id("stMetricLabel").get_by_text(label, exact=True)
    )
    return metric.get_by_test_id("stMetricValue")


def wait_until_idle(page: Page) -> None:
    """Until Streamlit's "Running…" status widget has gone (the script run has finished)."""
    expect(page.get_by_test_id("stStatusWidget")).to_have_count(0, timeout=PAGE_TIMEOUT_MS)


def expected_adherence(data_dir: Path, participant: str) -> str:
    store = Store(data_dir)
    report = report_mod.build(
        settings.load_participant(store, participant), store.read(DAYS, [participant])
    )
    i18n.use("en")
    return i18n.fmt_percent(report["adherence"]["ratio"])  # as the page formats it
