"""Crashes and concurrency lose nothing (docs/durability.md).

The kill test runs the real ``backtrack ingest`` of a multi-file upload (FIT activities, a
FIT monitoring file, GPX, a zip export with FIT, TCX and a duplicate, a settings file and a
file that is no tracker file) and kills it with SIGKILL at every crash point of the
storage — just before and just after each rename of a finished file into place — and at
seeded random moments over a clean run's duration. After each kill: no lock is left held,
every stored file reads (and a half-written temporary file is never read), then the
ingest is run again and every table, the raw store and the file layout must equal a clean
run's. The concurrency tests run ingests (and a refresh) at the same time and compare with
running them one after the other.

Processes are forked by ``tests/pipelines/crash_child.py`` and talk to this session's
Prefect test server.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import random
import re
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow.parquet as pq
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
from tests.support.uploads import T0, activity, multi_file_upload, write_files

ROOT = Path(__file__).resolve().parents[2]
RANDOM_KILLS = 8
SHARES = 3  # the kill test in three files (this one, test_crash_kills_2.py, _3.py)
PARALLEL = 2  # independent runs (own data dirs) at once: 2 cores
SEED = 20240501
# Columns that legitimately differ between a clean run and a killed-and-repeated one: the
# instant a file was recorded (the rerun records it later) and the instant the participant's
# settings were last written (`ingest --tz` writes them on every run). Nothing else.
VOLATILE = {FILES.name: ["ingested_at"], "participants": ["updated_at"]}


# ---------------------------------------------------------------------------- uploads


# ---------------------------------------------------------------------------- harness


@pytest.fixture(scope="module")
def child_env(prefect_harness: None) -> dict[str, str]:
    """The environment of the forked ``backtrack`` processes: this session's Prefect server
    (a new process would otherwise start its own, 10–15 s each)."""
    from prefect.settings import PREFECT_API_URL

    url = PREFECT_API_URL.value()
    assert url, "the Prefect test harness sets an API URL"
    return os.environ | {"PREFECT_API_URL": url, "PYTHONPATH": str(ROOT)}


def drive(env: dict[str, str], work: Path, plan: list[list[dict[str, Any]]]) -> list[Any]:
    """Run ``plan`` with ``crash_child`` (groups in turn, a group's commands at once)."""
    work.mkdir(parents=True, exist_ok=True)
    n = len(list(work.glob("plan-*.json")))
    plan_path, result_path = work / f"plan-{n}.json", work / f"result-{n}.json"
    plan_path.write_text(json.dumps(plan))
    subprocess.run(
        [sys.executable, "-m", "tests.pipelines.crash_child", str(plan_path), str(result_path)],
        cwd=ROOT,
        env=env,
        check=True,
        timeout=900,
    )
    results: list[Any] = json.loads(result_path.read_text())
    return results


def ingest(paths: list[str], participant: str, data: Path, log: Path, **extra: Any) -> dict:
    argv = ["ingest", *paths, "-p", participant, "--data-dir", str(data)]
    return {"argv": argv, "log": str(log), **extra}


def refresh(data: Path, log: Path, *participants: str) -> dict:
    argv = [  # --force: a refresh that recomputes (and takes the locks) even when unchanged
        "refresh",
        *(a for p in participants for a in ("-p", p)),
        "--force",
        "--data-dir",
        str(data),
    ]
    return {"argv": argv, "log": str(log)}


def _finished(result: dict[str, Any], log: str) -> None:
    assert result["status"] == "exit" and result["code"] == 0, (result, Path(log).read_text())


# ---------------------------------------------------------------------------- checks


def temp_files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob(f"{TEMP_PREFIX}*") if p.is_file())


def assert_readable_after_a_kill(root: Path) -> int:
    """What a kill may leave: no lock held, every stored file whole, temporary files
    ignored. Each temporary file is first overwritten with garbage (as a half-written file
    would be), so reading one would fail. Returns how many temporary files there were."""
    for lock in (root / "locks").glob("*.lock"):
        with open(lock, "a+") as fh:  # a lock held by the dead process would block here
            fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            fcntl.flock(fh.fileno(), fcntl.LOCK_UN)
    temps = temp_files(root)
    for tmp in temps:
        tmp.write_bytes(b"PAR1 half a parquet file")
    for path in (root / "tables").rglob("*.parquet"):
        if not path.name.startswith(TEMP_PREFIX):
            pq.read_table(path)
    store = Store(root)
    for raw in (root / "raw").rglob("*"):  # sealed: decrypted and authenticated
        if raw.is_file() and not raw.name.startswith(TEMP_PREFIX):
            assert hashlib.sha256(store.read_raw(raw)).hexdigest() == raw.name.split(".")[0]
    for schema in schemas.TABLES.values():
        store.read(schema)
        store.read(schema, ["p1"])
    return len(temps)


def snapshot(root: Path) -> dict[str, Any]:
    """Everything an ingest leaves: every table (volatile columns dropped), the raw store's
    files and (decrypted: each is sealed with a fresh nonce) contents, and which files exist
    under ``tables/``."""
    store = Store(root)
    tables = {
        name: store.read(schema).drop(columns=VOLATILE.get(name, []))
        for name, schema in schemas.TABLES.items()
    }
    raw = {
        str(p.relative_to(root)): hashlib.sha256(store.read_raw(p)).hexdigest()
        for p in sorted((root / "raw").rglob("*"))
        if p.is_file()
    }
    layout = sorted(str(p.relative_to(root)) for p in (root / "tables").rglob("*") if p.is_file())
    return {"tables": tables, "raw": raw, "layout": layout}


