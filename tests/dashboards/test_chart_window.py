"""What the walking calendar and the blocks show (issue 18): the program so far, or the last
12 weeks without a program start, however old a file someone uploads — a 2012 file in a
2026 program does not stretch the calendar over 14 years — and every chart still renders."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from dashboards import charts
from demo import fitwriter
from pipelines.app import participants as settings
from pipelines.app import refresh as refreshing
from pipelines.app import uploads
from pipelines.store.storage import Store
from tests.support.signin import TOKEN_KEY, token_for
from tests.support.vega import page_charts

APP = str(Path(__file__).resolve().parents[2] / "dashboards" / "app.py")
START = date(2026, 9, 7)  # a Monday
WALKS = [date(2026, 9, 8), date(2026, 9, 10), date(2026, 9, 12)]  # the program's walks
OLD = date(2012, 6, 2)  # a walk from an old device's file


@pytest.mark.parametrize(
    ("first", "last", "program_start", "expected"),
    [
        pytest.param(OLD, date(2026, 9, 12), START, (START, date(2026, 9, 12)), id="program"),
        pytest.param(
            OLD, date(2026, 9, 12), None, (date(2026, 6, 21), date(2026, 9, 12)), id="12 weeks"
        ),
        pytest.param(
            date(2026, 8, 1),
            date(2026, 9, 12),
            None,
            (date(2026, 8, 1), date(2026, 9, 12)),
            id="less than 12 weeks of data",
        ),
        pytest.param(
            date(2026, 9, 9),
            date(2026, 9, 12),
            START,
            (date(2026, 9, 9), date(2026, 9, 12)),
            id="data from after the start",
        ),
        pytest.param(
            OLD,
            date(2026, 9, 12),
            date(2026, 9, 13),
            (date(2026, 6, 21), date(2026, 9, 12)),
            id="a start after the last day: 12 weeks",
        ),
        pytest.param(
            OLD,
            date(2026, 9, 12),
            date(2026, 9, 12),
            (date(2026, 9, 12), date(2026, 9, 12)),
            id="the start on the last day",
        ),
    ],
)
def test_the_default_window(
    first: date, last: date, program_start: date | None, expected: tuple[date, date]
) -> None:
    # 12 weeks = 84 days: 21 June … 12 September 2026
    assert charts.default_window(first, last, program_start) == expected


def _walk(day: date) -> bytes:
    return fitwriter.activity_file(
        start_utc=datetime(day.year, day.month, day.day, 6, tzinfo=UTC),
        elapsed_s=40 * 60,
        sport=11,
        utc_offset_s=7200,
    )


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("chart-window")
    store = Store(root / "data")
    for person, start in (("p1", START), ("p2", None)):
        folder = root / person
        folder.mkdir()
        for day in [OLD, *WALKS]:
            (folder / f"walk-{day.isoformat()}.fit").write_bytes(_walk(day))
        settings.configure(store, person, tz="Europe/Berlin", group="group-a", program_start=start)
        stored = uploads.store_uploads(store, person, uploads.collect_paths([folder]))
        uploads.record(store, person, uploads.parse_stored(stored, workers=1))
        refreshing.refresh_participant(store, person)
    return store.root


def _my_activity(monkeypatch: pytest.MonkeyPatch, data_dir: Path, person: str) -> AppTest:
    monkeypatch.setenv("BACKTRACK_DATA_DIR", str(data_dir))
    at = AppTest.from_file(APP, default_timeout=60)
    at.session_state[TOKEN_KEY] = token_for(data_dir, participant=person)
    at.run()
    at = at.switch_page("pages/my_activity.py").run()
    assert not at.exception
    return at


def _calendar_days(spec: dict[str, object]) -> list[str]:
    datasets = spec["datasets"]
    assert isinstance(datasets, dict) and len(datasets) == 1
    return [row["day"] for row in next(iter(datasets.values()))]


def test_an_old_file_in_a_program_shows_the_program(
    monkeypatch: pytest.MonkeyPatch, data_dir: Path
) -> None:
    at = _my_activity(monkeypatch, data_dir, "p1")
    drawn = page_charts(at)
    assert len(drawn) == 4  # calendar, blocks, training and sessions: every chart drawn
    calendar, blocks = drawn[:2]
    # 7–12 September 2026: six days, not the 5,216 from June 2012 on
    assert _calendar_days(calendar) == [f"2026-09-{d:02d}" for d in range(7, 13)]
    block_rows = next(iter(blocks["datasets"].values()))
    assert [(r["start"], r["end"]) for r in block_rows] == [
        ("2026-09-07", "2026-09-08"),
        ("2026-09-09", "2026-09-10"),
        ("2026-09-11", "2026-09-12"),
    ]
    assert at.date_input(key="chart_window").value == (START, date(2026, 9, 12))


def test_an_old_file_without_a_program_shows_the_last_12_weeks(
    monkeypatch: pytest.MonkeyPatch, data_dir: Path
) -> None:
    at = _my_activity(monkeypatch, data_dir, "p2")
    calendar, *_ = page_charts(at)
    days = _calendar_days(calendar)
    assert (days[0], days[-1], len(days)) == ("2026-06-21", "2026-09-12", 84)
    # the person picks another window: the calendar follows
    at.date_input(key="chart_window").set_value((OLD, date(2012, 6, 8))).run()
    assert not at.exception
    calendar, *_ = page_charts(at)
    assert _calendar_days(calendar) == [f"2012-06-{d:02d}" for d in range(2, 9)]
