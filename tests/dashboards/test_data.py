"""dashboards.data: every read is scoped to the viewer, never widened."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from dashboards import data
from pipelines.app import participants as settings
from pipelines.app import refresh as refreshing
from pipelines.rules import adherence
from pipelines.rules import report as report_mod
from pipelines.schemas import DAYS
from pipelines.store.storage import Store

P01 = data.Viewer("participant", participant="p01")
COACH_A = data.Viewer("coach", groups=frozenset({"group-a"}))
COACH_B = data.Viewer("coach", groups=frozenset({"group-b"}))
ADMIN = data.Viewer("admin")

READS: dict[str, Callable[..., Any]] = {
    "settings": data.settings,
    "days": data.days,
    "blocks": data.blocks,
    "sessions": data.sessions,
    "report": data.report,
}


def test_visible_participants_per_role(tables: data.StoreTables) -> None:
    assert data.visible_participants(P01, tables) == ["p01"]
    assert data.visible_participants(COACH_A, tables) == ["p01", "p03"]
    assert data.visible_participants(COACH_B, tables) == ["p02"]
    assert data.visible_participants(data.Viewer("coach"), tables) == []
    assert data.visible_participants(ADMIN, tables) == ["p01", "p02", "p03"]


@pytest.mark.parametrize("read", sorted(READS))
@pytest.mark.parametrize(
    ("viewer", "other"),
    [(P01, "p02"), (P01, "p03"), (COACH_A, "p02"), (COACH_B, "p01"), (P01, "../p02")],
)
def test_no_read_reaches_outside_the_viewers_scope(
    tables: data.StoreTables, read: str, viewer: data.Viewer, other: str
) -> None:
    with pytest.raises(PermissionError):
        READS[read](viewer, other, tables)


@pytest.mark.parametrize("read", sorted(READS))
def test_reads_inside_the_scope_return_only_that_participant(
    tables: data.StoreTables, read: str
) -> None:
    for viewer, pid in [(P01, "p01"), (COACH_A, "p03"), (COACH_B, "p02"), (ADMIN, "p02")]:
        result = READS[read](viewer, pid, tables)
        if isinstance(result, pd.DataFrame):
            assert len(result) and set(result["participant"]) == {pid}
        elif isinstance(result, dict):
            assert result["participant"] == pid
        else:
            assert result.id == pid


def test_report_is_the_cli_report(tables: data.StoreTables, data_dir: Path) -> None:
    store = Store(data_dir)
    expected = report_mod.build(settings.load_participant(store, "p01"), store.read(DAYS, ["p01"]))
    assert data.report(P01, "p01", tables) == expected
    assert expected["adherence"]["blocks_total"] > 0


def test_group_overview_is_scoped_to_the_coachs_groups(tables: data.StoreTables) -> None:
    with pytest.raises(PermissionError):
        data.group_overview(COACH_A, "group-b", tables)
    with pytest.raises(PermissionError):
        data.group_overview(P01, "group-a", tables)
    assert data.visible_groups(P01, tables) == []
    assert data.visible_groups(ADMIN, tables) == ["group-a", "group-b"]
    overview = data.group_overview(COACH_A, "group-a", tables)
    assert list(overview["participant"]) == ["p01", "p03"]
    assert list(data.group_overview(ADMIN, "group-b", tables)["participant"]) == ["p02"]


def test_group_overview_figures_come_from_the_adherence_rule(tables: data.StoreTables) -> None:
    as_of = date(2026, 9, 19)
    frame = data.group_overview(COACH_A, "group-a", tables, as_of=as_of)
    overview: dict[str, dict[Any, Any]] = {
        str(row["participant"]): row for row in frame.to_dict("records")
    }
    for pid in ("p01", "p03"):
        days = data.days(COACH_A, pid, tables)
        target = data.settings(COACH_A, pid, tables).target
        block_frame = adherence.blocks(days, target, end=as_of)
        for window in (14, 28):
            start = as_of - timedelta(days=window - 1)
            expected = adherence.summarize(days, block_frame, start, as_of)
            weekly = adherence.summarize_weeks(
                adherence.program_weeks(days, target, start, as_of), target
            )
            assert overview[pid][f"adherence_{window}d"] == weekly.ratio
            assert overview[pid][f"weeks_total_{window}d"] == weekly.weeks_total
            assert overview[pid][f"blocks_total_{window}d"] == expected.blocks_total
        walked = days.loc[days["walking_minutes"] >= 1, "date"]
        assert overview[pid]["days_since_last_walk"] == (as_of - max(walked)).days
        pain = data.report(COACH_A, pid, tables, end=as_of)["pain"]
        change = overview[pid]["pain_change_vs_baseline"]
        expected_change = pain["change_vs_baseline"]
        assert change == expected_change or (expected_change is None and change != change)
    # 2-day blocks from the program start (p01: 08-31, p03: 09-06) wholly inside the window
    assert [overview["p01"]["blocks_total_14d"], overview["p01"]["blocks_total_28d"]] == [7, 10]
    assert [overview["p03"]["blocks_total_14d"], overview["p03"]["blocks_total_28d"]] == [7, 7]
    # program weeks wholly inside the window: p01 from Monday 08-31 (weeks 08-31…09-06,
    # 09-07…09-13; 09-14…09-20 is still running on 09-19), p03 from Sunday 09-06 (09-06…09-12,
    # 09-13…09-19); the 14 days are 09-06…09-19
    assert [overview["p01"]["weeks_total_14d"], overview["p01"]["weeks_total_28d"]] == [1, 2]
    assert [overview["p03"]["weeks_total_14d"], overview["p03"]["weeks_total_28d"]] == [2, 2]


def test_group_overview_defaults_to_the_groups_latest_data_day(tables: data.StoreTables) -> None:
    overview = data.group_overview(COACH_A, "group-a", tables)
    assert set(overview["as_of"]) == {max(overview["last_data_day"])}


def test_viewer_must_be_well_formed() -> None:
    with pytest.raises(ValueError, match="role"):
        data.Viewer("superuser")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="participant id"):
        data.Viewer("participant")


def test_cached_reads_follow_the_tables_modification_time(
    tmp_path: Path, data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    copy = tmp_path / "data"
    shutil.copytree(data_dir, copy)
    monkeypatch.setenv("BACKTRACK_DATA_DIR", str(copy))
    reads: list[str] = []
    original = Store.read

    def counting_read(
        self: Store, schema: Any, participants: Any = None, columns: Any = None
    ) -> pd.DataFrame:
        reads.append(schema.name)
        return original(self, schema, participants, columns)

    monkeypatch.setattr(Store, "read", counting_read)
    before = data.days(P01, "p01")  # default: the cached tables of $BACKTRACK_DATA_DIR
    assert data.days(P01, "p01").equals(before)
    assert reads == ["days"]  # the second read came from the cache
    walking = before["walking_minutes"]
    assert ((walking >= 30) & (walking < 45)).any()  # so a 45-minute target changes `met`

    store = Store(copy)
    settings.configure(store, "p01", min_minutes=45)
    refreshing.refresh_participant(store, "p01")  # rewrites the days partition: a new mtime
    after = data.days(P01, "p01")
    assert list(after["met"]) == list(after["walking_minutes"] >= 45)
    assert not after["met"].equals(before["met"])
