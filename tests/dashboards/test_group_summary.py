"""The Group page's summary row, data completeness and dose columns read back (issue 17
item 1): a fixed small group's FIT files and diaries ingested as uploads are, the page opened
in AppTest as of Sunday 2 June 2024, its figures and its CSV compared with values worked out
by hand below — not with the rules under test — in English and German.

Group ``group-s``, default target (30–60 walking minutes every 2 days: 3 met days a program
week, a band of 3 × 30 … 3 × 60 = 90–180 minutes a week; 2 training sessions a week). The
page's 28 days are 6 May – 2 June. FIT activity files only: a recorded session is all the
wear the day has, so a day is adequately worn only when it is met (a 20-minute walk or Pilates
session is *worn too little*, ``low_wear``, against 10 hours); a day without a file is
``no_data``.

* **s1** (start Mon 6 May; program weeks 6–12, 13–19, 20–26 May, 27 May – 2 June): walks of
  40 minutes on Mon, Wed, Fri of weeks 1–3 and on Mon 27 May; Pilates 20 minutes on Tue and Thu
  of weeks 1–2, on Tue of weeks 3–4; a diary entry every day 6 May – 2 June.
  Adherence (1 + 1 + 1 + 1/3)/4 = 0.8333. Walking (120 × 3 + 40)/4 = 100 min a week: within
  90–180. Training 2 + 2 + 1 + 1 = 6 → 1.5 a week, 6 ÷ (4 × 2) = 0.75. Worn: the 10 walking
  days of 28 → 0.3571. Diary 28/28 = 1.0. No alert (14-day adherence (1 + 1/3)/2 = 0.67,
  last data 28 May).
* **s2** (start 6 May): 20-minute walks every day 6–19 May, nothing after; diary 6–12 May.
  Adherence 0 (no met day). Walking (140 + 140 + 0 + 0)/4 = 70: below. Training 0 → 0.0 a week,
  0.0 received. Worn 0/28 (every walk day ``low_wear``). Diary 7/28 = 0.25. Alerts: no data
  for 14 days (≥ 7) and adherence over 14 days 0 (< 50 %).
* **s3** (start Mon 20 May: joined later; weeks 20–26 May, 27 May – 2 June): 60-minute walks
  every day 20 May – 2 June; strength 30 minutes on 21 and 23 May and on 28, 29, 30 May; no
  diary. Completeness counts from the start: 14 days. Adherence min(7/3, 1) both weeks = 1.0.
  Walking 420 a week: above 180. Training 5 ÷ 2 = 2.5 a week, 5 ÷ (2 × 2) = 1.25 (more than
  prescribed). Worn 14/14 = 1.0; diary 0/14 = 0.0. No alert.

Summary row: adherence 0.8333, 0, 1.0 → median 0.8333 (83 %); at ≥ 80 %: s1 and s3, 2 of 3
(67 %); members with alerts: s2, 1 of 3; walking 100, 70, 420 → median 100; training 0.75,
0.0, 1.25 → median 0.75 (75 %). Rows: s2 (alerts) first, then s1 (0.83), s3 (1.0).
"""

from __future__ import annotations

import io
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from streamlit.runtime.media_file_storage import MediaFileStorageError
from streamlit.runtime.memory_media_file_storage import MemoryMediaFileStorage
from streamlit.testing.v1 import AppTest
from streamlit.testing.v1 import app_test as app_test_module

from demo import fitwriter
from pipelines.app import diary as diary_app
from pipelines.app import participants as settings
from pipelines.app import questionnaires, uploads
from pipelines.app import refresh as refreshing
from pipelines.store.storage import Store
from tests.support.signin import TOKEN_KEY, token_for

APP = Path(__file__).resolve().parents[2] / "dashboards" / "app.py"
TIMEOUT_S = 60
AS_OF = date(2024, 6, 2)
CEST_S = 2 * 3600
WALK, PILATES, STRENGTH = (11, 0), (4, 44), (10, 20)  # Garmin sport, sub_sport


def may(day: int) -> date:
    return date(2024, 5, day)


def span(first: date, last: date) -> list[date]:
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


# participant → program start, sessions (day, minutes, kind), diary days
S1_WALKS = [may(d) for d in (6, 8, 10, 13, 15, 17, 20, 22, 24, 27)]
S1_PILATES = [may(d) for d in (7, 9, 14, 16, 21, 28)]
MEMBERS: dict[str, tuple[date, list[tuple[date, int, tuple[int, int]]], list[date]]] = {
    "s1": (
        may(6),
        [(d, 40, WALK) for d in S1_WALKS] + [(d, 20, PILATES) for d in S1_PILATES],
        span(may(6), AS_OF),
    ),
    "s2": (may(6), [(d, 20, WALK) for d in span(may(6), may(19))], span(may(6), may(12))),
    "s3": (
        may(20),
        [(d, 60, WALK) for d in span(may(20), AS_OF)]
        + [(may(d), 30, STRENGTH) for d in (21, 23, 28, 29, 30)],
        [],
    ),
}

