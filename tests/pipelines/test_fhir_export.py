"""``backtrack export fhir`` end to end on a demo participant (FIT files and a diary through
the real pipeline): the bundle validates, and reading it back finds the daily figures of
``backtrack report --json`` and of the ``days`` table."""

from __future__ import annotations

import json
from collections import Counter
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from pipelines.app import fhir_export
from pipelines.cli.main import app
from pipelines.schemas import DAYS, SESSIONS
from pipelines.store.audit import AuditLog
from pipelines.store.storage import Store
from tests.support.cohort import ingested_cohort
from tests.support.fhir import (
    LOINC,
    codes,
    daily_figures,
    parse_each,
    unresolved_references,
)

runner = CliRunner()


@pytest.fixture(scope="module")
def cohort(tmp_path_factory: pytest.TempPathFactory) -> tuple[Store, str]:
    store, ids = ingested_cohort(tmp_path_factory.mktemp("fhir"), participants=1, weeks=3)
    return store, ids[0]


def cli(store: Store, *args: str) -> str:
    result = runner.invoke(app, [*args, "--data-dir", str(store.root)])
    assert result.exit_code == 0, result.output
    return str(result.output)


def exported(store: Store, participant: str, tmp_path: Path, *extra: str) -> dict[str, Any]:
    out = tmp_path / "bundle.json"
    printed = cli(store, "export", "fhir", "-p", participant, "--out", str(out), *extra)
    assert f"FHIR bundle of {participant}" in printed
    document: dict[str, Any] = json.loads(out.read_text(encoding="utf-8"))
    return document


def test_the_bundle_reads_back_as_the_reports_daily_figures(
    cohort: tuple[Store, str], tmp_path: Path
) -> None:
    store, pid = cohort
    bundle = exported(store, pid, tmp_path)
    parse_each(bundle)
    assert unresolved_references(bundle) == []
    report = json.loads(cli(store, "report", "-p", pid, "--json"))
    figures = daily_figures(bundle)
    assert report["days"], "the demo participant has days"
    assert min(figures) >= date.fromisoformat(report["range"]["start"])
    assert max(figures) <= date.fromisoformat(report["range"]["end"])
    table = {r["date"]: r for r in store.read(DAYS, [pid]).to_dict("records")}
    checked = Counter[str]()
    for day in report["days"]:
        d = date.fromisoformat(day["date"])
        found = figures.get(d, {})
        if day["has_data"]:
            assert found["walking_minutes"] == day["walking_minutes"], d
            checked["walking"] += 1
            if "steps" in found:
                assert found["steps"] == day["steps"], d
                checked["steps"] += 1
            else:  # steps unknown: only a recorded session, no step counted
                assert (day["steps"], day["wear_basis"]) == (0, "session"), d
            if day["wear_minutes"] is not None:
                share = min(table[d]["wear_minutes"] / 1440 * 100, 100)  # no DST in the range
                assert found["wear_percent"] == pytest.approx(share, abs=0.05), d
        else:
            assert "walking_minutes" not in found and "steps" not in found, d
        if day.get("pain") is not None:
            assert found["pain"] == day["pain"], d
            assert found["pain_0_10"] == pytest.approx(day["pain"] / 10), d
            checked["pain"] += 1
        else:
            assert "pain" not in found, d
    assert min(checked["walking"], checked["steps"], checked["pain"]) > 5, checked


def test_each_counted_session_is_one_activity_panel(
    cohort: tuple[Store, str], tmp_path: Path
) -> None:
    store, pid = cohort
    bundle = exported(store, pid, tmp_path)
    report = json.loads(cli(store, "report", "-p", pid, "--json"))
    expected = Counter[str]()
    for day in report["days"]:
        expected.update({c: n for c, n in day["sessions"].items() if n})
    activities = [
        e["resource"]
        for e in bundle["entry"]
        if e["resource"]["resourceType"] == "Observation"
        and (LOINC, "73985-4") in codes(e["resource"]["code"])
    ]
    found = Counter(
        next(c["code"] for c in a["valueCodeableConcept"]["coding"] if c["system"] != LOINC)
        for a in activities
    )
    assert found == expected and sum(found.values()) > 0
    sessions = store.read(SESSIONS, [pid])
    first, last = (date.fromisoformat(report["range"][k]) for k in ("start", "end"))
    inside = [first <= d <= last for d in sessions["local_date"]]
    in_range = sessions.loc[inside]
    assert len(activities) == int(in_range["duplicate_of"].isna().sum())  # duplicates: none


