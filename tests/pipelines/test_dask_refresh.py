"""`backtrack refresh --runner dask`: the participants refreshed on a Dask cluster (a temporary
2-worker LocalCluster on 127.0.0.1 here) give the local runner's tables, and one participant's
failure is reported as locally while the others are refreshed."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner

from pipelines.app import refresh as refreshing
from pipelines.cli.main import app
from pipelines.schemas import BLOCKS, DAILY, DAYS, SESSIONS
from pipelines.store.storage import Store
from tests.support.cohort import ingested_cohort

runner = CliRunner()

PARTICIPANTS = 5
# Columns that say when a row was written, not what it holds (as in test_dask_runner.py).
WRITTEN_AT = {"ingested_at", "updated_at"}
DASK = ["--runner", "dask", "--dask-workers", "2"]


@pytest.fixture(scope="module")
def cohort(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[str]]:
    """A refreshed demo cohort's data dir (FIT files, settings, diaries) and its ids."""
    store, ids = ingested_cohort(
        tmp_path_factory.mktemp("cohort"), participants=PARTICIPANTS, weeks=2
    )
    return store.root, ids


def _copy(cohort: tuple[Path, list[str]], target: Path) -> Store:
    """A copy of the cohort's data dir without its daily, blocks and days partitions: only
    a refresh brings them back, so a runner that refreshed nobody cannot pass."""
    root, ids = cohort
    shutil.copytree(root, target)
    store = Store(target)
    for schema in (DAILY, BLOCKS, DAYS):
        for participant in ids:
            store.partition_path(schema.name, participant).unlink()
    return store


# Columns bound to the run, not to the data: when a row was written, and which files the
# stored Group page figures were computed from (their inodes and times differ run to run).
RUN_BOUND = [*WRITTEN_AT, "days_stamp", "files_stamp", "computed_at"]


def _tables(data: Path) -> dict[str, pd.DataFrame]:
    return {
        str(path.relative_to(data)): pd.read_parquet(path).drop(columns=RUN_BOUND, errors="ignore")
        for path in sorted((data / "tables").rglob("*.parquet"))
    }


def _completed_task_runs(name: str) -> int:
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import TaskRunFilter, TaskRunFilterName

    with get_client(sync_client=True) as client:
        task_runs = client.read_task_runs(
            task_run_filter=TaskRunFilter(name=TaskRunFilterName(like_=name))
        )
    return sum(
        1
        for run in task_runs
        # "refresh-part" is also the start of "refresh-participant(s)", the local tasks
        if run.name.startswith(f"{name}-") and run.state is not None and run.state.is_completed()
    )


@pytest.mark.prefect
def test_dask_refresh_gives_the_local_runners_tables(
    prefect_harness: None, cohort: tuple[Path, list[str]], tmp_path: Path
) -> None:
    _, ids = cohort
    local, dask = _copy(cohort, tmp_path / "local"), _copy(cohort, tmp_path / "dask")
    first = runner.invoke(app, ["refresh", "--force", "--data-dir", str(local.root)])
    assert first.exit_code == 0, first.output
    second = runner.invoke(app, ["refresh", "--force", "--data-dir", str(dask.root), *DASK])
    assert second.exit_code == 0, second.output
    assert (
        second.stdout
        == first.stdout
        == f"refreshed {PARTICIPANTS} of {PARTICIPANTS} participant(s)\n"
    )
    # on the cluster: 5 participants in parts of one each (fewer than the 4 parts per worker
    # thread asked for, 4 × 2 = 8), one refresh-part task run each
    assert _completed_task_runs("refresh-part") == PARTICIPANTS

    local_tables, dask_tables = _tables(local.root), _tables(dask.root)
    assert sorted(dask_tables) == sorted(local_tables)
    for schema in (SESSIONS, DAILY, BLOCKS, DAYS):  # every derived table, for everyone
        for participant in ids:
            assert f"tables/{schema.name}/participant={participant}/part.parquet" in dask_tables
    assert not dask.read(DAILY).empty and not dask.read(BLOCKS).empty
    for name, table in local_tables.items():
        pd.testing.assert_frame_equal(dask_tables[name], table, obj=name)
    # and the days' footer that tells the nightly run nobody is stale
    assert refreshing.stale_participants(dask, ids) == []


@pytest.mark.prefect
def test_one_failure_on_the_cluster_does_not_stop_the_others(
    prefect_harness: None, cohort: tuple[Path, list[str]], tmp_path: Path
) -> None:
    _, ids = cohort
    broken = ids[2]
    dask = _copy(cohort, tmp_path / "dask")
    dask.partition_path(SESSIONS.name, broken).write_bytes(b"not parquet")

    result = runner.invoke(app, ["refresh", "--force", "--data-dir", str(dask.root), *DASK])

    assert result.exit_code == 1
    assert isinstance(result.exception, RuntimeError)
    message = str(result.exception)
    assert message.startswith(f"1 of {PARTICIPANTS} refresh(es) failed:\n{broken}: ")
    assert f"sessions/participant={broken}/part.parquet" in message  # names the bad file
    assert sorted(dask.read(DAILY)["participant"].unique()) == [p for p in ids if p != broken]


@pytest.mark.parametrize(
    ("ids", "parts", "expected"),
    [
        # 7 into 3: 7 = 3 + 2 + 2, the longer runs first
        (list("abcdefg"), 3, [["a", "b", "c"], ["d", "e"], ["f", "g"]]),
        (list("abcdef"), 3, [["a", "b"], ["c", "d"], ["e", "f"]]),
        (list("ab"), 8, [["a"], ["b"]]),  # never an empty part
        (list("abc"), 1, [["a", "b", "c"]]),
        (list("abc"), 0, [["a", "b", "c"]]),  # at least one part
        ([], 4, []),
    ],
)
def test_split_participants(ids: list[str], parts: int, expected: list[list[str]]) -> None:
    assert refreshing.split_participants(ids, parts) == expected


@given(
    ids=st.lists(st.text(alphabet="abcdefgh", min_size=1, max_size=3), max_size=40),
    parts=st.integers(min_value=0, max_value=50),
)
def test_split_participants_keeps_everyone_once_in_order_evenly(ids: list[str], parts: int) -> None:
    runs = refreshing.split_participants(ids, parts)
    assert [p for run in runs for p in run] == ids
    assert all(runs)
    assert len(runs) == min(max(parts, 1), len(ids))
    assert max(map(len, runs), default=0) - min(map(len, runs), default=0) <= 1


@pytest.mark.parametrize(
    ("options", "complaint"),
    [
        (["--dask-workers", "3"], "--dask-workers needs --runner dask"),
        (["--dask-address", "tcp://127.0.0.1:8786"], "--dask-address needs --runner dask"),
        (
            ["--runner", "dask", "--dask-address", "tcp://127.0.0.1:8786", "--dask-workers", "2"],
            "give one or the other",
        ),
        (["--runner", "dask", "--dask-address", "127.0.0.1"], "not a scheduler address"),
    ],
)
def test_refresh_runner_options_are_checked(
    tmp_path: Path, options: list[str], complaint: str
) -> None:
    result = runner.invoke(app, ["refresh", "--data-dir", str(tmp_path), *options])
    assert result.exit_code == 2
    assert complaint in " ".join(re.sub("[│╭╮╰╯─]", " ", result.output).split())
