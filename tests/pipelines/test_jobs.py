"""Upload jobs for the served worker (pipelines/app/jobs.py), the worker's loop
(pipelines/orchestrate/serve.work_jobs) and the dashboard's side of it
(dashboards/uploads.QueuedRun): one taker per job, a result for every job, and an upload
that still goes through when the worker is gone."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from dashboards.uploads import WORKER_GONE, QueuedRun
from pipelines.app import jobs
from pipelines.orchestrate.serve import run_job_in, work_jobs


def _job_folder(inbox: Path, participant: str = "p01", upload: str = "a1") -> Path:
    folder = inbox / participant / upload
    folder.mkdir(parents=True)
    return folder


def test_a_request_is_taken_once_and_carries_what_the_worker_needs(tmp_path: Path) -> None:
    inbox = tmp_path / "data" / "inbox"
    folder = _job_folder(inbox)
    listed = tmp_path / "data" / "lists" / "u1.json"
    path = jobs.request(folder, "p01", listed, tmp_path / "data")
    assert jobs.pending(inbox) == [path]
    job = jobs.claim(path)
    assert job == jobs.Job(folder, "p01", str(listed.resolve()), str((tmp_path / "data").resolve()))
    assert jobs.claim(path) is None  # the second taker gets nothing
    assert jobs.pending(inbox) == []
    assert jobs.claimed(folder)


def test_pending_requests_come_oldest_first(tmp_path: Path) -> None:
    import os

    inbox = tmp_path / "inbox"
    first = jobs.request(_job_folder(inbox, "p02", "b"), "p02", tmp_path / "l1", tmp_path)
    second = jobs.request(_job_folder(inbox, "p01", "a"), "p01", tmp_path / "l2", tmp_path)
    os.utime(first, (1_000, 1_000))
    os.utime(second, (2_000, 2_000))
    assert jobs.pending(inbox) == [first, second]  # by age, not by name


def test_an_unreadable_request_ends_with_a_result_saying_why(tmp_path: Path) -> None:
    folder = _job_folder(tmp_path / "inbox")
    (folder / jobs.REQUEST).write_text('{"participant": "p01"}')
    assert jobs.claim(folder / jobs.REQUEST) is None
    assert jobs.result(folder) == jobs.Result(1, "unreadable upload request: no 'upload_list'")


@pytest.mark.parametrize(
    ("age_s", "alive"),
    [(0.0, True), (9.9, True), (10.0, False), (60.0, False), (-5.0, True), (-11.0, False)],
)
def test_a_worker_counts_as_alive_while_its_heartbeat_is_under_ten_seconds_old(
    tmp_path: Path, age_s: float, alive: bool
) -> None:
    jobs.beat(tmp_path, now=1_000_000.0)
    assert jobs.worker_alive(tmp_path, now=1_000_000.0 + age_s) is alive


def test_no_heartbeat_or_a_stopped_worker_is_no_worker(tmp_path: Path) -> None:
    assert not jobs.worker_alive(tmp_path)
    jobs.beat(tmp_path)
    assert jobs.worker_alive(tmp_path)
    jobs.stop_beating(tmp_path)
    assert not jobs.worker_alive(tmp_path)
    (tmp_path / jobs.WORKER_FILE).write_text("not json")
    assert not jobs.worker_alive(tmp_path)


def _work(inbox: Path, run: object, until: Path) -> None:
    """Run the worker loop until ``until`` (a result file) exists."""
    stop = threading.Event()
    worker = threading.Thread(target=work_jobs, args=(inbox, stop, run, 0.01, lambda _: None))
    worker.start()
    try:
        for _ in range(500):
            if until.exists():
                break
            stop.wait(0.01)
    finally:
        stop.set()
        worker.join(timeout=5)


def test_the_worker_runs_every_request_and_records_its_result(tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    ok, bad, broken = (_job_folder(inbox, "p01", n) for n in ("ok", "bad", "broken"))
    for folder in (ok, bad, broken):
        jobs.request(folder, "p01", tmp_path / folder.name, tmp_path)
    ran: list[str] = []

    def run(job: jobs.Job) -> jobs.Result:
        ran.append(job.folder.name)
        if job.folder.name == "broken":
            raise RuntimeError("disk full")
        return jobs.Result(0 if job.folder.name == "ok" else 1, None)

    _work(inbox, run, until=broken / jobs.RESULT)
    assert sorted(ran) == ["bad", "broken", "ok"]  # each once
    assert jobs.result(ok) == jobs.Result(0, None)
    assert jobs.result(bad) == jobs.Result(1, None)
    # one job's exception ends that job, never the worker
    assert jobs.result(broken) == jobs.Result(1, "RuntimeError: disk full")


class _Started:
    """A stand-in for the ingest process the dashboard starts itself."""

    pid = 4242

    def poll(self) -> int | None:
        return 0


def test_a_queued_upload_ends_with_the_workers_result(tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    folder = _job_folder(inbox)
    jobs.beat(inbox)
    jobs.request(folder, "p01", tmp_path / "list", tmp_path)
    started: list[_Started] = []
    queued = QueuedRun(folder, inbox, lambda: started.append(_Started()) or started[-1])
    assert queued.poll() is None and queued.pid == 0  # waiting for the worker
    jobs.claim(folder / jobs.REQUEST)
    assert queued.poll() is None  # running
    jobs.finish(folder, jobs.Result(1, "flow run ingest-p01 ended Crashed"))
    assert queued.poll() == 1
    assert started == []  # the dashboard started nothing


def test_a_request_the_gone_worker_never_took_is_run_by_the_dashboard(tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    folder = _job_folder(inbox)
    jobs.beat(inbox, now=0.0)  # long stale: the worker is gone
    jobs.request(folder, "p01", tmp_path / "list", tmp_path)
    started: list[_Started] = []
    queued = QueuedRun(folder, inbox, lambda: started.append(_Started()) or started[-1])
    assert queued.poll() == 0  # taken back and run by the process it started
    assert len(started) == 1 and queued.pid == 4242
    assert jobs.pending(inbox) == []  # a worker coming back finds nothing to take
    assert queued.poll() == 0 and len(started) == 1  # started once


def test_a_job_the_worker_took_and_never_ended_fails_once_the_worker_is_gone(
    tmp_path: Path,
) -> None:
    inbox = tmp_path / "inbox"
    folder = _job_folder(inbox)
    jobs.beat(inbox)
    jobs.request(folder, "p01", tmp_path / "list", tmp_path)
    jobs.claim(folder / jobs.REQUEST)  # the worker took it ...
    started: list[_Started] = []
    queued = QueuedRun(folder, inbox, lambda: started.append(_Started()) or started[-1])
    assert queued.poll() is None  # ... and runs it
    jobs.beat(inbox, now=0.0)  # ... and died: its heartbeat went stale
    assert queued.poll() == WORKER_GONE
    assert started == []  # never taken back: it may have been half done


def test_a_request_for_another_data_directory_is_refused(tmp_path: Path) -> None:
    served, other = tmp_path / "served", tmp_path / "other"
    folder = _job_folder(served / "inbox")
    job = jobs.Job(folder, "p01", str(other / "requests" / "x.json"), str(other))
    result = run_job_in(served)(job)
    assert result == jobs.Result(1, f"this worker serves {served.resolve()}, not {other}")
