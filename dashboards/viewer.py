"""Who is signed in, shared by the pages: accounts (``pipelines.store.accounts``) → ``Viewer``.

* **Password sign-in**: the sign-in page checks the password (argon2) and keeps only the
  session's random token in ``st.session_state[TOKEN_KEY]``; every rerun looks the token up
  (``Accounts.session_user``), so a session expires (2 h idle, 12 h at most), ends on
  sign-out, and ends at once when the account is removed, disabled or its password changes.
* **OIDC sign-in** (optional): when ``.streamlit/secrets.toml`` has an ``[auth]`` section,
  the sign-in page also offers Streamlit's ``st.login``; the provider's verified e-mail
  address must belong to an account (``backtrack users add … --email``), else access is
  refused. See docs/access.md.

Nothing in the URL chooses the viewer: the data layer (``dashboards.data``) scopes every
read and write to the ``Viewer`` built here from the account.
"""

from __future__ import annotations

import time
from typing import Final

import streamlit as st

from dashboards import data
from dashboards.i18n import register, t
from pipelines import config
from pipelines.store.accounts import Accounts, User

TOKEN_KEY: Final = "auth_token"
FAILED_SIGN_IN_DELAY_S: Final = 1.0  # slows password guessing through the form

register(
    {
        "Sign in": "Anmelden",
        "Username": "Benutzername",
        "Password": "Passwort",
        "Unknown username or wrong password.": "Unbekannter Benutzername oder falsches Passwort.",
        "Sign in with your organisation": "Mit Ihrer Organisation anmelden",
        "Sign out": "Abmelden",
        "Signed in as **{name}** ({role})": "Angemeldet als **{name}** ({role})",
        "Your sign-in worked, but {email} has no backtrack account. Ask your coach or the "
        "administrator.": "Die Anmeldung hat geklappt, aber {email} hat kein backtrack-Konto. "
        "Fragen Sie Ihre Betreuung oder die Administration.",
        "Your sign-in worked, but your organisation has not verified {email}.": "Die Anmeldung "
        "hat geklappt, aber Ihre Organisation hat {email} nicht bestätigt.",
        "No participants in your groups yet.": "Noch keine Teilnehmenden in Ihren Gruppen.",
        "Participant": "Teilnehmer/in",
    }
)


@st.cache_resource(show_spinner=False)
def _accounts(root: str) -> Accounts:
    return Accounts(root)


def accounts() -> Accounts:
    """The accounts database of the configured data directory."""
    return _accounts(str(config.data_dir()))


def viewer_for(user: User) -> data.Viewer:
    """The data layer's view of an account."""
    if user.role == "participant":
        return data.Viewer("participant", participant=user.participant, username=user.username)
    if user.role == "coach":
        return data.Viewer("coach", groups=user.groups, username=user.username)
    return data.Viewer("admin", username=user.username)


def signed_in() -> User | None:
    """The account of this browser session, or None (never signed in, expired, removed)."""
    token = st.session_state.get(TOKEN_KEY)
    if token:
        user = accounts().session_user(str(token))
        if user is not None:
            return user
        del st.session_state[TOKEN_KEY]
    return _oidc_user()


def _oidc_configured() -> bool:
    try:
        return "auth" in st.secrets
    except Exception:  # no secrets file at all
        return False


def _oidc_unverified() -> bool:
    """The provider says the e-mail address is not verified (``email_verified`` false; some
    providers send it as a string). Providers that never send the claim must verify."""
    return str(st.user.get("email_verified", True)).lower() == "false"


def _oidc_user() -> User | None:
    if not _oidc_configured() or not st.user.is_logged_in or _oidc_unverified():
        return None
    email = st.user.get("email")
    user = accounts().find_by_email(str(email)) if email else None
    return None if user is None or user.disabled else user


def current() -> data.Viewer:
    """The signed-in viewer; stops the page when nobody is signed in."""
    user = signed_in()
    if user is None:
        st.stop()
    return viewer_for(user)


def sign_in_page() -> None:
    """The only page a visitor who is not signed in can open."""
    st.title(t("Sign in"))
    if _oidc_configured() and st.user.is_logged_in:  # signed in upstream, but no account
        email = st.user.get("email") or "?"
        if _oidc_unverified():
            st.error(
                t(
                    "Your sign-in worked, but your organisation has not verified {email}.",
                    email=email,
                )
            )
        else:
            st.error(
                t(
                    "Your sign-in worked, but {email} has no backtrack account. Ask your coach "
                    "or the administrator.",
                    email=email,
                )
            )
        st.button(t("Sign out"), on_click=st.logout)
        return
    with st.form("sign_in"):
        username = st.text_input(t("Username"), autocomplete="username")
        password = st.text_input(t("Password"), type="password", autocomplete="current-password")
        submitted = st.form_submit_button(t("Sign in"), type="primary")
    if submitted:
        user = accounts().authenticate(username, password)
        if user is None:
            time.sleep(FAILED_SIGN_IN_DELAY_S)
            st.error(t("Unknown username or wrong password."))
        else:
            st.session_state[TOKEN_KEY] = accounts().start_session(user)
            st.rerun()
    if _oidc_configured():
        st.divider()
        st.button(t("Sign in with your organisation"), on_click=st.login)


def sign_out() -> None:
    """End this browser session's sign-in (and the OIDC one, if that is how it began)."""
    token = st.session_state.pop(TOKEN_KEY, None)
    accounts().end_session(token)
    for key in list(st.session_state.keys()):  # nothing of the last user stays around
        if key != "lang":
            del st.session_state[key]
    if _oidc_configured() and st.user.is_logged_in:
        st.logout()


def sidebar(user: User) -> None:
    st.sidebar.caption(
        t(
            "Signed in as **{name}** ({role})",
            name=user.display_name or user.username,
            role=user.role,
        )
    )
    st.sidebar.button(t("Sign out"), on_click=sign_out, key="sign_out")


def pick_participant(viewer: data.Viewer, page: str) -> str:
    """The participant ``page`` shows: the viewer themself, or one chosen from their scope —
    recorded in the audit trail as a view (``data.record_view``: once per 10 minutes)."""
    if viewer.role == "participant":
        assert viewer.participant is not None
        chosen = viewer.participant
    else:
        visible = data.visible_participants(viewer)
        if not visible:
            st.info(t("No participants in your groups yet."))
            st.stop()
        chosen = str(st.sidebar.selectbox(t("Participant"), visible, key="participant_choice"))
    data.record_view(viewer, page, chosen)
    return chosen
