"""The dashboard served by a real ``streamlit run`` and driven by headless Chromium.

Debian's ``/usr/bin/chromium`` through the ``playwright`` Python package (never a browser
download). One demo data dir (3 participants × 2 weeks, ingested with ``pipelines.app.uploads``, no
Prefect) and one Streamlit server per session; a fresh browser page per test.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from demo.accounts import create_demo_accounts
from tests.support.browser import ROOT, new_page, streamlit_server
from tests.support.cohort import ingested_cohort

CHROMIUM = Path("/usr/bin/chromium")
SCREENSHOTS = ROOT / "build" / "screenshots"
WEEKS = 2
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
    store, participants = ingested_cohort(root, participants=3, weeks=WEEKS)
    create_demo_accounts(store.root, participants)
    return store.root


@pytest.fixture(scope="session")
def dashboard_url(data_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """``streamlit run dashboards/server.py`` on a free port over the demo data; its base URL."""
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


@pytest.fixture
def page(browser: Browser, dashboard_url: str) -> Iterator[Page]:
    """A fresh page (own cookies and session) with a desktop-sized viewport."""
    with new_page(browser) as fresh:
        yield fresh


@pytest.fixture(scope="session")
def screenshots() -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS
