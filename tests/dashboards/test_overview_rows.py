"""The Group page's figures stored ahead by the refresh of everyone (``overview_rows``): a
page opened in a fresh process takes them instead of computing them, and gives exactly the
table the plain path gives (every member's ``days`` read alone, ``overview.table``); a stored
row that no longer holds — the member's data, settings or the as-of day changed — is never
used; an erased participant's row is not stored again."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from benchmarks import dashboard as bench
from dashboards import data
from pipelines.app import overview_rows, rights
from pipelines.app import participants as settings
from pipelines.schemas import DAYS, FILES, OVERVIEW_ROWS, PARTICIPANTS
from pipelines.store import tombstones
from pipelines.store.storage import Store
from tests.support.overview import plain_table
from tests.support.rules import processed_file

MEMBERS = 6
DAYS_EACH = 60
FIRST = date(2025, 9, 1)
LAST = FIRST + timedelta(days=DAYS_EACH - 1)
SENTINEL = -12345.0  # a figure no rule gives: shows where a stored row was taken


def cohort(tmp_path: Path, seed: int) -> Store:
    store = Store(tmp_path)
    rng = np.random.default_rng(seed)
    for index in range(MEMBERS):
        bench.write_participant(store, index, DAYS_EACH, rng)
    for pid in store.read(PARTICIPANTS)["participant"]:
        settings.configure(store, str(pid), group="g")
    return store


def fresh_page(store: Store, as_of: date | None) -> pd.DataFrame:
    """What the Group page computes in a new dashboard process (nothing kept in memory)."""
    data.clear_cache()
    viewer = data.Viewer("coach", groups=frozenset({"g"}))
    return data.coach_overview(viewer, "g", data.StoreTables(store), as_of=as_of)  # type: ignore[arg-type]


def mark(store: Store, participant: str) -> None:
    """Put the sentinel into ``participant``'s stored 28-day walking minutes a week."""
    rows = store.read(OVERVIEW_ROWS)
    at = rows.index[rows["participant"] == participant][0]
    figures = json.loads(rows.at[at, "figures"])
    figures["walking_minutes_per_week_28d"] = SENTINEL
    rows.at[at, "figures"] = json.dumps(figures)
    store.write_all(OVERVIEW_ROWS, rows)


def marked(table: pd.DataFrame) -> set[str]:
    hit = table["walking_minutes_per_week_28d"] == SENTINEL
    return set(table.loc[hit, "participant"])


@pytest.mark.parametrize("seed", [2, 11])
def test_stored_rows_give_the_plain_table(tmp_path: Path, seed: int) -> None:
    store = cohort(tmp_path, seed)
    assert overview_rows.write(store, LAST) == MEMBERS
    expected = plain_table(store, "g", LAST)[data.OVERVIEW_COLUMNS]
    got = fresh_page(store, LAST)
    pd.testing.assert_frame_equal(
        got[data.OVERVIEW_COLUMNS].reset_index(drop=True), expected, check_exact=True
    )
    # the whole row of the page, alerts and last upload included, is the computed one
    store.write_all(OVERVIEW_ROWS, OVERVIEW_ROWS.empty())
    pd.testing.assert_frame_equal(got, fresh_page(store, LAST), check_exact=True)


def test_a_stored_row_is_taken_only_while_it_holds(tmp_path: Path) -> None:
    store = cohort(tmp_path, 5)
    overview_rows.write(store, LAST)
    for member in ("p0001", "p0002", "p0003", "p0004"):
        mark(store, member)
    assert marked(fresh_page(store, LAST)) == {"p0001", "p0002", "p0003", "p0004"}

    # p0002's days are rewritten: their row is computed again
    days = store.read(DAYS, ["p0002"])
    store.write(DAYS, "p0002", days)
    # p0003's prescription changes: computed again
    settings.configure(store, "p0003", min_minutes=25)
    assert marked(fresh_page(store, LAST)) == {"p0001", "p0004"}
    # another as-of day: nothing stored holds
    assert marked(fresh_page(store, LAST - timedelta(days=3))) == set()
    # the same process, a rerun: the kept rows (from the stored ones) stay
    assert marked(fresh_page(store, LAST)) == {"p0001", "p0004"}
    viewer = data.Viewer("coach", groups=frozenset({"g"}))
    again = data.coach_overview(viewer, "g", data.StoreTables(store), as_of=LAST)
    assert marked(again) == {"p0001", "p0004"}
    # rows stored as of the group's latest data day serve the page's default day
    days = store.read(DAYS)
    latest = max(d for d, h in zip(days["date"], days["has_data"], strict=True) if h)
    overview_rows.write(store, latest)
    mark(store, "p0005")
    assert marked(fresh_page(store, None)) == {"p0005"}
    assert marked(fresh_page(store, latest - timedelta(days=1))) == set()


