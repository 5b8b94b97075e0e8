"""The raw store encrypted at rest, reprocessing from it, and its retention
(docs/encryption.md): files on disk are useless without the key, tables rebuilt from them
equal the tables of the ingest, and purging raw files leaves the tables alone."""

from __future__ import annotations

import hashlib
import os
import shutil
import zipfile
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from ingest.read import read_upload
from pipelines import schemas
from pipelines.app import diary as diary_app
from pipelines.app import participants as settings
from pipelines.app import raw as raw_store
from pipelines.app import uploads
from pipelines.cli.main import app
from pipelines.rules import retention
from pipelines.rules.ingestion import Upload
from pipelines.schemas import FILES, SESSIONS
from pipelines.store import sealed
from pipelines.store.storage import TEMP_PREFIX, MissingKey, Store
from tests.support.uploads import multi_file_upload

runner = CliRunner()


def _ingest(store: Store, participant: str, paths: list[Path], now: datetime) -> list[str]:
    """What the ingest flow does, without Prefect, recorded at ``now``."""
    stored = uploads.store_uploads(store, participant, paths)
    outcomes = uploads.record(store, participant, uploads.parse_stored(stored, workers=1), now)
    return [o.status for o in outcomes]


@pytest.fixture(scope="module")
def ingested_once(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[str]]:
    """The folder ``ingested`` copies and its uploads' names: built once per module
    (1.3–2 s a time), as each test built it before."""
    root = tmp_path_factory.mktemp("ingested")
    _, paths = _build_ingested(root)
    return root, [str(p.relative_to(root / "upload")) for p in paths]


@pytest.fixture
def ingested(ingested_once: tuple[Path, list[str]], tmp_path: Path) -> tuple[Store, list[Path]]:
    """A participant with a mix of uploads (FIT, GPX, TCX and FIT in a zip, a duplicate, a
    settings file, a file that is no tracker file) in two ingests, a diary, a category
    correction and settings of their own — a fresh copy in ``tmp_path`` for each test (the
    tests change it), with the same files, modes and times as the one built once."""
    root, names = ingested_once
    for name in ("data", "upload"):
        shutil.copytree(root / name, tmp_path / name, symlinks=True)
    shutil.copy2(root / "diary.csv", tmp_path / "diary.csv")
    return Store(tmp_path / "data"), [tmp_path / "upload" / name for name in names]


def _build_ingested(tmp_path: Path) -> tuple[Store, list[Path]]:
    store = Store(tmp_path / "data")
    paths = sorted(Path(p) for p in multi_file_upload(tmp_path / "upload"))
    settings.configure(store, "p1", tz="Europe/Berlin", program_start=datetime(2024, 5, 1).date())
    first, second = paths[:3], paths[3:]
    _ingest(store, "p1", first, datetime(2024, 6, 1, 8, tzinfo=UTC))
    _ingest(store, "p1", second, datetime(2024, 6, 20, 8, tzinfo=UTC))
    diary = tmp_path / "diary.csv"
    diary.write_text("date,pain\n2024-05-02,40\n2024-05-03,35\n")
    diary_app.import_diary_file(store, "p1", diary, today=datetime(2024, 7, 1).date())
    session = str(store.read(SESSIONS, ["p1"])["session_id"].iloc[0])
    settings.set_category(store, "p1", session, "yoga")
    return store, paths


def _tables(store: Store) -> dict[str, pd.DataFrame]:
    return {name: store.read(schema, ["p1"]) for name, schema in schemas.TABLES.items()}


def _assert_same_tables(before: dict[str, pd.DataFrame], after: dict[str, pd.DataFrame]) -> None:
    for name, frame in before.items():
        pd.testing.assert_frame_equal(after[name], frame, obj=name)


# ------------------------------------------------------------------------ at rest


