"""Crashes and concurrency lose nothing (docs/durability.md).

The kill test runs the real ``backtrack ingest`` of a multi-file upload (a FIT walk and a
zip export with FIT activities, a FIT monitoring file, GPX, TCX, a duplicate of the walk, a
settings file and a file that is no tracker file) and kills it with SIGKILL at every crash
point of the storage — just before and just after each rename of a finished file into
place — and at seeded random moments over a clean run's duration. After each kill: no
lock is left held, every stored file reads (and a half-written temporary file is never
read), then the ingest is run again and every table, the raw store and the file layout must
equal a clean run's. The concurrency tests run ingests (and a refresh) at the same time and
compare with running them one after the other.

Processes are forked by ``tests/pipelines/crash_child.py`` and talk to this session's
Prefect test server.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import re
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from demo import twins
from pipelines import schemas
from pipelines.app import participants as settings
from pipelines.app import refresh as refreshing
from pipelines.app import uploads
from pipelines.app.workers import exit_with_parent
from pipelines.schemas import DAILY, DAYS, FILES, SESSIONS, STEP_MINUTES
from pipelines.store.storage import TEMP_PREFIX, Store
from tests.support.archives import make_zip
from tests.support.crash import (
    ROOT,
    assert_same,
    child_env,
    drive,
    finished,
    ingest,
    killed_anywhere,
    refresh,
    snapshot,
)

__all__ = ["child_env"]  # the module-scoped fixture, used here too
from tests.support.uploads import T0, activity, write_files

# ---------------------------------------------------------------------------- uploads


# ---------------------------------------------------------------------------- harness


# ---------------------------------------------------------------------------- checks


# ---------------------------------------------------------------------------- the kill test


def test_an_ingest_killed_anywhere_then_repeated_equals_a_clean_run(
    child_env: dict[str, str], tmp_path: Path
) -> None:
    """Share 1 of the kill points; tests/pipelines/test_crash_kills_2.py and _3.py run the
    others, so that ``pytest -n 2 --dist loadfile`` spreads them over the workers."""
    killed_anywhere(child_env, tmp_path, share=1)


# ---------------------------------------------------------------------------- concurrency


def _uploads(folder: Path) -> dict[str, list[str]]:
    """A: three walks; B: overlaps A by a walk and the zip, adds two; C, D: other days."""
    shared = {"walk-1.fit": activity(2, 35), "export.zip": make_zip({"a.fit": activity(8, 40)})}
    return {
        "A": write_files(folder / "A", {"walk-0.fit": activity(0, 25), **shared}),
        "B": write_files(
            folder / "B", {**shared, "walk-3.fit": activity(12, 50), "w.gpx": _gpx(14)}
        ),
        "C": write_files(folder / "C", {"walk-5.fit": activity(3, 31), "w.gpx": _gpx(5)}),
        "D": write_files(folder / "D", {"walk-6.fit": activity(16, 44)}),
    }


def _gpx(day: int) -> bytes:
    return twins.gpx(twins.Walk(T0 + timedelta(days=day)), with_type=True)


def sequential(root: Path, batches: list[tuple[str, list[str]]]) -> dict[str, Any]:
    """The reference: the uploads one after the other, through the steps of the ingest
    flow (``pipelines.orchestrate.flows.ingest_flow``) in this process."""
    store = Store(root)
    for participant, paths in batches:
        stored = uploads.store_uploads(store, participant, [Path(p) for p in paths])
        uploads.record(store, participant, uploads.parse_stored(stored, workers=1))
        refreshing.refresh_participant(store, participant)
    return snapshot(root)


def run_all(env: dict[str, str], work: Path, plan: list[list[dict[str, Any]]]) -> None:
    """Run ``plan``: every command must finish with exit code 0, and the commands that
    were to meet at a participant's lock must have queued there together."""
    for group, results in zip(plan, drive(env, work, plan), strict=True):
        commands = [c for c in group if "hold_lock" not in c]
        for command, result in zip(commands, results, strict=False):
            finished(result, command["log"])
        assert all(r["status"] == "contended" for r in results[len(commands) :]), results


def test_two_participants_and_a_refresh_at_once_lose_nothing(
    child_env: dict[str, str], tmp_path: Path
) -> None:
    up, work, conc = _uploads(tmp_path / "up"), tmp_path / "work", tmp_path / "conc"
    plan = [
        [ingest(up["D"], "p2", conc, work / "c1")],  # something for the refresh to do
        [
            {"hold_lock": [str(conc), "p2", 2]},  # p2's ingest and the refresh meet there
            ingest(up["A"], "p1", conc, work / "c2"),
            ingest(up["C"], "p2", conc, work / "c3"),
            refresh(conc, work / "c4"),
        ],
    ]
    run_all(child_env, work, plan)
    expected = sequential(tmp_path / "seq", [("p2", up["D"]), ("p1", up["A"]), ("p2", up["C"])])
    assert set(expected["tables"][FILES.name]["participant"]) == {"p1", "p2"}
    assert_same(snapshot(conc), expected, "concurrent", any_order=True)