def assert_same(
    got: dict[str, Any], expected: dict[str, Any], label: str, *, any_order: bool = False
) -> None:
    """Equal snapshots. ``any_order``: rows compared by key, for runs that recorded the
    same uploads in another order (the manifest, like the wear and daily-steps tables,
    keeps the order in which rows were added)."""
    assert got["raw"] == expected["raw"], label
    assert got["layout"] == expected["layout"], label
    for name, frame in expected["tables"].items():
        other = got["tables"][name]
        if any_order:
            key = list(schemas.TABLES[name].key)
            frame = frame.sort_values(key, ignore_index=True)
            other = other.sort_values(key, ignore_index=True)
        try:
            pd.testing.assert_frame_equal(other, frame)
        except AssertionError as exc:
            raise AssertionError(f"{label}: table {name} differs: {exc}") from None


# ---------------------------------------------------------------------------- the kill test


def test_an_ingest_killed_anywhere_then_repeated_equals_a_clean_run(
    child_env: dict[str, str], tmp_path: Path
) -> None:
    """Share 1 of the kill points; tests/pipelines/test_crash_kills_2.py and _3.py run the
    others, so that ``pytest -n 2 --dist loadfile`` spreads them over the workers."""
    killed_anywhere(child_env, tmp_path, share=1)


def killed_anywhere(child_env: dict[str, str], tmp_path: Path, share: int) -> None:
    """The kill test for one share of the kill points: crash points share, share + SHARES,
    … (the sweep goes on to the first unkilled run, so the shares 1…SHARES together kill at
    every crash point) and the seeded random moments ``i`` with ``i % SHARES == share − 1``;
    each share compares with a clean run of its own."""
    assert 1 <= share <= SHARES
    upload = multi_file_upload(tmp_path / "upload")
    work = tmp_path / "work"

    def run(data: Path, **extra: Any) -> dict:
        command = ingest(upload, "p1", data, work / f"{data.name}.log", **extra)
        command["argv"] += ["--tz", "Europe/Berlin"]
        return command

    clean = tmp_path / "clean"
    sweep = tmp_path / "point"
    rng = random.Random(SEED)
    fractions = sorted(rng.uniform(0.02, 0.95) for _ in range(RANDOM_KILLS))[share - 1 :: SHARES]
    sweeping = run(sweep, crash_points=True, parallel=PARALLEL, first=share, every=SHARES)
    first = drive(child_env, work, [[run(clean)], [sweeping]])
    _finished(first[0][0], str(work / "clean.log"))
    points = first[1][0]
    assert points[-1]["status"] == "exit", points[-1]  # the sweep ran past the last point
    killed = [(Path(p["data_dir"]), f"crash point {p['crash_at']}") for p in points[:-1]]
    assert all(p["status"] == "killed" for p in points[:-1])
    # this share's points, none skipped: with the other shares, every point up to the last
    assert [p["crash_at"] for p in points] == list(
        range(share, share + SHARES * len(points), SHARES)
    )

    # random moments over a clean run's duration (measured here, in this environment)
    duration = min(first[0][0]["elapsed_s"], points[-1]["elapsed_s"])
    timed = [(tmp_path / f"timed-{share}-{i}", f * duration) for i, f in enumerate(fractions)]
    second = drive(child_env, work, [[run(d, kill_after_s=s)] for d, s in timed])
    for (data, seconds), [result] in zip(timed, second, strict=True):
        if result["status"] == "killed":  # else it finished first: not a kill point
            killed.append((data, f"SIGKILL after {seconds:.2f} s"))

    assert len(killed) >= 20 // SHARES
    temps = sum(assert_readable_after_a_kill(data) for data, _ in killed)
    assert temps > 0  # the points before a rename did leave (garbled) temporary files

    pairs = [killed[i : i + PARALLEL] for i in range(0, len(killed), PARALLEL)]
    reruns = drive(child_env, work, [[run(data) for data, _ in pair] for pair in pairs])
    expected = snapshot(clean)
    assert len(expected["tables"][SESSIONS.name]) == 7
    for table in (STEP_MINUTES.name, "wear", DAILY.name, "blocks", DAYS.name, "participants"):
        assert len(expected["tables"][table]) > 0, table
    statuses = expected["tables"][FILES.name]["status"].value_counts().to_dict()
    assert statuses == {"ok": 8, "duplicate": 1, "skipped": 1, "rejected": 1}
    for (data, label), result in zip(killed, (r for g in reruns for r in g), strict=True):
        _finished(result, str(work / f"{data.name}.log"))
        assert temp_files(data) == [], label  # the rerun removed what the dead run left
        assert_same(snapshot(data), expected, label)
    print(
        f"share {share}/{SHARES}: {len(killed)} kills ({len(points) - 1} crash points), "
        f"clean run {duration:.2f} s"
    )


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
            _finished(result, command["log"])
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

    monkeypatch.setattr(Store, "write", spy)
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
