"""A person's rights: the export holds everything of theirs; erasure leaves nothing of theirs
(and nothing else changed); an erased id cannot silently come back."""

from __future__ import annotations

import hashlib
import io
import json
import shutil
import zipfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from demo import twins
from demo.cohort import generate_cohort
from demo.diaries import write_diaries
from pipelines.app import diary as diary_app
from pipelines.app import overview_rows, questionnaires, rights, uploads
from pipelines.app import participants as settings
from pipelines.app import refresh as refreshing
from pipelines.cli.main import app
from pipelines.schemas import PARTICIPANTS
from pipelines.store import tombstones
from pipelines.store.accounts import Accounts
from pipelines.store.audit import AuditLog
from pipelines.store.storage import Store

WEEKS = 2
runner = CliRunner()


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """Three participants (FIT from the demo cohort; p01 also a GPX, a zip with a TCX and a
    diary), accounts, and a dashboard upload left in p01's inbox. (data dir, inputs)"""
    root = tmp_path_factory.mktemp("rights")
    inputs = root / "input"
    cohort = generate_cohort(inputs, participants=3, weeks=WEEKS)
    start = datetime.combine(cohort[0].program_start, datetime.min.time()) + timedelta(hours=8)
    (inputs / "p01" / "evening walk.gpx").write_bytes(
        twins.gpx(twins.Walk(start.replace(tzinfo=UTC) + timedelta(days=3)))
    )
    with zipfile.ZipFile(inputs / "p01" / "export.zip", "w") as zf:
        zf.writestr("activities/morning.tcx", twins.tcx(twins.Walk(start.replace(tzinfo=UTC))))
    diaries = write_diaries(root / "diaries", cohort, weeks=WEEKS)
    store = Store(root / "data")
    for person in cohort:
        settings.configure(
            store, person.id, tz=person.tz, group=person.group, program_start=person.program_start
        )
        stored = uploads.store_uploads(
            store, person.id, uploads.collect_paths([inputs / person.id])
        )
        uploads.record(store, person.id, uploads.parse_stored(stored, workers=1))
        refreshing.refresh_participant(store, person.id)
        diary_app.import_diary_file(store, person.id, diaries[person.id])
        questionnaires.answer(
            store,
            person.id,
            "peg3",
            person.program_start,
            {"pain": 5, "enjoyment": 4, "activity": 6},
        )
    overview_rows.write(store, max(p.program_start for p in cohort) + timedelta(days=7))
    accounts = Accounts(store.root)
    accounts.add_user(
        "anna", "participant", participant="p01", display_name="Anna K.", email="anna@x.example",
        password="a long secret",
    )  # fmt: skip
    accounts.add_user("p02", "participant", participant="p02", email="bo@x.example")
    accounts.add_user("coach-a", "coach", groups=("group-a",))
    upload = store.root / "inbox" / "p01" / "0123456789abcdef"
    upload.mkdir(parents=True)
    (upload / "walk.fit").write_bytes(b"not yet ingested")
    (upload / "ingest.log").write_text("ingest-p01 …\n")
    return store.root, inputs


@pytest.fixture
def data_dir(built: tuple[Path, Path], tmp_path: Path) -> Path:
    return Path(shutil.copytree(built[0], tmp_path / "data"))


def _export(data_dir: Path, participant: str) -> zipfile.ZipFile:
    buffer = io.BytesIO()
    rights.write_export(Store(data_dir), participant, buffer, actor="cli:test")
    return zipfile.ZipFile(io.BytesIO(buffer.getvalue()))


def test_the_export_holds_every_raw_file_as_uploaded(
    data_dir: Path, built: tuple[Path, Path]
) -> None:
    zf = _export(data_dir, "p01")
    sent = [p for p in sorted((built[1] / "p01").rglob("*")) if p.is_file()]
    sent += [p for p in sorted((built[0].parent / "diaries" / "p01").rglob("*")) if p.is_file()]
    raw = {
        n.removeprefix("backtrack-p01/raw/"): zf.read(n)
        for n in zf.namelist()
        if n.startswith("backtrack-p01/raw/")
    }
    assert sorted(map(_sha, raw.values())) == sorted(_sha(p.read_bytes()) for p in sent)
    for name, content in raw.items():  # under the name it was uploaded with
        [source] = [p for p in sent if _sha(p.read_bytes()) == _sha(content)]
        assert name in (source.name, f"{_sha(content)[:12]}-{source.name}")
    assert len(raw) == len(Store(data_dir).raw_files("p01"))
    index = pd.read_csv(io.BytesIO(zf.read("backtrack-p01/raw_files.csv")))
    assert sorted(index["file"]) == sorted(f"raw/{n}" for n in raw)
    for row in index.to_dict("records"):
        assert _sha(raw[row["file"][4:]]) == row["sha256"]


