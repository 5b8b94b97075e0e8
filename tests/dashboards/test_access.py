"""Access control: who may see what, enforced by the data layer and reached only by signing in.

* every scoped function of ``dashboards.data`` refuses a viewer outside its scope — the list
  is checked to be complete, so a new function cannot skip this test;
* through the app: no URL parameter, widget value or forged token widens a participant's or
  a coach's view; the sign-in form, sign-out and session expiry behave.
"""

from __future__ import annotations

import inspect
import shutil
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from streamlit.testing.v1 import AppTest

from dashboards import data
from dashboards import viewer as viewer_mod
from pipelines.store.accounts import ABSOLUTE_TIMEOUT, IDLE_TIMEOUT, Accounts
from tests.support.signin import TOKEN_KEY, account_for, token_for

APP = Path(__file__).resolve().parents[2] / "dashboards" / "app.py"
TIMEOUT_S = 30
P01 = data.Viewer("participant", participant="p01")
COACH_A = data.Viewer("coach", groups=frozenset({"group-a"}))  # p01, p03
SOME_DAY = date(2024, 5, 1)

Call = Callable[[data.Viewer, str, data.Tables], Any]

# Every function of dashboards.data that takes a viewer, called on a participant...
ON_PARTICIPANT: dict[str, Call] = {
    "settings": lambda v, p, t: data.settings(v, p, t),
    "days": lambda v, p, t: data.days(v, p, t),
    "blocks": lambda v, p, t: data.blocks(v, p, t),
    "sessions": lambda v, p, t: data.sessions(v, p, t),
    "report": lambda v, p, t: data.report(v, p, t),
    "files": lambda v, p, t: data.files(v, p, t),
    "last_upload": lambda v, p, t: data.last_upload(v, p, t),
    "participant_alerts": lambda v, p, t: data.participant_alerts(v, p, t, as_of=SOME_DAY),
    "require": lambda v, p, t: data.require(v, p, t),
    "require_write": lambda v, p, t: data.require_write(v, p, t),
    "set_session_category": lambda v, p, t: data.set_session_category(v, p, "x", "walking", t),
    "add_diary_entry": lambda v, p, t: data.add_diary_entry(v, p, day=SOME_DAY, pain=10, tables=t),
    "import_diary": lambda v, p, t: data.import_diary(v, p, "diary.csv", b"date,pain\n", t),
    "record_view": lambda v, p, t: data.record_view(v, "test", p, t),
    "participant_export": lambda v, p, t: data.participant_export(v, p, t),
    "audit_trail": lambda v, p, t: data.audit_trail(v, t),  # admins only: any p is outside
    "fhir_bundle": lambda v, p, t: data.fhir_bundle(v, p, None, None, t),
    "questionnaire_answers": lambda v, p, t: data.questionnaire_answers(v, p, t),
    "questionnaire_scores": lambda v, p, t: data.questionnaire_scores(v, p, t),
    "due_questionnaires": lambda v, p, t: data.due_questionnaires(v, p, t, today=SOME_DAY),
    "answer_questionnaire": lambda v, p, t: data.answer_questionnaire(
        v, p, "pgic", SOME_DAY, {"change": 5}, t
    ),
    "set_prescription": lambda v, p, t: data.set_prescription(
        v,
        p,
        t,
        min_minutes=30,
        max_minutes=60,
        every_n_days=2,
        min_bout_minutes=10,
        program_start=None,
    ),
}
# ... or on a group.
ON_GROUP: dict[str, Call] = {
    "group_overview": lambda v, g, t: data.group_overview(v, g, t),
    "coach_overview": lambda v, g, t: data.coach_overview(v, g, t, as_of=SOME_DAY),
    "group_thresholds": lambda v, g, t: data.group_thresholds(v, g, t),
    "set_group_thresholds": lambda v, g, t: data.set_group_thresholds(
        v, g, data.group_thresholds(data.Viewer("admin"), "group-a", t), t
    ),
    "group_days": lambda v, g, t: data.group_days(v, g, t, start=SOME_DAY, end=SOME_DAY),
    "record_group_view": lambda v, g, t: data.record_group_view(v, "test", g, [], t),
    "group_questionnaire_scores": lambda v, g, t: data.group_questionnaire_scores(v, g, t),
}
# Functions that take a viewer but only ever narrow to it.
SCOPE_ITSELF = {"visible_participants", "visible_groups"}


