"""OIDC sign-in, a real round trip: Chromium → the dashboard's ``st.login`` → a provider →
back to the dashboard, which shows the pages of the account whose e-mail the provider vouched
for (``dashboards/viewer.py``).

The provider is ``oidc-provider-mock`` served in a thread on 127.0.0.1; it makes the test
register its client (so the redirect URI and client secret are really checked), and its
authorization form takes the user's subject, whose claims (e-mail, name) the test sets
beforehand. The dashboard is ``streamlit run`` over a copy of the demo data with an
``[auth]`` secrets file outside the repo (``--secrets.files``).
"""

from __future__ import annotations

import json
import re
import secrets
import shutil
import threading
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import oidc_provider_mock
import pytest
import werkzeug.serving
from playwright.sync_api import Browser, Page, expect

from pipelines.store.accounts import Accounts
from tests.support.browser import (
    PAGE_TIMEOUT_MS,
    expected_adherence,
    free_port,
    metric_value,
    new_page,
    streamlit_server,
    wait_until_idle,
)

PARTICIPANT = "p01"
EMAIL = "pat.p01@clinic.example"  # given to p01's account, vouched for by the provider
SUBJECT = "4f1c0a9e-pat"  # the provider's id of that person: only the e-mail picks the account
DISPLAY_NAME = "Pat"
STRANGER_EMAIL = "someone.else@clinic.example"  # verified by the provider, but no account
STRANGER_SUBJECT = "77d2e1b3-someone"
# claims p01's e-mail address, which the provider has not verified
UNVERIFIED_SUBJECT = "9b0e55aa-claims-pat"
OIDC_BUTTON = "Sign in with your organisation"


@dataclass(frozen=True)
class OidcDashboard:
    url: str  # the dashboard
    issuer: str  # the provider
    data_dir: Path


def _no_proxy() -> urllib.request.OpenerDirector:
    return urllib.request.build_opener(urllib.request.ProxyHandler({}))


def _send(method: str, url: str, body: object) -> bytes:
    request = urllib.request.Request(
        url,
        data=json.dumps(body).encode(),
        method=method,
        headers={"Content-Type": "application/json"},
    )
    with _no_proxy().open(request, timeout=10) as response:
        return bytes(response.read())


@pytest.fixture(scope="module")
def oidc_issuer() -> Iterator[str]:
    """``oidc-provider-mock`` on 127.0.0.1 (a free port) in a thread; its issuer URL. Clients
    must register and send a nonce."""
    app = oidc_provider_mock.app(require_client_registration=True, require_nonce=True)
    server = werkzeug.serving.make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1})
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()


