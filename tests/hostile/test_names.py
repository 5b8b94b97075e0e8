"""A file's name is only ever shown, never a path: the raw store is content-addressed (only a
short, checked extension survives) and the dashboard writes an upload nowhere but the sealed
raw store. Hostile names reach neither the file system nor the terminal as such."""

from __future__ import annotations

import hashlib
import os
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from dashboards import data, uploads
from ingest.limits import UploadLimits
from pipelines.app import participants as settings
from pipelines.app import uploads as app_uploads
from pipelines.cli.main import app
from pipelines.schemas import FILES
from pipelines.store.storage import Store, _safe_ext
from tests.support.hostile import walk_fit
from tests.support.plaintext import plaintext_uploads

HOSTILE_NAMES = [
    "../../etc/passwd",
    "/etc/passwd",
    "/absolute/path/walk.fit",
    "C:\\Windows\\System32\\walk.fit",
    "..\\..\\boot.ini",
    "walk.fit\x00.sh",
    "a\x00b",
    "evil\nname.fit",
    "evil\r\n.gpx",
    "\x1b[2J\x1b[31mred.fit",
    "[/]markup[bold].fit",
    "[bold red]markup[link=x.invalid].fit",
    "x" * 10_000 + ".fit",
    "." * 300,
    "..",
    ".",
    "",
    "-rf --data-dir=/tmp.fit",
    "$(reboot).fit",
    "`id`.fit",
    "\u202egpx.fit",
    "%2e%2e%2fetc%2fpasswd",
    "walk.fit/",
    "con.fit",
]
RAW_NAME = re.compile(r"[0-9a-f]{64}(\.[a-z0-9]{1,8}){1,2}")


@pytest.mark.parametrize("name", HOSTILE_NAMES, ids=repr)
def test_a_raw_file_is_named_by_its_content_alone(tmp_path: Path, name: str) -> None:
    store = Store(tmp_path)
    ext = _safe_ext(name)
    assert re.fullmatch(r"(\.[a-z0-9]{1,8}){1,2}", ext), ext

    sha, path = store.put_raw("p1", b"content", name)

    assert path.parent == tmp_path / "raw" / "p1"
    assert RAW_NAME.fullmatch(path.name) and path.name.startswith(sha)
    assert [p for p in tmp_path.rglob("*") if p.is_file()] == [path]


def _names_on_disk() -> list[str]:
    """Hostile names a file system holds (no "/" or NUL), and one that is not UTF-8."""
    on_disk = [n for n in HOSTILE_NAMES if n and "/" not in n and "\x00" not in n]
    on_disk = [n[:250] for n in on_disk if n not in (".", "..")]
    return [*on_disk, os.fsdecode(b"caf\xe9-latin1.fit")]


def test_the_cli_shows_hostile_names_and_stores_only_hashes(
    tmp_path: Path, no_prefect: list[list[str]]
) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    names = _names_on_disk()
    for i, name in enumerate(names):  # each shown in the summary: rejected, not a tracker file
        (folder / name).write_bytes(f"not a tracker file {i}".encode())
    (folder / "good.fit").write_bytes(walk_fit(1))
    data_dir = tmp_path / "data"

    result = runner.invoke(
        app, ["ingest", str(folder), "-p", "p1", "--data-dir", str(data_dir)], env={}
    )

    assert result.exit_code == 0, result.output
    printed = result.output
    assert "\x1b" not in printed  # escape sequences shown, never sent to the terminal
    assert "\\x1b[2J" in printed and "[bold red]markup[link=x.invalid].fit" in printed
    assert "\u202e" not in printed and "\\u202egpx.fit" in printed  # no right-to-left trick
    store = Store(data_dir)
    manifest = store.read(FILES, ["p1"])
    shown = set(manifest["original_name"])
    assert "evil\nname.fit" in shown  # kept as given, for display
    assert "caf\ufffd-latin1.fit" in shown  # not UTF-8: readable, and the tables hold it
    assert manifest.set_index("original_name")["status"].to_dict() == {
        **{app_uploads.upload_name(folder / n): "rejected" for n in names if not n.startswith(".")},
        "good.fit": "ok",
    }
    raw = store.raw_files("p1")
    assert raw and all(RAW_NAME.fullmatch(p.name) for p in raw)
    written = {p.relative_to(data_dir).parts[0] for p in data_dir.rglob("*") if p.is_file()}
    assert written <= {"raw", "tables", "locks"}
    assert all(p.is_relative_to(tmp_path) for p in data_dir.rglob("*"))


runner = CliRunner()
VIEWER = data.Viewer("participant", participant="p1")


@pytest.fixture
def tables(tmp_path: Path) -> data.StoreTables:
    store = Store(tmp_path / "data")
    settings.configure(store, "p1", tz="Europe/Berlin")
    return data.StoreTables(store)


