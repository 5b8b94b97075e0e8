"""Upload limits: one file's size, the files and bytes of one upload - checked before a byte
is read; each refused file named with the limit and its value, the others go on."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from ingest.limits import GiB, UploadLimits, shown_bytes
from pipelines.app import uploads
from pipelines.cli.main import app
from pipelines.rules.ingestion import Outcome
from pipelines.schemas import FILES
from pipelines.store.storage import Store
from tests.support.hostile import walk_fit

runner = CliRunner()
SMALL = UploadLimits(max_file_bytes=130, max_upload_bytes=250, max_files=3)


def test_shown_bytes_names_the_unit_and_the_exact_size() -> None:
    assert shown_bytes(5 * GiB) == "5.0 GiB (5368709120 bytes)"
    assert shown_bytes(1536) == "1.5 KiB (1536 bytes)"
    assert shown_bytes(100) == "100 bytes"


def test_refusals_name_the_limit_and_the_value_and_spare_the_rest() -> None:
    sizes = [("a", 50), ("big", 150), ("c", 100), ("d", 120), ("e", 90), ("f", 1)]

    reasons = SMALL.refusals(sizes)

    assert reasons == [
        None,
        "file of 150 bytes is larger than the 130 bytes limit for one uploaded file; "
        "it was neither read nor stored",
        None,
        "with this file (120 bytes) the upload would hold 270 bytes, more than the 250 bytes "
        "limit for one upload; it was neither read nor stored: upload it again separately",
        None,  # smaller files after a refused one still fit
        "the upload holds 6 files, more than the 3 one upload may hold: 3 were taken, this "
        "one was neither read nor stored; upload it again separately",
    ]


def test_the_default_limits() -> None:
    limits = UploadLimits()
    assert (limits.max_file_bytes, limits.max_upload_bytes, limits.max_files) == (
        4 * GiB,
        8 * GiB,
        2000,
    )
    assert limits.max_diary_bytes == 20_000_000
    assert limits.diary_refusal(20_000_000) is None
    assert limits.diary_refusal(20_000_001) == (
        "file of 19.1 MiB (20000001 bytes) is far too large for a diary (at most 19.1 MiB "
        "(20000000 bytes)); it was neither read nor stored"
    )


def sparse(path: Path, size: int) -> Path:
    """A file of ``size`` bytes on paper (no disk used): refusing it must not read it."""
    with open(path, "wb") as out:
        out.truncate(size)
    return path


def test_admission_judges_by_the_size_on_disk_alone(tmp_path: Path) -> None:
    small = tmp_path / "small.fit"
    small.write_bytes(b"x" * 40)
    huge = sparse(tmp_path / "huge.fit", 10 * GiB)

    files = [uploads.Incoming.from_path(p) for p in (huge, small)]
    admission = uploads.admit(Store(tmp_path / "data"), "p1", files)

    assert [a.file.path for a in admission.new] == [small]
    assert list(admission.refused) == [
        Outcome(
            "huge.fit",
            "rejected",
            "file of 10.0 GiB (10737418240 bytes) is larger than the 4.0 GiB (4294967296 "
            "bytes) limit for one uploaded file; it was neither read nor stored",
        )
    ]


def test_the_cli_refuses_files_beyond_the_limits_and_ingests_the_rest(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, no_prefect: list[list[str]]
) -> None:
    walks = [walk_fit(day) for day in (1, 3, 5)]
    limit = max(len(w) for w in walks)
    monkeypatch.setattr(
        uploads,
        "UPLOAD_LIMITS",
        UploadLimits(max_file_bytes=limit, max_upload_bytes=10 * limit, max_files=2),
    )
    folder = tmp_path / "in"
    folder.mkdir()
    sparse(folder / "a-huge.fit", 5 * GiB)
    for day, walk in zip((1, 3, 5), walks, strict=True):
        (folder / f"walk-{day}.fit").write_bytes(walk)
    data = tmp_path / "data"
    command = ["ingest", str(folder), "-p", "p1", "--data-dir", str(data)]

    first = runner.invoke(app, command, env={"COLUMNS": "250"})

    assert first.exit_code == 0, first.output
    assert no_prefect == [["walk-1.fit", "walk-3.fit"]]  # the 5 GiB file was never read
    assert "4 file(s): 2 ingested (2 sessions)" in first.output
    assert "a-huge.fit" in first.output and "walk-5.fit" in first.output
    assert "more than the 2 one upload may hold" in " ".join(first.output.split())
    store = Store(data)
    assert len(store.raw_files("p1")) == 2  # refused files are not stored
    assert sorted(store.read(FILES, ["p1"])["original_name"]) == ["walk-1.fit", "walk-3.fit"]

    # again: files ingested before no longer count, so the one refused for the count goes in
    second = runner.invoke(app, command, env={"COLUMNS": "250"})

    assert second.exit_code == 0, second.output
    assert no_prefect[1:] == [["walk-5.fit"]]
    assert "4 file(s): 1 ingested (1 sessions), 2 already ingested" in second.output
    assert "a-huge.fit" in second.output  # too large on its own, every time


def test_an_upload_of_refused_files_only_starts_no_flow(
    tmp_path: Path, no_prefect: list[list[str]]
) -> None:
    huge = sparse(tmp_path / "huge.fit", 5 * GiB)

    result = runner.invoke(
        app, ["ingest", str(huge), "-p", "p1", "--data-dir", str(tmp_path / "data")]
    )

    assert result.exit_code == 1
    assert no_prefect == []
    assert (
        "1 file(s): 0 ingested (0 sessions), 0 already ingested, 0 duplicate, 0 skipped, "
        "1 rejected" in result.output
    )
    assert not (tmp_path / "data" / "raw").exists()


def view(uploads: list[uploads.Upload]) -> list[tuple[object, ...]]:
    """Comparable: exceptions do not compare by value."""
    return [
        (u.name, u.sha256, m.path, m.sha256, m.parsed, m.error and m.error.reason)
        for u in uploads
        for m in u.members
    ]


def test_parse_stored_holds_a_bounded_group_of_uploads_at_a_time(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """It used to open every upload of a batch before parsing any: 256 files of 30 MB each
    (all within the limits) meant 7.5 GB held at once. Now a group holds at most
    PARSE_HELD_BYTES (or one upload), and the result is the same."""
    import ingest.read

    store = Store(tmp_path / "data")
    folder = tmp_path / "in"
    folder.mkdir()
    paths = []
    for day, content in ((1, walk_fit(1)), (2, b"not a tracker file"), (3, walk_fit(3))):
        paths.append(folder / f"file-{day}.fit")
        paths[-1].write_bytes(content)
    stored = uploads.store_uploads(store, "p1", paths)
    at_once = uploads.parse_stored(stored, workers=1)

    events: list[str] = []
    opening, reading = ingest.read.upload_leaves_from_path, ingest.read.read_leaf

    def open_upload(name: str, path: Path) -> object:
        events.append(f"open {name}")
        return opening(name, path)

    def read(leaf: object, inside: bool) -> object:
        events.append(f"read {leaf.path}")  # type: ignore[attr-defined]
        return reading(leaf, inside)  # type: ignore[arg-type]

    monkeypatch.setattr(ingest.read, "upload_leaves_from_path", open_upload)
    monkeypatch.setattr(ingest.read, "read_leaf", read)
    monkeypatch.setattr(uploads, "PARSE_HELD_BYTES", 1)

    assert view(uploads.parse_stored(stored, workers=1)) == view(at_once)
    assert events == [f"{what} file-{day}.fit" for day in (1, 2, 3) for what in ("open", "read")]


def test_the_documented_limits_are_the_limits() -> None:
    from ingest.limits import DEFAULT_LIMITS, RECORD_LIMITS, UPLOAD_LIMITS

    doc = (Path(__file__).resolve().parents[2] / "docs" / "formats.md").read_text()
    upload, archive = UPLOAD_LIMITS, DEFAULT_LIMITS
    for row in (
        f"| size of one uploaded file | {upload.max_file_bytes // GiB} GiB |",
        f"| size of one upload (its files together) | {upload.max_upload_bytes // GiB} GiB |",
        f"| files in one upload | {upload.max_files:,} |",
        f"| size of one diary file | {upload.max_diary_bytes:,} bytes |",
        f"| nesting depth (the upload itself included) | {archive.max_depth} |",
        f"| members, across every archive inside the file | {archive.max_members:,} |",
        f"| compression ratio of a member beyond 1 MiB | {archive.max_ratio:.0f} : 1 |",
        f"at most {RECORD_LIMITS.max_step_minutes:,} minutes",
        f"outside {RECORD_LIMITS.earliest:%Y-%m-%d} to 2099-12-31",
    ):
        assert row in " ".join(doc.split()), row
