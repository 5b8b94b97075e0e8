"""The dashboard served by a real ``streamlit run`` and driven by headless Chromium.

Debian's ``/usr/bin/chromium`` through the ``playwright`` Python package (never a browser
download). One demo data dir (3 participants × 2 weeks, ingested with ``pipelines.app.uploads``, no
Prefect) and one Streamlit server per session; a fresh browser page per test.
"""

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
from playwright.sync_api import Browser, Page, sync_playwright

from demo.accounts import create_demo_accounts
from demo.cohort import generate_cohort
from demo.diaries import write_diaries
from pipelines.app import diary as diary_app
from pipelines.app import participants as settings
from pipelines.app import refresh as refreshing
from pipelines.app import uploads
from pipelines.store.storage import Store

ROOT = Path(__file__).resolve().parents[2]
APP = ROOT / "dashboards" / "app.py"
CHROMIUM = Path("/usr/bin/chromium")
SCREENSHOTS = ROOT / "build" / "screenshots"
WEEKS = 2
HEALTH_TIMEOUT_S = 60
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


@pytest.fixture(scope="session")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A three-person demo data dir: p01 and p03 in group-a, p02 in group-b."""
    root = tmp_path_factory.mktemp("browser")
    cohort = generate_cohort(root / "input", participants=3, weeks=WEEKS)
    diaries = write_diaries(root / "diaries", cohort, weeks=WEEKS)
    store = Store(root / "data")
    for person in cohort:
        settings.configure(
            store, person.id, tz=person.tz, group=person.group, program_start=person.program_start
        )
        stored = uploads.store_uploads(
            store, person.id, uploads.collect_paths([root / "input" / person.id])
        )
        uploads.record(store, person.id, uploads.parse_stored(stored, workers=1))
        refreshing.refresh_participant(store, person.id)
        diary_app.import_diary_file(store, person.id, diaries[person.id])
    create_demo_accounts(store.root, [person.id for person in cohort])
    return store.root


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


@pytest.fixture(scope="session")
def dashboard_url(data_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """``streamlit run dashboards/app.py`` on a free port over the demo data; its base URL."""
    log_path = tmp_path_factory.mktemp("streamlit") / "server.log"
    with streamlit_server(data_dir, log_path) as base:
        yield base


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """Headless Debian Chromium (skips when it is not installed)."""
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} not found: install Debian's `chromium` package for browser tests")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield chromium
        finally:
            chromium.close()


@contextlib.contextmanager
def new_page(browser: Browser) -> Iterator[Page]:
    """A fresh page (own cookies and session) with a desktop-sized viewport."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="en-GB")
    context.set_default_timeout(30_000)
    try:
        yield context.new_page()
    finally:
        context.close()


@pytest.fixture
def page(browser: Browser, dashboard_url: str) -> Iterator[Page]:
    """A fresh page (own cookies and session) with a desktop-sized viewport."""
    with new_page(browser) as fresh:
        yield fresh


@pytest.fixture(scope="session")
def screenshots() -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS
