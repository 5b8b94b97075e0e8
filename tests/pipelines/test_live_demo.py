"""The live demo cohort (``demo.cohort``'s live mode, what ``backtrack-demo`` makes by
default): it ends yesterday, and as of that day — and of today, the Group page's default —
its members raise the coach alerts the demo is meant to show.

Six participants, 12 weeks, "today" pinned to Monday 2026-12-07 (10:00 in Berlin). Worked
out from the design (module docs of ``demo.cohort`` and ``demo.diaries``), not with the code:

* last data day (``end``) 2026-12-06; the earliest program start is ``end`` − 12 × 7 + 1 =
  2026-09-14 (2026-12-06 − 83 days: 2026-09-06 is 91 days back, + 8); participant i starts
  (i × 3 mod 7) days later: p01 +0, p02 +3, p03 +6, p04 +2, p05 +5, p06 +1.
* p05 has not synced for 9 days: its last file is of 2026-11-27, its diary ends then too.
  Its program weeks start on 09-19 + 7k; 11-28 … 12-04 is one (09-19 + 70 days), the only
  complete week in the 14 days up to 12-06 (11-23 … 12-06) and up to 12-07 (11-24 … 12-07):
  no data at all, adherence 0 / 3 = 0.0; the 9 days without data are ≥ half of the days
  not met (at most 14): "not worn". ``no_data``: 12-06 − 11-27 = 9 days, 10 as of 12-07.
* p02 dropped off for the last 21 days (11-16 … 12-06) with the watch worn all day: no
  day meets 30 minutes → adherence 0.0, "inactive" (the 14 days are worn, not met); its
  painkiller run of 16–21 days is still going on 12-06: ``painkiller_run``.
* p01 (steady): no alert; pain improves by 15–25 points by the rules.
"""

from __future__ import annotations

import json
import os
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from rich.console import Console

from dashboards import data
from demo.run import STAMP, NotADemoFolder, clear_generated, live_end, run_demo
from pipelines.store.accounts import DB_FILE
from pipelines.store.storage import Store
from tests.support.cohort import ingested_cohort

NOW = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)  # 10:00 in Berlin
END = date(2026, 12, 6)
TODAY = date(2026, 12, 7)
STARTS = {
    "p01": date(2026, 9, 14),
    "p02": date(2026, 9, 17),
    "p03": date(2026, 9, 20),
    "p04": date(2026, 9, 16),
    "p05": date(2026, 9, 19),
    "p06": date(2026, 9, 15),
}
NOT_SYNCING, LAST_SYNC = "p05", date(2026, 11, 27)
ADMIN = data.Viewer("admin")


@pytest.mark.parametrize(
    ("now", "end"),
    [
        (NOW, END),
        (datetime(2026, 12, 7, 22, 59, tzinfo=UTC), date(2026, 12, 6)),  # 23:59 in Berlin
        (datetime(2026, 12, 7, 23, 0, tzinfo=UTC), date(2026, 12, 7)),  # 00:00 on the 8th
        (datetime(2026, 7, 1, 21, 59, tzinfo=UTC), date(2026, 6, 30)),  # summer: UTC+2
        (datetime(2026, 7, 1, 22, 0, tzinfo=UTC), date(2026, 7, 1)),
    ],
)
def test_the_live_end_is_yesterday_in_berlin(now: datetime, end: date) -> None:
    assert live_end(now) == end


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Store]:
    root = tmp_path_factory.mktemp("live")
    store, ids = ingested_cohort(root, participants=6, weeks=12, end=live_end(NOW))
    assert ids == list(STARTS)
    return root, store


def _dates(folder: Path) -> set[date]:
    """The local days in the file names of ``folder`` (``YYYY-MM-DD….fit``)."""
    return {date.fromisoformat(p.name[:10]) for p in folder.glob("*.fit")}


def test_programs_start_up_to_12_weeks_back_and_files_end_yesterday(
    live: tuple[Path, Store],
) -> None:
    root, _ = live
    listing = json.loads((root / "input" / "cohort.json").read_text(encoding="utf-8"))
    assert {p["id"]: date.fromisoformat(p["program_start"]) for p in listing} == STARTS
    assert min(STARTS.values()) == END - timedelta(weeks=12) + timedelta(days=1)
    for pid, start in STARTS.items():
        home = root / "input" / pid
        monitoring, activities = _dates(home / "monitoring"), _dates(home / "activities")
        last = LAST_SYNC if pid == NOT_SYNCING else END
        # the first week has a day without a file (perhaps the first); its late walk's days
        # (day 1–5 and the next) are worn
        assert start <= min(monitoring) < start + timedelta(days=6), pid
        assert max(monitoring) == last, pid
        assert start <= min(activities) and max(activities) <= last, pid
        diary = (root / "diaries" / pid / "diary.csv").read_text(encoding="utf-8").splitlines()
        diary_days = [_diary_day(row) for row in diary[1:]]
        assert start <= min(diary_days) and max(diary_days) <= last, pid
    gap = {LAST_SYNC + timedelta(days=i) for i in range(1, 10)}
    assert max(gap) == END  # 9 days without a file: 11-28 … 12-06


def _diary_day(row: str) -> date:
    first = row.replace(";", ",").split(",")[0]
    if "." in first:  # German: 31.08.2026
        day, month, year = first.split(".")
        return date(int(year), int(month), int(day))
    return date.fromisoformat(first)


def _alerts(store: Store, as_of: date) -> dict[str, list[tuple[str, float | None, str | None]]]:
    """Every member's alerts on the Group page (``coach_overview``) as of ``as_of``."""
    tables = data.StoreTables(store)
    out = {}
    for group in ("group-a", "group-b"):
        overview = data.coach_overview(ADMIN, group, tables, as_of=as_of)
        for row in overview.to_dict("records"):
            out[row["participant"]] = [(a.code, a.value, a.reason) for a in row["alerts"]]
    return dict(sorted(out.items()))


@pytest.mark.parametrize("as_of", [END, TODAY])
def test_the_group_page_shows_every_alert_kind(live: tuple[Path, Store], as_of: date) -> None:
    _, store = live
    alerts = _alerts(store, as_of)
    assert alerts["p01"] == []
    assert alerts[NOT_SYNCING] == [
        ("no_data", float((as_of - LAST_SYNC).days), None),
        ("low_adherence", 0.0, "not_worn"),
    ]
    assert (as_of - LAST_SYNC).days == (9 if as_of == END else 10)
    codes = [code for code, _, _ in alerts["p02"]]
    assert codes == ["low_adherence", "painkiller_run"]
    assert alerts["p02"][0] == ("low_adherence", 0.0, "inactive")
    run = alerts["p02"][1][1]
    assert run is not None and 16 <= run <= 21
    # the per-participant path (the coach's participant page) agrees
    tables = data.StoreTables(store)
    for pid in ("p01", "p02", NOT_SYNCING):
        one = data.participant_alerts(ADMIN, pid, tables, as_of=as_of)
        assert [(a.code, a.value, a.reason) for a in one] == alerts[pid]


def test_the_last_data_day_and_the_improving_member(live: tuple[Path, Store]) -> None:
    _, store = live
    tables = data.StoreTables(store)
    last: dict[str, date] = {}
    for group in ("group-a", "group-b"):
        overview = data.coach_overview(ADMIN, group, tables, as_of=TODAY)
        last |= dict(zip(overview["participant"], overview["last_data_day"], strict=True))
    assert last == {pid: (LAST_SYNC if pid == NOT_SYNCING else END) for pid in STARTS}
    report = data.report(ADMIN, "p01", tables)
    assert report["range"]["end"] == END.isoformat()
    change = report["pain"]["change_vs_baseline"]
    assert -25 <= change <= -15  # steady: 15–25 points better by the rules


# ------------------------------------------------------------------ the demo folder


def _folder(root: Path, *, stamp: bool) -> None:
    for name in ("input/p01", "diaries/p01", "data/tables"):
        (root / name).mkdir(parents=True)
    (root / "input" / "p01" / "old.fit").write_bytes(b"old")
    (root / "data" / DB_FILE).write_bytes(b"accounts")
    (root / "notes.txt").write_text("mine")
    if stamp:
        (root / STAMP).write_text("{}")


def test_a_new_cohort_clears_only_what_the_demo_made(tmp_path: Path) -> None:
    _folder(tmp_path, stamp=True)
    clear_generated(tmp_path)
    left = sorted(str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*"))
    assert left == ["data", f"data/{DB_FILE}", STAMP, "notes.txt"]


def test_a_folder_the_demo_did_not_make_is_refused_untouched(tmp_path: Path) -> None:
    _folder(tmp_path, stamp=False)
    before = sorted(tmp_path.rglob("*"))
    with pytest.raises(NotADemoFolder, match="not made by backtrack-demo"):
        clear_generated(tmp_path)
    assert sorted(tmp_path.rglob("*")) == before
    (tmp_path / "input").rename(tmp_path / "elsewhere")  # nothing of the demo's: fine
    for name in ("diaries", "data"):
        (tmp_path / name).rename(tmp_path / f"{name}-kept")
    clear_generated(tmp_path)
    assert (tmp_path / "elsewhere" / "p01" / "old.fit").read_bytes() == b"old"


@pytest.mark.prefect
def test_a_second_run_on_the_same_day_reuses_the_data(
    prefect_harness: None, tmp_path: Path
) -> None:
    def run(now: datetime, start: date | None = None) -> str:
        console = Console(record=True, width=200)
        run_demo(tmp_path, participants=1, weeks=1, start=start, clock=lambda: now, console=console)
        return console.export_text()

    first = run(NOW)
    assert "reusing" not in first and "2026-11-30 … 2026-12-06" in first
    cohort = tmp_path / "input" / "cohort.json"
    made = cohort.stat().st_mtime_ns
    assert json.loads((tmp_path / STAMP).read_text()) == {
        "participants": 1,
        "weeks": 1,
        "start": None,
        "end": "2026-12-06",
        "complete": True,
    }
    again = run(NOW + timedelta(hours=12))  # 22:00 in Berlin, still the 7th
    assert "reusing the demo data of 2026-12-06" in again and "p01" in again
    assert cohort.stat().st_mtime_ns == made
    monitoring = tmp_path / "input" / "p01" / "monitoring"
    assert max(_dates(monitoring)) == date(2026, 12, 6)
    tomorrow = run(NOW + timedelta(days=1))
    assert "reusing" not in tomorrow and "2026-12-01 … 2026-12-07" in tomorrow
    # the old cohort went (p01 now starts on 12-01): none of its files is left
    assert (min(_dates(monitoring)), max(_dates(monitoring))) == (
        date(2026, 12, 1),
        date(2026, 12, 7),
    )
    assert json.loads((tmp_path / STAMP).read_text())["end"] == "2026-12-07"
    fixed = run(NOW, start=date(2026, 8, 31))
    assert "the fixed cohort from 2026-08-31" in fixed
    days = _dates(tmp_path / "input" / "p01" / "monitoring")
    assert min(days) >= date(2026, 8, 31) and max(days) <= date(2026, 9, 6)
    assert os.listdir(tmp_path / "data")
