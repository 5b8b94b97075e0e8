"""The coach overview computes blocks only near its window: the figures must not change."""

from __future__ import annotations

from datetime import timedelta

import pandas as pd
import pytest

from dashboards import data
from pipelines.rules import adherence, participants, report
from pipelines.schemas import DAYS, PARTICIPANTS


@pytest.mark.parametrize("shift_days", [-20, -9, -1, 0, 3, 17])
@pytest.mark.parametrize("every_n_days", [1, 2, 3, 7])
def test_window_trimming_keeps_every_figure(
    tables: data.StoreTables, shift_days: int, every_n_days: int
) -> None:
    for member in tables.all_participants():
        frame = tables.read(DAYS, [member])
        p = participants.from_rows(member, tables.read(PARTICIPANTS, [member]))
        target = p.target.with_changes(every_n_days=every_n_days)
        as_of = max(frame["date"]) + timedelta(days=shift_days)
        for window in (14, 28):
            start = as_of - timedelta(days=window - 1)
            full = adherence.summarize(
                frame, adherence.blocks(frame, target, end=as_of), start, as_of
            )
            moved, recent = adherence.near_window(frame, target, as_of - timedelta(days=27))
            trimmed = adherence.summarize(
                recent, adherence.blocks(recent, moved, end=as_of), start, as_of
            )
            assert trimmed == full, (member, window, as_of)


def test_pain_change_in_the_overview_equals_the_report(tables: data.StoreTables) -> None:
    admin = data.Viewer(role="admin")
    for group in data.visible_groups(admin, tables):
        overview = data.group_overview(admin, group, tables)
        for row in overview.to_dict("records"):
            member = row["participant"]
            p = participants.from_rows(member, tables.read(PARTICIPANTS, [member]))
            full = report.build(p, tables.read(DAYS, [member]), end=row["as_of"])
            got = row["pain_change_vs_baseline"]
            assert (None if pd.isna(got) else got) == full["pain"]["change_vs_baseline"]


@pytest.mark.parametrize("shift_days", [0, 5, 30])
def test_coach_overview_alerts_and_uploads_equal_the_per_participant_path(
    tables: data.StoreTables, shift_days: int
) -> None:
    admin = data.Viewer(role="admin")
    for group in data.visible_groups(admin, tables):
        last = max(
            max(tables.read(DAYS, [m])["date"]) for m in data.visible_participants(admin, tables)
        )
        as_of = last + timedelta(days=shift_days)
        overview = data.coach_overview(admin, group, tables, as_of=as_of)
        for row in overview.to_dict("records"):
            member = row["participant"]
            assert row["alerts"] == data.participant_alerts(
                admin,
                member,
                tables,
                as_of=as_of,
                thresholds=data.group_thresholds(admin, group, tables),
            )
            assert row["last_upload"] == data.last_upload(admin, member, tables)


@pytest.mark.parametrize("shift_days", [0, 9, 40])
def test_every_overview_figure_equals_the_report_of_its_window(
    tables: data.StoreTables, shift_days: int
) -> None:
    """The group figures (pipelines.rules.overview) are the per-participant report's, window by
    window: adherence now, 28 days and the 14 days before (the trend's other half)."""
    admin = data.Viewer(role="admin")
    for group in data.visible_groups(admin, tables):
        members = data.visible_participants(admin, tables)
        as_of = max(max(tables.read(DAYS, [m])["date"]) for m in members) + timedelta(
            days=shift_days
        )
        overview = data.coach_overview(admin, group, tables, as_of=as_of)
        for row in overview.to_dict("records"):
            member = row["participant"]
            p = participants.from_rows(member, tables.read(PARTICIPANTS, [member]))
            frame = tables.read(DAYS, [member])

            def ratio(start_back: int, end_back: int) -> float | None:
                start = as_of - timedelta(days=start_back)  # noqa: B023 (used at once)
                end = as_of - timedelta(days=end_back)  # noqa: B023
                return report.build(p, frame, start, end)["adherence"]["ratio"]  # noqa: B023

            def same(got: object, want: object) -> bool:
                return (want is None and (got is None or pd.isna(got))) or got == want

            assert same(row["adherence_14d"], ratio(13, 0)), member
            assert same(row["adherence_28d"], ratio(27, 0)), member
            assert same(row["adherence_prev_14d"], ratio(27, 14)), member
            now, before = ratio(13, 0), ratio(27, 14)
            trend = None if now is None or before is None else round(now - before, 4)
            assert same(row["adherence_trend_14d"], trend), member


def test_group_days_are_each_members_days_in_the_range(tables: data.StoreTables) -> None:
    admin = data.Viewer(role="admin")
    for group in data.visible_groups(admin, tables):
        members = data._visible_members(admin, group, tables.read(PARTICIPANTS, None))
        end = max(max(tables.read(DAYS, [m])["date"]) for m in members)
        start = end - timedelta(days=9)
        frame, targets = data.group_days(admin, group, tables, start=start, end=end)
        assert sorted(targets) == members
        for member in members:
            mine = tables.read(DAYS, [member])
            want = mine.loc[(mine["date"] >= start) & (mine["date"] <= end)]
            got = frame[frame["participant"] == member]
            columns = ["participant", *data.GROUP_DAYS_COLUMNS]
            assert got[columns].to_dict("records") == want[columns].to_dict("records")
            assert targets[member] == data.settings(admin, member, tables).target
