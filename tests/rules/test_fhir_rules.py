"""The FHIR mapping (pipelines.rules.fhir) on a small hand-made data set: every resource
validates (fhir.resources R4B), the bundle equals the golden file, and every figure is the
one worked out by hand below."""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipelines import schemas
from pipelines.config import Target
from pipelines.rules import fhir
from pipelines.rules.participants import Participant
from pipelines.schemas import DAYS, SESSIONS
from tests.support.fhir import codes, daily_figures, parse_each, unresolved_references

GOLDEN = Path(__file__).resolve().parents[1] / "golden" / "fhir_bundle.json"
NOW = datetime(2026, 4, 2, 9, 30, tzinfo=UTC)
PERSON = Participant(
    "p_07",
    "Europe/Berlin",
    Target(program_start=date(2026, 3, 27), training_sessions_per_week=3),
)


def days_frame(rows: list[dict[str, Any]]) -> pd.DataFrame:
    """A ``days`` table (its types, as the store reads it): every column not given is 0,
    False or unknown."""
    filled = []
    for given_row in rows:
        row: dict[str, Any] = {c.name: None if c.nullable else 0 for c in DAYS.columns}
        flags = ("has_data", "met", "approximate", "flare_up", "flare_up_flagged")
        row |= {c: False for c in (*flags, "flare_detected")}
        row |= {"participant": "p_07", "sources": "fit", "status": "below"}
        filled.append(row | given_row)
    return schemas.coerce(DAYS, pd.DataFrame(filled))


def sessions_frame(rows: list[dict[str, Any]]) -> pd.DataFrame:
    base = {c.name: None for c in SESSIONS.columns} | {
        "participant": "p_07",
        "file_sha256": "a" * 64,
        "source_format": "fit",
        "elapsed_s": 0.0,
        "category_source": "device",
        "device": "garmin/fenix/123456",
        "tz_source": "file",
    }
    frame = pd.DataFrame([base | r for r in rows])
    for column in ("start_utc", "end_utc"):
        frame[column] = pd.to_datetime(frame[column], utc=True)
    return schemas.coerce(SESSIONS, frame)


DAYS_ROWS = [
    # before the program start: outside the default range
    {"date": date(2026, 3, 26), "steps": 3000, "walking_minutes": 12.0, "has_data": True},
    # worn 12 h (heart rate) of 24: 50 %; one diary entry of 45 → 4.5
    {
        "date": date(2026, 3, 27),
        "steps": 6400,
        "walking_minutes": 32.5,
        "has_data": True,
        "wear_minutes": 720.0,
        "wear_basis": "heart_rate",
        "pain": 45.0,
        "pain_entries": 1,
    },
    # only a recorded session says anything: steps unknown (no steps Observation), 0
    # walking minutes, worn 40 of 1440 minutes = 2.78 → 2.8 %
    {
        "date": date(2026, 3, 28),
        "steps": 0,
        "walking_minutes": 0.0,
        "has_data": True,
        "wear_minutes": 40.0,
        "wear_basis": "session",
    },
    # the clocks go forward in Berlin: 23 h = 1380 minutes, all of them worn → 100 %;
    # two entries, mean 47.5 → 4.75; 41.24 walking minutes → 41.2
    {
        "date": date(2026, 3, 29),
        "steps": 8000,
        "walking_minutes": 41.24,
        "has_data": True,
        "wear_minutes": 1380.0,
        "wear_basis": "heart_rate",
        "pain": 47.5,
        "pain_entries": 2,
    },
    # no activity data, a diary entry of 20 → pain only (2.0)
    {"date": date(2026, 3, 30), "has_data": False, "pain": 20.0, "pain_entries": 1},
    # a stated total of 0 steps (a daily-total source), wear unknown: 0 steps, 0 minutes
    {"date": date(2026, 3, 31), "steps": 0, "walking_minutes": 0.0, "has_data": True},
]