def test_the_range_options_and_the_audit_entry(cohort: tuple[Store, str], tmp_path: Path) -> None:
    store, pid = cohort
    report = json.loads(cli(store, "report", "-p", pid, "--json"))
    first = date.fromisoformat(report["range"]["start"])
    bundle = exported(store, pid, tmp_path, "--start", str(first), "--end", str(first))
    assert set(daily_figures(bundle)) <= {first}
    goals = [e for e in bundle["entry"] if e["resource"]["resourceType"] == "Goal"]
    assert len(goals) == 2
    [entry] = [
        e for e in AuditLog(store.root).entries() if f"FHIR bundle {first}..{first}" in e.detail
    ]
    assert entry.action == "export" and entry.participants == (pid,)
    assert entry.actor.startswith("cli:")


def test_the_same_tables_give_the_same_bytes(cohort: tuple[Store, str]) -> None:
    from datetime import UTC, datetime

    store, pid = cohort
    now = datetime(2030, 1, 1, tzinfo=UTC)
    one = fhir_export.export(store, pid, actor="test", now=now)
    two = fhir_export.export(store, pid, actor="test", now=now)
    assert one.content == two.content
    assert one.resources["Patient"] == 1 and one.resources["Goal"] == 2


def test_refusals(cohort: tuple[Store, str], tmp_path: Path) -> None:
    store, _ = cohort
    out = tmp_path / "x.json"
    base = ["export", "fhir", "--out", str(out), "--data-dir", str(store.root)]
    unknown = runner.invoke(app, [*base, "-p", "nobody"])
    assert unknown.exit_code == 2 and "no data of participant" in unknown.output
    bad = runner.invoke(app, [*base, "-p", "../etc"])
    assert bad.exit_code == 2
    backwards = runner.invoke(
        app, [*base, "-p", "p01", "--start", "2030-02-02", "--end", "2030-02-01"]
    )
    assert backwards.exit_code == 2 and "ends before it starts" in backwards.output
    assert not out.exists()


def test_a_bundle_that_does_not_validate_is_neither_written_nor_audited(
    cohort: tuple[Store, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pipelines.rules import fhir

    store, pid = cohort
    before = len(AuditLog(store.root).entries())

    def broken(document: dict[str, Any]) -> None:
        raise ValueError("entry.3.resource.status: Field required")

    monkeypatch.setattr(fhir, "validate", broken)
    out = tmp_path / "never.json"
    with pytest.raises(ValueError, match="status"):
        fhir_export.write(store, pid, out, actor="test")
    assert not out.exists()
    assert len(AuditLog(store.root).entries()) == before


def test_answered_questionnaires_are_in_the_bundle(tmp_path: Path) -> None:
    """Answers stored through the questionnaire use case come out as validating
    ``QuestionnaireResponse`` resources with their items and score (PEG-3: the mean of
    4, 5 and 6 = 5)."""
    from pipelines.app import questionnaires

    store, ids = ingested_cohort(tmp_path / "cohort", participants=1, weeks=1)
    pid = ids[0]
    start = fhir_export.build(store, pid)[1]
    assert start is not None
    day = start[0]
    questionnaires.answer(store, pid, "peg3", day, {"pain": "4", "enjoyment": "5", "activity": "6"})
    bundle = exported(store, pid, tmp_path)
    parse_each(bundle)
    responses = [
        e["resource"]
        for e in bundle["entry"]
        if e["resource"]["resourceType"] == "QuestionnaireResponse"
    ]
    assert len(responses) == 1
    answers = {item["linkId"]: item["answer"][0] for item in responses[0]["item"]}
    assert answers["score"] == {"valueDecimal": 5.0}
    assert {k: next(iter(v.values())) for k, v in answers.items() if k != "score"} == {
        "pain": 4,
        "enjoyment": 5,
        "activity": 6,
    }
    assert responses[0]["subject"] == {"reference": f"Patient/{pid}"}