@pytest.fixture(scope="module")
def oidc_dashboard(
    data_dir: Path, oidc_issuer: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[OidcDashboard]:
    """The dashboard with OIDC sign-in configured, over a copy of the demo data in which p01's
    account signs in through OIDC only (an e-mail, no password)."""
    root = tmp_path_factory.mktemp("oidc")
    data = Path(shutil.copytree(data_dir, root / "data"))
    accounts = Accounts(data)
    accounts.remove_user(PARTICIPANT)  # the demo's password account of p01 …
    accounts.add_user(  # … becomes `backtrack users add p01 … --email … --no-password`
        PARTICIPANT,
        "participant",
        participant=PARTICIPANT,
        display_name=DISPLAY_NAME,
        email=EMAIL,
    )

    port = free_port()
    redirect_uri = f"http://127.0.0.1:{port}/oauth2callback"
    client = json.loads(
        _send("POST", f"{oidc_issuer}/oauth2/clients", {"redirect_uris": [redirect_uri]})
    )
    for subject, email, verified in (
        (SUBJECT, EMAIL, True),
        (STRANGER_SUBJECT, STRANGER_EMAIL, True),
        (UNVERIFIED_SUBJECT, EMAIL, False),
    ):
        _send(
            "PUT",
            f"{oidc_issuer}/users/{urllib.parse.quote(subject, safe='')}",
            {"email": email, "email_verified": verified, "name": f"user {subject}"},
        )
    secrets_toml = root / "secrets.toml"
    secrets_toml.write_text(
        "[auth]\n"
        f'redirect_uri = "{redirect_uri}"\n'
        f'cookie_secret = "{secrets.token_urlsafe(32)}"\n'
        f'client_id = "{client["client_id"]}"\n'
        f'client_secret = "{client["client_secret"]}"\n'
        f'server_metadata_url = "{oidc_issuer}/.well-known/openid-configuration"\n'
    )
    with streamlit_server(
        data, root / "server.log", port=port, extra_args=["--secrets.files", str(secrets_toml)]
    ) as url:
        yield OidcDashboard(url=url, issuer=oidc_issuer, data_dir=data)


@pytest.fixture
def oidc_page(browser: Browser, oidc_dashboard: OidcDashboard) -> Iterator[Page]:
    with new_page(browser) as page:
        yield page


def sign_in_through_provider(page: Page, dashboard: OidcDashboard, subject: str) -> None:
    """From the sign-in page through the provider's authorization form and back."""
    page.goto(dashboard.url)
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible(timeout=PAGE_TIMEOUT_MS)
    page.get_by_role("button", name=OIDC_BUTTON).click()
    expect(page).to_have_url(
        re.compile(rf"^{re.escape(dashboard.issuer)}/oauth2/authorize\?"), timeout=PAGE_TIMEOUT_MS
    )
    page.get_by_placeholder("sub").fill(subject)
    page.get_by_role("button", name="Authorize").click()
    expect(page).to_have_url(re.compile(rf"^{re.escape(dashboard.url)}/?$"))
    expect(page.get_by_test_id("stApp")).to_be_visible(timeout=PAGE_TIMEOUT_MS)


def test_oidc_sign_in_shows_the_accounts_pages(
    oidc_page: Page, oidc_dashboard: OidcDashboard, screenshots: Path
) -> None:
    page = oidc_page
    sign_in_through_provider(page, oidc_dashboard, SUBJECT)
    expect(page.get_by_role("heading", name="My activity")).to_be_visible(timeout=PAGE_TIMEOUT_MS)
    expect(metric_value(page, "Walking target reached")).to_have_text(
        expected_adherence(oidc_dashboard.data_dir, PARTICIPANT)
    )
    expect(page.get_by_test_id("stSidebar")).to_contain_text(
        f"Signed in as {DISPLAY_NAME} (participant)"
    )
    wait_until_idle(page)
    page.screenshot(path=screenshots / "oidc.png", full_page=True)

    # Signing out ends the provider's session too (its end-session page) and leaves no
    # identity behind: back on the sign-in page, and a reload does not sign in again.
    page.get_by_test_id("stSidebar").get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(
        re.compile(rf"^{re.escape(oidc_dashboard.issuer)}/oauth2/end_session\?"),
        timeout=PAGE_TIMEOUT_MS,
    )
    page.get_by_role("button", name="End session").click()
    expect(page.get_by_role("button", name=OIDC_BUTTON)).to_be_visible(timeout=PAGE_TIMEOUT_MS)
    page.reload()
    expect(page.get_by_role("button", name=OIDC_BUTTON)).to_be_visible(timeout=PAGE_TIMEOUT_MS)
    expect(page.get_by_role("heading", name="My activity")).to_have_count(0)


def test_oidc_sign_in_without_an_account_shows_no_data(
    oidc_page: Page, oidc_dashboard: OidcDashboard
) -> None:
    page = oidc_page
    sign_in_through_provider(page, oidc_dashboard, STRANGER_SUBJECT)
    expect(page.get_by_test_id("stAlertContentError")).to_contain_text(
        f"{STRANGER_EMAIL} has no backtrack account", timeout=PAGE_TIMEOUT_MS
    )
    wait_until_idle(page)
    expect(page.get_by_role("heading", name="My activity")).to_have_count(0)
    expect(page.get_by_test_id("stMetric")).to_have_count(0)
    expect(page.get_by_role("button", name=OIDC_BUTTON)).to_have_count(0)
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()


def test_oidc_sign_in_with_an_unverified_email_is_refused(
    oidc_page: Page, oidc_dashboard: OidcDashboard
) -> None:
    page = oidc_page
    sign_in_through_provider(page, oidc_dashboard, UNVERIFIED_SUBJECT)
    expect(page.get_by_test_id("stAlertContentError")).to_contain_text(
        f"has not verified {EMAIL}", timeout=PAGE_TIMEOUT_MS
    )
    wait_until_idle(page)
    expect(page.get_by_role("heading", name="My activity")).to_have_count(0)
    expect(page.get_by_test_id("stMetric")).to_have_count(0)
