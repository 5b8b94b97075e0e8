"""Benchmark: `backtrack refresh --force --runner dask` (a temporary Dask cluster of
``--workers`` processes on this machine) against the local runner (one process per CPU), on
a cohort of copies of one demo participant's stored facts.

One demo participant (``demo.cohort``, ``--weeks`` of FIT files, settings and a diary) is
ingested; their facts and settings are copied to ``--participants`` ids
(``benchmarks.suite.copy_participant``); the data dir is copied twice and each copy refreshed
with ``--force`` in a new process, local and Dask alternating, ``--repeats`` times. The
figure is the wall time of the whole command (Python's start, Prefect's temporary server and,
for Dask, the cluster's start included). Afterwards the tables of both copies are compared
(they must be equal but for the times rows were written). Results are printed (docs/dask.md
quotes them; the load average is stated because the machine is shared).

    python -m benchmarks.dask_refresh [--participants 200] [--weeks 26] [--repeats 2] [--workers 2]
"""

from __future__ import annotations

import argparse
import base64
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.dask_runner import same_tables
from benchmarks.suite import copy_participant
from pipelines.store.storage import Store
from tests.support.cohort import ingested_cohort

ROOT = Path(__file__).resolve().parents[1]


def _refresh(data: Path, extra: list[str]) -> float:
    env = dict(
        os.environ, PREFECT_LOGGING_LEVEL="WARNING", PREFECT_SERVER_ANALYTICS_ENABLED="false"
    )
    command = [sys.executable, "-m", "pipelines.cli.main", "refresh", "--force"]
    start = time.perf_counter()
    done = subprocess.run(
        [*command, "--data-dir", str(data), *extra],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
    )
    seconds = time.perf_counter() - start
    if done.returncode:
        raise RuntimeError(f"refresh {' '.join(extra)} failed:\n{done.stderr[-3000:]}")
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--participants", type=int, default=200)
    parser.add_argument("--weeks", type=int, default=26)
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-dask-refresh-") as tmp:
        work = Path(tmp)
        if not os.environ.get("BACKTRACK_KEY_FILE"):  # the demo participant's raw files
            key = work / "raw.key"
            key.write_text(base64.b64encode(os.urandom(32)).decode() + "\n")
            key.chmod(0o600)
            os.environ["BACKTRACK_KEY_FILE"] = str(key)
        source, ids = ingested_cohort(work / "source", participants=1, weeks=args.weeks)
        cohort = Store(work / "cohort")
        copies = [f"r{i:04d}" for i in range(args.participants)]
        copy_participant(source, ids[0], cohort, copies)
        local, dask = work / "local", work / "dask"
        shutil.copytree(cohort.root, local)
        shutil.copytree(cohort.root, dask)
        dask_options = ["--runner", "dask", "--dask-workers", str(args.workers)]
        times: dict[str, list[float]] = {"local": [], "dask": []}
        loads = []
        for _ in range(args.repeats):
            loads.append(os.getloadavg()[0])
            times["local"].append(_refresh(local, []))
            loads.append(os.getloadavg()[0])
            times["dask"].append(_refresh(dask, dask_options))
        equal = same_tables(local, dask)
    print(
        f"{args.participants} participants × {args.weeks} weeks, {os.cpu_count()} CPUs, "
        f"load average {min(loads):.2f}–{max(loads):.2f} at the runs' starts"
    )
    for name, runs in times.items():
        shown = ", ".join(f"{s:.1f}" for s in runs)
        print(f"{name}: median {statistics.median(runs):.1f} s (runs: {shown})")
    print(f"tables equal: {equal}")


if __name__ == "__main__":
    main()