def test_raw_files_on_disk_are_useless_without_the_key(ingested: tuple[Store, list[Path]]) -> None:
    store, paths = ingested
    raw = store.raw_files("p1")
    assert len(raw) == len(paths) + 1  # every upload and the diary
    originals = {hashlib.sha256(p.read_bytes()).hexdigest(): p.read_bytes() for p in paths}
    for path in raw:
        blob = path.read_bytes()
        assert blob.startswith(sealed.MAGIC)
        assert blob[8:12] != b".FIT" and b"<?xml" not in blob and b"PK\x03\x04" not in blob
        assert b"date,pain" not in blob and b"<gpx" not in blob
        assert path.stat().st_mode & 0o777 == 0o600
        [result] = read_upload(path.name, blob)  # the readers see no tracker file in it
        assert result.parsed is None and result.error is not None
        if retention.raw_sha(path) in originals:  # with the key: the upload, byte for byte
            assert store.read_raw(path) == originals[retention.raw_sha(path)]
    for folder in (store.root / "raw", store.root / "raw" / "p1"):
        assert folder.stat().st_mode & 0o777 == 0o700


def test_a_wrong_key_is_a_clear_error_and_changes_nothing(
    ingested: tuple[Store, list[Path]],
) -> None:
    store, _ = ingested
    before = _tables(store)
    wrong = Store(store.root, sealed.new_key())
    with pytest.raises(sealed.SealedFileError, match="wrong key file"):
        wrong.read_raw(store.raw_files("p1")[0])
    with pytest.raises(sealed.SealedFileError, match="wrong key file"):
        raw_store.reprocess(wrong, "p1", workers=1)
    _assert_same_tables(before, _tables(store))


def test_without_a_key_nothing_is_stored(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("BACKTRACK_KEY_FILE")
    upload = tmp_path / "walk.gpx"
    upload.write_bytes(b"<gpx/>")
    with pytest.raises(MissingKey, match=r"BACKTRACK_KEY_FILE.*keys init"):
        Store(tmp_path / "data").put_raw_file("p1", upload, upload.name)
    result = runner.invoke(app, ["ingest", str(upload), "-p", "p1", "--data-dir", str(tmp_path)])
    assert result.exit_code == 2
    assert "no key for the raw store" in result.output
    assert not (tmp_path / "raw").exists()


def test_the_key_file_option_is_used_and_a_shared_key_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("BACKTRACK_KEY_FILE")
    key = tmp_path / "k"
    assert runner.invoke(app, ["keys", "init", str(key)]).exit_code == 0
    key.chmod(0o644)
    diary = tmp_path / "diary.csv"
    diary.write_text("date,pain\n2024-05-02,40\n")
    args = ["--key-file", str(key), "diary", "import", str(diary), "-p", "p1"]
    result = runner.invoke(app, [*args, "--data-dir", str(tmp_path / "data")])
    assert result.exit_code == 2 and "chmod 600" in result.output
    key.chmod(0o600)
    result = runner.invoke(app, [*args, "--data-dir", str(tmp_path / "data")])
    assert result.exit_code == 0, result.output
    [raw] = Store(tmp_path / "data").raw_files("p1")
    assert Store(tmp_path / "data", sealed.load_key(key)).read_raw(raw) == diary.read_bytes()


def test_files_stored_before_encryption_read_and_are_encrypted_in_place(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, raw_key_file: Path
) -> None:
    monkeypatch.setenv("BACKTRACK_KEY_FILE", str(raw_key_file))
    store = Store(tmp_path)
    legacy = {}
    for content in (b"<gpx>old</gpx>", b"PK\x03\x04 an old zip"):
        sha = hashlib.sha256(content).hexdigest()
        path = store.raw_path("p1", sha, ".bin")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)  # as versions before encryption kept it
        legacy[path] = content
    bad = store.raw_path("p1", "0" * 64, ".fit")
    bad.write_bytes(b"does not match its name")
    for path, content in legacy.items():
        assert store.read_raw(path) == content
        with store.raw_as_file(path) as plain:
            assert plain == path  # no copy needed

    result = runner.invoke(app, ["keys", "encrypt-raw", "--data-dir", str(tmp_path)])

    assert result.exit_code == 1  # the mismatching file is named and left alone
    assert "2 encrypted" in result.output and "does not match" in result.output
    assert bad.read_bytes() == b"does not match its name"
    for path, content in legacy.items():
        assert path.read_bytes().startswith(sealed.MAGIC)
        assert store.read_raw(path) == content
    assert not list((tmp_path / "raw" / "p1").glob(f"{TEMP_PREFIX}*"))
    # rotation: a new key; files sealed with the old one are resealed when it is given
    bad.unlink()
    new_key = tmp_path / "new.key"
    sealed.create_key_file(new_key)
    monkeypatch.setenv("BACKTRACK_KEY_FILE", str(new_key))
    result = runner.invoke(app, ["keys", "encrypt-raw", "--data-dir", str(tmp_path)])
    assert result.exit_code == 1 and "neither the configured key" in result.output
    result = runner.invoke(
        app,
        ["keys", "encrypt-raw", "--data-dir", str(tmp_path), "--old-key-file", str(raw_key_file)],
    )
    assert result.exit_code == 0 and "2 resealed" in result.output, result.output
    rotated = Store(tmp_path, sealed.load_key(new_key))
    for path, content in legacy.items():
        assert rotated.read_raw(path) == content


