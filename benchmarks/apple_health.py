"""Benchmark: streaming a generated Apple Health export of ≥ 1 GB through the reader.

Generates ``export.xml`` (and the same document zipped, as ``export.zip``) with
:func:`demo.apple_export.write_apple_export`, then runs each measurement in a
fresh child process (so neither the generator's nor an earlier run's memory counts) and
reports seconds, MB/s of XML and the child's peak resident memory (``VmHWM``):

* anchor: bare lxml ``iterparse`` over the same file, clearing every top-level element and
  doing nothing else - the floor for any streaming reader on this machine;
* ``apple_health.parse_stream`` on the bare ``export.xml``;
* the upload path on ``export.zip``: ``upload_leaves_from_path`` (one decompression to
  hash and detect the member) + ``read_leaf`` (a second one, parsed as it streams).

Results are printed as a markdown table and written to docs/benchmarks-apple-health.md.

    python -m benchmarks.apple_health [--megabytes 1024] [--keep DIR]
"""

from __future__ import annotations

import argparse
import json
import platform
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from lxml import etree

from demo.apple_export import write_apple_export

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "benchmarks-apple-health.md"

_PEAK = """
def peak_kb():
    import resource
    from pathlib import Path
    status = Path("/proc/self/status")
    if status.exists():
        for line in status.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
"""

ANCHOR = (
    _PEAK
    + """
import json, sys, time
from lxml import etree
tags = ("Record", "Workout", "Correlation", "ActivitySummary", "ExportDate", "Me")
start_kb = peak_kb()
started = time.perf_counter()
count = 0
with open(sys.argv[1], "rb") as stream:
    # the anchor reads the DTD too: the generated one is well-formed
    for _, elem in etree.iterparse(stream, events=("end",), tag=tags, resolve_entities=False,
                                   no_network=True, load_dtd=False, huge_tree=False,
                                   chunk_size=1024 * 1024):
        count += 1
        elem.clear()
        parent = elem.getparent()
        while elem.getprevious() is not None:
            del parent[0]
seconds = time.perf_counter() - started
print(json.dumps({"seconds": seconds, "start_kb": start_kb, "peak_kb": peak_kb(),
                  "what": f"{count} elements"}))
"""
)

READER = (
    _PEAK
    + """
import json, sys, time
from ingest.apple_health import parse_stream
start_kb = peak_kb()
started = time.perf_counter()
with open(sys.argv[1], "rb") as stream:
    parsed = parse_stream(stream)
seconds = time.perf_counter() - started
print(json.dumps({"seconds": seconds, "start_kb": start_kb, "peak_kb": peak_kb(),
                  "what": f"{len(parsed.sessions)} sessions, "
                          f"{parsed.n_step_intervals} step intervals"}))
"""
)

UPLOAD = (
    _PEAK
    + """
import json, sys, time
from pathlib import Path
from ingest.read import read_leaf, upload_leaves_from_path
start_kb = peak_kb()
started = time.perf_counter()
leaves = upload_leaves_from_path("export.zip", Path(sys.argv[1]))
opened = time.perf_counter() - started
results = [read_leaf(leaf, inside) for leaf, inside in leaves]
seconds = time.perf_counter() - started
parsed = results[0].parsed
print(json.dumps({"seconds": seconds, "start_kb": start_kb, "peak_kb": peak_kb(),
                  "what": f"{len(parsed.sessions)} sessions, "
                          f"{parsed.n_step_intervals} step intervals "
                          f"(opening and hashing: {opened:.1f} s)"}))
"""
)


def run_child(script: str, path: Path) -> dict[str, object]:
    done = subprocess.run(
        [sys.executable, "-c", script, str(path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    result: dict[str, object] = json.loads(done.stdout)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--megabytes", type=int, default=1024, help="size of export.xml in MiB (1024: 1 GiB)"
    )
    parser.add_argument("--keep", type=Path, help="write the exports here and keep them")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="backtrack-apple-") as scratch:
        folder = args.keep or Path(scratch)
        started = time.perf_counter()
        xml = write_apple_export(folder / "export.xml", megabytes=args.megabytes)
        generated_s = time.perf_counter() - started
        started = time.perf_counter()
        zipped = write_apple_export(folder / "export.zip", megabytes=args.megabytes, zipped=True)
        zipped_s = time.perf_counter() - started
        size = xml.stat().st_size
        rows = [
            ("bare lxml iterparse, clear only (anchor)", run_child(ANCHOR, xml)),
            ("`apple_health.parse_stream`, export.xml", run_child(READER, xml)),
            (
                "`upload_leaves_from_path` + `read_leaf`, export.zip",
                run_child(UPLOAD, zipped),
            ),
        ]
        zip_size = zipped.stat().st_size

    anchor_s = float(rows[0][1]["seconds"])  # type: ignore[arg-type]
    lines = [
        "# Benchmark: Apple Health export",
        "",
        f"`python -m benchmarks.apple_health --megabytes {args.megabytes}`, "
        f"{datetime.now(UTC):%Y-%m-%d}, {platform.machine()} × "
        f"{_cpus()} cores, Python {platform.python_version()}, lxml "
        f"{'.'.join(map(str, etree.LXML_VERSION[:3]))} (libxml2 "
        f"{'.'.join(map(str, etree.LIBXML_VERSION))}). One run each, each in a fresh process.",
        "",
        f"Export: `export.xml` of {size / 1e6:.0f} MB ({size / 2**30:.2f} GiB), generated in "
        f"{generated_s:.1f} s by `demo.apple_export.write_apple_export` (the same "
        f"document zipped: {zip_size / 1e6:.0f} MB, {zipped_s:.1f} s).",
        "",
        "| what | seconds | MB/s of XML | × anchor | peak RSS (MB) | RSS after imports (MB) |"
        " found |",
        "|---|---:|---:|---:|---:|---:|---|",
    ]
    for label, row in rows:
        seconds = float(row["seconds"])  # type: ignore[arg-type]
        lines.append(
            f"| {label} | {seconds:.1f} | {size / 1e6 / seconds:.0f} | "
            f"{seconds / anchor_s:.2f} | {int(row['peak_kb']) / 1024:.0f} | "  # type: ignore[call-overload]
            f"{int(row['start_kb']) / 1024:.0f} | {row['what']} |"  # type: ignore[call-overload]
        )
    lines += [
        "",
        "Peak RSS is the child's high-water mark (`VmHWM`) and includes the records the "
        "reader returns (its step intervals as Arrow columns, about 40 bytes each); the XML "
        "itself is never held. The upload path decompresses the member twice: once to hash "
        "and detect it when the upload is opened, once while the reader parses it. "
        "MB = 10^6 bytes.",
    ]
    text = "\n".join(lines) + "\n"
    print(text)
    DOC.write_text(text)


def _cpus() -> int:
    import os

    return os.cpu_count() or 1


if __name__ == "__main__":
    main()
