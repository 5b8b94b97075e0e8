"""The supervisor of ``backtrack up`` (pipelines/orchestrate/system.py), with stand-in parts:
started in order, each once it answers; Ctrl-C, SIGTERM or a part ending by itself stop
every part with its children — nothing is left running."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from pipelines.orchestrate import system

# A part: writes its pid and a child's pid, then "answers" (a ready file) and runs until
# stopped; with DIE_AFTER it ends by itself after that many seconds.
PART = textwrap.dedent(
    """
    import os, subprocess, sys, time
    name, folder = sys.argv[1], sys.argv[2]
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"])
    with open(os.path.join(folder, name + ".pids"), "w") as f:
        f.write(f"{os.getpid()} {child.pid}")
    print(name, "started", flush=True)
    open(os.path.join(folder, name + ".ready"), "w").close()
    die_after = float(os.environ.get("DIE_AFTER", "0"))
    if die_after:
        time.sleep(die_after)
        print(name, "gives up", flush=True)
        sys.exit(3)
    time.sleep(600)
    """
)

# The supervisor in a process of its own (Ctrl-C and SIGTERM go to it, as they would).
SUPERVISOR = textwrap.dedent(
    """
    import os, sys
    from pathlib import Path
    from pipelines.orchestrate import system
    folder = Path(sys.argv[1])
    script = str(folder / "part.py")
    names = sys.argv[2:]
    def ready(name):
        return lambda: (folder / (name + ".ready")).exists()
    parts = [
        system.Part(name, [sys.executable, script, name, str(folder)],
                    dict(os.environ) | ({"DIE_AFTER": "1"} if name == "dies" else {}),
                    ready(name), f"http://127.0.0.1/{name}")
        for name in names
    ]
    sys.exit(system.run(parts, folder / "logs", lambda line: print(line, flush=True)))
    """
)


def _pids(folder: Path, name: str) -> list[int]:
    return [int(p) for p in (folder / f"{name}.pids").read_text().split()]


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # a zombie (ended, not yet reaped by its parent) is not running
    try:
        state = Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0]
    except OSError:
        return False
    return state != "Z"


def _ignore_interrupt() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _start(folder: Path, *names: str, background: bool = False) -> subprocess.Popen[str]:
    """The supervisor over stand-in parts; ``background``: started with SIGINT ignored, as a
    shell starts a background job (``make demo &``)."""
    (folder / "part.py").write_text(PART)
    (folder / "supervisor.py").write_text(SUPERVISOR)
    return subprocess.Popen(
        [sys.executable, str(folder / "supervisor.py"), str(folder), *names],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
        preexec_fn=_ignore_interrupt if background else None,
    )


def _wait_for(path: Path, timeout_s: float = 60) -> None:
    deadline = time.monotonic() + timeout_s
    while not path.exists():
        assert time.monotonic() < deadline, f"{path.name} never appeared"
        time.sleep(0.05)


@pytest.mark.parametrize(
    ("sig", "background"),
    [(signal.SIGINT, False), (signal.SIGTERM, False), (signal.SIGINT, True)],
    ids=["Ctrl-C", "SIGTERM", "Ctrl-C to a background job"],
)
def test_a_stop_signal_stops_every_part_and_its_children(
    tmp_path: Path, sig: int, background: bool
) -> None:
    supervisor = _start(tmp_path, "server", "worker", "dashboard", background=background)
    try:
        assert supervisor.stdout is not None
        head = []
        while not head or not head[-1].startswith("all parts are up"):
            line = supervisor.stdout.readline()
            assert line, "".join(head)  # the supervisor ended before every part was up
            head.append(line)
        pids = [pid for name in ("server", "worker", "dashboard") for pid in _pids(tmp_path, name)]
        assert all(_alive(pid) for pid in pids)
        supervisor.send_signal(sig)
        rest, _ = supervisor.communicate(timeout=60)
        out = "".join(head) + rest
    finally:
        if supervisor.poll() is None:
            os.killpg(supervisor.pid, signal.SIGKILL)
    assert supervisor.returncode == 0, out
    assert [pid for pid in pids if _alive(pid)] == []  # parts and their children
    lines = out.splitlines()
    # started in order, each reported with its address once it answered
    starts = [line for line in lines if line.startswith("starting ")]
    assert starts == ["starting server …", "starting worker …", "starting dashboard …"]
    assert any(line.startswith("  dashboard is up at http://127.0.0.1/dashboard") for line in lines)
    assert lines[-2:] == ["stopping …", "stopped: nothing left running"]
    # each part's output in its own log; a Python part ends on SIGINT like on Ctrl-C
    log = (tmp_path / "logs" / "worker.log").read_text()
    assert log.startswith("worker started\n") and log.rstrip().endswith("KeyboardInterrupt")


def test_a_part_that_ends_by_itself_stops_the_others(tmp_path: Path) -> None:
    supervisor = _start(tmp_path, "server", "dies", "dashboard")
    try:
        out, _ = supervisor.communicate(timeout=60)
    finally:
        if supervisor.poll() is None:
            os.killpg(supervisor.pid, signal.SIGKILL)
    assert supervisor.returncode == 1, out
    assert "error: dies ended with exit code 3" in out
    assert "dies gives up" in out  # its log's tail, to see why
    pids = [pid for name in ("server", "dies", "dashboard") for pid in _pids(tmp_path, name)]
    assert [pid for pid in pids if _alive(pid)] == []


def test_a_part_that_ends_before_it_answers_fails_the_start(tmp_path: Path) -> None:
    supervisor = system.Supervisor(tmp_path / "logs", report=lambda _: None)
    never = system.Part(
        "broken",
        [sys.executable, "-c", "import sys; print('no config'); sys.exit(2)"],
        dict(os.environ),
        lambda: False,
    )
    try:
        with pytest.raises(
            system.SystemFailed, match=r"broken ended with exit code 2(.|\n)*no config"
        ):
            supervisor.start(never, timeout_s=60)
    finally:
        supervisor.stop()


def test_a_part_that_never_answers_fails_the_start_in_time(tmp_path: Path) -> None:
    supervisor = system.Supervisor(tmp_path / "logs", report=lambda _: None)
    mute = system.Part(
        "mute",
        [sys.executable, "-c", "import time; time.sleep(600)"],
        dict(os.environ),
        lambda: False,
    )
    try:
        with pytest.raises(system.SystemFailed, match="mute did not answer within 1 s"):
            supervisor.start(mute, timeout_s=1)
        pid = supervisor.running[0].process.pid
    finally:
        supervisor.stop()
    assert not _alive(pid)


def test_a_part_deaf_to_interrupt_and_terminate_is_killed(tmp_path: Path) -> None:
    """A part that ignores SIGINT and SIGTERM (a hung process) is killed after the grace."""
    deaf = (
        "import signal, sys, time\n"
        "signal.signal(signal.SIGINT, signal.SIG_IGN)\n"
        "signal.signal(signal.SIGTERM, signal.SIG_IGN)\n"
        "open(sys.argv[1], 'w').close()\n"
        "time.sleep(600)\n"
    )
    ready = tmp_path / "deaf.ready"
    supervisor = system.Supervisor(tmp_path / "logs", report=lambda _: None)
    part = system.Part(
        "deaf", [sys.executable, "-c", deaf, str(ready)], dict(os.environ), ready.exists
    )
    supervisor.start(part, timeout_s=60)
    pid = supervisor.running[0].process.pid
    started = time.monotonic()
    supervisor.stop(grace_s=1)
    assert not _alive(pid)
    assert time.monotonic() - started < 15  # 1 s after SIGINT, 5 s after SIGTERM, then KILL


def test_a_port_in_use_is_seen(tmp_path: Path) -> None:
    import socket

    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        assert not system.port_free("127.0.0.1", port)
    assert system.port_free("127.0.0.1", port)


def test_backtrack_up_refuses_a_port_in_use_before_starting_anything(tmp_path: Path) -> None:
    import socket

    from typer.testing import CliRunner

    from pipelines.cli.main import app

    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = CliRunner().invoke(
            app,
            [
                *("up", "--data-dir", str(tmp_path / "data"), "--prefect-port", str(port)),
                *("--dashboard-port", str(port), "--logs", str(tmp_path / "logs")),
            ],
        )
    assert result.exit_code == 2, result.output
    assert f"port {port}, {port} on 127.0.0.1 is in use" in " ".join(result.output.split())
    assert not (tmp_path / "logs").exists()  # nothing was started
