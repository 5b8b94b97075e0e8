"""Runs ``backtrack`` commands in forked processes, killing some of them (the crash tests).

``python -m tests.pipelines.crash_child PLAN.json RESULT.json``

The plan is a list of *groups* run one after the other; the commands of a group start
together (the concurrency tests). Every command runs in its own process forked from this
one, which has already imported the CLI and the flows, so a run costs the ingest itself
and not the 1.5 s of imports — that is what makes dozens of kill points affordable. The
child calls the real CLI (``pipelines.cli.main.app``): the real flows, on the Prefect server of
``$PREFECT_API_URL`` (the test session's), and the real storage.

A command (a dict) has ``argv`` (the CLI's arguments), ``log`` (a file for its output) and
optionally:

* ``crash_at``: n — the child runs with ``$BACKTRACK_CRASH_AT`` = n, so the store kills it
  (SIGKILL) at its n-th crash point (see ``pipelines.store.files.CRASH_AT_ENV``);
* ``kill_after_s``: seconds after its start, this process sends it SIGKILL;
* ``crash_points``: true — run the command with crash_at = 1, 2, 3, … (``parallel`` at a
  time, default 1, the next started as soon as one ends) in fresh data dirs
  ``<data dir>-k<n>`` until a run finishes unkilled;
  with ``first`` and ``every`` only the points first, first + every, … (a share of the
  sweep: the shares 1…every of ``every`` sweeps together kill at every point);
* ``pool``: k — not a command: the group's commands run k at a time, in their order, each
  started as soon as a running one ends (not all at once);
* ``hold_lock``: [data dir, participant, n] — not a command: a process holds the
  participant's write lock until n processes wait for it (``/proc/locks``), so that the
  group's commands meet at the lock; the result gains ``{"status": "contended"}`` (or
  ``"uncontended"`` when they never all queued, within ``TIMEOUT_S``).

The result is, per group, per command, a dict: ``status`` (``exit`` / ``killed`` /
``timeout``), ``code`` and ``elapsed_s``; a ``crash_points`` command yields a list, one per
kill point (and the final, unkilled run).
"""

from __future__ import annotations

import json
import os
import signal
import sys
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

TIMEOUT_S = 120.0  # a child still running after this (a stale lock, say) is a failure
MAX_CRASH_POINTS = 500


def _child(command: dict[str, Any]) -> None:
    """In the forked process: run the CLI command, never return."""
    code = 1
    try:
        log = os.open(command["log"], os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        os.dup2(log, 1)
        os.dup2(log, 2)
        if command.get("crash_at"):
            from pipelines.store.files import CRASH_AT_ENV

            os.environ[CRASH_AT_ENV] = str(command["crash_at"])
        from pipelines.cli.main import app

        try:  # without standalone mode, click returns a command's exit code
            returned = app(command["argv"], standalone_mode=False)
            code = returned if isinstance(returned, int) else 0
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else 1
        except BaseException as exc:  # report it in the log, as the real CLI would
            import traceback

            traceback.print_exception(exc)
            code = 1
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)


def _hold_lock(root: str, participant: str) -> int:
    """Fork a process holding the participant's lock until killed; returns once held."""
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(read_end)
        from pipelines.store.storage import Store

        with Store(root).lock(participant):
            os.write(write_end, b"1")
            while True:
                time.sleep(60)
    os.close(write_end)
    os.read(read_end, 1)
    os.close(read_end)
    return pid


def _blocked_on(lock: Path) -> int:
    """How many processes wait for ``lock``: ``/proc/locks`` marks waiters with ``->``
    (``1: -> FLOCK  ADVISORY  WRITE <pid> <major>:<minor>:<inode> 0 EOF``). Counted by pid:
    the file is read in chunks while other processes' locks (SQLite's, many) come and go, so
    a line can be read twice."""
    inode = f":{lock.stat().st_ino}"
    with open("/proc/locks") as fh:
        waiting = (line.split() for line in fh if "->" in line)
        return len({f[5] for f in waiting if len(f) > 6 and f[1] == "->" and f[6].endswith(inode)})


def _release_when_waited_for(holder: int, lock: Path, waiters: int) -> bool:
    """Kill the lock holder (the kernel frees its lock) once ``waiters`` processes queue
    behind it, or after ``TIMEOUT_S``; whether they all did. (None of them can stop waiting
    while the holder lives: once seen queued, they met at the lock.)"""
    deadline = time.monotonic() + TIMEOUT_S
    contended = False
    while not contended and time.monotonic() < deadline:
        contended = _blocked_on(lock) >= waiters
        if not contended:
            time.sleep(0.01)
    os.kill(holder, signal.SIGKILL)
    os.waitpid(holder, 0)
    return contended


def _start(command: dict[str, Any]) -> tuple[int, float]:
    pid = os.fork()
    if pid == 0:
        _child(command)
    return pid, time.monotonic()


class _Run:
    """A command running in a forked process."""

    def __init__(self, command: dict[str, Any]) -> None:
        self.kill_after_s: float | None = command.get("kill_after_s")
        self.killed_by_us = False
        self.pid, self.started = _start(command)

    def poll(self) -> dict[str, Any] | None:
        """Its result once it has ended (reaped, so its pid is dead), else None; kills it at
        ``kill_after_s``, and when still running after ``TIMEOUT_S``."""
        done, status = os.waitpid(self.pid, os.WNOHANG)
        now = time.monotonic() - self.started
        if done:
            if os.WIFSIGNALED(status):
                return {"status": "killed", "signal": os.WTERMSIG(status), "elapsed_s": now}
            return {"status": "exit", "code": os.WEXITSTATUS(status), "elapsed_s": now}
        if self.kill_after_s is not None and not self.killed_by_us and now >= self.kill_after_s:
            os.kill(self.pid, signal.SIGKILL)
            self.killed_by_us = True
        elif now > TIMEOUT_S:
            os.kill(self.pid, signal.SIGKILL)
            os.waitpid(self.pid, 0)
            return {"status": "timeout", "code": None, "elapsed_s": now}
        return None

    def pause(self) -> float:
        """How long to sleep before the next :meth:`poll` (short before a kill moment)."""
        if self.kill_after_s is None or self.killed_by_us:
            return 0.02
        pending = self.kill_after_s - (time.monotonic() - self.started)
        return min(0.02, max(pending, 0.0005))


