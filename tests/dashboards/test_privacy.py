"""Privacy in the dashboard: every page showing a participant's data leaves a `view` in the
audit trail (once per 10 minutes), the admin's Audit page, a participant's own export, and
no cached read of an erased participant."""

from __future__ import annotations

import io
import shutil
import zipfile
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from dashboards import data
from pipelines.app import rights
from pipelines.schemas import DAYS
from pipelines.store.audit import AuditLog
from pipelines.store.storage import Store
from tests.support.signin import TOKEN_KEY, account_for, token_for

APP = Path(__file__).resolve().parents[2] / "dashboards" / "app.py"


@pytest.fixture
def root(data_dir: Path, tmp_path: Path) -> Path:
    """A copy per test: each starts with an empty audit trail and its own dedup keys."""
    copy = Path(shutil.copytree(data_dir, tmp_path / "data"))
    shutil.rmtree(copy / "audit", ignore_errors=True)
    return copy


def _app(monkeypatch: pytest.MonkeyPatch, root: Path, **who: str) -> AppTest:
    monkeypatch.setenv("BACKTRACK_DATA_DIR", str(root))
    at = AppTest.from_file(APP, default_timeout=30)
    at.session_state[TOKEN_KEY] = token_for(root, **who)
    return at.run()


def _views(root: Path) -> list[tuple[str, str, tuple[str, ...], str | None]]:
    return [
        (e.actor, e.detail, e.participants, e.group)
        for e in AuditLog(root).entries()
        if e.action == "view"
    ]


def test_a_participants_pages_record_one_view_each_per_ten_minutes(
    monkeypatch: pytest.MonkeyPatch, root: Path
) -> None:
    at = _app(monkeypatch, root, participant="p01")
    assert not at.exception
    at.run()  # a rerun (a widget click) writes nothing new
    at.switch_page("pages/pain.py").run()
    at.switch_page("pages/my_activity.py").run()
    assert not at.exception
    assert _views(root) == [
        ("user-p01", "page my_activity", ("p01",), None),
        ("user-p01", "page pain", ("p01",), None),
    ]
    assert AuditLog(root).verify().ok


def test_the_group_page_records_the_group_and_each_member_shown(
    monkeypatch: pytest.MonkeyPatch, root: Path
) -> None:
    at = _app(monkeypatch, root, coach="group-a")
    assert not at.exception
    at.switch_page("pages/my_activity.py").run()
    assert not at.exception
    assert _views(root) == [
        ("coach-group-a", "page group", ("p01", "p03"), "group-a"),
        ("coach-group-a", "page my_activity", ("p01",), None),
    ]


def test_recording_a_view_never_names_anyone_outside_the_scope(root: Path) -> None:
    tables = data.StoreTables(Store(root))
    coach = data.Viewer("coach", groups=frozenset({"group-a"}), username="c")
    with pytest.raises(PermissionError):
        data.record_group_view(coach, "group", "group-a", ["p01", "p02"], tables)
    with pytest.raises(PermissionError):
        data.record_view(coach, "pain", "p02", tables)
    assert AuditLog(root).entries() == []


def test_the_audit_page_is_the_admins_and_shows_whether_the_trail_verifies(
    monkeypatch: pytest.MonkeyPatch, root: Path
) -> None:
    participant = _app(monkeypatch, root, participant="p01")
    with pytest.raises(ValueError, match="Known pages"):
        participant.switch_page("pages/audit.py")
    coach = _app(monkeypatch, root, coach="group-a")
    with pytest.raises(ValueError, match="Known pages"):
        coach.switch_page("pages/audit.py")

    at = _app(monkeypatch, root, admin="1")
    at.switch_page("pages/audit.py").run()
    assert not at.exception
    assert next(s.value for s in at.success).startswith("The audit trail verifies")
    shown = at.dataframe[0].value
    assert set(shown["action"]) == {"view"} and "user-p01" in set(shown["actor"])

    log = AuditLog(root)
    lines = log.path.read_bytes().splitlines(keepends=True)
    log.path.write_bytes(b"".join(lines[1:]))  # the first entry removed
    at.run()
    assert next(e.value for e in at.error).startswith("The audit trail does NOT verify")


def test_a_participant_downloads_their_own_export_only(
    monkeypatch: pytest.MonkeyPatch, root: Path
) -> None:
    at = _app(monkeypatch, root, participant="p01")
    labels = [b.label for b in at.get("download_button")]
    assert labels == ["Download all my data", "Download FHIR file"]  # FHIR: docs/fhir.md
    coach = _app(monkeypatch, root, coach="group-a")
    coach.switch_page("pages/my_activity.py").run()
    assert not coach.get("download_button")

    me = data.Viewer("participant", participant="p01", username="user-p01")
    tables = data.StoreTables(Store(root))
    content = data.participant_export(me, "p01", tables)
    names = zipfile.ZipFile(io.BytesIO(content)).namelist()
    assert "backtrack-p01/README.md" in names
    assert all(n.startswith("backtrack-p01/") for n in names)
    [export] = [e for e in AuditLog(root).entries() if e.action == "export"]
    assert (export.actor, export.participants) == ("user-p01", ("p01",))
    for viewer in (
        data.Viewer("admin", username="admin"),
        data.Viewer("coach", groups=frozenset({"group-a"})),
    ):
        with pytest.raises(PermissionError):
            data.participant_export(viewer, "p01", tables)


def test_no_cached_read_of_an_erased_participant_survives(
    monkeypatch: pytest.MonkeyPatch, root: Path
) -> None:
    account_for(root, participant="p01")
    cached = data.CachedTables(Store(root))
    before = cached.read(DAYS, ["p01"])
    assert len(before) > 0
    cleared: list[bool] = []
    original = data.clear_cache
    monkeypatch.setattr(data, "clear_cache", lambda: (cleared.append(True), original()))
    # p01's partition is not the newest: the table's mtime alone would not change the key
    newest = root / "tables" / "days" / "participant=p02" / "part.parquet"
    newest.touch()
    cached.read(DAYS, ["p02"])
    rights.erase(Store(root), "p01", actor="cli:test")
    assert cached.read(DAYS, ["p01"]).empty
    assert cleared == [True]
    assert rights.traces(Store(root), "p01") == []
