"""The crash-safety harness: the real ``backtrack ingest`` of a multi-file upload
(``tests.support.uploads.crash_upload``), run in child processes
(``tests/pipelines/crash_child.py``) that are killed at every crash point of the storage and
at seeded random moments; the checks after each kill. Shared by the three
shares of the kill test (tests/pipelines/test_crash_safety.py, test_crash_kills_2.py, _3.py)
so that ``pytest -n 2 --dist loadfile`` spreads them over the workers."""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import random
import subprocess
import sys
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow.parquet as pq
import pytest

from pipelines import schemas
from pipelines.schemas import DAILY, DAYS, FILES, SESSIONS, STEP_MINUTES
from pipelines.store.storage import TEMP_PREFIX, Store
from tests.support.uploads import crash_upload

ROOT = Path(__file__).resolve().parents[2]


RANDOM_KILLS = 8


SHARES = 3  # the kill test in three files (this one, test_crash_kills_2.py, _3.py)


PARALLEL = 2  # independent runs (own data dirs) at once, the next as soon as one ends


SEED = 20240501


# Columns that legitimately differ between a clean run and a killed-and-repeated one: the
# instant a file was recorded (the rerun records it later) and the instant the participant's
# settings were last written (`ingest --tz` writes them on every run). Nothing else.
VOLATILE = {FILES.name: ["ingested_at"], "participants": ["updated_at"]}
# Not what an ingest leaves: everyone's Group page figures, written by the refresh of
# everyone as of its day and stamped with the files they were computed from (tested in
# tests/dashboards/test_overview_rows.py).
NOT_FROM_INGESTS = ("overview_rows",)


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


def finished(result: dict[str, Any], log: str) -> None:
    assert result["status"] == "exit" and result["code"] == 0, (result, Path(log).read_text())


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
        if name not in NOT_FROM_INGESTS
    }
    raw = {
        str(p.relative_to(root)): hashlib.sha256(store.read_raw(p)).hexdigest()
        for p in sorted((root / "raw").rglob("*"))
        if p.is_file()
    }
    layout = sorted(
        str(p.relative_to(root))
        for p in (root / "tables").rglob("*")
        if p.is_file() and p.relative_to(root / "tables").parts[0] not in NOT_FROM_INGESTS
    )
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


def killed_anywhere(child_env: dict[str, str], tmp_path: Path, share: int) -> None:
    """The kill test for one share of the kill points: crash points share, share + SHARES,
    … (the sweep goes on to the first unkilled run, so the shares 1…SHARES together kill at
    every crash point) and the seeded random moments ``i`` with ``i % SHARES == share − 1``;
    each share compares with a clean run of its own."""
    assert 1 <= share <= SHARES
    upload = crash_upload(tmp_path / "upload")
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
    finished(first[0][0], str(work / "clean.log"))
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
    pool = {"pool": PARALLEL}
    [second] = drive(child_env, work, [[pool, *(run(d, kill_after_s=s) for d, s in timed)]])
    for (data, seconds), result in zip(timed, second, strict=True):
        if result["status"] == "killed":  # else it finished first: not a kill point
            killed.append((data, f"SIGKILL after {seconds:.2f} s"))

    assert len(killed) >= 20 // SHARES
    temps = sum(assert_readable_after_a_kill(data) for data, _ in killed)
    assert temps > 0  # the points before a rename did leave (garbled) temporary files

    [reruns] = drive(child_env, work, [[pool, *(run(data) for data, _ in killed)]])
    expected = snapshot(clean)
    assert len(expected["tables"][SESSIONS.name]) == 7
    for table in (STEP_MINUTES.name, "wear", DAILY.name, "blocks", DAYS.name, "participants"):
        assert len(expected["tables"][table]) > 0, table
    statuses = expected["tables"][FILES.name]["status"].value_counts().to_dict()
    assert statuses == {"ok": 8, "duplicate": 1, "skipped": 1, "rejected": 1}
    for (data, label), result in zip(killed, reruns, strict=True):
        finished(result, str(work / f"{data.name}.log"))
        assert temp_files(data) == [], label  # the rerun removed what the dead run left
        assert_same(snapshot(data), expected, label)
    print(
        f"share {share}/{SHARES}: {len(killed)} kills ({len(points) - 1} crash points), "
        f"clean run {duration:.2f} s"
    )
