"""The whole system as one supervised group of processes (``backtrack up``, ``make demo``).

Three parts, started in this order, each only once the one before answers:

1. the Prefect server (``prefect server start``) on 127.0.0.1:4200 with its own home (its
   database, under the demo folder for the demo) — skipped when an existing server is given;
2. ``backtrack serve``: the served ``ingest`` and ``refresh`` deployments (the nightly
   refresh), the inbox watcher and the upload worker (``pipelines.app.jobs``) — ready once
   the worker's heartbeat is fresh;
3. the dashboard (Streamlit) on 127.0.0.1:8501, wired to the data directory, the raw
   store's key and the Prefect server — ready once ``/_stcore/health`` answers.

Every part runs in a process group of its own with its output in ``<logs>/<part>.log``.
The supervisor watches them: when one ends by itself the others are stopped and the
supervisor fails with that part's log tail. Ctrl-C or SIGTERM stop every part the same way,
one at a time, newest first (so ``backtrack serve`` still reaches the server as it shuts
down): SIGINT to its group (what Ctrl-C in a terminal sends; every part shuts down cleanly on
it), SIGTERM when it still runs after a grace period, then SIGKILL — nothing is left running.
No Prefect import: the server is a process like the others.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Final

from pipelines.app import jobs
from pipelines.store.storage import INBOX_FOLDER

READY_TIMEOUT_S: Final = 180.0  # a first Prefect start creates its database
STOP_GRACE_S: Final = 15.0
WATCH_EVERY_S: Final = 0.5
LOG_TAIL_CHARS: Final = 3000


class SystemFailed(RuntimeError):
    """A part did not start, or ended by itself."""


@dataclass(frozen=True, slots=True)
class Part:
    name: str  # also its log file's name
    command: Sequence[str]
    env: dict[str, str]
    ready: Callable[[], bool]  # answers (a health check)
    address: str | None = None  # shown to the person starting the system


@dataclass
class Running:
    part: Part
    process: subprocess.Popen[bytes]
    log_path: Path
    log: IO[bytes] = field(repr=False)


def http_ok(url: str, timeout_s: float = 2.0) -> bool:
    """Whether ``url`` answers 200 (a health check on 127.0.0.1; never through a proxy the
    environment names for the package registries)."""
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(url, timeout=timeout_s) as response:
            return bool(response.status == 200)
    except (urllib.error.URLError, OSError, ValueError):
        return False


def port_free(host: str, port: int) -> bool:
    """Whether nothing listens on ``host:port``."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.settimeout(0.5)
        return probe.connect_ex((host, port)) != 0


def worker_ready(data_dir: Path) -> Callable[[], bool]:
    return lambda: jobs.worker_alive(data_dir / INBOX_FOLDER)


def log_tail(path: Path, chars: int = LOG_TAIL_CHARS) -> str:
    try:
        return path.read_text(errors="replace")[-chars:].strip()
    except OSError:
        return ""


class Supervisor:
    """Starts the parts in order, watches them, stops them all."""

    def __init__(self, logs: Path, report: Callable[[str], None] = print) -> None:
        self.logs = logs
        self.report = report
        self.running: list[Running] = []

    def start(self, part: Part, timeout_s: float = READY_TIMEOUT_S) -> None:
        """Start ``part`` and wait until it answers; ``SystemFailed`` when it ends first or
        does not answer in time."""
        self.logs.mkdir(parents=True, exist_ok=True)
        log_path = self.logs / f"{part.name.replace(' ', '-')}.log"
        log = open(log_path, "ab")  # noqa: SIM115  # closed in stop()
        process = subprocess.Popen(
            list(part.command),
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            env=part.env,
            start_new_session=True,  # its own process group: stopped as a whole
            preexec_fn=_default_interrupt,
        )
        running = Running(part, process, log_path, log)
        self.running.append(running)
        deadline = time.monotonic() + timeout_s
        while not part.ready():
            if process.poll() is not None:
                raise SystemFailed(self._ended(running))
            if time.monotonic() > deadline:
                raise SystemFailed(
                    f"{part.name} did not answer within {timeout_s:.0f} s; its log "
                    f"({log_path}):\n{log_tail(log_path)}"
                )
            time.sleep(WATCH_EVERY_S)

    def _ended(self, running: Running) -> str:
        return (
            f"{running.part.name} ended with exit code {running.process.returncode}; its log "
            f"({running.log_path}):\n{log_tail(running.log_path)}"
        )

    def watch(self, every_s: float = WATCH_EVERY_S) -> None:
        """Return never while every part runs; ``SystemFailed`` once one has ended."""
        while True:
            for running in self.running:
                if running.process.poll() is not None:
                    raise SystemFailed(self._ended(running))
            time.sleep(every_s)

    def stop(self, grace_s: float = STOP_GRACE_S) -> None:
        """Stop the parts one at a time, newest first — the dashboard, then ``backtrack
        serve`` while the server it talks to is still up, then the server — each as Ctrl-C in
        a terminal would: SIGINT to its process group, SIGTERM when it still runs after
        ``grace_s``, SIGKILL 5 s later (and to whatever it left in its group)."""
        for running in reversed(self.running):
            for sig, wait_s in ((signal.SIGINT, grace_s), (signal.SIGTERM, 5.0)):
                if running.process.poll() is not None:
                    break
                _signal_group(running.process, sig)
                with contextlib.suppress(subprocess.TimeoutExpired):
                    running.process.wait(timeout=wait_s)
            _signal_group(running.process, signal.SIGKILL)
            with contextlib.suppress(subprocess.TimeoutExpired):
                running.process.wait(timeout=5)
            running.log.close()
        self.running = []


def _default_interrupt() -> None:
    """In the part's process before it starts: SIGINT does what it does by default, even when
    the supervisor was started with it ignored (``nohup … &``, a background job)."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _signal_group(process: subprocess.Popen[bytes], sig: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, sig)


@contextlib.contextmanager
def terminate_as_interrupt() -> Iterator[None]:
    """Ctrl-C and SIGTERM (systemd's stop, ``docker stop``) end the supervisor the same way —
    also when it was started with SIGINT ignored (a background job)."""

    def handler(_signum: int, _frame: object) -> None:
        raise KeyboardInterrupt

    previous = {sig: signal.signal(sig, handler) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for sig, action in previous.items():
            signal.signal(sig, action)


def run(parts: Sequence[Part], logs: Path, report: Callable[[str], None] = print) -> int:
    """Start ``parts`` in order, report their addresses, supervise until Ctrl-C or SIGTERM
    (exit code 0) or until a part fails (1). Every part is stopped on the way out."""
    supervisor = Supervisor(logs, report)
    with terminate_as_interrupt():
        try:
            for part in parts:
                report(f"starting {part.name} …")
                started = time.monotonic()
                supervisor.start(part)
                shown = f" at {part.address}" if part.address else ""
                report(f"  {part.name} is up{shown} ({time.monotonic() - started:.1f} s)")
            report(f"all parts are up; logs in {logs}; Ctrl-C stops everything")
            supervisor.watch()
        except KeyboardInterrupt:
            report("stopping …")
            return 0
        except SystemFailed as exc:
            report(f"error: {exc}")
            return 1
        finally:
            supervisor.stop()
            report("stopped: nothing left running")
    return 0
