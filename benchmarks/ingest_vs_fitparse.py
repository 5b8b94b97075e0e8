"""Benchmark: end-to-end ingest of a generated multi-year Garmin export vs bare fitparse.

Anchor and subject run on the same files in the same run; each figure is the median of
``--repeats`` runs. Results are printed and written to docs/benchmarks-ingest.md (the
breakdown behind the first rows of ``make bench``, docs/benchmarks.md: with and without
Prefect).

    python -m benchmarks.ingest_vs_fitparse [--years 1] [--repeats 3]
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import fitparse

from demo.cohort import write_export
from pipelines.app import refresh as refreshing
from pipelines.app import uploads
from pipelines.store.storage import Store

ROOT = Path(__file__).resolve().parents[1]


def bare_fitparse(files: list[Path]) -> None:
    """The anchor: decode every message of every file, serially, with fitparse."""
    for path in files:
        for _ in fitparse.FitFile(str(path)).get_messages():
            pass


def ingest_in_process(files: list[Path], data_dir: Path) -> None:
    """The pipeline without Prefect (parse in parallel, tables, refresh)."""
    store = Store(data_dir)
    uploads.record(
        store, "bench", uploads.parse_stored(uploads.store_uploads(store, "bench", files))
    )
    refreshing.refresh_participant(store, "bench")


def ingest_cli(folder: Path, data_dir: Path, *options: str) -> None:
    """The default path a person uses: `backtrack ingest` in a new process (Prefect included);
    ``options``: more of its options (``--runner dask``, benchmarks/dask_runner.py)."""
    env = dict(
        os.environ, PREFECT_LOGGING_LEVEL="WARNING", PREFECT_SERVER_ANALYTICS_ENABLED="false"
    )
    subprocess.run(
        ingest_argv(folder, data_dir, *options), check=True, env=env, stdout=subprocess.DEVNULL
    )


def ingest_argv(folder: Path, data_dir: Path, *options: str) -> list[str]:
    """``backtrack ingest <folder> -p bench --data-dir <data_dir> [options]`` as argv."""
    cli = [sys.executable, "-m", "pipelines.cli.main", "ingest", str(folder), "-p", "bench"]
    return [*cli, "--data-dir", str(data_dir), *options]


def timed(fn: Callable[[], object]) -> float:
    started = time.perf_counter()
    fn()
    return time.perf_counter() - started


def median_of(repeats: int, setup: Callable[[], None], fn: Callable[[], object]) -> float:
    runs = []
    for _ in range(repeats):
        setup()
        runs.append(timed(fn))
    return statistics.median(runs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--years", type=int, default=1)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "benchmarks-ingest.md")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="backtrack-bench-"))
    try:
        export = work / "export"
        generated = timed(lambda: write_export(export, years=args.years))
        files = uploads.collect_paths([export])
        megabytes = sum(f.stat().st_size for f in files) / 1e6
        data = work / "data"

        def fresh() -> None:
            shutil.rmtree(data, ignore_errors=True)

        anchor = median_of(args.repeats, lambda: None, lambda: bare_fitparse(files))
        in_process = median_of(args.repeats, fresh, lambda: ingest_in_process(files, data))
        cli_first = median_of(args.repeats, fresh, lambda: ingest_cli(export, data))
        cli_again = median_of(args.repeats, lambda: None, lambda: ingest_cli(export, data))
        rows = [
            ("bare fitparse, serial (anchor)", anchor, 1.0),
            ("ingest, in-process (no Prefect)", in_process, in_process / anchor),
            ("`backtrack ingest` (new process, Prefect flow)", cli_first, cli_first / anchor),
            ("`backtrack ingest` again, unchanged export", cli_again, cli_again / anchor),
        ]
        lines = [
            "# Benchmark: ingest with and without Prefect",
            "",
            f"`make bench-more` (`python -m benchmarks.ingest_vs_fitparse --years {args.years}`), "
            f"{datetime.now(UTC):%Y-%m-%d}, {platform.machine()} × {os.cpu_count()} cores, "
            f"Python {platform.python_version()}. Median of {args.repeats} runs each.",
            "",
            f"Export: {len(files)} FIT files ({megabytes:.1f} MB), generated in {generated:.1f} s "
            f"by `demo.cohort.write_export` (≈ 300 one-hour activities per year with "
            f"1-s records and one monitoring file per day).",
            "",
            "| what | seconds | × anchor |",
            "|---|---:|---:|",
            *[f"| {name} | {secs:.1f} | {ratio:.2f} |" for name, secs, ratio in rows],
            "",
            "The anchor decodes every message of every file serially with fitparse 1.2.0. "
            "The re-ingest finds every upload in the manifest by SHA-256 and returns without "
            "starting Prefect.",
            "",
        ]
        text = "\n".join(lines)
        print(text)
        args.out.write_text(text)
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
