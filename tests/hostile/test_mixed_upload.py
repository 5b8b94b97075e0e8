"""One upload holding the whole hostile corpus, a few good files and a 5 GiB file, through
the real thing: ``python -m pipelines.cli.main ingest`` in another process - what the dashboard
runs - with its Prefect flow, into a temporary data dir.

The good files are ingested and their minutes are in the tables; every hostile file has its
specific outcome in the manifest; the oversized file is refused unread and never stored;
and the run stays within bounded time and memory (measured in a fresh process around the
CLI: wall time and the peak RSS of the CLI and its children, printed with ``-s``).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from ingest.limits import UPLOAD_LIMITS
from pipelines.schemas import DAILY, FILES, SESSIONS
from pipelines.store.storage import Store, sha256_hex
from tests.support.hostile import GOOD_WALKING_MINUTES, VAGUE, good_files, hostile_files

pytestmark = pytest.mark.prefect

MAX_WALL_S = 120
MAX_RSS_BYTES = 1024**3
OVERSIZED = "huge-5gib.fit"

MEASURE = """
import json, resource, subprocess, sys, time
started = time.monotonic()
done = subprocess.run(sys.argv[1:], capture_output=True, text=True)
print(json.dumps({
    "rc": done.returncode,
    "wall_s": time.monotonic() - started,
    "max_rss_kib": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss,
    "stdout": done.stdout,
    "stderr": done.stderr,
}))
"""


@pytest.fixture(scope="module")
def upload(tmp_path_factory: pytest.TempPathFactory, prefect_harness: None) -> dict[str, object]:
    """Write the upload, run the CLI on it once; what it printed and cost. The CLI uses this
    session's Prefect server, as an upload under ``backtrack up`` uses the system's (its own
    temporary server would add 10–15 s of start-up, measured by the benchmarks instead)."""
    from prefect.settings import PREFECT_API_URL

    root = tmp_path_factory.mktemp("mixed")
    folder = root / "upload"
    folder.mkdir()
    for name, data in [*good_files(), *((h.name, h.data) for h in hostile_files())]:
        (folder / name).write_bytes(data)
    with open(folder / OVERSIZED, "wb") as sparse:  # 5 GiB on paper, no disk used
        sparse.truncate(UPLOAD_LIMITS.max_file_bytes + 1024**3)
    data_dir = root / "data"
    command = [
        sys.executable,
        "-m",
        "pipelines.cli.main",
        "ingest",
        str(folder),
        "-p",
        "p1",
        "--tz",
        "Europe/Berlin",
        "--data-dir",
        str(data_dir),
    ]
    env = os.environ | {"COLUMNS": "200", "PREFECT_API_URL": str(PREFECT_API_URL.value())}
    done = subprocess.run(
        [sys.executable, "-c", MEASURE, *command],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
        check=True,
    )
    result: dict[str, object] = json.loads(done.stdout)
    result["data_dir"] = data_dir
    print(
        f"\nmixed hostile upload: {len(hostile_files())} hostile + {len(good_files())} good "
        f"files + one of 5 GiB: wall {result['wall_s']:.1f} s, peak RSS "
        f"{int(str(result['max_rss_kib'])) / 1024:.0f} MiB (CLI and its children)"
    )
    return result


def test_the_run_stays_within_time_and_memory(upload: dict[str, object]) -> None:
    assert upload["rc"] == 0, upload["stderr"]
    assert float(str(upload["wall_s"])) < MAX_WALL_S
    assert int(str(upload["max_rss_kib"])) * 1024 < MAX_RSS_BYTES


def test_the_good_files_are_ingested(upload: dict[str, object]) -> None:
    store = Store(Path(str(upload["data_dir"])))
    manifest = store.read(FILES, ["p1"]).set_index("original_name")
    sessions = store.read(SESSIONS, ["p1"])
    for name, data in good_files():
        row = manifest.loc[name]
        assert (row["status"], row["n_sessions"]) == ("ok", 1), name
        assert (sessions["file_sha256"] == sha256_hex(data)).sum() == 1, name
    daily = store.read(DAILY, ["p1"]).set_index("date")["walking_minutes"]
    for day, minutes in GOOD_WALKING_MINUTES.items():
        assert daily[day] == pytest.approx(minutes), day
    assert daily[date(2024, 5, 7)] > 0  # the GPX walk


def test_every_hostile_file_has_its_specific_outcome(upload: dict[str, object]) -> None:
    manifest = Store(Path(str(upload["data_dir"]))).read(FILES, ["p1"])
    rows = {
        str(r["original_name"]): (
            str(r["status"]),
            "" if pd.isna(r["reason"]) else str(r["reason"]),
        )
        for r in manifest.to_dict("records")
    }
    for hostile in hostile_files():
        for expect in hostile.expect:
            status, reason = rows[expect.path]
            assert re.fullmatch(expect.status, status), (expect.path, status, reason)
            assert re.search(expect.reason, reason), (expect.path, reason)
            assert not VAGUE.search(reason), (expect.path, reason)
    expected = {e.path for h in hostile_files() for e in h.expect} | {n for n, _ in good_files()}
    assert set(rows) == expected  # nothing more, nothing less


def test_the_oversized_file_is_refused_unread_and_never_stored(
    upload: dict[str, object],
) -> None:
    stdout = str(upload["stdout"])
    assert OVERSIZED in stdout
    assert re.search(r"is larger than the 4\.0 GiB", stdout)
    store = Store(Path(str(upload["data_dir"])))
    raw = store.raw_files("p1")
    assert all(re.fullmatch(r"[0-9a-f]{64}(\.[a-z0-9]{1,8}){1,2}", p.name) for p in raw)
    assert max(p.stat().st_size for p in raw) < UPLOAD_LIMITS.max_file_bytes
    assert OVERSIZED not in set(store.read(FILES, ["p1"])["original_name"])
