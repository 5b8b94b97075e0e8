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
from tests.support.plaintext import plaintext_uploads

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


def test_settle_removes_the_file_and_leaves_a_note_never_overwriting_one(tmp_path: Path) -> None:
    folder = tmp_path / "p1"
    folder.mkdir()
    for sha in ("a" * 64, "b" * 64):
        (folder / "walk.fit").write_bytes(b"x")
        inbox.settle(folder / "walk.fit", True, None, sha)
    (folder / "bad.fit").write_bytes(b"x")
    failed = inbox.settle(folder / "bad.fit", False, "bad.fit: rejected — not a FIT file")
    assert sorted(p.name for p in (folder / ".done").iterdir()) == [
        "walk-2.fit.txt",
        "walk.fit.txt",
    ]
    assert (folder / ".done" / "walk-2.fit.txt").read_text() == f"ingested: sha256 {'b' * 64}\n"
    assert failed.note == folder / ".failed" / "bad.fit.reason.txt"
    assert failed.note.read_text() == "bad.fit: rejected — not a FIT file\n"
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

    def ingest(participant: str, files: list[uploads.Admitted]) -> str | None:
        calls.append([a.file.name for a in files])
        with uploads.upload_list(store, participant, files) as listed:
            stored = uploads.store_listed_uploads(store, participant, listed)
        uploads.record(store, participant, uploads.parse_stored(stored, workers=1))
        return None

    ingest.calls = calls  # type: ignore[attr-defined]
    return ingest


def test_process_ingests_then_notes_each_file_by_what_the_manifest_says(tmp_path: Path) -> None:
    store = Store(tmp_path / "data")
    folder = tmp_path / "data" / "inbox" / "p1"
    folder.mkdir(parents=True)
    walk = _walk(folder / "walk.fit", 1)
    walk_bytes = walk.read_bytes()
    (folder / "notes.fit").write_bytes(b"not a FIT file at all")
    (folder / "empty.fit").write_bytes(b"")
    ingest = _ingest_here(store)

    settled = inbox.process(store, "p1", sorted(folder.iterdir()), ingest)

    assert ingest.calls == [["empty.fit", "notes.fit", "walk.fit"]]  # type: ignore[attr-defined]
    assert {(s.source.name, s.note.parent.name, s.done) for s in settled} == {
        ("walk.fit", ".done", True),
        ("notes.fit", ".failed", False),
        ("empty.fit", ".failed", False),
    }
    assert "notes.fit: rejected" in (folder / ".failed" / "notes.fit.reason.txt").read_text()
    assert len(store.read(SESSIONS)) == 1
    # the walk's content is in the raw store, named in its note; nothing of any dropped
    # file is left in the inbox or anywhere else outside the sealed raw store
    assert not walk.exists()
    recorded = set(store.read(FILES)["upload_sha256"])
    noted = (folder / ".done" / "walk.fit.txt").read_text().split()[-1]
    assert noted in recorded
    assert plaintext_uploads(tmp_path / "data", [walk_bytes, b"not a FIT file at all"]) == []

    # the same content dropped again: no run, straight to .done
    _walk(folder / "again.fit", 1)
    settled = inbox.process(store, "p1", [folder / "again.fit"], ingest)
    assert [(s.note.name, s.reason) for s in settled] == [("again.fit.txt", "already ingested")]
    assert not (folder / "again.fit").exists()
    assert len(ingest.calls) == 1  # type: ignore[attr-defined]
    assert walk.exists() is False


def test_a_failed_run_leaves_a_reason_and_an_unstartable_run_leaves_the_file(
    tmp_path: Path,
) -> None:
    store = Store(tmp_path / "data")
    folder = tmp_path / "inbox" / "p1"
    folder.mkdir(parents=True)
    walk = _walk(folder / "walk.fit", 2)

    def no_server(participant: str, files: list[uploads.Admitted]) -> str | None:
        raise ConnectionError("server unreachable")

    with pytest.raises(ConnectionError):
        inbox.process(store, "p1", [walk], no_server)
    assert walk.exists()

    settled = inbox.process(store, "p1", [walk], lambda p, paths: "flow run ended CRASHED")
    assert [(s.note.parent.name, s.reason) for s in settled] == [
        (".failed", "flow run ended CRASHED")
    ]
    assert not walk.exists()  # the run never stored it: its bytes are gone, the reason stays