SESSION_ROWS = [
    {  # 39 moving minutes of walking
        "session_id": "aaaaaaaaaaaaaaaa:0",
        "start_utc": "2026-03-27T08:00:00Z",
        "end_utc": "2026-03-27T08:40:00Z",
        "moving_s": 2340.0,
        "category": "walking",
        "local_date": date(2026, 3, 27),
    },
    {  # the same walk from the phone: a duplicate, left out
        "session_id": "bbbbbbbbbbbbbbbb:0",
        "start_utc": "2026-03-27T08:00:30Z",
        "end_utc": "2026-03-27T08:40:00Z",
        "moving_s": 2300.0,
        "category": "walking",
        "local_date": date(2026, 3, 27),
        "duplicate_of": "aaaaaaaaaaaaaaaa:0",
    },
    {  # 40 moving minutes of strength training
        "session_id": "cccccccccccccccc:1",
        "start_utc": "2026-03-28T17:00:00Z",
        "end_utc": "2026-03-28T17:45:00Z",
        "moving_s": 2400.0,
        "category": "strength",
        "local_date": date(2026, 3, 28),
    },
    {  # yoga before the range: left out
        "session_id": "dddddddddddddddd:0",
        "start_utc": "2026-03-26T07:00:00Z",
        "end_utc": "2026-03-26T07:30:00Z",
        "moving_s": 1800.0,
        "category": "yoga",
        "local_date": date(2026, 3, 26),
    },
]

ANSWERS = [
    fhir.Answers("peg3", date(2026, 3, 29), {"pain": 4, "enjoyment": 5, "activity": 6}, 5.0),
    fhir.Answers("peg3", date(2026, 3, 20), {"pain": 6, "enjoyment": 6, "activity": 6}, 6.0),
]


def export(**kw: Any) -> fhir.Export:
    return fhir.Export(
        PERSON,
        days_frame(DAYS_ROWS),
        sessions_frame(SESSION_ROWS),
        NOW,
        answers=kw.pop("answers", ANSWERS),
        **kw,
    )


@pytest.fixture(scope="module")
def bundle() -> dict[str, Any]:
    return fhir.bundle(export())


def resources(bundle: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == kind]


def by_code(bundle: dict[str, Any], system: str, code: str) -> list[dict[str, Any]]:
    return [r for r in resources(bundle, "Observation") if (system, code) in codes(r["code"])]


def test_the_bundle_equals_the_golden_file(bundle: dict[str, Any]) -> None:
    text = json.dumps(bundle, indent=2, ensure_ascii=False) + "\n"
    if os.environ.get("BACKTRACK_UPDATE_GOLDEN"):  # after a deliberate change of the mapping
        GOLDEN.write_text(text, encoding="utf-8")
    assert text == GOLDEN.read_text(encoding="utf-8")


def test_every_resource_validates_and_every_reference_resolves(bundle: dict[str, Any]) -> None:
    parsed = parse_each(bundle)
    kinds = [type(r).__name__ for r in parsed]
    # Patient, 2 Goals; steps on the 27th, 29th and 31st, walking on 27–29 and 31, pain on
    # 27, 29, 30; 2 sessions × (panel, activity, duration); the PEG-3 of the 29th
    assert kinds.count("Patient") == 1 and kinds.count("Goal") == 2
    assert kinds.count("Observation") == 3 + 4 + 3 + 2 * 3
    assert kinds.count("QuestionnaireResponse") == 1
    assert len(parsed) == 1 + 2 + 16 + 1
    assert unresolved_references(bundle) == []
    assert bundle["type"] == "collection" and bundle["timestamp"] == "2026-04-02T09:30:00Z"
    ids = [e["resource"]["id"] for e in bundle["entry"]]
    assert len(set(ids)) == len(ids)


@pytest.mark.parametrize(
    ("entry", "breaks", "named"),
    [
        (3, lambda r: r.pop("status"), "entry.3.resource.status"),  # required
        (0, lambda r: r.update(latitude=52.5), "entry.0.resource.latitude"),  # no such field
        (3, lambda r: r.update(effectiveDateTime="27.03.2026"), "effectiveDateTime"),
        (3, lambda r: r["valueQuantity"].update(value="many"), "valueQuantity.value"),
    ],
)
def test_the_validator_refuses_a_broken_resource(
    bundle: dict[str, Any], entry: int, breaks: Callable[[dict[str, Any]], object], named: str
) -> None:
    broken = json.loads(json.dumps(bundle))
    breaks(broken["entry"][entry]["resource"])
    with pytest.raises(ValueError, match=re.escape(named)):
        fhir.validate(broken)


