"""Benchmark: FIT decoding with fitparse vs fitfast, and the in-process ingest with each.

On the same files in the same run (the FIT files of ../shared/samples when present, and a
generated one-year export of ``demo.cohort.write_export``), serially, in this
process; each figure is the median of ``--repeats`` runs:

* bare fitparse: every message of every file (``FitFile.get_messages``), the anchor of
  docs/benchmarks.md;
* ``parse_fit`` with ``BACKTRACK_FIT_DECODER=fitparse``: the reader's own fitparse path;
* bare fitfast: ``fitfast.parse`` of every file (every message, as dicts);
* ``parse_fit`` with the fast path (fitfast + the checks of ingest/fit/fast.py, with
  fitparse for the files it declines).

Then the in-process ingest of the export (parse in parallel processes, tables, refresh;
no Prefect) with each decoder. Results are printed and written to
docs/benchmarks-fit-decoders.md.

    python -m benchmarks.fit_decoders [--years 1] [--repeats 3]
"""

from __future__ import annotations

import argparse
import contextlib
import os
import platform
import shutil
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import fitparse

from benchmarks.ingest_vs_fitparse import ingest_in_process
from demo.cohort import write_export
from ingest.fit import fast as fit_fast
from ingest.fit import parse_fit
from ingest.records import UnusableFile
from pipelines.app import uploads

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT.parent / "shared" / "samples" / "fit"


def bare_fitparse(datas: list[bytes]) -> None:
    for data in datas:
        try:
            for _ in fitparse.FitFile(data).get_messages():
                pass
        except fitparse.FitParseError:
            pass


def bare_fitfast(datas: list[bytes]) -> None:
    import fitfast

    for data in datas:
        with contextlib.suppress(fitfast.FitDecodeError):
            fitfast.parse(data, enum_names=False)


def reader(datas: list[bytes]) -> None:
    for data in datas:
        with contextlib.suppress(UnusableFile):
            parse_fit(data)


def with_decoder(decoder: str, fn: Callable[[], object]) -> Callable[[], object]:
    """``fn`` with ``BACKTRACK_FIT_DECODER`` set (inherited by spawned workers)."""

    def run() -> object:
        before = os.environ.get(fit_fast.DECODER_ENV)
        os.environ[fit_fast.DECODER_ENV] = decoder
        try:
            return fn()
        finally:
            if before is None:
                os.environ.pop(fit_fast.DECODER_ENV, None)
            else:
                os.environ[fit_fast.DECODER_ENV] = before

    return run


def median_s(
    repeats: int, fn: Callable[[], object], setup: Callable[[], None] = lambda: None
) -> float:
    runs = []
    for _ in range(repeats):
        setup()
        started = time.perf_counter()
        fn()
        runs.append(time.perf_counter() - started)
    return statistics.median(runs)


def decode_rows(label: str, datas: list[bytes], repeats: int) -> list[str]:
    megabytes = sum(map(len, datas)) / 1e6
    declined = sum(fit_fast.why_not(data) is not None for data in datas)
    cases = [
        ("bare fitparse (every message)", lambda: bare_fitparse(datas)),
        ("`parse_fit`, fitparse path", with_decoder("fitparse", lambda: reader(datas))),
        ("bare fitfast (every message)", lambda: bare_fitfast(datas)),
        ("`parse_fit`, fast path", with_decoder("fitfast", lambda: reader(datas))),
    ]
    rows = [
        f"**{label}**: {len(datas)} files, {megabytes:.1f} MB; the fast path declines "
        f"{declined} of them (fitparse reads those).",
        "",
        "| decoder | seconds | MB/s |",
        "|---|---:|---:|",
    ]
    for name, fn in cases:
        seconds = median_s(repeats, fn)
        rows.append(f"| {name} | {seconds:.2f} | {megabytes / seconds:.1f} |")
    return [*rows, ""]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--years", type=int, default=1)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "benchmarks-fit-decoders.md")
    args = parser.parse_args()
    if not fit_fast.available():
        raise SystemExit("fitfast is not installed: pip install -e '.[fast]'")

    load_before = os.getloadavg()
    work = Path(tempfile.mkdtemp(prefix="backtrack-bench-fit-"))
    try:
        export = work / "export"
        write_export(export, years=args.years)
        files = uploads.collect_paths([export])
        lines = [
            "# Benchmarks: FIT decoders",
            "",
            f"`python -m benchmarks.fit_decoders --years {args.years}`, "
            f"{datetime.now(UTC):%Y-%m-%d}, {platform.machine()} × {os.cpu_count()} cores, "
            f"Python {platform.python_version()}, fitparse 1.2.0, fitfast 0.1.0. Median of "
            f"{args.repeats} runs each; load average before the run "
            f"{load_before[0]:.2f} / {load_before[1]:.2f} / {load_before[2]:.2f} (1/5/15 min).",
            "",
            "Decoding, serial, in one process:",
            "",
        ]
        if SAMPLES.is_dir():
            samples = [p.read_bytes() for p in sorted(SAMPLES.rglob("*.fit"))]
            lines += decode_rows("../shared/samples/fit", samples, args.repeats)
        lines += decode_rows(
            f"generated export ({args.years} year)",
            [p.read_bytes() for p in files],
            args.repeats,
        )
        data_dir = work / "data"

        def fresh() -> None:
            shutil.rmtree(data_dir, ignore_errors=True)

        slow = median_s(
            args.repeats,
            with_decoder("fitparse", lambda: ingest_in_process(files, data_dir)),
            fresh,
        )
        quick = median_s(
            args.repeats, with_decoder("fitfast", lambda: ingest_in_process(files, data_dir)), fresh
        )
        load_after = os.getloadavg()
        lines += [
            "End to end: the in-process ingest of the export (store, parse in parallel "
            "processes, tables, refresh; no Prefect):",
            "",
            "| decoder | seconds | × fitparse path |",
            "|---|---:|---:|",
            f"| fitparse (`BACKTRACK_FIT_DECODER=fitparse`) | {slow:.1f} | 1.00 |",
            f"| fitfast fast path (default when installed) | {quick:.1f} | {quick / slow:.2f} |",
            "",
            f"Load average after the run: {load_after[0]:.2f} / {load_after[1]:.2f} / "
            f"{load_after[2]:.2f}. The decision and its reasons: docs/fit-decoder.md.",
            "",
        ]
        text = "\n".join(lines)
        print(text)
        args.out.write_text(text)
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
