"""The dashboard in a real browser: ``streamlit run`` on a free port, a fresh Chromium page,
and what the pages are read by (the browser and OIDC tests)."""

from __future__ import annotations

import contextlib
import os
import re
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
from demo.accounts import DEMO_PASSWORD
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


def open_app(page: Page, url: str) -> None:
    page.goto(url)
    expect(page.get_by_test_id("stApp")).to_be_visible(timeout=PAGE_TIMEOUT_MS)


def sign_in(page: Page, url: str, username: str, password: str = DEMO_PASSWORD) -> None:
    """Open the app and sign in through its form (the only page a visitor sees)."""
    open_app(page, url)
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible(timeout=PAGE_TIMEOUT_MS)
    page.get_by_role("textbox", name="Username").fill(username)
    page.get_by_role("textbox", name="Password").fill(password)
    page.get_by_test_id("stFormSubmitButton").get_by_role("button").click()
    expect(page.get_by_role("heading", name="Sign in")).to_have_count(0, timeout=PAGE_TIMEOUT_MS)


def upload(page: Page, path: Path) -> float:
    """Choose ``path`` in the page's tracker-file uploader and, when the uploader sits in a
    form, submit it; the moment of the click (``time.monotonic()``)."""
    inputs = page.locator("input[type=file]")
    expect(inputs.first).to_be_attached(timeout=PAGE_TIMEOUT_MS)
    fit_inputs = page.locator("input[type=file][accept*='.fit' i]")
    file_input = (fit_inputs if fit_inputs.count() else inputs).first
    file_input.set_input_files(path)
    uploader = page.get_by_test_id("stFileUploader").filter(has=file_input)
    expect(uploader).to_contain_text(path.name)  # the browser has sent it to the server
    form = page.get_by_test_id("stForm").filter(has=file_input)
    clicked = time.monotonic()
    if form.count():
        form.get_by_test_id("stFormSubmitButton").get_by_role("button").click()
    return clicked


def shown_as_ingested(page: Page, name: str) -> Locator:
    """Where the page says ``name`` was ingested: a row of a data grid (st.dataframe mirrors
    its visible cells in an accessibility table) or a line of text outside the uploader."""
    exact = re.compile(rf"^\s*{re.escape(name)}\s*$")
    ingested = re.compile(r"^\s*ingested\s*$", re.I)
    row = (
        page.locator("tr[role=row]")
        .filter(has=page.locator("td", has_text=exact))
        .filter(has=page.locator("td", has_text=ingested))
    )
    line = page.get_by_text(
        re.compile(
            rf"{re.escape(name)}.*(?<!not )\bingested\b|(?<!not )\bingested\b.*{re.escape(name)}",
            re.I,
        )
    ).filter(has_not=page.get_by_test_id("stFileUploader"))
    return row.or_(line)


def expected_adherence(data_dir: Path, participant: str) -> str:
    store = Store(data_dir)
    report = report_mod.build(
        settings.load_participant(store, participant), store.read(DAYS, [participant])
    )
    i18n.use("en")
    return i18n.fmt_percent(report["adherence"]["ratio"])  # as the page formats it