@pytest.mark.parametrize(
    ("day", "steps", "walking", "wear", "pain_0_10", "pain"),
    [
        (date(2026, 3, 27), 6400, 32.5, 50.0, 4.5, 45.0),
        (date(2026, 3, 28), None, 0.0, 2.8, None, None),
        (date(2026, 3, 29), 8000, 41.2, 100.0, 4.75, 47.5),
        (date(2026, 3, 30), None, None, None, 2.0, 20.0),
        (date(2026, 3, 31), 0, 0.0, None, None, None),
    ],
)
def test_daily_figures_worked_out_by_hand(
    bundle: dict[str, Any],
    day: date,
    steps: int | None,
    walking: float | None,
    wear: float | None,
    pain_0_10: float | None,
    pain: float | None,
) -> None:
    figures = daily_figures(bundle)[day]
    assert figures.get("steps") == steps
    assert figures.get("walking_minutes") == walking
    assert figures.get("wear_percent") == wear
    assert figures.get("pain_0_10") == pain_0_10
    assert figures.get("pain") == pain


def test_the_range_is_the_reports_by_default_and_can_be_narrowed(bundle: dict[str, Any]) -> None:
    assert min(daily_figures(bundle)) == date(2026, 3, 27)  # the program start, not the 26th
    assert max(daily_figures(bundle)) == date(2026, 3, 31)  # the last day with data
    narrow = fhir.bundle(export(start=date(2026, 3, 28), end=date(2026, 3, 28)))
    assert set(daily_figures(narrow)) == {date(2026, 3, 28)}
    panels = by_code(narrow, fhir.PA_CODES, "PAPanel")
    assert len(panels) == 1 and panels[0]["effectivePeriod"]["start"] == "2026-03-28T17:00:00Z"
    assert resources(narrow, "QuestionnaireResponse") == []
    wide = fhir.bundle(export(start=date(2026, 3, 1)))
    assert min(daily_figures(wide)) == date(2026, 3, 26)
    assert len(resources(wide, "QuestionnaireResponse")) == 2
    # the range's ends belong to it: answers on its first and on its last day are in
    for first, last in [
        (date(2026, 3, 29), date(2026, 3, 31)),
        (date(2026, 3, 27), date(2026, 3, 29)),
    ]:
        [response] = resources(fhir.bundle(export(start=first, end=last)), "QuestionnaireResponse")
        assert response["authored"].startswith("2026-03-29"), (first, last)


def test_steps_follow_the_ig_time_measure(bundle: dict[str, Any]) -> None:
    [steps] = [
        r for r in by_code(bundle, fhir.LOINC, "41950-7") if r["effectiveDateTime"] == "2026-03-27"
    ]
    assert steps["valueQuantity"] == {
        "value": 6400,
        "unit": "/d",
        "system": "http://unitsofmeasure.org",
        "code": "/d",
    }
    assert {
        ("http://terminology.hl7.org/CodeSystem/observation-category", "activity"),
        (fhir.PA_CODES, "PhysicalActivity"),
    } == set().union(*(codes(c) for c in steps["category"]))
    [wear] = steps["component"]
    assert codes(wear["code"]) == {(fhir.PA_CODES, "DeviceActivePercentage")}
    assert (wear["valueQuantity"]["value"], wear["valueQuantity"]["code"]) == (50.0, "%")
    assert steps["subject"] == {"reference": "Patient/p.07"}


def test_pain_keeps_the_0_100_value_in_a_component_of_another_code(
    bundle: dict[str, Any],
) -> None:
    [pain] = [
        r for r in by_code(bundle, fhir.LOINC, "72514-3") if r["effectiveDateTime"] == "2026-03-29"
    ]
    assert pain["valueQuantity"]["value"] == 4.75
    component_codes = [codes(c["code"]) for c in pain["component"]]
    assert {(fhir.LOINC, "72514-3")} not in component_codes  # never the Observation's own
    assert component_codes == [{(fhir.CODES, "pain-0-100")}, {(fhir.CODES, "pain-entries")}]
    assert pain["component"][0]["valueQuantity"]["value"] == 47.5
    assert pain["component"][1]["valueInteger"] == 2


