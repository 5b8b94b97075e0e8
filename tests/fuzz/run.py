"""The long fuzz run: N inputs per reader (default 10,000), each timed, in worker processes.

    python -m tests.fuzz.run [--inputs 10000] [--workers 2] [--seed 0] [--target NAME ...]
                             [--crashes build/fuzz-crashes] [--no-doc]

(``make fuzz``, ``make fuzz FUZZ_INPUTS=100000``.) For every target of
:mod:`tests.fuzz.harness` - every reader in the registry, the diary reader and the whole
upload path - inputs ``0 … N-1`` are the target's seeds and then mutations of them; input
``i`` is a pure function of (target, ``i``, ``--seed``), so any of them can be made again
with :func:`tests.fuzz.harness.nth_input`. Worker processes make and read the inputs; the
reading alone is timed. An input that crashes a reader (an exception other than a
skip/rejection escapes, or a safety net had to catch one), or takes longer than
:data:`~tests.fuzz.harness.SLOW_S`, is saved to the crash directory (``<target>/<i>.bin``
with the name and traceback beside it in ``<i>.txt``; an input over the bound is read
:data:`RETIMES` times more and its fastest time counts); a worker stuck for
``--hard-timeout`` seconds is killed and replaced, and its input saved the same way.

The table of outcomes and times goes to stdout and into docs/fuzzing.md (between the
``fuzz-results`` markers). Exit status 1 when any input crashed or was slow.
"""

from __future__ import annotations

import argparse
import contextlib
import math
import multiprocessing
import os
import platform
import re
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from multiprocessing.connection import Connection, wait
from pathlib import Path
from typing import Any

from tests.fuzz.harness import SLOW_S, nth_input, run_input, targets

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "fuzzing.md"
START = "<!-- fuzz-results:start -->"
END = "<!-- fuzz-results:end -->"

RETIMES = 2
"""An input over SLOW_S is read this many times more and its fastest time counts: other
work on the machine can stall one reading, a slow input is slow every time."""

Job = tuple[str, int]
Report = tuple[str, int, str, float, str, str]  # target, index, status, seconds, sig, text


def _work(conn: Connection, run_seed: int) -> None:
    """A worker: make input (target, index), read it, report the outcome; None stops it."""
    known = targets()
    while True:
        job = conn.recv()
        if job is None:
            return
        name, index = job
        target = known[name]
        file_name, data = nth_input(target, index, run_seed=run_seed)
        outcome = run_input(target, file_name, data)
        seconds = outcome.seconds
        for _ in range(RETIMES if seconds > SLOW_S else 0):  # slow, or was the machine busy?
            seconds = min(seconds, run_input(target, file_name, data).seconds)
        text = outcome.describe() if outcome.status == "crash" else ""
        conn.send((name, index, outcome.status, seconds, outcome.signature(), text))


@dataclass
class _Worker:
    process: Any
    conn: Connection
    job: Job | None = None
    started: float = 0.0


@dataclass
class _Tally:
    outcomes: Counter[str] = field(default_factory=Counter)
    seconds: list[float] = field(default_factory=list)
    crashes: Counter[str] = field(default_factory=Counter)
    slow: int = 0

    def row(self, name: str) -> str:
        times = sorted(self.seconds)
        p99 = times[min(len(times) - 1, math.ceil(0.99 * len(times)) - 1)] if times else 0.0
        worst = times[-1] if times else 0.0
        unhandled = sum(self.crashes.values())
        return (
            f"| {name} | {len(times)} | {self.outcomes['ok']} | {self.outcomes['skipped']} | "
            f"{self.outcomes['rejected']} | {unhandled} | {worst * 1000:.1f} | "
            f"{p99 * 1000:.1f} | {self.slow} |"
        )