def test_the_same_participant_uploading_twice_at_once_counts_each_file_once(
    child_env: dict[str, str], tmp_path: Path
) -> None:
    """Both processes parse against an empty manifest (a third holds the lock meanwhile),
    then record one after the other: the second must see what the first recorded."""
    up, work, conc = _uploads(tmp_path / "up"), tmp_path / "work", tmp_path / "conc"
    plan = [
        [
            {"hold_lock": [str(conc), "p1", 2]},
            ingest(up["A"], "p1", conc, work / "c1"),
            ingest(up["B"], "p1", conc, work / "c2"),
        ],
    ]
    run_all(child_env, work, plan)
    expected = sequential(tmp_path / "ab", [("p1", up["A"]), ("p1", up["B"])])
    assert_same(
        sequential(tmp_path / "ba", [("p1", up["B"]), ("p1", up["A"])]),
        expected,
        "the other order",
        any_order=True,
    )
    got = snapshot(conc)
    assert_same(got, expected, "concurrent", any_order=True)
    # both had parsed everything before either recorded: the second found the overlap
    # (a walk and the zip's member) in the manifest the first had just written
    logs = (work / "c1").read_text() + (work / "c2").read_text()
    assert sum(int(n) for n in re.findall(r"(\d+) already ingested", logs)) == 2, logs
    sessions = got["tables"][SESSIONS.name]
    assert len(sessions) == 5 and sessions["session_id"].is_unique
    files = got["tables"][FILES.name]
    assert not files.duplicated(["sha256", "original_name"]).any()


def test_an_ingest_during_a_refresh_of_the_same_participant(
    child_env: dict[str, str], tmp_path: Path
) -> None:
    up, work, conc = _uploads(tmp_path / "up"), tmp_path / "work", tmp_path / "conc"
    plan = [
        [ingest(up["A"], "p1", conc, work / "c1")],
        [
            {"hold_lock": [str(conc), "p1", 3]},
            refresh(conc, work / "c2", "p1"),
            ingest(up["B"], "p1", conc, work / "c3"),
            refresh(conc, work / "c4", "p1"),
        ],
    ]
    run_all(child_env, work, plan)
    expected = sequential(tmp_path / "seq", [("p1", up["A"]), ("p1", up["B"])])
    assert_same(snapshot(conc), expected, "ingest during refresh", any_order=True)


# ---------------------------------------------------------------------------- regressions


def _stored_walks(store: Store, folder: Path) -> list[uploads.Upload]:
    paths = [
        Path(p) for p in write_files(folder, {"a.fit": activity(0, 30), "b.fit": activity(2, 40)})
    ]
    return uploads.parse_stored(uploads.store_uploads(store, "p1", paths), workers=1)