def uploaded(store: Store, participant: str, at: datetime) -> None:
    """One processed file of ``participant`` at ``at`` (their ``files`` partition)."""
    row = processed_file(participant, "a" * 64, "a" * 64, "walk.fit", pd.Timestamp(at))
    store.write(FILES, participant, pd.DataFrame([row]))


def test_stored_last_upload_is_used_while_the_files_are_unchanged(tmp_path: Path) -> None:
    store = cohort(tmp_path, 3)
    uploaded(store, "p0001", datetime(2025, 11, 1, 8, tzinfo=UTC))
    uploaded(store, "p0002", datetime(2025, 11, 2, 9, tzinfo=UTC))
    overview_rows.write(store, LAST)
    page = fresh_page(store, LAST).set_index("participant")["last_upload"]
    assert page["p0001"] == datetime(2025, 11, 1, 8, tzinfo=UTC)
    assert page["p0003"] is None  # no file: nothing stored, nothing shown
    rows = store.read(OVERVIEW_ROWS)
    when = datetime(2030, 1, 2, 3, 4, 5, tzinfo=UTC)
    rows["last_upload"] = pd.Series([when] * len(rows), dtype=rows["last_upload"].dtype)
    store.write_all(OVERVIEW_ROWS, rows)
    uploaded(store, "p0002", datetime(2025, 11, 3, 10, tzinfo=UTC))  # a new upload since
    page = fresh_page(store, LAST).set_index("participant")["last_upload"]
    assert page["p0001"] == when  # the stored one: the files did not change
    assert page["p0002"] == datetime(2025, 11, 3, 10, tzinfo=UTC)  # read again
    assert page["p0003"] is None


def test_rows_round_trip_every_figure_type() -> None:
    row = {
        "participant": "p0001",
        "as_of": date(2025, 10, 30),
        "adherence_14d": 0.5,
        "weeks_total_14d": np.int64(2),
        "dose_28d": None,
        "walking_vs_band_28d": "within",
        "share": np.float64(0.1 + 0.2),
        "nan": float("nan"),
    }
    back = overview_rows.decode(overview_rows.encode(row))
    assert back["as_of"] == date(2025, 10, 30) and back["weeks_total_14d"] == 2
    assert back["share"] == 0.1 + 0.2 and back["dose_28d"] is None
    assert np.isnan(back["nan"])
    assert {k: v for k, v in back.items() if k != "nan"} == {
        k: (v.item() if isinstance(v, np.generic) else v) for k, v in row.items() if k != "nan"
    }
    with pytest.raises(TypeError, match="cannot be stored"):
        overview_rows.encode({"x": object()})


def test_an_erased_participant_is_not_stored_again(tmp_path: Path) -> None:
    store = cohort(tmp_path, 4)
    rows = overview_rows.member_rows(store, ["p0001", "p0002"], LAST)  # computed before …
    rights.erase(store, "p0002", actor="admin")  # … the erasure
    store.write_all(
        OVERVIEW_ROWS,
        pd.DataFrame(rows, columns=OVERVIEW_ROWS.names),
        keep=lambda p: not tombstones.is_erased(store.root, p),
    )
    assert store.read(OVERVIEW_ROWS)["participant"].tolist() == ["p0001"]
    # and the erasure removes a stored row like any row of the participant
    overview_rows.write(store, LAST)
    assert "p0003" in set(store.read(OVERVIEW_ROWS)["participant"])
    rights.erase(store, "p0003", actor="admin")
    assert "p0003" not in set(store.read(OVERVIEW_ROWS)["participant"])


def test_write_all_is_for_one_file_tables_only(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="not a one-file table"):
        Store(tmp_path).write_all(DAYS, DAYS.empty())
