"""Questionnaires on the pain page in AppTest (issue 17 item 3): due ones appear as forms for
the participant, an answer is saved and no longer due, wrong or missing answers are refused
with a message naming the question (English and German), a coach reads but cannot answer.

p01's program start is set to 42 days before today: week 6, so PEG-3 (weekly), PGIC (weeks 6
and 12) and PSFS (weeks 0, 6, 12) are all due today."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from dashboards import data
from dashboards.i18n import use
from pipelines.app import participants as settings
from pipelines.app import questionnaires as app_questionnaires
from pipelines.rules.questionnaires import AnswerError
from pipelines.store.storage import Store
from tests.support.signin import TOKEN_KEY, token_for

APP = Path(__file__).resolve().parents[2] / "dashboards" / "app.py"
TIMEOUT_S = 60
PAGE = "pages/pain.py"


@pytest.fixture(autouse=True)
def english() -> Iterator[None]:
    yield
    use("en")


@pytest.fixture
def week6(data_dir: Path, tmp_path: Path) -> Path:
    root = Path(shutil.copytree(data_dir, tmp_path / "data"))
    settings.configure(Store(root), "p01", program_start=date.today() - timedelta(days=42))
    return root


def open_page(monkeypatch: pytest.MonkeyPatch, root: Path, lang: str, **who: str) -> AppTest:
    monkeypatch.setenv("BACKTRACK_DATA_DIR", str(root))
    at = AppTest.from_file(APP, default_timeout=TIMEOUT_S)
    at.session_state[TOKEN_KEY] = token_for(root, **who)
    at.session_state["lang"] = lang
    at.run()
    return at.switch_page(PAGE).run()


def submit(at: AppTest, form: str) -> AppTest:
    [button] = [b for b in at.button if b.form_id == f"questionnaire_{form}"]
    return button.click().run()


def titles(at: AppTest) -> list[str]:
    return [str(m.value) for m in at.markdown if str(m.value).startswith("**")]


def test_the_due_questionnaires_appear_as_forms_in_both_languages(
    monkeypatch: pytest.MonkeyPatch, week6: Path
) -> None:
    at = open_page(monkeypatch, week6, "en", participant="p01")
    assert not at.exception
    assert "Questionnaires due" in [s.value for s in at.subheader]
    assert titles(at) == [
        "**PEG-3: pain and how it interferes**",
        "**PGIC: your impression of change**",
        "**PSFS: activities that matter to you**",
    ]
    until = date.today() + timedelta(days=6)  # scheduled today (day 42), open 7 days
    due = f"Due until {until:%Y-%m-%d} (week 6 of the program)."
    assert sum(due in str(c.value) for c in at.caption) == 3
    assert "0 = No pain, 10 = Pain as bad as you can imagine" in [c.value for c in at.caption]
    [pgic] = [r for r in at.radio if r.key == "q_pgic_change"]
    assert len(pgic.options) == 7 and pgic.value is None
    assert pgic.options[6].startswith("7 — A great deal better")
    de = open_page(monkeypatch, week6, "de", participant="p01")
    assert "Fällige Fragebögen" in [s.value for s in de.subheader]
    assert "**PGIC: Ihr Eindruck der Veränderung**" in titles(de)
    [pain] = [n for n in de.number_input if n.key == "q_peg3_pain"]
    assert pain.label.startswith("Welche Zahl beschreibt am besten Ihren durchschnittlichen")


def test_an_answer_is_saved_and_is_no_longer_due(
    monkeypatch: pytest.MonkeyPatch, week6: Path
) -> None:
    at = open_page(monkeypatch, week6, "en", participant="p01")
    at.radio(key="q_pgic_change").set_value(6)
    at = submit(at, "pgic")
    assert not at.exception
    assert [s.value for s in at.success] == [
        "Answers saved: PGIC: your impression of change, score 6.0."
    ]
    held = app_questionnaires.answers(Store(week6), "p01")
    assert held[["questionnaire", "score", "items", "source"]].to_dict("records") == [
        {"questionnaire": "pgic", "score": 6.0, "items": '{"change": 6}', "source": "dashboard"}
    ]
    at = open_page(monkeypatch, week6, "en", participant="p01")
    assert "**PGIC: your impression of change**" not in titles(at)
    [table] = [d.value for d in at.dataframe if "questionnaire" in d.value.columns]
    assert table.to_dict("records")[0]["questionnaire"] == "PGIC: your impression of change"


def test_out_of_range_and_missing_answers_are_refused_naming_the_question(
    monkeypatch: pytest.MonkeyPatch, week6: Path
) -> None:
    at = open_page(monkeypatch, week6, "en", participant="p01")
    at.number_input(key="q_peg3_pain").set_value(11)
    at.number_input(key="q_peg3_enjoyment").set_value(4)
    at = submit(at, "peg3")
    assert not at.exception
    [error] = [e.value for e in at.error]
    assert error.startswith("The answers were not saved:")
    assert (
        "item «What number best describes your pain on average in the past week?»: 11 is "
        "above the highest value 10" in error
    )
    assert (
        "item «What number best describes how, during the past week, pain has interfered "
        "with your general activity?» is missing" in error
    )
    assert "enjoyment of life?» " not in error  # the good answer is not named
    assert app_questionnaires.answers(Store(week6), "p01").empty
    use("de")  # AppTest formats the page's radios (format_func=t) in the test's process
    de = open_page(monkeypatch, week6, "de", participant="p01")
    de.number_input(key="q_peg3_pain").set_value(2.5)
    de.number_input(key="q_peg3_enjoyment").set_value(4)
    de.number_input(key="q_peg3_activity").set_value(3)
    de = submit(de, "peg3")
    [error] = [e.value for e in de.error]
    assert error.startswith("Die Antworten wurden nicht gespeichert:")
    assert "2.5 liegt nicht auf der Skala (Schritte von 1 ab 0)" in error
    assert app_questionnaires.answers(Store(week6), "p01").empty


def test_a_coach_sees_what_is_due_and_the_scores_but_cannot_answer(
    monkeypatch: pytest.MonkeyPatch, week6: Path
) -> None:
    store = Store(week6)
    app_questionnaires.answer(
        store, "p01", "peg3", date.today() - timedelta(days=42), _peg(7, 5, 6)
    )
    at = open_page(monkeypatch, week6, "en", coach="group-a")
    assert not at.exception
    assert not [b for b in at.button if (b.form_id or "").startswith("questionnaire_")]
    notes = [i.value for i in at.info if "only the participant can answer it" in i.value]
    assert len(notes) == 3
    [table] = [d.value for d in at.dataframe if "questionnaire" in d.value.columns]
    assert table.to_dict("records")[0]["latest (score)"] == 6.0
    coach = data.Viewer("coach", groups=frozenset({"group-a"}))
    with pytest.raises(PermissionError, match="may not answer"):
        data.answer_questionnaire(
            coach, "p01", "peg3", date.today(), _peg(1, 1, 1), data.StoreTables(store)
        )
    other = data.Viewer("participant", participant="p03")
    with pytest.raises(PermissionError):
        data.answer_questionnaire(
            other, "p01", "peg3", date.today(), _peg(1, 1, 1), data.StoreTables(store)
        )
    with pytest.raises(AnswerError):
        data.answer_questionnaire(
            data.Viewer("participant", participant="p01"),
            "p01",
            "peg3",
            date.today(),
            {"pain": 1},
            data.StoreTables(store),
        )
    assert len(app_questionnaires.answers(store, "p01")) == 1


def _peg(pain: int, enjoyment: int, activity: int) -> dict[str, object]:
    return {"pain": pain, "enjoyment": enjoyment, "activity": activity}


def test_the_psfs_form_at_week_6_holds_the_activities_named_at_the_start(
    monkeypatch: pytest.MonkeyPatch, week6: Path
) -> None:
    named = {
        "activity_1": "lifting a crate", "rating_1": 3, "activity_2": "gardening",
        "rating_2": 5, "activity_3": "sitting an hour", "rating_3": 4,
    }  # fmt: skip
    app_questionnaires.answer(Store(week6), "p01", "psfs", date.today() - timedelta(42), named)
    at = open_page(monkeypatch, week6, "en", participant="p01")
    texts = {t.key: t.value for t in at.text_input if (t.key or "").startswith("q_psfs_")}
    assert texts == {
        "q_psfs_activity_1": "lifting a crate",
        "q_psfs_activity_2": "gardening",
        "q_psfs_activity_3": "sitting an hour",
    }
    for n, rating in enumerate((6, 7, 8), start=1):  # the ratings are asked anew
        field = at.number_input(key=f"q_psfs_rating_{n}")
        assert field.value is None
        field.set_value(rating)
    at = submit(at, "psfs")
    assert [s.value for s in at.success] == [
        "Answers saved: PSFS: activities that matter to you, score 7.0."
    ]  # (6 + 7 + 8) / 3
    [scores] = data.questionnaire_scores(
        data.Viewer("participant", participant="p01"), "p01", data.StoreTables(Store(week6))
    )
    assert (scores["first_score"], scores["score"], scores["change"]) == (4.0, 7.0, 3.0)
    assert scores["higher_is_better"] is True and scores["answers"] == 2


def test_the_group_scores_hold_each_members_latest_score_and_change(week6: Path) -> None:
    store = Store(week6)
    start = date.today() - timedelta(days=42)
    app_questionnaires.answer(store, "p01", "peg3", start, _peg(7, 5, 6))  # 6.0
    app_questionnaires.answer(store, "p01", "peg3", start + timedelta(7), _peg(5, 4, 4))  # 4.33
    app_questionnaires.answer(store, "p03", "pgic", start, {"change": 3})
    app_questionnaires.answer(store, "p02", "pgic", start, {"change": 7})  # group-b
    coach = data.Viewer("coach", groups=frozenset({"group-a"}))
    frame = data.group_questionnaire_scores(coach, "group-a", data.StoreTables(store))
    assert list(frame.columns) == data.GROUP_QUESTIONNAIRE_COLUMNS
    records = frame[["participant", "questionnaire", "answers", "score", "change"]]
    assert records.to_dict("records")[0] == {
        "participant": "p01", "questionnaire": "peg3", "answers": 2, "score": 4.33,
        "change": -1.67,
    }  # fmt: skip
    assert records.iloc[1][["participant", "questionnaire", "score"]].tolist() == [
        "p03", "pgic", 3.0,
    ]  # fmt: skip
    assert pd.isna(records.iloc[1]["change"]) and len(records) == 2  # p02 is not in group-a