SUMMARY = {
    "en": {
        "Median adherence 28 d": "83%",
        "Members at ≥ 80 %": "67% (2 of 3)",
        "Members with alerts": "1 of 3",
        "Median walking (min/week)": "100",
        "Median training (sessions ÷ target)": "75%",
    },
    "de": {
        "Median Adhärenz 28 T.": "83 %",
        "Teilnehmende mit ≥ 80 %": "67 % (2 von 3)",
        "Teilnehmende mit Hinweisen": "1 von 3",
        "Median Gehen (Min./Woche)": "100",
        "Median Training (Einheiten ÷ Ziel)": "75 %",
    },
}
BAND_WORDS = {
    "en": ("below the band", "within the band", "above the band"),
    "de": ("unter dem Zielbereich", "im Zielbereich", "über dem Zielbereich"),
}
# per member, in the page's order: the figures of the module doc
ROWS = {  # participant: adherence 28 d, worn, diary, walking/week, band, training/week, received
    "s2": (0.0, 0.0, 0.25, 70.0, "below", 0.0, 0.0),
    "s1": (0.8333, 0.3571, 1.0, 100.0, "within", 1.5, 0.75),
    "s3": (1.0, 1.0, 0.0, 420.0, "above", 2.5, 1.25),
}
COUNTS = {  # participant: days counted, worn days, diary days, alert codes
    "s2": (28, 0, 7, "no_data,low_adherence"),
    "s1": (28, 10, 28, ""),
    "s3": (14, 14, 0, ""),
}


# Questionnaires: s1 PEG-3 on 6 May (6, 6, 6 → 6.0) and 27 May (4, 3, 2 → 3.0): latest 3.0,
# change −3.0; and on 3 June (after the page's day: not shown). s3 PGIC on 30 May: 5, one
# answer, no change. s2 answered none.
ANSWERS = [
    ("s1", "peg3", may(6), {"pain": "6", "enjoyment": "6", "activity": "6"}),
    ("s1", "peg3", may(27), {"pain": "4", "enjoyment": "3", "activity": "2"}),
    ("s1", "peg3", date(2024, 6, 3), {"pain": "1", "enjoyment": "1", "activity": "1"}),
    ("s3", "pgic", may(30), {"change": "5"}),
]
QUESTIONNAIRE_COLUMNS = {  # participant: PEG-3 latest, change; PGIC latest, change
    "s2": (None, None, None, None),
    "s1": (3.0, -3.0, None, None),
    "s3": (None, None, 5.0, None),
}


def _local(day: date, hour: int) -> datetime:
    """``hour`` o'clock in Berlin (CEST, UTC+2) on ``day``, in UTC."""
    return datetime(day.year, day.month, day.day, hour - 2, tzinfo=UTC)


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("group-summary")
    store = Store(root / "data")
    for pid, (start, sessions, diary_days) in MEMBERS.items():
        files = root / "input" / pid
        files.mkdir(parents=True)
        for i, (day, minutes, (sport, sub_sport)) in enumerate(sessions):
            hour = 8 if (sport, sub_sport) == WALK else 17
            data = fitwriter.activity_file(
                start_utc=_local(day, hour),
                elapsed_s=minutes * 60,
                sport=sport,
                sub_sport=sub_sport,
                utc_offset_s=CEST_S,
                serial=3_900_000_010,
            )
            (files / f"{i:02d}.fit").write_bytes(data)
        settings.configure(store, pid, tz="Europe/Berlin", group="group-s", program_start=start)
        stored = uploads.store_uploads(store, pid, uploads.collect_paths([files]))
        uploads.record(store, pid, uploads.parse_stored(stored, workers=1))
        if diary_days:
            lines = ["date,pain", *(f"{d.isoformat()},30" for d in diary_days)]
            diary_app.import_diary(store, pid, "diary.csv", "\n".join(lines).encode(), AS_OF)
        refreshing.refresh_participant(store, pid)
    for pid, qid, day, values in ANSWERS:
        questionnaires.answer(store, pid, qid, day, values)
    return store.root


# Every media store AppTest creates (it drops its runtime after each run): the CSV the
# download button offers is read back from them.
_STORAGES: list[MemoryMediaFileStorage] = []


def _storage(endpoint: str) -> MemoryMediaFileStorage:
    made = MemoryMediaFileStorage(endpoint)
    _STORAGES.append(made)
    return made


def _download(button: Any) -> bytes:
    name = str(button.proto.url).rsplit("/", 1)[-1]
    for storage in reversed(_STORAGES):
        try:
            return bytes(storage.get_file(name).content)
        except MediaFileStorageError:  # another run's store
            continue
    raise AssertionError(f"the download {name} was not stored")


@pytest.fixture
def group_page(monkeypatch: pytest.MonkeyPatch, data_dir: Path) -> Any:
    _STORAGES.clear()
    monkeypatch.setattr(app_test_module, "MemoryMediaFileStorage", _storage)

    def open_page(lang: str) -> AppTest:
        monkeypatch.setenv("BACKTRACK_DATA_DIR", str(data_dir))
        at = AppTest.from_file(APP, default_timeout=TIMEOUT_S)
        at.session_state[TOKEN_KEY] = token_for(data_dir, coach="group-s")
        at.session_state["lang"] = lang
        at.run()
        at.date_input(key="group_as_of").set_value(AS_OF).run()
        assert not at.exception
        return at

    return open_page


