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
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Locator, Page, expect

from dashboards import i18n
from demo.accounts import DEMO_PASSWORD
from pipelines.app import participants as settings
from pipelines.rules import report as report_mod
from pipelines.schemas import DAYS
from pipelines.store.storage import Store

ROOT = Path(__file__).resolve().parents[2]
APP = ROOT / "dashboards" / "server.py"  # the app and its streamed-upload endpoint
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
    """``streamlit run dashboards/server.py`` on ``port`` (default: a free one) over ``data_dir``,
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


def go_to(page: Page, title: str, heading: str | re.Pattern[str]) -> None:
    """Open the page ``title`` through the sidebar's navigation (the session, and with it the
    sign-in, stays); wait until it shows ``heading`` and its script has run."""
    page.get_by_test_id("stSidebarNav").get_by_role("link", name=title, exact=True).click()
    exact = isinstance(heading, str)  # "Pain" is not "Walking and pain — …"
    expect(page.get_by_role("heading", name=heading, exact=exact)).to_be_visible(
        timeout=PAGE_TIMEOUT_MS
    )
    wait_until_idle(page)


def metric_value(page: Page, label: str) -> Locator:
    metric = page.get_by_test_id("stMetric").filter(
        has=page.get_by_test_id("stMetricLabel").get_by_text(label, exact=True)
    )
    return metric.get_by_test_id("stMetricValue")


def wait_until_idle(page: Page) -> None:
    """Until Streamlit's "Running…" status widget has gone (the script run has finished)."""
    expect(page.get_by_test_id("stStatusWidget")).to_have_count(0, timeout=PAGE_TIMEOUT_MS)


def upload(page: Page, path: Path) -> float:
    """Choose ``path`` in the page's tracker-file uploader and, when the uploader sits in a
    form, submit it; the moment of the click (``time.monotonic()``)."""
    inputs = page.locator("input[type=file]:not([data-backtrack-streamed])")
    expect(inputs.first).to_be_attached(timeout=PAGE_TIMEOUT_MS)
    fit_inputs = page.locator("input[type=file][accept*='.fit' i]:not([data-backtrack-streamed])")
    file_input = (fit_inputs if fit_inputs.count() else inputs).first
    file_input.set_input_files(path)
    uploader = page.get_by_test_id("stFileUploader").filter(has=file_input)
    expect(uploader).to_contain_text(path.name)  # the browser has sent it to the server
    form = page.get_by_test_id("stForm").filter(has=file_input)
    clicked = time.monotonic()
    if form.count():
        form.get_by_test_id("stFormSubmitButton").get_by_role("button").click()
    return clicked


def upload_streamed(page: Page, path: Path, button: str = "Upload large export") -> float:
    """Choose ``path`` in the page's streamed upload of large exports and start it with its
    ``button``; the moment of the click (``time.monotonic()``)."""
    file_input = page.locator("input[type=file][data-backtrack-streamed]")
    expect(file_input).to_be_attached(timeout=PAGE_TIMEOUT_MS)
    file_input.set_input_files(path)
    expect(page.locator(".bt-chosen")).to_have_text(path.name)  # the page names the choice
    clicked = time.monotonic()
    page.get_by_role("button", name=button).click()
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


# ---------------------------------------------------------------- the charts

# What Vega drew for each chart (Streamlit embeds Vega-Lite with Vega's SVG renderer): the
# chart's title, the size of its plot area (the root group's background) and its data marks
# (``role-mark`` groups; axes, legends and titles are other roles), counting as *visible*
# only a mark inside the drawn SVG of at least 2 × 2 px — or 2 px long for a rule or line,
# whose box has no height when it is level — a mark squeezed to no height, or cut off below
# the chart, is no mark anyone sees — and the texts that reach out of the SVG (cut off).
_DRAWN_CHARTS_JS = """
() => [...document.querySelectorAll('[data-testid="stVegaLiteChart"]')].map((chart) => {
  const svg = chart.querySelector('svg.marks');
  if (svg === null) return {title: '', drawn: false, plot: [0, 0], marks: 0, visible: 0, cut: []};
  const box = svg.getBoundingClientRect();
  const frame = svg.querySelector('g.role-frame.root > g > path.background');
  const plot = frame === null ? {width: 0, height: 0} : frame.getBBox();
  const marks = [...svg.querySelectorAll('g.role-mark > *')];
  const visible = marks.filter((mark) => {
    const r = mark.getBoundingClientRect();
    const width = Math.min(r.right, box.right) - Math.max(r.left, box.left);
    const height = Math.min(r.bottom, box.bottom) - Math.max(r.top, box.top);
    const stroke = mark.parentElement.matches('.mark-rule, .mark-line');
    return stroke ? width >= 0 && height >= 0 && Math.max(width, height) >= 2
                  : width >= 2 && height >= 2;
  });
  // titles, axis and legend labels whose middle lies outside the drawn SVG (a text's box
  // holds the font's whole line height, which may stick out by a pixel or two)
  const cut = [...svg.querySelectorAll('text')].filter((text) => {
    const r = text.getBoundingClientRect();
    const x = (r.left + r.right) / 2;
    const y = (r.top + r.bottom) / 2;
    return r.width > 0 && (x < box.left || x > box.right || y < box.top || y > box.bottom);
  }).map((text) => text.textContent);
  const title = svg.querySelector('.role-title-text text');
  return {
    title: title === null ? '' : title.textContent,
    drawn: true,
    plot: [plot.width, plot.height],
    marks: marks.length,
    visible: visible.length,
    cut: cut,
  };
})
"""


@dataclass(frozen=True)
class DrawnChart:
    """One ``st.altair_chart`` as the browser's Vega drew it (see ``drawn_charts``)."""

    title: str
    drawn: bool  # Vega has put its SVG in the page
    plot: tuple[float, float]  # width, height of the plot area in px
    marks: int  # data marks (rects, symbols, lines, rules …), axes and legends not counted
    visible: int  # of those, the ones to be seen (2 × 2 px, a rule or line 2 px long)
    cut_off: tuple[str, ...]  # texts (titles, axis and legend labels) out of the SVG

    @property
    def blank(self) -> bool:
        """Nothing of the data to be seen: no SVG, no plot area or no visible mark."""
        return not self.drawn or min(self.plot) < 2 or self.visible == 0


def drawn_charts(page: Page, count: int) -> list[DrawnChart]:
    """The page's ``count`` Vega-Lite charts in page order, once it has that many and Vega
    has drawn every one of them."""
    expect(page.get_by_test_id("stVegaLiteChart")).to_have_count(count, timeout=PAGE_TIMEOUT_MS)
    page.wait_for_function(
        """() => [...document.querySelectorAll('[data-testid="stVegaLiteChart"]')]
                 .every((chart) => chart.querySelector('svg.marks g.role-frame.root'))""",
        timeout=PAGE_TIMEOUT_MS,
    )
    found: list[dict[str, Any]] = page.evaluate(_DRAWN_CHARTS_JS)
    return [
        DrawnChart(
            title=str(f["title"]),
            drawn=bool(f["drawn"]),
            plot=(float(f["plot"][0]), float(f["plot"][1])),
            marks=int(f["marks"]),
            visible=int(f["visible"]),
            cut_off=tuple(str(text) for text in f["cut"]),
        )
        for f in found
    ]