def test_every_function_that_takes_a_viewer_is_checked_here() -> None:
    takes_viewer = {
        name
        for name, fn in inspect.getmembers(data, inspect.isfunction)
        if fn.__module__ == data.__name__
        and not name.startswith("_")
        and "viewer" in inspect.signature(fn).parameters
    }
    assert takes_viewer == set(ON_PARTICIPANT) | set(ON_GROUP) | SCOPE_ITSELF


@pytest.fixture(scope="module")
def writable(data_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> data.StoreTables:
    """A copy: a refused write must change nothing (each test checks), but a bug might."""
    from pipelines.store.storage import Store

    copy = shutil.copytree(data_dir, tmp_path_factory.mktemp("access") / "data")
    return data.StoreTables(Store(copy))


OUTSIDE = [
    (P01, "p02"),
    (P01, "p03"),
    (P01, "../p01"),
    (P01, "p01/../p02"),
    (P01, ""),
    (COACH_A, "p02"),
    (COACH_A, "nobody"),
    (COACH_A, "../../etc/passwd"),
    (data.Viewer("coach"), "p01"),  # a coach of no group
]


@pytest.mark.parametrize("name", sorted(ON_PARTICIPANT))
@pytest.mark.parametrize(("viewer", "other"), OUTSIDE)
def test_no_participant_function_reaches_outside_the_scope(
    writable: data.StoreTables, name: str, viewer: data.Viewer, other: str
) -> None:
    before = _snapshot(writable.store.root)
    with pytest.raises(PermissionError):
        ON_PARTICIPANT[name](viewer, other, writable)
    assert _snapshot(writable.store.root) == before


@pytest.mark.parametrize("name", sorted(ON_GROUP))
@pytest.mark.parametrize(
    ("viewer", "group"),
    [(P01, "group-a"), (COACH_A, "group-b"), (COACH_A, "../group-a"), (COACH_A, "")],
)
def test_no_group_function_reaches_outside_the_scope(
    writable: data.StoreTables, name: str, viewer: data.Viewer, group: str
) -> None:
    before = _snapshot(writable.store.root)
    with pytest.raises(PermissionError):
        ON_GROUP[name](viewer, group, writable)
    assert _snapshot(writable.store.root) == before


def test_a_participant_may_not_change_their_own_prescription(
    writable: data.StoreTables,
) -> None:
    with pytest.raises(PermissionError):
        ON_PARTICIPANT["set_prescription"](P01, "p01", writable)


def _snapshot(root: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(root)): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and "locks" not in p.parts and not p.name.startswith("accounts.sqlite3")
    }


# ------------------------------------------------------------------- through the app


def _app(monkeypatch: pytest.MonkeyPatch, data_dir: Path) -> AppTest:
    monkeypatch.setenv("BACKTRACK_DATA_DIR", str(data_dir))
    return AppTest.from_file(APP, default_timeout=TIMEOUT_S)


def _shown(at: AppTest) -> str:
    parts = [str(e.value) for kind in ("title", "caption", "markdown") for e in at.get(kind)]
    parts += [str(df.value.to_dict()) for df in at.dataframe]
    return "\n".join(parts)


def _as_p01_with_hostile_inputs(monkeypatch: pytest.MonkeyPatch, data_dir: Path) -> AppTest:
    at = _app(monkeypatch, data_dir)
    at.session_state[TOKEN_KEY] = token_for(data_dir, participant="p01")
    at.session_state["participant_choice"] = "p02"  # the coaches' picker
    at.session_state["viewer"] = data.Viewer("admin")  # the old URL stub's key
    at.query_params.update({"participant": "p02", "coach": "group-b", "admin": "1"})
    return at.run()


@pytest.mark.parametrize("page", ["pages/my_activity.py", "pages/pain.py"])
def test_url_parameters_and_widget_values_never_widen_a_participants_view(
    monkeypatch: pytest.MonkeyPatch, data_dir: Path, page: str
) -> None:
    at = _as_p01_with_hostile_inputs(monkeypatch, data_dir)
    at.switch_page(page).run()
    assert not at.exception
    assert at.metric or at.dataframe or at.get("plotly_chart") or at.get("arrow_vega_lite_chart")
    shown = _shown(at)
    assert "p02" not in shown and "p03" not in shown