def test_the_manifest_is_written_after_every_table_it_vouches_for(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Regression: the manifest was written before the refresh, so a run killed in between
    left ``daily``/``blocks``/``days`` stale for good — the rerun found the upload known."""
    store = Store(tmp_path / "data")
    stored = _stored_walks(store, tmp_path / "in")
    written: list[str] = []
    real_write = Store.write

    def spy(
        self: Store, schema: schemas.TableSchema, participant: str, frame: Any, **kw: Any
    ) -> None:
        written.append(schema.name)
        real_write(self, schema, participant, frame, **kw)

    real_write_windows = Store.write_windows

    def spy_windows(
        self: Store, schema: schemas.TableSchema, participant: str, windows: Any, **kw: Any
    ) -> None:  # step minutes are written a window at a time
        written.append(schema.name)
        real_write_windows(self, schema, participant, windows, **kw)

    monkeypatch.setattr(Store, "write", spy)
    monkeypatch.setattr(Store, "write_windows", spy_windows)
    uploads.record(store, "p1", stored)
    assert written[-1] == FILES.name
    assert {DAILY.name, "blocks", DAYS.name, STEP_MINUTES.name} <= set(written[:-1])


def test_a_record_that_dies_before_the_manifest_is_repeated_in_full(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = Store(tmp_path / "data")
    stored = _stored_walks(store, tmp_path / "in")

    def dies(*_: object) -> None:
        raise KeyboardInterrupt("killed while writing days")

    monkeypatch.setattr(refreshing.joined, "join", dies)
    with pytest.raises(KeyboardInterrupt):
        uploads.record(store, "p1", stored)
    assert store.read(FILES).empty  # not vouched for: the next run repeats it
    assert uploads.already_ingested(store, "p1", [u.sha256 for u in stored]) == set()
    monkeypatch.undo()
    outcomes = uploads.record(store, "p1", stored)
    assert [o.status for o in outcomes] == ["ok", "ok"]
    assert store.read(DAILY)["walking_minutes"].sum() == pytest.approx(70.0)
    assert len(store.read(DAYS)) == len(store.read(DAILY)) == 3


def _dead_pid() -> int:
    probe = subprocess.Popen(["true"])
    probe.wait()  # reaped: the pid names no process now
    return probe.pid


def test_temporary_files_of_dead_writers_are_removed_by_the_next_lock_holder(
    tmp_path: Path,
) -> None:
    """Regression: a killed write left its temporary file for ever (a raw one can be an
    export of several GB), and ``raw_files`` listed it as a stored upload."""
    store = Store(tmp_path)
    store.put_raw("p1", b"kept", "a.fit")
    partition = store.partition_path("daily", "p1").parent
    roster = store.table_file("participants").parent
    for folder in (tmp_path / "raw" / "p1", partition, roster):
        folder.mkdir(parents=True, exist_ok=True)
    dead, alive = _dead_pid(), os.getpid()
    stale = [
        tmp_path / "raw" / "p1" / f"{TEMP_PREFIX}{dead}-x",
        partition / f"{TEMP_PREFIX}{dead}-y.parquet",
    ]
    live = [tmp_path / "raw" / "p1" / f"{TEMP_PREFIX}{alive}-z", partition / ".tmp-legacy"]
    for path in [*stale, *live]:
        path.write_bytes(b"half")
    assert [p.name for p in store.raw_files("p1")] == [f"{hashlib.sha256(b'kept').hexdigest()}.fit"]
    with store.lock("p1"):
        assert not any(p.exists() for p in stale)
        assert all(p.exists() for p in live)

    roster_tmp = roster / f"{TEMP_PREFIX}{dead}-r.parquet"
    roster_tmp.write_bytes(b"half")
    settings.configure(store, "p1", tz="Europe/Berlin")
    assert not roster_tmp.exists()


def test_a_lock_dies_with_its_holder(tmp_path: Path) -> None:
    """A killed lock holder never blocks the next writer (flock, not a lock file's pid)."""
    code = (
        "import os, signal, sys\n"
        "from pipelines.store.storage import Store\n"
        "with Store(sys.argv[1]).lock('p1'):\n"
        "    os.kill(os.getpid(), signal.SIGKILL)\n"
    )
    done = subprocess.run([sys.executable, "-c", code, str(tmp_path)], cwd=ROOT, check=False)
    assert done.returncode == -9
    with open(tmp_path / "locks" / "p1.lock", "a+") as fh:
        fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)


POOL_SCRIPT = """
import multiprocessing, os, signal, sys, time
from concurrent.futures import ProcessPoolExecutor
from pipelines.app.workers import exit_with_parent

if __name__ == "__main__":
    spawn = multiprocessing.get_context("spawn")
    pool = ProcessPoolExecutor(
        1, mp_context=spawn, initializer=exit_with_parent, initargs=(os.getpid(),)
    )
    print(pool.submit(os.getpid).result(), flush=True)
    pool.submit(time.sleep, 120)
    time.sleep(0.2)
    os.kill(os.getpid(), signal.SIGKILL)
"""


def test_parser_processes_do_not_outlive_a_killed_ingest(tmp_path: Path) -> None:
    """Regression: after a kill -9 of the ingest its pool's workers waited for ever."""
    script = tmp_path / "pool.py"
    script.write_text(POOL_SCRIPT)
    done = subprocess.run(
        [sys.executable, str(script)], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert done.returncode == -9, done.stderr
    worker = int(done.stdout.split()[0])
    deadline = time.monotonic() + 10
    while Path(f"/proc/{worker}").exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not Path(f"/proc/{worker}").exists(), "the worker outlived its parent"


def test_parse_stored_starts_its_workers_with_the_parent_watch(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    started: list[dict[str, Any]] = []
    real = uploads.ProcessPoolExecutor

    def recording(*args: Any, **kwargs: Any) -> Any:
        started.append(kwargs)
        return real(*args, **kwargs)

    monkeypatch.setattr(uploads, "ProcessPoolExecutor", recording)
    monkeypatch.setattr(uploads, "PARALLEL_MIN_BYTES", 0)
    store = Store(tmp_path / "data")
    paths = [
        Path(p)
        for p in write_files(tmp_path / "in", {"a.fit": activity(0, 30), "b.fit": activity(2, 40)})
    ]
    parsed = uploads.parse_stored(uploads.store_uploads(store, "p1", paths), workers=2)
    assert [m.parsed is not None for u in parsed for m in u.members] == [True, True]
    assert [(k["initializer"], k["initargs"]) for k in started] == [
        (exit_with_parent, (os.getpid(),))
    ]
