"""The dashboard in a real browser: what a participant and a coach see, and an upload.

Each test signs in through the sign-in form with a demo account (``demo.accounts``),
waits on text (never sleeps), checks the figures against ``pipelines.rules.report.build`` and the
tables, and leaves a screenshot in ``build/screenshots``.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

from playwright.sync_api import Locator, Page, expect

from demo import fitwriter
from pipelines.app import participants as settings
from pipelines.schemas import FILES, PARTICIPANTS
from pipelines.store.storage import Store
from tests.support.browser import (
    PAGE_TIMEOUT_MS,
    expected_adherence,
    metric_value,
    sign_in,
    wait_until_idle,
)
from tests.support.plaintext import plaintext_uploads

INGEST_TIMEOUT_MS = 90_000  # the ingest subprocess pays Prefect's ~15 s start-up
UPLOAD_NAME = "browser-walk.fit"


def upload(page: Page, path: Path) -> None:
    """Choose ``path`` in the page's tracker-file uploader and, when the uploader sits in a
    form, submit it."""
    inputs = page.locator("input[type=file]")
    expect(inputs.first).to_be_attached(timeout=PAGE_TIMEOUT_MS)
    fit_inputs = page.locator("input[type=file][accept*='.fit' i]")
    file_input = (fit_inputs if fit_inputs.count() else inputs).first
    file_input.set_input_files(path)
    uploader = page.get_by_test_id("stFileUploader").filter(has=file_input)
    expect(uploader).to_contain_text(path.name)  # the browser has sent it to the server
    form = page.get_by_test_id("stForm").filter(has=file_input)
    if form.count():
        form.get_by_test_id("stFormSubmitButton").get_by_role("button").click()


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


def test_participant_sees_their_adherence(
    page: Page, dashboard_url: str, data_dir: Path, screenshots: Path
) -> None:
    sign_in(page, f"{dashboard_url}/?participant=p02", "p01")  # the URL names no one
    expect(page.get_by_role("heading", name="My activity")).to_be_visible()
    adherence = metric_value(page, "Walking target reached")
    expect(adherence).to_have_text(expected_adherence(data_dir, "p01"))
    wait_until_idle(page)
    page.screenshot(path=screenshots / "participant.png", full_page=True)
    # Streamlit's developer toolbar ("Deploy", rerun and theme options) is not for patients:
    # .streamlit/config.toml sets client.toolbarMode = "viewer" (issue 18)
    expect(page.get_by_test_id("stToolbar")).to_be_attached()
    expect(page.get_by_test_id("stAppDeployButton")).to_have_count(0)
    expect(page.get_by_role("button", name="Deploy")).to_have_count(0)


def test_coach_sees_only_their_group(
    page: Page, dashboard_url: str, data_dir: Path, screenshots: Path
) -> None:
    people = Store(data_dir).read(PARTICIPANTS)
    group = str(people.loc[people["participant"] == "p01", "group"].iloc[0])
    members = sorted(people.loc[people["group"] == group, "participant"])
    others = sorted(set(people["participant"]) - set(members))
    assert members and others  # the demo cohort has two groups

    sign_in(page, dashboard_url, f"coach-{group.removeprefix('group-')}")
    table = page.get_by_test_id("stDataFrame").first
    expect(table).to_be_visible(timeout=PAGE_TIMEOUT_MS)
    # st.dataframe draws on a canvas; glide-data-grid mirrors the visible cells in an
    # accessibility table inside it, which is what a screen reader (and this test) reads.
    cells = table.locator("td[role=gridcell]")
    for member in members:
        expect(cells.filter(has_text=re.compile(rf"^{member}$"))).to_have_count(1)
    wait_until_idle(page)
    shown = {text.strip() for text in cells.all_text_contents()}
    assert set(members) <= shown
    assert shown & set(others) == set()
    page.screenshot(path=screenshots / "coach.png", full_page=True)


def test_participant_uploads_a_fit_file(
    page: Page, dashboard_url: str, data_dir: Path, screenshots: Path, tmp_path: Path
) -> None:
    store = Store(data_dir)
    program_start = settings.load_participant(store, "p01").target.program_start
    assert program_start is not None
    day = program_start.toordinal() + 5  # inside the demo's two weeks
    start = datetime.fromordinal(day).replace(hour=5, minute=10, tzinfo=UTC)  # early: no overlap
    fit = tmp_path / UPLOAD_NAME
    fit.write_bytes(
        fitwriter.activity_file(
            start_utc=start,
            elapsed_s=40 * 60,
            sport=fitwriter.SPORT_WALKING,
            distance_m=3200.0,
            steps=4400,
            name="Walk",
        )
    )

    sign_in(page, dashboard_url, "p01")
    expect(page.get_by_role("heading", name="My activity")).to_be_visible()
    upload(page, fit)
    expect(shown_as_ingested(page, UPLOAD_NAME).first).to_be_attached(timeout=INGEST_TIMEOUT_MS)

    files = store.read(FILES, ["p01"])
    row = files.loc[files["original_name"].str.endswith(UPLOAD_NAME)]
    assert list(row["status"]) == ["ok"], files.tail(3).to_dict("records")
    # the upload lies nowhere in the data dir but sealed in the raw store (issue 14)
    assert plaintext_uploads(data_dir, [fit.read_bytes()]) == []
    wait_until_idle(page)
    page.screenshot(path=screenshots / "upload.png", full_page=True)