def test_a_session_is_an_activity_panel_with_its_activity_and_moving_minutes(
    bundle: dict[str, Any],
) -> None:
    panels = by_code(bundle, fhir.PA_CODES, "PAPanel")
    assert [p["effectivePeriod"] for p in panels] == [
        {"start": "2026-03-27T08:00:00Z", "end": "2026-03-27T08:40:00Z"},
        {"start": "2026-03-28T17:00:00Z", "end": "2026-03-28T17:45:00Z"},
    ]
    observations = {r["id"]: r for r in resources(bundle, "Observation")}
    found = []
    for panel in panels:
        members = [observations[m["reference"].split("/")[1]] for m in panel["hasMember"]]
        activity, duration = members
        assert codes(activity["code"]) == {(fhir.LOINC, "73985-4")}
        assert codes(duration["code"]) == {(fhir.LOINC, "55411-3")}
        assert duration["valueQuantity"]["code"] == "min"
        assert (
            activity["effectivePeriod"] == duration["effectivePeriod"] == panel["effectivePeriod"]
        )
        found.append((codes(activity["valueCodeableConcept"]), duration["valueQuantity"]["value"]))
    assert found == [
        ({(fhir.LOINC, "LA11834-1"), (fhir.ACTIVITIES, "walking")}, 39.0),
        ({(fhir.ACTIVITIES, "strength")}, 40.0),
    ]


def test_the_prescription_is_two_goals_with_minutes_and_frequency(bundle: dict[str, Any]) -> None:
    walking, training = resources(bundle, "Goal")
    assert walking["startDate"] == training["startDate"] == "2026-03-27"
    assert [
        (
            t["measure"]["coding"][0]["code"],
            t["detailQuantity"].get("comparator"),
            t["detailQuantity"]["value"],
            t["detailQuantity"]["code"],
        )
        for t in walking["target"]
    ] == [
        ("walking-minutes", ">=", 30, "min/d"),
        ("walking-days-per-week", ">=", 3, "d/wk"),  # ⌊7 ÷ 2⌋
        ("walk-every-n-days", None, 2, "d"),
    ]
    assert [
        (
            t["measure"]["coding"][0]["code"],
            t["detailQuantity"]["value"],
            t["detailQuantity"]["code"],
        )
        for t in training["target"]
    ] == [("training-sessions-per-week", 3, "/wk"), ("training-session-minutes", 15, "min")]
    assert "at least 30 minutes" in walking["description"]["text"]


def test_nothing_identifying_leaves(bundle: dict[str, Any]) -> None:
    text = json.dumps(bundle)
    for secret in ("123456", "garmin", "a" * 16, "aaaaaaaaaaaaaaaa:0", "p_07", "latitude"):
        assert secret not in text
    assert resources(bundle, "Patient") == [{"resourceType": "Patient", "id": "p.07"}]


def test_a_questionnaire_response_from_plain_values() -> None:
    response = fhir.questionnaire_response(
        "p01",
        fhir.Answers(
            "psfs",
            date(2026, 5, 4),
            {"activity_1": "Gartenarbeit", "rating_1": 3, "flag": True, "x": 2.5},
            3.0,
        ),
    )
    parse_each(
        {
            "resourceType": "Bundle",
            "type": "collection",
            "entry": [
                {
                    "fullUrl": "https://backtrack.example/fhir/QuestionnaireResponse/"
                    + response["id"],
                    "resource": response,
                }
            ],
        }
    )
    assert response["questionnaire"] == "https://backtrack.example/fhir/Questionnaire/psfs"
    assert (response["status"], response["authored"]) == ("completed", "2026-05-04")
    assert response["subject"] == {"reference": "Patient/p01"}
    assert response["item"] == [
        {"linkId": "activity_1", "answer": [{"valueString": "Gartenarbeit"}]},
        {"linkId": "rating_1", "answer": [{"valueInteger": 3}]},
        {"linkId": "flag", "answer": [{"valueBoolean": True}]},
        {"linkId": "x", "answer": [{"valueDecimal": 2.5}]},
        {"linkId": "score", "answer": [{"valueDecimal": 3.0}]},
    ]
    no_score = fhir.questionnaire_response(
        "p01", fhir.Answers("pgic", date(2026, 5, 4), {"pgic": 5})
    )
    assert [i["linkId"] for i in no_score["item"]] == ["pgic"]
    with pytest.raises(ValueError, match="score"):
        fhir.questionnaire_response("p01", fhir.Answers("odd", date(2026, 5, 4), {"score": 1}))


def test_ids_are_stable_and_participant_ids_map_one_to_one() -> None:
    again = fhir.bundle(export())
    assert again == fhir.bundle(export())
    assert fhir.fhir_id("p_07") != fhir.fhir_id("p-07")
    assert fhir.resource_id("p1", "steps", date(2026, 1, 1)) != fhir.resource_id(
        "p2", "steps", date(2026, 1, 1)
    )


