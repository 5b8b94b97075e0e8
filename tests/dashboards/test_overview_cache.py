"""The Group page's figures through ``dashboards.data`` (one read of the group's ``days``, each
member's row kept in memory between reruns) against the plain path: every member's own
``days`` partition read alone and ``overview.table`` over them — on random small cohorts, on
the first call, on a rerun, after a member's data or settings change and for another as-of
day. Identical tables, never an approximately equal one."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from benchmarks import dashboard as bench
from dashboards import data
from pipelines.app import participants as settings
from pipelines.schemas import DAYS, PARTICIPANTS
from pipelines.store.storage import Store
from tests.support.overview import plain_table

MEMBERS = 8
DAYS_EACH = 90


def figures(store: Store, group: str, as_of: date | None) -> pd.DataFrame:
    viewer = data.Viewer("coach", groups=frozenset({group}))
    return data.group_overview(viewer, group, data.StoreTables(store), as_of=as_of)


def same(store: Store, group: str, as_of: date | None) -> None:
    expected = plain_table(store, group, as_of)[data.OVERVIEW_COLUMNS]
    pd.testing.assert_frame_equal(figures(store, group, as_of), expected, check_exact=True)


@pytest.mark.parametrize("seed", [1, 7, 23])
def test_the_kept_figures_are_the_plain_ones(tmp_path: Path, seed: int) -> None:
    store = Store(tmp_path)
    rng = np.random.default_rng(seed)
    for index in range(MEMBERS):
        bench.write_participant(store, index, DAYS_EACH, rng)
    roster = store.read(PARTICIPANTS)
    for pid in roster["participant"]:  # two groups of four
        settings.configure(store, str(pid), group="g-a" if int(str(pid)[1:]) % 2 else "g-b")
    last = date(2025, 9, 1) + timedelta(days=DAYS_EACH - 1)
    for as_of in (None, last, last - timedelta(days=20)):
        same(store, "g-a", as_of)  # first call: computed
        same(store, "g-a", as_of)  # rerun: kept
    same(store, "g-b", None)
    same(store, "g-a", last)

    # one member's days change (a rewritten partition): their row follows, the others' stay
    changed = "p0003"
    days = store.read(DAYS, [changed])
    days["walking_minutes"] = days["walking_minutes"] * 0 + 45.0
    days["met"] = True
    days["has_data"] = True
    store.write(DAYS, changed, days)
    same(store, "g-a", last)  # the as-of day of the call before
    same(store, "g-a", None)
    after = figures(store, "g-a", last).set_index("participant")
    assert after.loc[changed, "days_since_last_walk"] == 0  # a walk of 45 minutes every day

    # another member's prescription and program start change: their row follows
    same(store, "g-a", last)
    settings.configure(store, "p0005", min_minutes=20, program_start=date(2025, 9, 15))
    same(store, "g-a", last)

    # a member moves to the other group: each group shows its own members
    settings.configure(store, "p0001", group="g-b")
    same(store, "g-a", last)
    same(store, "g-b", last)


def test_erasing_forgets_the_kept_figures(tmp_path: Path) -> None:
    store = Store(tmp_path)
    rng = np.random.default_rng(5)
    for index in range(3):
        bench.write_participant(store, index, 30, rng)
    root = str(store.root)
    figures(store, bench.group_of(0, 10), None)
    assert (root, "p0001") in data._member_figures
    data.clear_cache()
    assert not [key for key in data._member_figures if key[0] == root]


def test_stamps_change_with_each_write_and_name_a_missing_partition(tmp_path: Path) -> None:
    store = Store(tmp_path)
    bench.write_participant(store, 0, 10, np.random.default_rng(2))
    before = store.stamps(DAYS, ["p0001", "p0002"])
    assert before["p0002"] is None  # no partition
    store.write(DAYS, "p0001", store.read(DAYS, ["p0001"]))  # the same rows, a new file
    assert store.stamps(DAYS, ["p0001"])["p0001"] not in (None, before["p0001"])
