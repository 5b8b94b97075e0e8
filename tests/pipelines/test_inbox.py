"""The inbox of ``backtrack serve``: which files are ready, and where each goes after."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from demo import fitwriter
from pipelines.app import uploads
from pipelines.orchestrate import inbox
from pipelines.schemas import FILES, SESSIONS
from pipelines.store.storage import Store

A, B, C = Path("in/p1/a.fit"), Path("in/p1/b.fit"), Path("in/p2/c.fit")


@pytest.mark.parametrize(
    ("previous", "current", "busy", "expected"),
    [
        ({}, {A: (10, 1)}, (), []),  # first seen: wait one poll
        ({A: (10, 1)}, {A: (10, 1)}, (), [A]),  # unchanged across two polls
        ({A: (10, 1)}, {A: (20, 2)}, (), []),  # still growing
        ({A: (10, 1)}, {A: (10, 2)}, (), []),  # same size, rewritten
        ({A: (0, 1)}, {A: (0, 1)}, (), [A]),  # empty but stable: taken (and rejected)
        ({A: (10, 1), B: (5, 1)}, {A: (10, 1)}, (), [A]),  # B gone meanwhile
        ({A: (10, 1), B: (5, 1)}, {A: (10, 1), B: (5, 1)}, (A,), [B]),  # A being ingested
        ({B: (5, 1), A: (10, 1), C: (1, 1)}, {C: (1, 1), B: (5, 1), A: (10, 1)}, (), [A, B, C]),
    ],
)
def test_ready_files(
    previous: dict[Path, inbox.Signature],
    current: dict[Path, inbox.Signature],
    busy: tuple[Path, ...],
    expected: list[Path],
) -> None:
    assert inbox.ready(previous, current, busy) == expected


def test_scan_sees_only_files_dropped_in_participant_folders(tmp_path: Path) -> None:
    (tmp_path / "p1" / ".done").mkdir(parents=True)
    (tmp_path / "p1" / "0123abcd").mkdir()  # a dashboard upload folder
    (tmp_path / "p1" / "0123abcd" / "walk.fit").write_bytes(b"x")
    (tmp_path / "p1" / ".done" / "old.fit").write_bytes(b"x")
    (tmp_path / "p1" / ".partial.fit").write_bytes(b"x")
    (tmp_path / "p1" / "walk.fit").write_bytes(b"12345")
    (tmp_path / "p1" / "link.fit").symlink_to(tmp_path / "p1" / "walk.fit")
    (tmp_path / "not a participant!").mkdir()
    (tmp_path / "not a participant!" / "x.fit").write_bytes(b"x")
    (tmp_path / "loose.fit").write_bytes(b"x")
    listing = inbox.scan(tmp_path)
    assert list(listing) == [tmp_path / "p1" / "walk.fit"]
    assert listing[tmp_path / "p1" / "walk.fit"][0] == 5
    assert inbox.scan(tmp_path / "missing") == {}


def test_settle_moves_aside_never_overwrites(tmp_path: Path) -> None:
    folder = tmp_path / "p1"
    folder.mkdir()
    for _ in range(2):
        (folder / "walk.fit").write_bytes(b"x")
        inbox.settle(folder / "walk.fit", True, None)
    (folder / "bad.fit").write_bytes(b"x")
    failed = inbox.settle(folder / "bad.fit", False, "bad.fit: rejected — not a FIT file")
    assert sorted(p.name for p in (folder / ".done").iterdir()) == ["walk-2.fit", "walk.fit"]
    assert failed.moved_to == folder / ".failed" / "bad.fit"
    assert (folder / ".failed" / "bad.fit.reason.txt").read_text() == (
        "bad.fit: rejected — not a FIT file\n"
    )
    assert sorted(p.name for p in folder.iterdir()) == [".done", ".failed"]


def _walk(path: Path, day: int) -> Path:
    path.write_bytes(
        fitwriter.activity_file(
            start_utc=datetime(2024, 5, day, 6, 0, tzinfo=UTC),
            elapsed_s=30 * 60,
            sport=11,
            utc_offset_s=7200,
            record_interval_s=30,
        )
    )
    return path


def _ingest_here(store: Store) -> inbox.Ingest:
    calls: list[list[str]] = []

    def ingest(participant: str, paths: list[Path]) -> str | None:
        calls.append([p.name for p in paths])
        stored = uploads.store_uploads(store, participant, paths)
        uploads.record(store, participant, uploads.parse_stored(stored, workers=1))
        return None

    ingest.calls = calls  # type: ignore[attr-defined]
    return ingest


def test_process_ingests_then_moves_each_file_by_what_the_manifest_says(tmp_path: Path) -> None:
    store = Store(tmp_path / "data")
    folder = tmp_path / "inbox" / "p1"
    folder.mkdir(parents=True)
    walk = _walk(folder / "walk.fit", 1)
    (folder / "notes.fit").write_bytes(b"not a FIT file at all")
    (folder / "empty.fit").write_bytes(b"")
    ingest = _ingest_here(store)

    settled = inbox.process(store, "p1", sorted(folder.iterdir()), ingest)

    assert ingest.calls == [["empty.fit", "notes.fit", "walk.fit"]]  # type: ignore[attr-defined]
    assert {(s.source.name, s.moved_to.parent.name, s.done) for s in settled} == {
        ("walk.fit", ".done", True),
        ("notes.fit", ".failed", False),
        ("empty.fit", ".failed", False),
    }
    assert "notes.fit: rejected" in (folder / ".failed" / "notes.fit.reason.txt").read_text()
    assert len(store.read(SESSIONS)) == 1
    # the content of every moved file is in the raw store
    assert {uploads.upload_sha256(s.moved_to) for s in settled} <= set(
        store.read(FILES)["upload_sha256"]
    )

    # the same content dropped again: no run, straight to .done
    _walk(folder / "again.fit", 1)
    settled = inbox.process(store, "p1", [folder / "again.fit"], ingest)
    assert [(s.moved_to.name, s.reason) for s in settled] == [("again.fit", "already ingested")]
    assert len(ingest.calls) == 1  # type: ignore[attr-defined]
    assert walk.exists() is False


def test_a_failed_run_leaves_a_reason_and_an_unstartable_run_leaves_the_file(
    tmp_path: Path,
) -> None:
    store = Store(tmp_path / "data")
    folder = tmp_path / "inbox" / "p1"
    folder.mkdir(parents=True)
    walk = _walk(folder / "walk.fit", 2)

    def no_server(participant: str, paths: list[Path]) -> str | None:
        raise ConnectionError("server unreachable")

    with pytest.raises(ConnectionError):
        inbox.process(store, "p1", [walk], no_server)
    assert walk.exists()

    settled = inbox.process(store, "p1", [walk], lambda p, paths: "flow run ended CRASHED")
    assert [(s.moved_to.parent.name, s.reason) for s in settled] == [
        (".failed", "flow run ended CRASHED")
    ]