def _sha(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


def test_the_export_holds_every_table_row_of_theirs_and_nobody_elses(data_dir: Path) -> None:
    zf = _export(data_dir, "p01")
    store = Store(data_dir)
    for schema in rights.PERSONAL_TABLES:
        mine = store.read(schema, ["p01"])
        parquet = pq.read_table(io.BytesIO(zf.read(f"backtrack-p01/tables/{schema.name}.parquet")))
        assert parquet.schema.names == schema.names
        pd.testing.assert_frame_equal(parquet.to_pandas(types_mapper=_string), mine)
        csv = pd.read_csv(io.BytesIO(zf.read(f"backtrack-p01/tables/{schema.name}.csv")))
        assert list(csv.columns) == schema.names and len(csv) == len(mine)
    for name in ("sessions", "diary", "participants", "days", "files", "questionnaires"):
        assert len(store.read(rights.TABLES[name], ["p01"])) > 0, name


def _string(t: pa.DataType) -> pd.StringDtype | None:
    return pd.StringDtype() if t == pa.string() else None


def test_the_export_has_the_account_without_password_and_a_readme_of_every_column(
    data_dir: Path,
) -> None:
    zf = _export(data_dir, "p01")
    [account] = json.loads(zf.read("backtrack-p01/account.json"))
    assert account["username"] == "anna" and account["email"] == "anna@x.example"
    assert account["has_password"] is True
    assert "argon2" not in zf.read("backtrack-p01/account.json").decode()
    readme = zf.read("backtrack-p01/README.md").decode()
    for schema in rights.PERSONAL_TABLES:
        assert f"`{schema.name}`" in readme
        for column in schema.columns:
            assert f"| `{column.name}` |" in readme
    entries = AuditLog(data_dir).entries()
    assert [(e.actor, e.action, e.participants) for e in entries] == [
        ("cli:test", "export", ("p01",))
    ]


def test_the_cli_export_writes_the_zip_and_audits(data_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "p02.zip"
    result = runner.invoke(
        app, ["participant", "export", "p02", "--out", str(out), "--data-dir", str(data_dir)]
    )
    assert result.exit_code == 0, result.output
    names = zipfile.ZipFile(out).namelist()
    assert "backtrack-p02/README.md" in names and "backtrack-p02/tables/diary.csv" in names
    [entry] = AuditLog(data_dir).entries()
    assert entry.action == "export" and entry.actor.startswith("cli:")
    missing = runner.invoke(app, ["participant", "export", "p99", "--data-dir", str(data_dir)])
    assert missing.exit_code == 2


def _hashes(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


# not a participant's own: rewritten (the roster, accounts: their other rows compared), or
# the erasure's own records (audit trail, tombstones, lock files)
SHARED = (
    "tables/participants/all.parquet",
    "tables/overview_rows/all.parquet",
    "accounts.sqlite3",
    "audit/",
    "erased.json",
    "locks/",
)


def test_delete_leaves_no_trace_and_changes_nobody_elses_files(data_dir: Path) -> None:
    store = Store(data_dir)
    before = _hashes(data_dir)
    roster = store.read(PARTICIPANTS)
    users = [u for u in Accounts(data_dir).users() if u.participant != "p01"]
    assert rights.traces(store, "p01")  # there is something to find before

    result = runner.invoke(
        app, ["participant", "delete", "p01", "--yes", "--data-dir", str(data_dir)]
    )

    assert result.exit_code == 0, result.output
    assert "check: no path, table row or account of p01 remains" in result.output
    assert rights.traces(store, "p01") == []
    after = _hashes(data_dir)
    assert not [p for p in after if "p01" in p]
    kept = {p: h for p, h in before.items() if "p01" not in p and not p.startswith(SHARED)}
    assert {p: after.get(p) for p in kept} == kept  # every other file byte-identical
    pd.testing.assert_frame_equal(
        store.read(PARTICIPANTS).reset_index(drop=True),
        roster.loc[roster["participant"] != "p01"].reset_index(drop=True),
    )
    assert Accounts(data_dir).users() == users
    for schema in rights.PERSONAL_TABLES:
        assert store.read(schema, ["p01"]).empty
        assert "p01" not in set(store.read(schema)["participant"])
    assert "p01" not in store.participants()
    assert b"anna" not in (data_dir / "accounts.sqlite3").read_bytes()  # no freed page left
    [entry] = AuditLog(data_dir).entries()
    assert (entry.action, entry.participants) == ("delete", ("p01",))
    assert "anna" not in entry.detail and "@" not in entry.detail
    assert tombstones.tombstones(data_dir).keys() == {"p01"}


def test_delete_fails_loudly_when_something_of_theirs_remains(data_dir: Path) -> None:
    copy = data_dir / "tables" / "sessions" / "backup-of-sessions.parquet"
    shutil.copy(data_dir / "tables" / "sessions" / "participant=p02" / "part.parquet", copy)
    result = runner.invoke(
        app, ["participant", "delete", "p02", "--yes", "--data-dir", str(data_dir)]
    )
    assert result.exit_code == 1
    assert "backup-of-sessions.parquet" in result.output
    stray = data_dir / "notes" / "p03-old"
    stray.parent.mkdir()
    stray.write_text("x")
    assert f"path {stray}" in rights.traces(Store(data_dir), "p03")


def test_delete_needs_yes(data_dir: Path) -> None:
    result = runner.invoke(app, ["participant", "delete", "p01", "--data-dir", str(data_dir)])
    assert result.exit_code == 2
    assert Store(data_dir).raw_files("p01")


def test_an_erased_id_is_refused_until_an_audited_override(
    data_dir: Path, built: tuple[Path, Path]
) -> None:
    rights.erase(Store(data_dir), "p01", actor="cli:test")
    refused = [
        ["ingest", str(built[1] / "p01"), "-p", "p01"],
        ["participant", "set", "p01", "--group", "group-a"],
        ["diary", "add", "-p", "p01", "--date", "2026-01-01", "--pain", "20"],
        ["questionnaire", "answer", "-p", "p01", "pgic", "--date", "2026-01-01", "change=5"],
        ["users", "add", "again", "--role", "participant", "-p", "p01", "--no-password"],
        ["participant", "export", "p01"],
    ]
    for command in refused:
        result = runner.invoke(app, [*command, "--data-dir", str(data_dir)])
        assert result.exit_code == 2, (command, result.output)
        assert "was erased on" in result.output, command
    assert rights.traces(Store(data_dir), "p01") == []
    assert Accounts(data_dir).find("again") is None

    no_yes = runner.invoke(
        app, ["participant", "reuse-id", "p01", "--reason", "x", "--data-dir", str(data_dir)]
    )
    assert no_yes.exit_code == 2 and "p01" in tombstones.tombstones(data_dir)
    lifted = runner.invoke(
        app,
        [
            *("participant", "reuse-id", "p01", "--reason", "new consent, ticket 42", "--yes"),
            *("--data-dir", str(data_dir)),
        ],
    )
    assert lifted.exit_code == 0, lifted.output
    assert tombstones.tombstones(data_dir) == {}
    entries = AuditLog(data_dir).entries()
    assert [e.action for e in entries] == ["delete", "reuse-id"]
    assert entries[-1].detail == "new consent, ticket 42"
    again = runner.invoke(
        app,
        [
            *("users", "add", "again", "--role", "participant", "-p", "p01", "--no-password"),
            *("--data-dir", str(data_dir)),
        ],
    )
    assert again.exit_code == 0, again.output
    assert AuditLog(data_dir).entries()[-1].action == "account-add"
    assert AuditLog(data_dir).verify().ok


def test_the_serve_inbox_refuses_files_for_an_erased_id(data_dir: Path, tmp_path: Path) -> None:
    from pipelines.orchestrate import inbox

    rights.erase(Store(data_dir), "p01", actor="cli:test")
    dropped = data_dir / "inbox" / "p01" / "walk.fit"
    dropped.parent.mkdir(parents=True)
    dropped.write_bytes(b"anything")
    called: list[str] = []
    [settled] = inbox.process(
        Store(data_dir), "p01", [dropped], lambda p, files: called.append(p) or None
    )
    assert not settled.done and "was erased on" in (settled.reason or "")
    assert called == [] and not Store(data_dir).raw_files("p01")


def test_a_writer_that_started_before_the_erasure_brings_nothing_back(
    data_dir: Path, built: tuple[Path, Path]
) -> None:
    store = Store(data_dir)
    walks = uploads.collect_paths([built[1] / "p01"])
    stored = uploads.store_uploads(store, "p01", walks)  # the ingest has stored its files …
    parsed = uploads.parse_stored(stored, workers=1)
    rights.erase(store, "p01", actor="cli:test")  # … when the erasure runs
    store.put_raw(  # what a slow store-raw task writes after the erasure
        "p01", walks[0].read_bytes(), walks[0].name
    )

    with pytest.raises(tombstones.Erased):
        uploads.record(store, "p01", parsed)
    refreshing.refresh_participant(store, "p01")  # a refresh queued behind it writes nothing
    with pytest.raises(tombstones.Erased):
        settings.configure(store, "p01", min_minutes=20)
    with pytest.raises(tombstones.Erased):
        uploads.store_uploads(store, "p01", walks)

    assert rights.traces(store, "p01") == []