# ------------------------------------------------------------------------ reprocess


def test_reprocessing_rebuilds_every_table_exactly(ingested: tuple[Store, list[Path]]) -> None:
    store, _ = ingested
    before = _tables(store)
    assert set(before["files"]["status"]) == {"ok", "duplicate", "skipped", "rejected"}
    assert len(before["diary"]) == 2 and len(before["category_overrides"]) == 1

    outcomes = raw_store.reprocess(store, "p1", workers=1)

    ok_rows = int((before["files"]["status"] == "ok").sum())
    assert [o.status for o in outcomes].count("ok") == ok_rows - 1  # the diary's is kept
    _assert_same_tables(before, _tables(store))
    assert not list((store.root / "raw" / "p1").glob(f"{TEMP_PREFIX}*"))  # no plaintext left


def test_reprocessing_replaces_what_was_derived_from_the_raw_files(
    ingested: tuple[Store, list[Path]],
) -> None:
    store, _ = ingested
    before = _tables(store)
    store.write(SESSIONS, "p1", before["sessions"].iloc[:1])  # a table gone wrong
    store.write(FILES, "p1", before["files"])

    result = runner.invoke(app, ["participant", "reprocess", "p1", "--data-dir", str(store.root)])

    assert result.exit_code == 0, result.output
    assert "p1: reprocessed" in result.output
    _assert_same_tables(before, _tables(store))


def test_a_plaintext_copy_is_private_and_removed_after(ingested: tuple[Store, list[Path]]) -> None:
    store, _ = ingested
    [zip_raw] = [p for p in store.raw_files("p1") if p.name.endswith(".zip")]
    with store.raw_as_file(zip_raw) as plain:
        assert plain.parent == zip_raw.parent and plain.name.startswith(
            f"{TEMP_PREFIX}{os.getpid()}-"
        )
        assert plain.stat().st_mode & 0o777 == 0o600
        assert zipfile.is_zipfile(plain)
        assert plain not in store.raw_files("p1")
    assert not plain.exists()


# ------------------------------------------------------------------------ retention

# the rule itself (which files are due): tests/rules/test_retention_rules.py


def test_purging_keeps_the_tables_and_reprocess_names_what_is_gone(
    ingested: tuple[Store, list[Path]],
) -> None:
    store, _ = ingested
    before = _tables(store)
    raw_before = store.raw_files("p1")
    now = datetime(2024, 6, 25, tzinfo=UTC)  # the first ingest 24 days ago, the second 5

    dry = raw_store.purge_raw(store, 10, now=now, dry_run=True)
    assert len(dry) == 3 and store.raw_files("p1") == raw_before
    purged = raw_store.purge_raw(store, 10, now=now)

    assert [p.path for p in purged] == [p.path for p in dry]
    assert sorted(set(raw_before) - set(store.raw_files("p1"))) == sorted(p.path for p in purged)
    _assert_same_tables(before, _tables(store))
    with pytest.raises(raw_store.MissingRawFiles) as gone:
        raw_store.reprocess(store, "p1", workers=1)
    assert {m.name for m in gone.value.missing} == {p.name for p in purged}
    result = runner.invoke(app, ["participant", "reprocess", "p1", "--data-dir", str(store.root)])
    assert result.exit_code == 1
    assert "3 upload(s) no longer in the raw store" in result.output
    assert all(p.name in result.output for p in purged)
    _assert_same_tables(before, _tables(store))


