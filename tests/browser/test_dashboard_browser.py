"""The dashboard in a real browser: what a participant and a coach see, and an upload.

Each test signs in through the sign-in form with a demo account (``demo.accounts``),
waits on text (never sleeps), checks the figures against ``pipelines.rules.report.build`` and the
tables, and leaves a screenshot in ``build/screenshots``.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from demo import fitwriter
from pipelines.app import participants as settings
from pipelines.schemas import FILES, PARTICIPANTS
from pipelines.store.storage import Store
from tests.support.browser import (
    PAGE_TIMEOUT_MS,
    expected_adherence,
    metric_value,
    shown_as_ingested,
    sign_in,
    upload,
    upload_streamed,
    wait_until_idle,
)
from tests.support.plaintext import plaintext_uploads

INGEST_TIMEOUT_MS = 90_000  # the ingest subprocess pays Prefect's ~15 s start-up
UPLOAD_NAME = "browser-walk.fit"
STREAMED_NAME = "browser-streamed-walk.fit"


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


def test_coach_sees_the_clinician_report_preview(
    page: Page, dashboard_url: str, screenshots: Path
) -> None:
    sign_in(page, dashboard_url, "coach-a")
    page.get_by_role("link", name="Clinician report").click()
    expect(page.get_by_role("heading", name=re.compile(r"^Clinician report"))).to_be_visible(
        timeout=PAGE_TIMEOUT_MS
    )
    preview = page.get_by_test_id("stImage").locator("img").first
    expect(preview).to_be_visible(timeout=PAGE_TIMEOUT_MS)
    expect(page.get_by_text("Preview of the PDF page")).to_be_visible()
    # the picture has loaded (an A4 page: taller than wide) and the download sits below it
    width, height = preview.evaluate("img => [img.naturalWidth, img.naturalHeight]")
    assert width > 0 and height / width == pytest.approx(297 / 210, rel=0.01)
    download = page.get_by_role("button", name="Download PDF")
    expect(download).to_be_visible()
    image_box, button_box = preview.bounding_box(), download.bounding_box()
    assert image_box is not None and button_box is not None
    assert button_box["y"] >= image_box["y"] + image_box["height"]
    wait_until_idle(page)
    page.screenshot(path=screenshots / "clinician-report.png", full_page=True)


def test_participant_uploads_a_fit_file_streamed(
    page: Page, dashboard_url: str, data_dir: Path, screenshots: Path, tmp_path: Path
) -> None:
    """The large-export path: the file goes in chunks to the dashboard server's endpoint,
    sealed as it comes, and is ingested on the same path as the form's uploads."""
    store = Store(data_dir)
    program_start = settings.load_participant(store, "p01").target.program_start
    assert program_start is not None
    day = program_start.toordinal() + 6
    start = datetime.fromordinal(day).replace(hour=5, minute=20, tzinfo=UTC)
    fit = tmp_path / STREAMED_NAME
    fit.write_bytes(
        fitwriter.activity_file(
            start_utc=start,
            elapsed_s=35 * 60,
            sport=fitwriter.SPORT_WALKING,
            distance_m=2900.0,
            steps=3900,
            name="Walk",
        )
    )
    size = len(fit.read_bytes())
    assert size < 1e6  # shown with two decimals
    size_mb = f"{size / 1e6:.2f}"

    sign_in(page, dashboard_url, "p01")
    expect(page.get_by_role("heading", name="My activity")).to_be_visible()
    expect(page.locator(".bt-choose")).to_have_text("Choose file")
    expect(page.locator(".bt-chosen")).to_have_text("No file chosen")
    upload_streamed(page, fit)
    # the component's own progress line, then the page's status of the ingest
    expect(page.locator(".bt-status")).to_have_text(
        f"Uploaded {STREAMED_NAME} ({size_mb} MB) — it is being read now.",
        timeout=PAGE_TIMEOUT_MS,
    )
    expect(page.locator("progress.bt-progress")).to_have_attribute("value", "100")
    expect(page.locator(".bt-chosen")).to_have_text("No file chosen")  # ready for the next
    expect(shown_as_ingested(page, STREAMED_NAME).first).to_be_attached(timeout=INGEST_TIMEOUT_MS)

    files = store.read(FILES, ["p01"])
    row = files.loc[files["original_name"].str.endswith(STREAMED_NAME)]
    assert list(row["status"]) == ["ok"], files.tail(3).to_dict("records")
    assert plaintext_uploads(data_dir, [fit.read_bytes()]) == []
    assert not [p for p in (data_dir / "raw" / "p01").iterdir() if p.name.startswith(".tmp-")]
    wait_until_idle(page)
    page.screenshot(path=screenshots / "upload-streamed.png", full_page=True)
