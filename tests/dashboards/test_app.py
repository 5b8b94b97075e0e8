"""The app end to end in Streamlit's AppTest: every page renders for a participant and a coach."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from dashboards import data
from pipelines.store.storage import Store
from tests.support.signin import TOKEN_KEY, token_for

APP = Path(__file__).resolve().parents[2] / "dashboards" / "app.py"
TIMEOUT_S = 30


def app_for(monkeypatch: pytest.MonkeyPatch, data_dir: Path, **query: str) -> AppTest:
    monkeypatch.setenv("BACKTRACK_DATA_DIR", str(data_dir))
    at = AppTest.from_file(APP, default_timeout=TIMEOUT_S)
    if query:
        at.session_state[TOKEN_KEY] = token_for(data_dir, **query)
    return at.run()


def texts(at: AppTest) -> str:
    parts = [m.value for m in at.metric] + [str(m.label) for m in at.metric]
    parts += [
        getattr(e, "value", "")
        for kind in ("title", "caption", "markdown", "info", "error")
        for e in at.get(kind)
    ]
    return "\n".join(str(p) for p in parts)


@pytest.mark.parametrize(("page", "charts"), [("pages/my_activity.py", 4), ("pages/pain.py", 1)])
def test_participant_pages_render(
    monkeypatch: pytest.MonkeyPatch, data_dir: Path, page: str, charts: int
) -> None:
    at = app_for(monkeypatch, data_dir, participant="p01")
    at.switch_page(page).run()
    assert not at.exception
    assert not at.error
    assert len(at.get("vega_lite_chart")) == charts


def test_participant_sees_their_own_adherence(
    monkeypatch: pytest.MonkeyPatch, data_dir: Path
) -> None:
    at = app_for(monkeypatch, data_dir, participant="p01")
    assert not at.exception
    expected = data.report(
        data.Viewer("participant", participant="p01"), "p01", data.StoreTables(Store(data_dir))
    )["adherence"]
    [adherence] = [m for m in at.metric if m.label == "Walking target reached"]
    assert adherence.value == f"{expected['ratio']:.0%}"
    assert f"{expected['blocks_met']} of {expected['blocks_total']} blocks met" in texts(at)
    assert not at.selectbox  # a participant cannot pick anyone else


def test_participant_never_gets_the_group_page(
    monkeypatch: pytest.MonkeyPatch, data_dir: Path
) -> None:
    at = app_for(monkeypatch, data_dir, participant="p01")
    with pytest.raises(ValueError, match="navigation page"):
        at.switch_page("pages/group.py")


@pytest.mark.parametrize("page", ["pages/group.py", "pages/my_activity.py", "pages/pain.py"])
def test_coach_pages_render(monkeypatch: pytest.MonkeyPatch, data_dir: Path, page: str) -> None:
    at = app_for(monkeypatch, data_dir, coach="group-a")
    at.switch_page(page).run()
    assert not at.exception
    assert not at.error
    if page != "pages/group.py":
        [picker] = [s for s in at.selectbox if s.label == "Participant"]
        assert list(picker.options) == ["p01", "p03"]  # only their group


def test_coach_group_table_lists_only_their_group(
    monkeypatch: pytest.MonkeyPatch, data_dir: Path
) -> None:
    at = app_for(monkeypatch, data_dir, coach="group-a")
    assert not at.exception
    [group] = [s for s in at.selectbox if s.label == "Group"]
    assert list(group.options) == ["group-a"]
    [table] = at.dataframe
    assert list(table.value["participant"]) == ["p01", "p03"]
    assert "adherence_28d" in table.value.columns


def test_a_visitor_who_is_not_signed_in_sees_only_the_sign_in_page(
    monkeypatch: pytest.MonkeyPatch, data_dir: Path
) -> None:
    monkeypatch.setenv("BACKTRACK_DATA_DIR", str(data_dir))
    at = AppTest.from_file(APP, default_timeout=TIMEOUT_S)
    at.query_params.update({"participant": "p01", "coach": "group-a", "admin": "1"})
    at.run()
    assert not at.exception
    assert [e.value for e in at.title] == ["Sign in"]
    assert not at.metric and not at.dataframe
    for page in ("pages/my_activity.py", "pages/group.py", "pages/pain.py"):
        with pytest.raises(ValueError, match=r"Known pages: \['Sign in'\]"):
            at.switch_page(page)  # the navigation offers no other page


@pytest.mark.parametrize(
    "page", ["my_activity.py", "pain.py", "group.py", "prescription.py", "clinician_report.py"]
)
def test_a_page_run_on_its_own_without_a_session_shows_nothing(
    monkeypatch: pytest.MonkeyPatch, data_dir: Path, page: str
) -> None:
    monkeypatch.setenv("BACKTRACK_DATA_DIR", str(data_dir))
    at = AppTest.from_file(APP.parent / "pages" / page, default_timeout=TIMEOUT_S)
    at.session_state["viewer"] = data.Viewer("admin")  # the old stub's key counts for nothing
    at.session_state[TOKEN_KEY] = "forged-or-expired-token"
    at.run()
    assert not at.exception
    assert not at.metric and not at.dataframe and not at.title