@settings(max_examples=200, deadline=None)
@given(st.floats(0, 100, allow_nan=False))
def test_pain_on_0_10_is_the_0_100_value_divided_by_ten(pain: float) -> None:
    score, value = fhir.pain_scores(pain)
    assert 0 <= score <= 10 and 0 <= value <= 100
    assert value == round(pain, 1)
    assert abs(score * 10 - value) < 1e-9


@settings(max_examples=100, deadline=None)
@given(st.text(alphabet="abcXYZ019_-", min_size=1, max_size=64).filter(lambda s: s[0].isalnum()))
def test_every_participant_id_becomes_a_valid_fhir_id(participant: str) -> None:
    assert re.fullmatch(r"[A-Za-z0-9\-.]{1,64}", fhir.fhir_id(participant))
    assert fhir.fhir_id(participant).replace(".", "_") == participant


def test_the_worked_examples_in_the_docstring() -> None:
    import doctest

    result = doctest.testmod(fhir)
    assert result.attempted >= 4 and result.failed == 0


DAY = st.fixed_dictionaries(
    {
        "has_data": st.booleans(),
        "steps": st.integers(0, 40_000),
        "walking_minutes": st.floats(0, 600, allow_nan=False),
        "wear_minutes": st.none() | st.floats(0, 1500, allow_nan=False),
        "wear_basis": st.sampled_from([None, "heart_rate", "steps", "session"]),
        "pain": st.none() | st.floats(0, 100, allow_nan=False),
    }
)


@settings(max_examples=30, deadline=None)
@given(st.lists(DAY, min_size=1, max_size=20), st.sampled_from(["Europe/Berlin", "UTC"]))
def test_any_days_give_a_valid_bundle_with_one_figure_of_a_kind_per_day(
    rows: list[dict[str, Any]], tz: str
) -> None:
    first = date(2026, 10, 20)  # the clocks go back in Berlin on the 25th: a 1500-minute day
    for i, row in enumerate(rows):
        row["date"] = date.fromordinal(first.toordinal() + i)
        row["pain_entries"] = 0 if row["pain"] is None else 1
    person = Participant("p1", tz, Target(program_start=first))
    days = days_frame([r | {"participant": "p1"} for r in rows])
    document = fhir.bundle(fhir.Export(person, days, sessions_frame(SESSION_ROWS)[:0], NOW))
    parse_each(document)
    assert unresolved_references(document) == []
    figures = daily_figures(document)
    with_data = {r["date"] for r in rows if r["has_data"]}
    assert {d for d, f in figures.items() if "walking_minutes" in f} == with_data
    assert {d for d, f in figures.items() if "steps" in f} <= with_data
    assert {d for d, f in figures.items() if "pain" in f} == {
        r["date"] for r in rows if r["pain"] is not None
    }
    for f in figures.values():
        assert 0 <= f.get("wear_percent", 0) <= 100
        assert 0 <= f.get("pain_0_10", 0) <= 10


@pytest.mark.parametrize(
    ("basis", "expected"),
    [("steps", True), ("heart_rate", True), (None, True), ("session", False)],
)
def test_zero_steps_are_a_figure_unless_the_day_knows_only_sessions(
    basis: str | None, expected: bool
) -> None:
    """A worn day with 0 steps counted 0 steps; a day known only from sessions did not
    count steps at all (unknown, not zero)."""
    assert fhir.has_steps({"has_data": True, "steps": 0, "wear_basis": basis}) is expected
    assert fhir.has_steps({"has_data": True, "steps": 5, "wear_basis": basis}) is True
    assert fhir.has_steps({"has_data": False, "steps": 0, "wear_basis": basis}) is False


def test_an_answer_that_is_not_a_finite_number_is_refused_by_name() -> None:
    answer = fhir.Answers("peg3", date(2026, 3, 29), {"pain": float("nan")}, 5.0)
    with pytest.raises(ValueError, match=r"^an answer must be a finite number, not nan$"):
        fhir.questionnaire_response("p1", answer)


def test_only_the_participants_own_days_go_into_the_bundle() -> None:
    """A days table of two participants: the other one's figures never leave with p1's."""
    mine = days_frame(DAYS_ROWS).assign(participant=PERSON.id)
    other = days_frame(DAYS_ROWS).assign(participant="someone-else")
    other["steps"] = 99_999
    both = pd.concat([mine, other], ignore_index=True)
    alone = fhir.bundle(fhir.Export(PERSON, mine, sessions_frame(SESSION_ROWS), NOW))
    shared = fhir.bundle(fhir.Export(PERSON, both, sessions_frame(SESSION_ROWS), NOW))
    assert shared == alone