@pytest.mark.parametrize(
    "page", ["pages/group.py", "pages/prescription.py", "pages/clinician_report.py"]
)
def test_coach_pages_do_not_exist_for_a_participant(
    monkeypatch: pytest.MonkeyPatch, data_dir: Path, page: str
) -> None:
    at = _as_p01_with_hostile_inputs(monkeypatch, data_dir)
    with pytest.raises(ValueError, match="Known pages"):
        at.switch_page(page)


def test_a_coach_cannot_pick_a_participant_outside_their_groups(
    monkeypatch: pytest.MonkeyPatch, data_dir: Path
) -> None:
    at = _app(monkeypatch, data_dir)
    at.session_state[TOKEN_KEY] = token_for(data_dir, coach="group-a")
    at.query_params.update({"participant": "p02"})
    at.run()
    at.switch_page("pages/my_activity.py").run()
    assert not at.exception
    [picker] = [s for s in at.sidebar.selectbox if s.key == "participant_choice"]
    assert list(picker.options) == ["p01", "p03"]
    with pytest.raises(Exception):  # noqa: B017 — the widget refuses a value it does not offer
        picker.set_value("p02").run()
    assert "p02" not in _shown(at)


def test_the_sign_in_form_signs_in_and_out(
    monkeypatch: pytest.MonkeyPatch, data_dir: Path, tmp_path: Path
) -> None:
    root = Path(shutil.copytree(data_dir, tmp_path / "data"))
    for old in root.glob("accounts.sqlite3*"):  # accounts other tests made
        old.unlink()
    Accounts(root).add_user("anna", "participant", participant="p01", password="a long secret")
    monkeypatch.setattr(viewer_mod, "FAILED_SIGN_IN_DELAY_S", 0.0)
    at = _app(monkeypatch, root).run()
    at.text_input[0].input("anna")
    at.text_input[1].input("the wrong one")
    at.button[0].click().run()
    assert [e.value for e in at.error] == ["Unknown username or wrong password."]
    assert [e.value for e in at.title] == ["Sign in"]
    at.text_input[0].input("anna")
    at.text_input[1].input("a long secret")
    at.button[0].click().run()
    assert not at.exception
    assert [e.value for e in at.title] == ["My activity"]
    assert at.metric  # the participant's figures
    token = at.session_state[TOKEN_KEY]
    at.sidebar.button(key="sign_out").click().run()
    assert not at.metric and not at.dataframe
    assert TOKEN_KEY not in at.session_state
    assert Accounts(root).session_user(token) is None  # the session is gone server-side
    again = _app(monkeypatch, root)
    again.session_state[TOKEN_KEY] = token  # a copied token is worth nothing now
    assert [e.value for e in again.run().title] == ["Sign in"]


@pytest.mark.parametrize(
    ("started_ago", "idle"),
    [(IDLE_TIMEOUT + timedelta(minutes=1), True), (ABSOLUTE_TIMEOUT + timedelta(minutes=1), False)],
)
def test_an_expired_session_gets_the_sign_in_page(
    monkeypatch: pytest.MonkeyPatch, data_dir: Path, started_ago: timedelta, idle: bool
) -> None:
    accounts = Accounts(data_dir)
    user = account_for(data_dir, participant="p01")
    now = datetime.now(UTC)
    start = now - started_ago
    token = accounts.start_session(user, now=start)
    if not idle:  # used every hour, last two minutes ago, but signed in too long ago
        moments = [start + timedelta(hours=h) for h in range(1, 12)]
        for moment in [*moments, now - timedelta(minutes=2)]:
            assert accounts.session_user(token, now=moment) is not None
    at = _app(monkeypatch, data_dir)
    at.session_state[TOKEN_KEY] = token
    at.run()
    assert [e.value for e in at.title] == ["Sign in"]
    assert not at.metric


def test_removing_an_account_ends_its_sessions_at_once(
    monkeypatch: pytest.MonkeyPatch, data_dir: Path, tmp_path: Path
) -> None:
    root = Path(shutil.copytree(data_dir, tmp_path / "data"))
    token = token_for(root, coach="group-a")
    at = _app(monkeypatch, root)
    at.session_state[TOKEN_KEY] = token
    at.run()
    assert [e.value for e in at.title] != ["Sign in"]
    Accounts(root).remove_user(account_for(root, coach="group-a").username)
    at.run()
    assert not at.metric and not at.dataframe
    again = _app(monkeypatch, root)
    again.session_state[TOKEN_KEY] = token
    assert [e.value for e in again.run().title] == ["Sign in"]
