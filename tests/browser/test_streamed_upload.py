"""The streamed upload in a real browser: refused in German — a dashboard server whose limit
is 1 KiB (``BACKTRACK_STREAMED_UPLOAD_MAX_BYTES``) refuses a 4 KiB file from its declared
size, before a byte of it is sent, and the page says why in the person's language; nothing of
the file is stored — and a page rerun in the middle of a slow upload (the browser's upload
throttled), after which the progress goes on in the page's new language and the upload
ends. (The upload that succeeds and is ingested: test_dashboard_browser.py.)"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.support.browser import (
    PAGE_TIMEOUT_MS,
    new_page,
    sign_in,
    streamlit_server,
    upload_streamed,
)

LIMIT_ENV = "BACKTRACK_STREAMED_UPLOAD_MAX_BYTES"


@pytest.fixture(scope="module")
def small_limit_url(data_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    before = os.environ.get(LIMIT_ENV)
    os.environ[LIMIT_ENV] = "1KiB"
    try:
        log = tmp_path_factory.mktemp("streamlit-small-limit") / "server.log"
        with streamlit_server(data_dir, log) as url:
            yield url
    finally:
        if before is None:
            os.environ.pop(LIMIT_ENV, None)
        else:
            os.environ[LIMIT_ENV] = before


@pytest.fixture
def german_page(browser: Browser, small_limit_url: str) -> Iterator[Page]:
    with new_page(browser) as page:
        yield page


def _raw_files(data_dir: Path) -> list[str]:
    return sorted(p.name for p in (data_dir / "raw").rglob("*") if p.is_file())


def test_a_file_over_the_limit_is_refused_with_words_and_nothing_stored(
    german_page: Page, small_limit_url: str, data_dir: Path, tmp_path: Path, screenshots: Path
) -> None:
    page = german_page
    export = tmp_path / "export.zip"
    export.write_bytes(os.urandom(4096))
    before = _raw_files(data_dir)

    sign_in(page, small_limit_url, "p01")
    page.get_by_role("radiogroup", name="Language / Sprache").get_by_text("Deutsch").click()
    expect(page.get_by_role("heading", name="Meine Aktivität")).to_be_visible(
        timeout=PAGE_TIMEOUT_MS
    )
    expect(page.get_by_text("Großer Export (eine Datei bis 1 KiB")).to_be_visible()
    # the file field in the page's language, not the browser's ("Choose File")
    expect(page.locator(".bt-choose")).to_have_text("Datei wählen")
    expect(page.locator(".bt-chosen")).to_have_text("Keine Datei gewählt")
    upload_streamed(page, export, button="Großen Export hochladen")

    refused = (
        "Das Hochladen von export.zip wurde abgelehnt: Die Datei ist größer als die Grenze "
        "von 1 KiB für eine Datei."
    )
    expect(page.get_by_test_id("stAlertContentError")).to_contain_text(
        refused, timeout=PAGE_TIMEOUT_MS
    )
    assert _raw_files(data_dir) == before  # nothing stored, no temporary file either
    page.locator(".bt-upload").screenshot(path=screenshots / "upload-streamed-field-de.png")
    page.screenshot(path=screenshots / "upload-streamed-refused.png", full_page=True)


@pytest.fixture(scope="module")
def own_data_url(data_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A dashboard server over a copy of the data (the upload below is not a valid export)."""
    copy = tmp_path_factory.mktemp("streamed-rerun") / "data"
    shutil.copytree(data_dir, copy)
    limit = os.environ.pop(LIMIT_ENV, None)  # the default limit (the fixture above sets one)
    try:
        with streamlit_server(copy, copy.parent / "server.log") as url:
            yield url
    finally:
        if limit is not None:
            os.environ[LIMIT_ENV] = limit


def test_a_rerun_during_an_upload_keeps_its_progress(
    browser: Browser, own_data_url: str, tmp_path: Path, screenshots: Path
) -> None:
    export = tmp_path / "export.zip"
    export.write_bytes(os.urandom(24 * 2**20))  # three chunks of 8 MiB
    with new_page(browser) as page:
        sign_in(page, own_data_url, "p01")
        expect(page.get_by_role("heading", name="My activity")).to_be_visible(
            timeout=PAGE_TIMEOUT_MS
        )
        cdp = page.context.new_cdp_session(page)
        cdp.send("Network.enable")
        cdp.send(
            "Network.emulateNetworkConditions",
            {
                "offline": False,
                "latency": 0,
                "downloadThroughput": -1,
                "uploadThroughput": 2 * 2**20,  # bytes a second: ≈ 12 s for the file
            },
        )
        status = page.locator(".bt-status")
        upload_streamed(page, export)
        expect(status).to_contain_text("Uploading export.zip: ", timeout=PAGE_TIMEOUT_MS)
        # a rerun of the page while the chunks go: here, switching the language
        page.get_by_role("radiogroup", name="Language / Sprache").get_by_text("Deutsch").click()
        expect(page.get_by_role("heading", name="Meine Aktivität")).to_be_visible(
            timeout=PAGE_TIMEOUT_MS
        )
        expect(status).to_contain_text("export.zip wird hochgeladen: ", timeout=PAGE_TIMEOUT_MS)
        expect(page.get_by_role("button", name="Großen Export hochladen")).to_be_disabled()
        page.locator(".bt-upload").screenshot(path=screenshots / "upload-streamed-rerun-de.png")
        expect(status).to_have_text(
            "export.zip hochgeladen (25,2 MB) — die Datei wird jetzt eingelesen.",
            timeout=60_000,
        )
        expect(page.locator("progress.bt-progress")).to_have_attribute("value", "100")
        expect(page.get_by_role("button", name="Großen Export hochladen")).to_be_enabled()