class _Pool:
    def __init__(self, workers: int, run_seed: int) -> None:
        self._context = multiprocessing.get_context("spawn")
        self._run_seed = run_seed
        self.workers = [self._start() for _ in range(workers)]

    def _start(self) -> _Worker:
        parent, child = self._context.Pipe()
        process = self._context.Process(target=_work, args=(child, self._run_seed), daemon=True)
        process.start()
        child.close()
        return _Worker(process, parent)

    def replace(self, worker: _Worker) -> None:
        worker.process.kill()
        worker.process.join()
        worker.conn.close()
        self.workers[self.workers.index(worker)] = self._start()

    def stop(self) -> None:
        for worker in self.workers:
            with contextlib.suppress(OSError):
                worker.conn.send(None)
            worker.process.join(timeout=10)
            if worker.process.is_alive():
                worker.process.kill()


def _safe(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", name).strip("_")


def _save(crashes: Path, name: str, index: int, run_seed: int, what: str, text: str) -> Path:
    """Write input ``index`` of target ``name`` and what went wrong to the crash folder."""
    file_name, data = nth_input(targets()[name], index, run_seed=run_seed)
    folder = crashes / _safe(name)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{index:06d}.bin").write_bytes(data)
    (folder / f"{index:06d}.txt").write_text(
        f"target: {name}\ninput: {index} (run seed {run_seed})\nfile name: {file_name!r}\n"
        f"size: {len(data)} bytes\n{what}\n\n{text}\n"
    )
    return folder / f"{index:06d}.bin"


def fuzz(
    names: list[str],
    inputs: int,
    *,
    workers: int,
    run_seed: int,
    crashes: Path,
    hard_timeout_s: float,
) -> dict[str, _Tally]:
    tallies = {name: _Tally() for name in names}
    jobs: list[Job] = [(name, index) for index in range(inputs) for name in names]
    jobs.reverse()  # pop() from the end: target by target within each index
    total = len(jobs)
    done = 0
    pool = _Pool(workers, run_seed)
    started = last_note = time.monotonic()
    try:
        while done < total:
            for worker in pool.workers:
                if worker.job is None and jobs:
                    worker.job = jobs.pop()
                    worker.started = time.monotonic()
                    worker.conn.send(worker.job)
            busy = [w for w in pool.workers if w.job is not None]
            ready = wait([w.conn for w in busy], timeout=1.0)
            now = time.monotonic()
            for worker in busy:
                assert worker.job is not None
                name, index = worker.job
                if worker.conn in ready:
                    try:
                        report: Report = worker.conn.recv()
                    except EOFError:  # the worker died (a crash of the interpreter itself)
                        report = (name, index, "crash", now - worker.started, "worker died", "")
                        pool.replace(worker)
                elif now - worker.started > hard_timeout_s:
                    report = (name, index, "crash", now - worker.started, "hung", "")
                    pool.replace(worker)
                else:
                    continue
                worker.job = None
                done += 1
                _record(tallies[name], report, crashes, run_seed)
            if now - last_note > 30:
                last_note = now
                rate = done / (now - started)
                print(
                    f"  {done}/{total} inputs, {rate:.0f}/s, "
                    f"{(total - done) / max(rate, 1e-9) / 60:.1f} min to go",
                    file=sys.stderr,
                    flush=True,
                )
    finally:
        pool.stop()
    return tallies


def _record(tally: _Tally, report: Report, crashes: Path, run_seed: int) -> None:
    name, index, status, seconds, signature, text = report
    tally.seconds.append(seconds)
    if status == "crash":
        tally.crashes[signature] += 1
        saved = _save(crashes, name, index, run_seed, signature, text)
        print(f"CRASH {name} input {index}: {signature} -> {saved}", file=sys.stderr, flush=True)
    else:
        tally.outcomes[status] += 1
    if seconds > SLOW_S:
        tally.slow += 1
        saved = _save(crashes, name, index, run_seed, f"slow: {seconds:.2f} s", text)
        print(f"SLOW {name} input {index}: {seconds:.2f} s -> {saved}", file=sys.stderr)


def _versions() -> str:
    from lxml import etree

    libxml = ".".join(str(part) for part in etree.LIBXML_VERSION)
    return f"Python {platform.python_version()}, lxml {etree.__version__} (libxml2 {libxml})"


def results_markdown(
    tallies: dict[str, _Tally],
    *,
    inputs: int,
    workers: int,
    run_seed: int,
    seconds: float,
    load: tuple[float, float],
) -> str:
    total = sum(len(t.seconds) for t in tallies.values())
    unhandled = sum(sum(t.crashes.values()) for t in tallies.values())
    slow = sum(t.slow for t in tallies.values())
    command = f"python -m tests.fuzz.run --inputs {inputs} --workers {workers} --seed {run_seed}"
    lines = [
        f"`{command}`, {datetime.now(UTC).date().isoformat()}, {platform.machine()} × "
        f"{os.cpu_count()} cores, {_versions()}. {total} inputs in {seconds / 60:.1f} min "
        f"({workers} worker processes; load average {load[0]:.1f} at the start, "
        f"{load[1]:.1f} at the end - other work shared the machine, which shows in the "
        "maximum times).",
        "",
        "| reader | inputs | ok | skipped | rejected | unhandled exceptions | max ms | p99 ms "
        "| > 2 s |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
        *(tallies[name].row(name) for name in tallies),
        "",
        f"Unhandled exceptions: {unhandled}. Inputs over {SLOW_S:g} s: {slow}. Times are the "
        "reader's own (making the input is not counted), in one worker process each; an input "
        f"over {SLOW_S:g} s is read {RETIMES} times more and its fastest time counts.",
    ]
    for name, tally in tallies.items():
        for signature, count in tally.crashes.most_common():
            lines.append(f"- {name}: {count} × {signature}")
    return "\n".join(lines)


def write_doc(markdown: str, doc: Path = DOC) -> None:
    """Put ``markdown`` between the result markers of ``doc`` (the prose stays)."""
    text = doc.read_text() if doc.exists() else f"# Fuzzing the readers\n\n{START}\n{END}\n"
    if START not in text or END not in text:
        text = text.rstrip("\n") + f"\n\n{START}\n{END}\n"
    head, rest = text.split(START, 1)
    _, tail = rest.split(END, 1)
    doc.write_text(f"{head}{START}\n{markdown}\n{END}{tail}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--inputs", type=int, default=10_000, help="inputs per target")
    parser.add_argument("--workers", type=int, default=2, help="worker processes")
    parser.add_argument("--seed", type=int, default=0, help="run seed (0: the documented run)")
    parser.add_argument("--target", action="append", help="only this target (repeatable)")
    parser.add_argument("--crashes", type=Path, default=ROOT / "build" / "fuzz-crashes")
    parser.add_argument("--hard-timeout", type=float, default=60.0, help="kill a worker after")
    parser.add_argument("--no-doc", action="store_true", help="do not write docs/fuzzing.md")
    args = parser.parse_args(argv)

    known = targets()
    names = args.target or list(known)
    unknown = [name for name in names if name not in known]
    if unknown:
        parser.error(f"unknown target(s) {unknown}; known: {', '.join(known)}")
    print(
        f"fuzzing {len(names)} targets × {args.inputs} inputs with {args.workers} workers",
        file=sys.stderr,
    )
    load_start = os.getloadavg()[0]
    started = time.monotonic()
    tallies = fuzz(
        names,
        args.inputs,
        workers=args.workers,
        run_seed=args.seed,
        crashes=args.crashes,
        hard_timeout_s=args.hard_timeout,
    )
    markdown = results_markdown(
        tallies,
        inputs=args.inputs,
        workers=args.workers,
        run_seed=args.seed,
        seconds=time.monotonic() - started,
        load=(load_start, os.getloadavg()[0]),
    )
    print(markdown)
    if not args.no_doc and args.target is None:
        write_doc(markdown)
    failed = any(t.crashes or t.slow for t in tallies.values())
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
