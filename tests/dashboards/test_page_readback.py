"""The My activity page read back (issue 20 item 4): a fixed small participant's FIT files
ingested as an upload is, the page opened in AppTest, its headline figures compared with
values worked out by hand below — not with ``report.build`` — in English and German.

p1 (Europe/Berlin, program start Monday 2024-05-06, default target: 30–60 walking minutes
every 2 days → 3 met days and 90 credited minutes a week; training 2 sessions of ≥ 15 min a
week). Walks (FIT walking sessions, 08:00 local): 40 min on 6, 7, 8, 9 May; 30 on 13 May; 20
on 15 and 19 May. Pilates (20 min, 17:00) on 7, 9 and 14 May. The range runs from the start to
the last day with data, 19 May: two complete program weeks.

* Week 1 (6–12 May): 4 met days → min(4/3, 1) = 1; credited 160 → min(160/90, 1) = 1;
  2 Pilates sessions → training met.
* Week 2 (13–19 May): 1 met day (13 May) → 1/3; credited 30 + 20 + 20 = 70 → 70/90 = 0.778;
  1 Pilates session → not met.
* Walking target reached (1 + 1/3) / 2 = 0.667 → 67 %; walking minutes vs target
  (1 + 0.778) / 2 = 0.889 → 89 %; training target 1 of 2 weeks → 50 %.
* Blocks of 2 days: 6–7 met, 8–9 met, 10–11 no data, 12–13 met, 14–15 missed, 16–17 no data,
  18–19 missed → current streak 0 blocks, blocks without data 2; longest gap (days without a
  met day) 14–19 May = 6 days.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from demo import fitwriter
from pipelines.app import participants as settings
from pipelines.app import refresh as refreshing
from pipelines.app import uploads
from pipelines.store.storage import Store
from tests.support.signin import TOKEN_KEY, token_for

APP = Path(__file__).resolve().parents[2] / "dashboards" / "app.py"
TIMEOUT_S = 60
START = date(2024, 5, 6)
CEST_S = 2 * 3600
WALKS = {date(2024, 5, 6): 40, date(2024, 5, 7): 40, date(2024, 5, 8): 40, date(2024, 5, 9): 40,
         date(2024, 5, 13): 30, date(2024, 5, 15): 20, date(2024, 5, 19): 20}  # fmt: skip
PILATES = [date(2024, 5, 7), date(2024, 5, 9), date(2024, 5, 14)]

# label → value as the page shows them, written out
HEADLINE = {
    "en": {
        "Walking target reached": "67%",
        "Walking minutes vs target": "89%",
        "Training target reached": "50%",
        "Current streak": "0 blocks",
        "Longest gap": "6 days",
        "Blocks without data": "2",
    },
    "de": {
        "Gehziel erreicht": "67 %",
        "Gehminuten im Vergleich zum Ziel": "89 %",
        "Trainingsziel erreicht": "50 %",
        "Aktuelle Serie": "0 Blöcke",
        "Längste Lücke": "6 Tage",
        "Blöcke ohne Daten": "2",
    },
}


def _local(day: date, hour: int) -> datetime:
    """``hour`` o'clock in Berlin (CEST, UTC+2) on ``day``, in UTC."""
    return datetime(day.year, day.month, day.day, hour - 2, tzinfo=UTC)


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("readback")
    files = root / "input"
    files.mkdir()
    sessions = [(d, 8, m, 11, 0) for d, m in WALKS.items()]  # walking
    sessions += [(d, 17, 20, 4, 44) for d in PILATES]  # Pilates (Garmin 4/44)
    for i, (day, hour, minutes, sport, sub_sport) in enumerate(sessions):
        data = fitwriter.activity_file(
            start_utc=_local(day, hour),
            elapsed_s=minutes * 60,
            sport=sport,
            sub_sport=sub_sport,
            utc_offset_s=CEST_S,
            serial=3_900_000_001,
        )
        (files / f"{i:02d}.fit").write_bytes(data)
    store = Store(root / "data")
    settings.configure(store, "p1", tz="Europe/Berlin", group="group-a", program_start=START)
    stored = uploads.store_uploads(store, "p1", uploads.collect_paths([files]))
    uploads.record(store, "p1", uploads.parse_stored(stored, workers=1))
    refreshing.refresh_participant(store, "p1")
    return store.root


@pytest.mark.parametrize("lang", ["en", "de"])
def test_my_activity_shows_the_hand_computed_headline(
    monkeypatch: pytest.MonkeyPatch, data_dir: Path, lang: str
) -> None:
    monkeypatch.setenv("BACKTRACK_DATA_DIR", str(data_dir))
    at = AppTest.from_file(APP, default_timeout=TIMEOUT_S)
    at.session_state[TOKEN_KEY] = token_for(data_dir, participant="p1")
    at.session_state["lang"] = lang
    at.run()
    at = at.switch_page("pages/my_activity.py").run()
    assert not at.exception
    shown = {m.label: str(m.value) for m in at.metric}
    assert {label: shown.get(label) for label in HEADLINE[lang]} == HEADLINE[lang]
    period = {"en": "2024-05-06", "de": "06.05.2024"}[lang]
    assert any(period in str(c.value) for c in at.caption), "the range starts at the start"