def test_the_purge_command_is_off_by_default(
    ingested: tuple[Store, list[Path]], monkeypatch: pytest.MonkeyPatch
) -> None:
    store, _ = ingested
    raw = store.raw_files("p1")
    args = ["raw", "purge", "--data-dir", str(store.root)]
    result = runner.invoke(app, args)
    assert result.exit_code == 0 and "retention is off" in result.output
    monkeypatch.setenv("BACKTRACK_RAW_RETENTION_DAYS", "100000")
    assert "deleted 0 raw file(s)" in runner.invoke(app, args).output
    result = runner.invoke(app, [*args, "--older-than-days", "0", "--dry-run"])
    assert f"would delete {len(raw)} raw file(s)" in result.output
    assert store.raw_files("p1") == raw
    result = runner.invoke(app, [*args, "--older-than-days", "0"])
    assert f"deleted {len(raw)} raw file(s)" in result.output
    assert store.raw_files("p1") == []


def test_parsing_during_an_ingest_reads_the_upload_not_a_plaintext_copy(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    paths = [Path(p) for p in multi_file_upload(tmp_path / "upload")]
    store = Store(tmp_path / "data")
    stored = uploads.store_uploads(store, "p1", paths)
    assert all(s.unchanged_source() is not None for s in stored)

    def no_copies(self: Store, path: Path) -> object:
        raise AssertionError("decrypted although the upload is there")

    with monkeypatch.context() as m:
        m.setattr(Store, "raw_as_file", no_copies)
        m.setattr(Store, "read_raw", no_copies)
        from_sources = uploads.parse_stored(stored, workers=1)
    # the upload changed since: the stored copy is what counts
    zip_upload = next(p for p in paths if p.suffix == ".zip")
    zip_upload.write_bytes(b"changed")
    from_store = uploads.parse_stored(stored, workers=1)
    assert _results(from_store) == _results(from_sources)


def _results(uploads: list[Upload]) -> list[tuple[object, ...]]:
    return [
        (u.name, u.sha256, m.path, m.sha256, m.size, m.format, m.parsed, repr(m.error))
        for u in uploads
        for m in u.members
    ]


@pytest.mark.prefect
def test_the_nightly_refresh_applies_the_retention_setting(
    prefect_harness: None, ingested: tuple[Store, list[Path]], monkeypatch: pytest.MonkeyPatch
) -> None:
    from pipelines.orchestrate.flows import refresh_flow
    from pipelines.orchestrate.serve import deployments

    store, _ = ingested
    before = _tables(store)
    raw = store.raw_files("p1")
    [_, nightly] = deployments(store.root, "0 3 * * *", "Europe/Berlin")
    assert nightly.parameters["purge_raw"] is True

    refresh_flow([], str(store.root), participants_label="nightly", purge_raw=True)
    assert store.raw_files("p1") == raw  # retention is off by default
    monkeypatch.setenv("BACKTRACK_RAW_RETENTION_DAYS", "0")
    refresh_flow([], str(store.root), participants_label="all")
    assert store.raw_files("p1") == raw  # only the nightly run purges
    refresh_flow([], str(store.root), participants_label="nightly", purge_raw=True)

    assert store.raw_files("p1") == []
    _assert_same_tables(before, _tables(store))  # the refresh recomputes the same rows


def test_the_demo_makes_its_key_beside_its_data_and_uses_it_meanwhile(
    tmp_path: Path, raw_key_file: Path
) -> None:
    from demo.run import demo_key

    with demo_key(tmp_path) as key:
        assert key == (tmp_path / "raw.key").resolve() and key.stat().st_mode & 0o777 == 0o600
        assert os.environ["BACKTRACK_KEY_FILE"] == str(key)
        first = sealed.load_key(key)
    assert os.environ["BACKTRACK_KEY_FILE"] == str(raw_key_file)  # as before
    with demo_key(tmp_path) as again:  # the same key the next time
        assert sealed.load_key(again) == first
