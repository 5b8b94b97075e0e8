"""Every chart is drawn in a real browser (issue 18): Chromium's Vega draws visible data marks
for each chart of My activity, Pain, Group and the Clinician report (which has none: its
report is a PDF) — not only a title — and cuts off none of its labels.

AppTest sees the Vega-Lite spec and its data, not what Vega makes of them: the blocks strip
had all its data and a height of 50, which Streamlit's default autosize ("fit") makes the
height of the whole chart, so the title and the slanted dates left the squares 0.25 px —
a chart with only its title; and the group calendar of one person cut off the last two of
its legend's five entries. Here each chart's drawn SVG is read back
(``tests.support.browser.drawn_charts``) and a screenshot of it kept in
``build/screenshots``.

Own data dir and server: the demo cohort (2 people × 2 weeks, programs from 31 August 2026)
where p01 has also uploaded a walk from 2012 — an old device's file in a 2026 program, the
AppTest case of ``tests/dashboards/test_chart_window.py``; p02 has only the demo's files.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from demo import fitwriter
from demo.accounts import create_demo_accounts
from pipelines.app import refresh as refreshing
from pipelines.app import uploads
from pipelines.schemas import DAYS
from pipelines.store.storage import Store
from tests.support.browser import (
    PAGE_TIMEOUT_MS,
    DrawnChart,
    drawn_charts,
    go_to,
    new_page,
    sign_in,
    streamlit_server,
)
from tests.support.cohort import ingested_cohort

OLD = date(2012, 6, 2)  # the walk on p01's old device
# calendar, blocks, training, sessions per week — every chart of My activity with a program
MY_ACTIVITY_CHARTS = 4


@pytest.fixture(scope="module")
def chart_data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo cohort, p01 (group-a) with a 2012 walk besides; p02 in group-b."""
    root = tmp_path_factory.mktemp("charts")
    store, participants = ingested_cohort(root, participants=2, weeks=2)
    old = root / "old-device"
    old.mkdir()
    (old / "walk-2012.fit").write_bytes(
        fitwriter.activity_file(
            start_utc=datetime(OLD.year, OLD.month, OLD.day, 6, tzinfo=UTC),
            elapsed_s=40 * 60,
            sport=fitwriter.SPORT_WALKING,
        )
    )
    stored = uploads.store_uploads(store, "p01", uploads.collect_paths([old]))
    uploads.record(store, "p01", uploads.parse_stored(stored, workers=1))
    refreshing.refresh_participant(store, "p01")
    create_demo_accounts(store.root, participants)
    return store.root


@pytest.fixture(scope="module")
def chart_url(chart_data_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    log_path = tmp_path_factory.mktemp("streamlit-charts") / "server.log"
    with streamlit_server(chart_data_dir, log_path) as base:
        yield base


@pytest.fixture
def chart_page(browser: Browser, chart_url: str) -> Iterator[Page]:
    with new_page(browser) as fresh:
        yield fresh


def _every_chart_drawn(page: Page, count: int, shots: Path, name: str) -> list[DrawnChart]:
    """The page's ``count`` charts, each with visible marks and nothing cut off; a
    screenshot of each."""
    drawn = drawn_charts(page, count)
    for index, chart in enumerate(page.get_by_test_id("stVegaLiteChart").all()):
        chart.screenshot(path=shots / f"chart-{name}-{index}.png")
    blank = [chart for chart in drawn if chart.blank]
    assert blank == [], f"{name}: charts drawn blank: {blank}"
    cut = [chart for chart in drawn if chart.cut_off]
    assert cut == [], f"{name}: charts cut off: {cut}"
    return drawn


def test_the_old_file_is_in_the_data(chart_data_dir: Path) -> None:
    """The set-up this module relies on: p01's days reach back to 2012, p02's do not."""
    days = Store(chart_data_dir).read(DAYS, ["p01", "p02"])
    first = days.groupby("participant")["date"].min()
    assert first["p01"] == OLD
    assert first["p02"] >= date(2026, 8, 31)


@pytest.mark.parametrize("participant", ["p01", "p02"])
def test_a_participant_sees_every_chart_drawn(
    chart_page: Page, chart_url: str, screenshots: Path, participant: str
) -> None:
    page = chart_page
    sign_in(page, chart_url, participant)
    expect(page.get_by_role("heading", name="My activity")).to_be_visible(timeout=PAGE_TIMEOUT_MS)
    drawn = _every_chart_drawn(page, MY_ACTIVITY_CHARTS, screenshots, f"{participant}-activity")
    assert drawn[1].title == "Blocks"
    # blocks are two days long: the demo's two weeks are 7 blocks, each a square to be seen
    assert drawn[1].visible == drawn[1].marks == 7
    go_to(page, "Pain", "Pain")
    (pain,) = _every_chart_drawn(page, 1, screenshots, f"{participant}-pain")
    assert pain.title == "Pain"


def test_a_coach_sees_every_chart_drawn(
    chart_page: Page, chart_url: str, screenshots: Path
) -> None:
    page = chart_page
    sign_in(page, chart_url, "coach")  # both groups; p01 (with the 2012 walk) comes first
    expect(page.get_by_role("heading", name="Group")).to_be_visible(timeout=PAGE_TIMEOUT_MS)
    (heatmap,) = _every_chart_drawn(page, 1, screenshots, "coach-group")
    assert heatmap.title == "Walking minutes per day"
    # My activity and Pain draw the same charts for a coach as for the participant (above)
    # the clinician report is a PDF to download: no chart on the page itself
    go_to(page, "Clinician report", re.compile(r"^Clinician report — p01$"))
    _every_chart_drawn(page, 0, screenshots, "coach-clinician")
