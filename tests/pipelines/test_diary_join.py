"""The diary import rule, the daily join and the report's pain fields."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from demo import fitwriter
from ingest.records import DiaryEntry
from pipelines import schemas
from pipelines.app import refresh as refreshing
from pipelines.app import uploads
from pipelines.cli.main import app
from pipelines.rules import diary, joined
from pipelines.schemas import DAILY, DAYS, DIARY, FILES
from pipelines.store.storage import Store

D0 = date(2024, 5, 1)


def entry(day: int, pain: float | None, **kw: object) -> DiaryEntry:
    return DiaryEntry(row=day + 1, date=D0 + timedelta(days=day), pain=pain, **kw)  # type: ignore[arg-type]


def test_import_replaces_the_dates_of_the_file_and_keeps_the_others() -> None:
    first = diary.entries_frame("p1", [entry(0, 40), entry(1, 50), entry(2, 60)], source="file")
    stored = diary.apply_import(DIARY.empty(), first)
    corrected = diary.entries_frame("p1", [entry(1, 55), entry(3, 45)], source="file")
    stored = diary.apply_import(stored, corrected)
    assert list(zip(stored["date"], stored["pain"], strict=True)) == [
        (D0, 40.0),
        (D0 + timedelta(1), 55.0),
        (D0 + timedelta(2), 60.0),
        (D0 + timedelta(3), 45.0),
    ]
    pd.testing.assert_frame_equal(diary.apply_import(stored, corrected), stored)


def test_a_single_entry_replaces_only_its_date_and_time() -> None:
    stored = diary.entries_frame(
        "p1", [entry(0, 40, time="08:00"), entry(0, 60, time="20:00")], source="file"
    )
    stored = diary.apply_entry(
        stored, diary.entries_frame("p1", [entry(0, 30, time="08:00")], source="entry")
    )
    assert sorted(zip(stored["time"], stored["pain"], strict=True)) == [
        ("08:00", 30.0),
        ("20:00", 60.0),
    ]
    day = diary.per_day(stored).iloc[0]
    assert (day["pain"], day["pain_entries"]) == (45.0, 2)


def _daily(participant: str, days: int, start: date = D0) -> pd.DataFrame:
    from tests.support.rules import days as build_days
    from tests.support.rules import walk

    records = [
        walk(f"{start + timedelta(i):%Y-%m-%d}T08:00:00", 20 + i, index=i) for i in range(days)
    ]
    built = build_days(records).assign(participant=participant)
    return schemas.coerce(DAILY, built) if days else DAILY.empty()


def test_join_spans_activity_and_diary_days() -> None:
    daily = _daily("p1", 3)
    per_day = diary.per_day(diary.entries_frame("p1", [entry(2, 50), entry(5, 70)], source="file"))
    days = joined.join("p1", daily, per_day, None)
    assert list(days["date"]) == [D0 + timedelta(i) for i in range(6)]
    assert list(days["has_data"]) == [True, True, True, False, False, False]
    assert days["pain"].tolist()[2] == 50.0 and days["pain"].tolist()[5] == 70.0
    assert days["pain"].isna().tolist() == [True, True, False, True, True, False]
    assert list(days["pain_entries"]) == [0, 0, 1, 0, 0, 1]
    DAYS.arrow  # noqa: B018 - the frame matches the schema:
    from pipelines.schemas import to_arrow

    to_arrow(DAYS, days)


@settings(max_examples=25, deadline=None)
@given(
    st.dictionaries(
        st.sampled_from(["p1", "p2", "p3"]),
        st.tuples(
            st.integers(0, 6),
            st.lists(st.tuples(st.integers(-5, 15), st.floats(0, 100)), max_size=8),
        ),
        max_size=3,
    )
)
def test_joined_table_has_one_row_per_participant_day(people) -> None:  # type: ignore[no-untyped-def]
    frames = []
    for pid, (activity_days, diary_rows) in people.items():
        entries = [
            DiaryEntry(row=i + 2, date=D0 + timedelta(days=d), pain=p, time=f"{i:02d}:00")
            for i, (d, p) in enumerate(diary_rows)
        ]
        per_day = diary.per_day(diary.entries_frame(pid, entries, source="file"))
        frames.append(joined.join(pid, _daily(pid, activity_days), per_day, None))
    if not frames:
        return
    table = pd.concat(frames, ignore_index=True)
    assert not table.duplicated(["participant", "date"]).any()
    for pid, group in table.groupby("participant"):
        dates = sorted(group["date"])
        assert dates == [dates[0] + timedelta(i) for i in range(len(dates))]
        assert set(group["participant"]) == {pid}


def test_cli_diary_import_add_and_report(tmp_path: Path) -> None:
    store = Store(tmp_path / "data")
    walk = tmp_path / "walk.fit"
    walk.write_bytes(
        fitwriter.activity_file(
            start_utc=datetime(2024, 5, 1, 6, tzinfo=UTC),
            elapsed_s=2400,
            sport=11,
            utc_offset_s=7200,
            record_interval_s=None,
        )
    )
    stored = uploads.store_uploads(store, "p1", [walk])
    uploads.record(store, "p1", uploads.parse_stored(stored, workers=1))
    refreshing.refresh_participant(store, "p1")
    csv = tmp_path / "Tagebuch.csv"
    csv.write_text(
        "Datum;Schmerz;Schmerzmittel;Notiz\n01.05.2024;45,5;Ibuprofen 400;gut\n"
        "02.05.2024;120;nein;zu hoch\n31.02.2024;30;nein;\n03.05.2024;40;nein;\n",
        encoding="utf-8",
    )
    runner = CliRunner()
    args = ["-p", "p1", "--data-dir", str(tmp_path / "data")]
    result = runner.invoke(app, ["diary", "import", str(csv), *args])
    assert result.exit_code == 0, result.output
    assert "2 entries stored" in result.output and "2 row(s) with errors" in result.output
    assert "120" in result.output and "31.02.2024" in result.output
    assert set(store.read(FILES)["format"]) == {"fit", "diary"}

    added = runner.invoke(
        app,
        [
            "diary",
            "add",
            *args,
            "--date",
            "2024-05-02",
            "--pain",
            "5",
            "--scale",
            "0-10",
            "--flare-up",
            "ja",
        ],
    )
    assert added.exit_code == 0, added.output
    report = json.loads(runner.invoke(app, ["report", "--json", *args]).stdout)
    # the default range covers the diary days after the one activity day too
    assert [(d["date"], d["pain"], d["painkiller"]) for d in report["days"]] == [
        ("2024-05-01", 45.5, True),
        ("2024-05-02", 50.0, None),
        ("2024-05-03", 40.0, False),
    ]
    assert set(report["pain"]) >= {
        "baseline",
        "latest_7d_mean",
        "change_vs_baseline",
        "flare_ups_per_3_months",
        "painkiller_run_days",
        "painkiller_warning",
        "lag_correlations",
    }
    days = store.read(DAYS).set_index("date")
    assert days.loc[date(2024, 5, 2), "pain"] == 50.0
    assert bool(days.loc[date(2024, 5, 2), "flare_up_flagged"])
    assert days.loc[date(2024, 5, 3), "pain"] == 40.0
