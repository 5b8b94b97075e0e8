"""Wear and day status on the dashboard, in English and German (issue 15 item 7): My activity's
last-14-days table (status in plain words, hours worn, ≈ on approximate days), its plain
headline words, and the Group page's reason of a low-adherence alert.

Data: the realistic participant of ``tests.support.realistic`` as r01 (group-r), and r02 with
only three of those files (Mon 8 and Mon 22: nothing synced in between). Every expected word
and figure is written out here (worked out in tests/pipelines/test_realistic_participant.py).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from dashboards import data
from pipelines.rules.alerts import Thresholds
from pipelines.store.storage import Store
from tests.support import realistic
from tests.support.signin import TOKEN_KEY, token_for

APP = Path(__file__).resolve().parents[2] / "dashboards" / "app.py"
TIMEOUT_S = 60
AS_OF = date(2024, 1, 22)
COACH_R = data.Viewer("coach", groups=frozenset({"group-r"}))


@pytest.fixture(scope="module")
def realistic_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("realistic-dashboard")
    store = Store(root / "data")
    realistic.ingest(store, "r01", root / "export", group="group-r")
    few = ("2024-01-08-walk.fit", "2024-01-08-monitor.fit", "2024-01-22-walk.fit")
    realistic.ingest(store, "r02", root / "export", few, group="group-r")
    # r01's 14-day adherence on Jan 22 is week 2's 2 ÷ 3 = 0.67: alert below 0.8.
    data.set_group_thresholds(
        COACH_R, "group-r", Thresholds(min_adherence_14d=0.8), data.StoreTables(store)
    )
    return store.root


def open_page(
    monkeypatch: pytest.MonkeyPatch, root: Path, page: str, lang: str, **who: str
) -> AppTest:
    monkeypatch.setenv("BACKTRACK_DATA_DIR", str(root))
    at = AppTest.from_file(APP, default_timeout=TIMEOUT_S)
    at.session_state[TOKEN_KEY] = token_for(root, **who)
    at.session_state["lang"] = lang
    at.run()
    return at.switch_page(page).run()


# The last 14 days, newest first (Jan 22 back to Jan 9).
DATES = [date(2024, 1, d) for d in range(22, 8, -1)]
STATUS = {
    "en": [
        "target reached",  # 22: 40 min
        "below target",  # 21: week 2 has 2 met days < 3 → not rest days
        "below target",  # 20
        "below target",  # 19: 15 min
        "target reached",  # 18: 30 min
        "below target",  # 17
        "target reached",  # 16: 35 min
        "below target",  # 15: the coarse day
        "worn too little",  # 14: 430 min < 600
        "target reached",  # 13: 30 min
        "target reached",  # 12: 36 min
        "no data",  # 11: on the charger
        "target reached",  # 10: 32 min
        "rest day",  # 9: below, but week 1 already has 4 ≥ 3 met days
    ],
    "de": [
        "Ziel erreicht",
        "unter dem Ziel",
        "unter dem Ziel",
        "unter dem Ziel",
        "Ziel erreicht",
        "unter dem Ziel",
        "Ziel erreicht",
        "unter dem Ziel",
        "zu wenig getragen",
        "Ziel erreicht",
        "Ziel erreicht",
        "keine Daten",
        "Ziel erreicht",
        "Ruhetag",
    ],
}
# 960 min = 16.0 h; Jan 14 430 min = 7.17 → 7.2 h; Jan 13 990 min = 16.5 h; Jan 11 nothing.
WORN = ["16.0"] * 8 + ["7.2", "16.5", "16.0", "–", "16.0", "16.0"]
# walking minutes: Jan 15's 0 is approximate (all steps in one 30-minute reading)
WALKING = ["40.0", "0.0", "0.0", "15.0", "30.0", "0.0", "35.0", "≈ 0.0"]
WALKING += ["10.0", "30.0", "36.0", "0.0", "32.0", "0.0"]
COLUMNS = {
    "en": ("date", "walking minutes", "day status", "worn (h)"),
    "de": ("Datum", "Gehminuten", "Tagesstatus", "getragen (Std.)"),
}
HEADLINES = {
    "en": ("Walking target reached", "Walking minutes vs target", "Training target reached"),
    "de": ("Gehziel erreicht", "Gehminuten im Vergleich zum Ziel", "Trainingsziel erreicht"),
}
# met days 8, 10, 12, 13, 16, 18, 22 = 7 of the 15 days Jan 8–22; not met and not worn
# enough: 11 (no data), 14 (low wear) = 2.
DAYS_MET = {
    "en": "Walking target reached on 7 of 15 days (2 of the others worn too little or "
    "without data).",
    "de": "Ziel erreicht an 7 von 15 Tagen (an 2 der übrigen Tage zu wenig getragen oder "
    "ohne Daten).",
}


def german(number: str) -> str:
    return number.replace(".", ",")


@pytest.mark.parametrize("lang", ["en", "de"])
def test_last_14_days_show_status_in_words_hours_worn_and_approximate_days(
    monkeypatch: pytest.MonkeyPatch, realistic_dir: Path, lang: str
) -> None:
    at = open_page(monkeypatch, realistic_dir, "pages/my_activity.py", lang, participant="r01")
    assert not at.exception
    date_col, walking_col, status_col, worn_col = COLUMNS[lang]
    [table] = [d.value for d in at.dataframe if worn_col in d.value.columns]
    shown_dates = [d.strftime("%d.%m.%Y") if lang == "de" else d.isoformat() for d in DATES]
    assert list(table[date_col]) == shown_dates
    assert list(table[status_col]) == STATUS[lang]
    number = german if lang == "de" else str
    assert list(table[worn_col]) == [number(h) for h in WORN]
    assert list(table[walking_col]) == [number(m) for m in WALKING]
    captions = [c.value for c in at.caption]
    assert DAYS_MET[lang] in captions
    assert any(c.startswith("≈ ") and ("10" in c) for c in captions)


@pytest.mark.parametrize("lang", ["en", "de"])
def test_headline_figures_use_plain_words(
    monkeypatch: pytest.MonkeyPatch, realistic_dir: Path, lang: str
) -> None:
    at = open_page(monkeypatch, realistic_dir, "pages/my_activity.py", lang, participant="r01")
    assert not at.exception
    labels = [m.label for m in at.metric]
    for label in HEADLINES[lang]:
        assert label in labels
    # ratio (1 + 2/3) / 2 = 0.8333 → 83 %; dose (1 + 80/90) / 2 = 0.9444 → 94 %;
    # training 1 of 2 weeks → 50 %
    values = {m.label: m.value for m in at.metric}
    percent = (lambda n: f"{n} %") if lang == "de" else (lambda n: f"{n}%")
    assert [values[label] for label in HEADLINES[lang]] == [percent(83), percent(94), percent(50)]
    if lang == "de":
        assert not [label for label in labels if "Adhärenz" in label]


REASONS = {
    "en": {"r01": "inactive (worn, little walking)", "r02": "not worn / not synced"},
    "de": {
        "r01": "inaktiv (getragen, wenig gegangen)",
        "r02": "nicht getragen / nicht synchronisiert",
    },
}


@pytest.mark.parametrize("lang", ["en", "de"])
def test_group_page_tells_not_worn_from_inactive(
    monkeypatch: pytest.MonkeyPatch, realistic_dir: Path, lang: str
) -> None:
    at = open_page(monkeypatch, realistic_dir, "pages/group.py", lang, coach="group-r")
    at.date_input(key="group_as_of").set_value(AS_OF).run()
    assert not at.exception
    frame = at.dataframe[0].value.set_index("participant")
    # r01, window Jan 9–22: not met 9, 11, 14, 15, 17, 19, 20, 21 = 8, of them not worn
    # 11 and 14 = 2 < half → inactive. r02: Jan 9–21 without any data = 13 not met, all
    # not worn → not worn / not synced. Both below 80 % (r01 2/3, r02 week 2 empty → 0).
    assert frame["low_adherence_reason"].to_dict() == REASONS[lang]
    alerts = frame["alerts"].to_dict()
    if lang == "en":
        assert alerts["r01"].endswith("the device was worn, the walking was missing")
        assert alerts["r02"].endswith("mostly days the device was not worn or not synced")
    else:
        assert alerts["r01"].endswith("das Gerät wurde getragen, es fehlte an Bewegung")
        assert "nicht getragen oder nicht synchronisiert" in alerts["r02"]