class _Finished:
    pid = 1

    def poll(self) -> int | None:
        return 0


def test_the_dashboard_keeps_hostile_names_off_the_file_system(
    monkeypatch: pytest.MonkeyPatch, tables: data.StoreTables
) -> None:
    launched: list[list[str]] = []
    monkeypatch.setattr(uploads, "_launch", lambda c, log: launched.append(c) or _Finished())
    files = [(name, f"content {i}".encode()) for i, name in enumerate(HOSTILE_NAMES)]
    root = tables.store.root

    job = uploads.start_ingest(VIEWER, "p1", files, tables)

    assert [f.name for f in job.files] == HOSTILE_NAMES  # shown as given
    raw = root / "raw" / "p1"
    for upload in job.files:  # kept sealed under their content's hash, nowhere else
        [stored] = raw.glob(f"{upload.sha256}*")
        assert _safe_ext(upload.name) == stored.name.removeprefix(upload.sha256)
        assert stored.read_bytes().startswith(b"\x89BTRAW")
    written = {p.relative_to(root).parts[0] for p in root.rglob("*") if p.is_file()}
    assert written <= {"raw", "tables", "locks", "requests"}
    assert plaintext_uploads(root, [c for _, c in files]) == []
    [command] = launched
    listed = Path(command[command.index("--listed") + 1])
    assert [e["name"] for e in tables.store.upload_list(listed)] == HOSTILE_NAMES


def test_the_dashboard_refuses_files_beyond_the_limits_before_saving(
    monkeypatch: pytest.MonkeyPatch, tables: data.StoreTables
) -> None:
    launched: list[list[str]] = []

    def launch(command: list[str], log_path: Path) -> _Finished:
        launched.append(command)
        return _Finished()

    monkeypatch.setattr(uploads, "_launch", launch)
    monkeypatch.setattr(
        app_uploads,
        "UPLOAD_LIMITS",
        UploadLimits(max_file_bytes=50, max_upload_bytes=80, max_files=2),
    )
    files = [
        ("big.fit", b"b" * 51),
        ("a.fit", b"a" * 40),
        ("a-again.fit", b"a" * 40),  # the same content is one file
        ("c.fit", b"c" * 50),  # 90 bytes with a.fit: over the upload's 80
        ("d.fit", b"d" * 30),
        ("e.fit", b"e" * 1),  # a third file
    ]

    job = uploads.start_ingest(VIEWER, "p1", files, tables)

    assert [f.name for f in job.files] == ["a.fit", "d.fit"]
    [command] = launched
    listed = Path(command[command.index("--listed") + 1])
    assert [e["name"] for e in tables.store.upload_list(listed)] == ["a.fit", "d.fit"]
    kept = {p.name.removesuffix(".fit") for p in tables.store.raw_files("p1")}
    assert kept == {hashlib.sha256(c).hexdigest() for c in (b"a" * 40, b"d" * 30)}
    status = uploads.job_status(VIEWER, job, tables)
    refused = {f.name: f.reason for f in status.files if f.status == "rejected"}
    assert set(refused) == {"big.fit", "c.fit", "e.fit"}
    assert "larger than the 50 bytes limit for one uploaded file" in str(refused["big.fit"])
    assert "more than the 80 bytes limit for one upload" in str(refused["c.fit"])
    assert "more than the 2 one upload may hold" in str(refused["e.fit"])


def test_an_upload_of_refused_files_only_starts_nothing(
    monkeypatch: pytest.MonkeyPatch, tables: data.StoreTables
) -> None:
    monkeypatch.setattr(uploads, "_launch", lambda command, log_path: pytest.fail("launched"))
    monkeypatch.setattr(app_uploads, "UPLOAD_LIMITS", UploadLimits(max_file_bytes=10))

    job = uploads.start_ingest(VIEWER, "p1", [("big.fit", b"x" * 11)], tables)

    status = uploads.job_status(VIEWER, job, tables)
    assert status.done and status.error is None
    assert [(f.name, f.status) for f in status.files] == [("big.fit", "rejected")]
    assert not list(job.folder.glob("*")) and not tables.store.raw_files("p1")


def test_a_diary_upload_beyond_its_limit_is_never_saved(
    monkeypatch: pytest.MonkeyPatch, tables: data.StoreTables
) -> None:
    monkeypatch.setattr(app_uploads, "UPLOAD_LIMITS", UploadLimits(max_diary_bytes=100))
    content = b"date,pain\n" + b"2026-05-01,40\n" * 10

    result = uploads.import_diary_upload(VIEWER, "p1", "diary.csv", content, tables)

    assert result.rejected is not None
    assert result.rejected.startswith("file of 150 bytes is far too large for a diary")
    assert not (tables.store.root / "inbox").exists()
    assert hashlib.sha256(content).hexdigest() not in set(
        tables.store.read(FILES, ["p1"])["sha256"]
    )
