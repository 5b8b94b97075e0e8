"""The FHIR download (docs/fhir.md) in the dashboard: coaches on the Clinician report page,
a participant on their own page — scoped like every read, validated and audited."""

from __future__ import annotations

import json
import shutil
from datetime import date, timedelta
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from dashboards import data
from pipelines.store.audit import AuditLog
from pipelines.store.storage import Store
from tests.support.fhir import daily_figures, parse_each
from tests.support.signin import TOKEN_KEY, token_for

APP = Path(__file__).resolve().parents[2] / "dashboards" / "app.py"
WEEK = timedelta(days=6)


@pytest.fixture
def root(data_dir: Path, tmp_path: Path) -> Path:
    """A copy per test with an empty audit trail."""
    copy = Path(shutil.copytree(data_dir, tmp_path / "data"))
    shutil.rmtree(copy / "audit", ignore_errors=True)
    return copy


def _app(monkeypatch: pytest.MonkeyPatch, root: Path, page: str, **who: str) -> AppTest:
    monkeypatch.setenv("BACKTRACK_DATA_DIR", str(root))
    at = AppTest.from_file(APP, default_timeout=60)
    at.session_state[TOKEN_KEY] = token_for(root, **who)
    at.run()
    return at.switch_page(page).run()


def _labels(at: AppTest) -> list[str]:
    return [str(b.label) for b in at.get("download_button")]


def test_coaches_get_the_download_on_the_clinician_report(
    monkeypatch: pytest.MonkeyPatch, root: Path
) -> None:
    at = _app(monkeypatch, root, "pages/clinician_report.py", coach="group-a")
    assert not at.exception and not at.error
    assert "Download FHIR (JSON)" in _labels(at)
    german = _app(monkeypatch, root, "pages/clinician_report.py", coach="group-a")
    german.session_state["lang"] = "de"
    german.run()
    assert "FHIR herunterladen (JSON)" in _labels(german)


def test_a_participant_gets_their_own_on_my_activity_and_a_coach_not_there(
    monkeypatch: pytest.MonkeyPatch, root: Path
) -> None:
    at = _app(monkeypatch, root, "pages/my_activity.py", participant="p01")
    assert not at.exception
    assert "Download FHIR file" in _labels(at)
    coach = _app(monkeypatch, root, "pages/my_activity.py", coach="group-a")
    assert not coach.exception
    assert "Download FHIR file" not in _labels(coach)


def test_the_bundle_is_scoped_validated_and_audited(root: Path) -> None:
    tables = data.StoreTables(Store(root))
    coach = data.Viewer("coach", groups=frozenset({"group-a"}), username="coach-a")
    report = data.report(coach, "p01", tables)
    start = date.fromisoformat(report["range"]["start"])
    content = data.fhir_bundle(coach, "p01", start, start + WEEK, tables)
    bundle = json.loads(content)
    parse_each(bundle)
    figures = daily_figures(bundle)
    assert figures and min(figures) >= start and max(figures) <= start + WEEK
    shown = {date.fromisoformat(d["date"]): d for d in report["days"]}
    for day, found in figures.items():
        if "walking_minutes" in found:
            assert found["walking_minutes"] == shown[day]["walking_minutes"]
    own = data.Viewer("participant", participant="p01", username="user-p01")
    assert json.loads(data.fhir_bundle(own, "p01", tables=tables))["type"] == "collection"
    exports = [e for e in AuditLog(root).entries() if e.action == "export"]
    assert [(e.actor, e.participants) for e in exports] == [
        ("coach-a", ("p01",)),
        ("user-p01", ("p01",)),
    ]
    assert all(e.detail.startswith("FHIR bundle") for e in exports)
    for viewer, whom in (
        (coach, "p02"),  # p02 is in group-b
        (own, "p02"),
        (data.Viewer("coach", groups=frozenset({"group-b"})), "p01"),
    ):
        with pytest.raises(PermissionError):
            data.fhir_bundle(viewer, whom, tables=tables)
    assert len([e for e in AuditLog(root).entries() if e.action == "export"]) == 2