def _wait(run: _Run) -> dict[str, Any]:
    while (result := run.poll()) is None:
        time.sleep(run.pause())
    return result


def _pool(
    commands: Iterable[dict[str, Any]],
    parallel: int,
    stop: Callable[[dict[str, Any]], bool] = lambda _: False,
) -> list[dict[str, Any]]:
    """Run ``commands`` in their order, ``parallel`` at a time, each started as soon as a
    running one ends; once a result satisfies ``stop`` no further command starts (the
    running ones finish). The results, in the commands' order, of those that ran."""
    pending = iter(commands)
    results: list[dict[str, Any]] = []
    running: dict[int, _Run] = {}
    starting = True
    while True:
        while starting and len(running) < parallel:
            command = next(pending, None)
            if command is None:
                starting = False
                break
            running[len(results)] = _Run(command)
            results.append({})
        if not running:
            return results
        ended = False
        for i, run in list(running.items()):
            result = run.poll()
            if result is not None:
                results[i] = result
                del running[i]
                ended = True
                starting = starting and not stop(result)
        if not ended:
            time.sleep(min(run.pause() for run in running.values()))


def _with_data_dir(command: dict[str, Any], data_dir: str, n: int) -> dict[str, Any]:
    argv = list(command["argv"])
    argv[argv.index("--data-dir") + 1] = data_dir
    return {**command, "argv": argv, "crash_at": n, "log": f"{command['log']}-k{n}"}


def _crash_points(
    command: dict[str, Any], parallel: int, first: int = 1, every: int = 1
) -> list[dict[str, Any]]:
    """Kill points first, first + every, … (``parallel`` at a time), up to the first
    unkilled run."""
    argv = command["argv"]
    base = argv[argv.index("--data-dir") + 1]
    points = range(first, MAX_CRASH_POINTS + 1, every)
    runs = (_with_data_dir(command, f"{base}-k{n}", n) for n in points)
    ran = _pool(runs, parallel, lambda r: r["status"] != "killed")
    results = [
        result | {"crash_at": n, "data_dir": f"{base}-k{n}"}
        for n, result in zip(points[: len(ran)], ran, strict=True)
    ]
    finished = [i for i, r in enumerate(results) if r["status"] != "killed"]
    return results[: finished[0] + 1] if finished else results


def run_group(group: list[dict[str, Any]]) -> list[Any]:
    holds = [c["hold_lock"] for c in group if "hold_lock" in c]
    pools = [int(c["pool"]) for c in group if "pool" in c]
    commands = [c for c in group if "hold_lock" not in c and "pool" not in c]
    if any(c.get("crash_points") for c in commands):
        assert len(commands) == 1 and not holds, "a crash-point sweep runs alone"
        command = commands[0]
        parallel = int(command.get("parallel", 1))
        first, every = int(command.get("first", 1)), int(command.get("every", 1))
        return [_crash_points(command, parallel, first, every)]
    if pools:
        assert not holds, "a pool's commands do not meet at a lock"
        return _pool(commands, pools[0])
    held = [(_hold_lock(root, participant), root, participant, n) for root, participant, n in holds]
    running = [_Run(c) for c in commands]
    contended = [
        _release_when_waited_for(pid, Path(root) / "locks" / f"{participant}.lock", n)
        for pid, root, participant, n in held
    ]
    results: list[Any] = [_wait(run) for run in running]
    return results + [{"status": "contended" if c else "uncontended"} for c in contended]


# Imported on first use by a run — once here instead, before forking (≈ 0.45 s a run):
# the readers (``ingest``, imported by format), Prefect's flow and task engines and what
# they import when a flow run starts (FastAPI's encoder for the parameters, the flow graph,
# anyio's event loop), and pyarrow's dataset reader (``pq.read_table``).
PRELOAD = (
    "prefect.flow_engine",
    "prefect.task_engine",
    "prefect.concurrency.context",
    "prefect.concurrency.v1.context",
    "prefect.utilities.visualization",
    "prefect.telemetry.run_telemetry",
    "fastapi.encoders",
    "anyio._backends._asyncio",
    "pyarrow.dataset",
    "pyarrow.pandas_compat",
)


def _preload() -> None:
    import importlib
    import pkgutil

    import ingest
    import pipelines.cli.main
    import pipelines.orchestrate.flows  # noqa: F401

    for name in PRELOAD:
        importlib.import_module(name)
    for module in pkgutil.walk_packages(ingest.__path__, "ingest."):
        importlib.import_module(module.name)


def main(plan_path: str, result_path: str) -> None:
    """Run the plan. The children run without Prefect's flow-run heartbeats (events a
    server uses to find crashed runs, no part of the storage or the flows under test): the
    heartbeat thread costs each run a websocket of its own and up to a second of waiting for
    the thread to stop when the flow ends."""
    from prefect.settings import PREFECT_FLOWS_HEARTBEAT_FREQUENCY, temporary_settings

    _preload()
    plan = json.loads(Path(plan_path).read_text())
    with temporary_settings(updates={PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None}):
        results = [run_group(group) for group in plan]
    Path(result_path).write_text(json.dumps(results, indent=1))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