@pytest.mark.parametrize("lang", ["en", "de"])
def test_the_summary_row_shows_the_hand_computed_figures(group_page: Any, lang: str) -> None:
    at = group_page(lang)
    shown = {str(m.label): str(m.value) for m in at.metric}
    assert shown == SUMMARY[lang]
    n = {"en": "3 of 3 members", "de": "3 von 3 Teilnehmenden"}[lang]  # each has a week
    assert any(n in str(c.value) for c in at.caption), "the caption says what the medians rest on"


@pytest.mark.parametrize("lang", ["en", "de"])
def test_completeness_and_dose_per_member(group_page: Any, lang: str) -> None:
    at = group_page(lang)
    [table] = at.dataframe
    frame = table.value
    assert list(frame["participant"]) == list(ROWS)  # alerts first, then lowest adherence
    words = dict(zip(("below", "within", "above"), BAND_WORDS[lang], strict=True))
    for pid, (ratio, worn, diary, walking, band, training, received) in ROWS.items():
        row = frame.set_index("participant").loc[pid]
        assert row["adherence_28d"] == pytest.approx(ratio)
        assert row["worn_share_28d"] == pytest.approx(worn)
        assert row["diary_share_28d"] == pytest.approx(diary)
        assert row["walking_minutes_per_week_28d"] == pytest.approx(walking)
        assert row["walking_band"] == "90–180"
        assert row["walking_vs_band_28d"] == words[band]
        assert row["training_sessions_per_week_28d"] == pytest.approx(training)
        assert row["training_target_per_week"] == 2
        assert row["training_received_28d"] == pytest.approx(received)
    # every column has a header in the page's language, never its key
    headers = {
        "en": ["days worn 28 d", "diary days 28 d", "walking min/week"],
        "de": ["getragene Tage 28 T.", "Tagebuchtage 28 T.", "Gehminuten/Woche"],
    }[lang]
    config = {c.get("label") for c in _column_config(table)}
    assert set(headers) <= config


def _column_config(table: Any) -> list[dict[str, Any]]:
    import json

    spec = json.loads(table.proto.columns)
    return [c for c in spec.values() if isinstance(c, dict)]


def test_the_csv_has_the_tables_columns_and_the_hand_computed_figures(group_page: Any) -> None:
    at = group_page("de")  # the CSV is for programs: the same in either language
    [button] = at.get("download_button")
    csv = pd.read_csv(io.BytesIO(_download(button)), keep_default_na=False)
    shown = [c for c in at.dataframe[0].value.columns if c != "trend"]  # the arrow: a picture
    assert list(csv.columns[: len(shown)]) == shown
    assert list(csv["participant"]) == list(ROWS)  # the table's order
    rows = csv.set_index("participant")
    for pid, (ratio, worn, diary, walking, band, training, received) in ROWS.items():
        days, worn_days, diary_days, codes = COUNTS[pid]
        row = rows.loc[pid]
        assert float(row["adherence_28d"]) == pytest.approx(ratio)
        assert float(row["worn_share_28d"]) == pytest.approx(worn)
        assert float(row["diary_share_28d"]) == pytest.approx(diary)
        assert float(row["walking_minutes_per_week_28d"]) == pytest.approx(walking)
        assert row["walking_vs_band_28d"] == band  # the code, not the German word
        assert (row["walking_band_min_per_week"], row["walking_band_max_per_week"]) == (90, 180)
        assert float(row["training_sessions_per_week_28d"]) == pytest.approx(training)
        assert float(row["training_received_28d"]) == pytest.approx(received)
        assert (row["days_28d"], row["worn_days_28d"], row["diary_days_28d"]) == (
            days,
            worn_days,
            diary_days,
        )
        assert row["alerts"] == codes
    assert rows.loc["s1", "last_data_day"] == "2024-05-28"  # ISO, not 28.05.2024


def _value(v: object) -> float | None:
    return None if v is None or pd.isna(v) else float(v)  # type: ignore[arg-type]


@pytest.mark.parametrize("lang", ["en", "de"])
def test_the_latest_questionnaire_scores_and_their_change(group_page: Any, lang: str) -> None:
    at = group_page(lang)
    [table] = at.dataframe
    frame = table.value.set_index("participant")
    for pid, expected in QUESTIONNAIRE_COLUMNS.items():
        row = frame.loc[pid]
        got = tuple(_value(row[c]) for c in ("q_peg3", "q_peg3_change", "q_pgic", "q_pgic_change"))
        assert got == expected, pid
    headers = {
        "en": [
            "PEG-3: pain and how it interferes (latest)",
            "PGIC: your impression of change change",
        ],
        "de": [
            "PEG-3: Schmerz und seine Folgen im Alltag (zuletzt)",
            "PGIC: Ihr Eindruck der Veränderung Veränderung",
        ],
    }[lang]
    assert set(headers) <= {c.get("label") for c in _column_config(table)}
