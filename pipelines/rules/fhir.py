"""A participant's figures as one FHIR R4 ``Bundle`` (type ``collection``), following the
HL7 Physical Activity implementation guide (hl7.fhir.us.physical-activity 1.0, its codes
and structure; docs/fhir.md has the mapping table). Pure: frames and settings in, plain
JSON-ready dicts out; ``validate`` checks a bundle against the FHIR models.

* **Daily steps** (a day with data): Observation LOINC 41950-7, ``/d``, the day as
  ``effectiveDateTime``; the share of the local day the device was worn as the IG's
  ``DeviceActivePercentage`` component (``%``) where the wear is known.
* **Daily walking minutes** (a day with data): Observation under backtrack's own code
  ``walking-minutes`` (``min/d``), with the same wear component.
* **Diary pain** (a day with an entry): Observation LOINC 72514-3, the 0–10 score as a
  decimal (the 0–100 mean of the day ÷ 10: 45 → 4.5), the 0–100 value and the number of
  entries as components under backtrack's codes.
* **Each counted session** (duplicates left out): the IG's activity panel (``PAPanel``)
  with two members, the activity (LOINC 73985-4) and its moving minutes (LOINC 55411-3).
* **The prescription**: two ``Goal``s, walking (minutes a day, days a week, a walk every
  n days) and training (sessions a week of at least m minutes).
* **Questionnaire answers**: ``QuestionnaireResponse`` (``questionnaire_response``).

The subject of every resource is ``Patient/<id>``, a ``Patient`` with nothing but the
pseudonymous id. No coordinates, device serials, file hashes, free text or names leave.
Ids are uuid5 of the participant, the kind and its key: the same data give the same bundle.

>>> fhir_id("p_01")
'p.01'
>>> day_minutes(date(2026, 3, 29), "Europe/Berlin"), day_minutes(date(2026, 3, 30), "Europe/Berlin")
(1380, 1440)
>>> wear_percent(720.0, date(2026, 3, 30), "Europe/Berlin")
50.0
>>> pain_scores(45.0)
(4.5, 45.0)
"""

from __future__ import annotations

import math
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any, Final
from zoneinfo import ZoneInfo

import pandas as pd

from pipelines.rules import adherence
from pipelines.rules import report as report_mod
from pipelines.rules.daily import TRAINING
from pipelines.rules.participants import Participant, effective_start

# Where backtrack's resources and code systems live (fullUrl base, canonical URLs). A
# placeholder domain (RFC 2606): a clinic importing the bundle keeps its own base.
BASE: Final = "https://backtrack.example/fhir"
CODES: Final = f"{BASE}/CodeSystem/backtrack"  # backtrack's measures (docs/fhir.md)
ACTIVITIES: Final = f"{BASE}/CodeSystem/backtrack-activity"  # the taxonomy's categories
LOINC: Final = "http://loinc.org"
UCUM: Final = "http://unitsofmeasure.org"
OBSERVATION_CATEGORY: Final = "http://terminology.hl7.org/CodeSystem/observation-category"
PA_CODES: Final = "http://hl7.org/fhir/us/physical-activity/CodeSystem/pa-temporary-codes"
NAMESPACE: Final = uuid.uuid5(uuid.NAMESPACE_URL, BASE)

STEPS: Final = (LOINC, "41950-7", "Number of steps in 24 hour Measured")
ACTIVITY: Final = (LOINC, "73985-4", "Exercise activity")
DURATION: Final = (LOINC, "55411-3", "Exercise duration")
PAIN: Final = (LOINC, "72514-3", "Pain severity - 0-10 verbal numeric rating [Score] - Reported")
PANEL: Final = (PA_CODES, "PAPanel", "Physical Activity Panel")
ACTIVE_PERCENT: Final = (PA_CODES, "DeviceActivePercentage", "Device Active Percentage")
PHYSICAL_ACTIVITY: Final = (PA_CODES, "PhysicalActivity", "Physical Activity")
WALKING_MINUTES: Final = (CODES, "walking-minutes", "Walking minutes per local day")
PAIN_100: Final = (CODES, "pain-0-100", "Pain 0-100 (mean of the day's diary entries)")
PAIN_ENTRIES: Final = (CODES, "pain-entries", "Pain diary entries that day")
WALKING_DAYS: Final = (CODES, "walking-days-per-week", "Days a week with the walking minimum")
WALK_INTERVAL: Final = (CODES, "walk-every-n-days", "A walk every n days")
TRAINING_SESSIONS: Final = (CODES, "training-sessions-per-week", "Training sessions a week")
TRAINING_MINUTES: Final = (CODES, "training-session-minutes", "Minutes a training session")
SCORE_ITEM: Final = "score"  # a QuestionnaireResponse's calculated score item

# The LOINC answer (list LL734-5 of 73985-4) where one means the same as the category;
# every category is also coded in backtrack's activity code system.
LOINC_ACTIVITY: Final = {"walking": ("LA11834-1", "Walking")}
ACTIVITY_NAMES: Final = {
    "walking": "Walking",
    "strength": "Strength and stabilisation training",
    "pilates": "Pilates",
    "yoga": "Yoga",
    "tai_chi": "Tai-Chi",
    "other": "Other activity",
}


@dataclass(frozen=True, slots=True)
class Answers:
    """One answered questionnaire: its id (the definition's), the day, the item answers in
    the definition's order and the score (None when the instrument has none)."""

    questionnaire: str
    date: date
    items: Mapping[str, int | float | str | bool]
    score: float | None = None


@dataclass(frozen=True, slots=True)
class Export:
    """What ``bundle`` is asked for: the participant, their ``days`` rows, their sessions
    and answers, the range (None: the report's default), and when (the bundle's time)."""

    participant: Participant
    days: pd.DataFrame
    sessions: pd.DataFrame
    now: datetime
    start: date | None = None
    end: date | None = None
    answers: Sequence[Answers] = field(default_factory=tuple)


def fhir_id(participant: str) -> str:
    """The participant id as a FHIR id: ``_`` (not allowed in FHIR ids) becomes ``.`` (not
    allowed in participant ids), so the mapping is one-to-one and reversible."""
    return participant.replace("_", ".")


def resource_id(participant: str, kind: str, key: object) -> str:
    """A stable id: uuid5 of participant, kind and key (a day, a session id, …)."""
    return str(uuid.uuid5(NAMESPACE, f"{participant}/{kind}/{key}"))


def resolve_range(
    p: Participant, days: pd.DataFrame, start: date | None, end: date | None
) -> tuple[date, date] | None:
    """The range as ``backtrack report`` takes it: a missing start or end is the report's
    default (``report.default_range``); None when one is neither given nor known."""
    default = report_mod.default_range(p, days)
    first = start or (default[0] if default else None)
    last = end or (default[1] if default else None)
    return None if first is None or last is None else (first, last)


def day_minutes(day: date, tz: str) -> int:
    """Minutes of the local day ``day`` in ``tz``: 1440, or 1380 / 1500 on the days the
    clocks change."""
    zone = ZoneInfo(tz)
    begin = datetime.combine(day, time(), zone)
    after = datetime.combine(day + timedelta(days=1), time(), zone)
    return round((after.timestamp() - begin.timestamp()) / 60)


def wear_percent(wear_minutes: Any, day: date, tz: str) -> float | None:
    """The share of the local day worn, in % (one decimal, at most 100); None unknown."""
    if wear_minutes is None or pd.isna(wear_minutes):
        return None
    share = float(wear_minutes) / day_minutes(day, tz) * 100
    return round(min(share, 100.0), 1)


def pain_scores(pain_0_100: float) -> tuple[float, float]:
    """The day's pain as (0–10 score, 0–100 value): the 0–100 mean rounded to one decimal
    as the report gives it, divided by ten (two decimals): 45 → (4.5, 45.0)."""
    value = round(float(pain_0_100), 1)
    return round(value / 10, 2), value


def has_steps(row: Mapping[Any, Any]) -> bool:
    """A day has a step count when it has data, unless only recorded sessions say anything
    about it (``wear_basis`` ``session``) and no step was counted: then the steps are
    unknown, not zero."""
    if not bool(row["has_data"]):
        return False
    basis = row.get("wear_basis")
    only_sessions = basis is not None and not pd.isna(basis) and str(basis) == "session"
    return not (int(row["steps"]) == 0 and only_sessions)


def bundle(export: Export) -> dict[str, Any]:
    """The bundle: the Patient, the Goals, then per day (steps, walking minutes, pain), then
    per session (panel, activity, duration), then the questionnaire answers."""
    p = export.participant
    days = export.days
    if "participant" in days.columns:
        days = days[days["participant"] == p.id]
    span = resolve_range(p, days, export.start, export.end)
    resources: list[dict[str, Any]] = [{"resourceType": "Patient", "id": fhir_id(p.id)}]
    start = effective_start(days, p.target.program_start)
    resources += goals(p, start.date if start else None)
    if span is not None:
        first, last = span
        inside = [first <= d <= last for d in days["date"].tolist()]
        for row in days.loc[inside].sort_values("date").to_dict("records"):
            resources += day_observations(p, row)
        resources += session_observations(p, sessions_in(export.sessions, first, last))
        answers = [a for a in export.answers if first <= a.date <= last]
    else:
        answers = list(export.answers)
    resources += [questionnaire_response(p.id, a) for a in answers]
    key = f"{span[0]}/{span[1]}" if span else "all"
    return {
        "resourceType": "Bundle",
        "id": resource_id(p.id, "bundle", key),
        "type": "collection",
        "timestamp": _instant(export.now),
        "entry": [{"fullUrl": full_url(r), "resource": r} for r in resources],
    }


def full_url(resource: Mapping[str, Any]) -> str:
    return f"{BASE}/{resource['resourceType']}/{resource['id']}"


def sessions_in(sessions: pd.DataFrame, first: date, last: date) -> pd.DataFrame:
    """The counted sessions (not duplicates) whose local day lies in ``[first, last]``,
    in time order."""
    if sessions.empty:
        return sessions
    counted = sessions["duplicate_of"].isna().to_numpy()
    inside = [first <= d <= last for d in sessions["local_date"].tolist()]
    chosen = sessions.loc[counted & pd.Series(inside, index=sessions.index).to_numpy()]
    return chosen.sort_values(["start_utc", "session_id"])


def goals(p: Participant, start: date | None) -> list[dict[str, Any]]:
    """The prescription as two Goals: walking and training."""
    t = p.target
    walking = _goal(
        p.id,
        "walking",
        f"Walking at least {t.min_minutes} minutes a day (credited up to {t.max_minutes}), "
        f"a walk every {t.every_n_days} days ({adherence.weekly_target_days(t)} days a week)",
        [
            _target(WALKING_MINUTES, t.min_minutes, "min/d", ">="),
            _target(WALKING_DAYS, adherence.weekly_target_days(t), "d/wk", ">="),
            _target(WALK_INTERVAL, t.every_n_days, "d", None),
        ],
        start,
    )
    training = _goal(
        p.id,
        "training",
        f"{t.training_sessions_per_week} training sessions a week "
        f"({', '.join(ACTIVITY_NAMES[c] for c in TRAINING)}) "
        f"of at least {t.min_training_minutes} minutes",
        [
            _target(TRAINING_SESSIONS, t.training_sessions_per_week, "/wk", ">="),
            _target(TRAINING_MINUTES, t.min_training_minutes, "min", ">="),
        ],
        start,
    )
    return [walking, training]


def _goal(
    participant: str,
    kind: str,
    text: str,
    targets: list[dict[str, Any]],
    start: date | None,
) -> dict[str, Any]:
    goal: dict[str, Any] = {
        "resourceType": "Goal",
        "id": resource_id(participant, "goal", kind),
        "lifecycleStatus": "active",
        "category": [_concept(PHYSICAL_ACTIVITY)],
        "description": {"text": text},
        "subject": _subject(participant),
        "target": targets,
    }
    if start is not None:
        goal["startDate"] = start.isoformat()
    return goal


def _target(
    code: tuple[str, str, str], value: int, unit: str, comparator: str | None
) -> dict[str, Any]:
    quantity = _quantity(value, unit)
    if comparator is not None:
        quantity = {"comparator": comparator, **quantity}
    return {"measure": _concept(code), "detailQuantity": quantity}


def day_observations(p: Participant, row: Mapping[Any, Any]) -> list[dict[str, Any]]:
    """A day's Observations: steps and walking minutes when it has data, pain when the
    diary has an entry."""
    day: date = row["date"]
    out: list[dict[str, Any]] = []
    wear = wear_percent(row.get("wear_minutes"), day, p.tz)
    worn = [_component(ACTIVE_PERCENT, _quantity(wear, "%"))] if wear is not None else []
    if has_steps(row):
        steps = _observation(p.id, "steps", day, STEPS, day.isoformat(), activity=True)
        steps["valueQuantity"] = _quantity(int(row["steps"]), "/d")
        out.append(steps | ({"component": worn} if worn else {}))
    if bool(row["has_data"]):
        walking = _observation(p.id, "walking", day, WALKING_MINUTES, day.isoformat(), True)
        walking["valueQuantity"] = _quantity(round(float(row["walking_minutes"]), 1), "min/d")
        out.append(walking | ({"component": worn} if worn else {}))
    pain = row.get("pain")
    if pain is not None and not pd.isna(pain):
        score, value = pain_scores(float(pain))
        obs = _observation(p.id, "pain", day, PAIN, day.isoformat(), activity=False)
        obs["valueQuantity"] = _quantity(score, "{score}")
        obs["component"] = [_component(PAIN_100, _quantity(value, "{score}"))]
        entries = row.get("pain_entries")
        if entries is not None and not pd.isna(entries):
            obs["component"].append({"code": _concept(PAIN_ENTRIES), "valueInteger": int(entries)})
        out.append(obs)
    return out


def session_observations(p: Participant, sessions: pd.DataFrame) -> list[dict[str, Any]]:
    """Per session the IG's activity panel and its two members (activity, duration), all
    over the session's time (UTC)."""
    out: list[dict[str, Any]] = []
    for row in sessions.to_dict("records"):
        sid = str(row["session_id"])
        period = {"start": _instant(row["start_utc"]), "end": _instant(row["end_utc"])}
        category = str(row["category"])
        activity = _observation(p.id, "activity", sid, ACTIVITY, None, activity=True)
        codings = [{"system": ACTIVITIES, "code": category, "display": ACTIVITY_NAMES[category]}]
        if category in LOINC_ACTIVITY:
            code, display = LOINC_ACTIVITY[category]
            codings.insert(0, {"system": LOINC, "code": code, "display": display})
        activity["valueCodeableConcept"] = {"coding": codings, "text": ACTIVITY_NAMES[category]}
        duration = _observation(p.id, "duration", sid, DURATION, None, activity=True)
        duration["valueQuantity"] = _quantity(round(float(row["moving_s"]) / 60, 1), "min")
        panel = _observation(p.id, "panel", sid, PANEL, None, activity=True)
        members = [activity, duration]
        panel["hasMember"] = [{"reference": f"Observation/{m['id']}"} for m in members]
        for obs in (panel, *members):
            obs["effectivePeriod"] = period
        out += [panel, *members]
    return out


def questionnaire_response(participant: str, answers: Answers) -> dict[str, Any]:
    """An answered questionnaire as a completed ``QuestionnaireResponse``: one item per
    answer (integer, decimal, text or yes/no as given) and the score as the item
    ``score`` (a decimal). The questionnaire is named by backtrack's canonical URL."""
    if SCORE_ITEM in answers.items:
        raise ValueError(f"{answers.questionnaire}: an item may not be called {SCORE_ITEM!r}")
    items = [
        {"linkId": str(link), "answer": [_answer(value)]} for link, value in answers.items.items()
    ]
    if answers.score is not None:
        items.append({"linkId": SCORE_ITEM, "answer": [{"valueDecimal": float(answers.score)}]})
    return {
        "resourceType": "QuestionnaireResponse",
        "id": resource_id(participant, "questionnaire", f"{answers.questionnaire}/{answers.date}"),
        "questionnaire": f"{BASE}/Questionnaire/{answers.questionnaire}",
        "status": "completed",
        "subject": _subject(participant),
        "authored": answers.date.isoformat(),
        "item": items,
    }


def _answer(value: int | float | str | bool) -> dict[str, Any]:
    if isinstance(value, bool):
        return {"valueBoolean": value}
    if isinstance(value, int):
        return {"valueInteger": value}
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"an answer must be a finite number, not {value}")
        return {"valueDecimal": value}
    return {"valueString": str(value)}


def _observation(
    participant: str,
    kind: str,
    key: object,
    code: tuple[str, str, str],
    effective: str | None,
    activity: bool,
) -> dict[str, Any]:
    category = (
        [
            _concept((OBSERVATION_CATEGORY, "activity", "Activity")),
            _concept(PHYSICAL_ACTIVITY),
        ]
        if activity
        else [_concept((OBSERVATION_CATEGORY, "survey", "Survey"))]
    )
    obs: dict[str, Any] = {
        "resourceType": "Observation",
        "id": resource_id(participant, kind, key),
        "status": "final",
        "category": category,
        "code": _concept(code),
        "subject": _subject(participant),
    }
    if effective is not None:
        obs["effectiveDateTime"] = effective
    return obs


def _subject(participant: str) -> dict[str, str]:
    return {"reference": f"Patient/{fhir_id(participant)}"}


def _concept(code: tuple[str, str, str]) -> dict[str, Any]:
    system, value, display = code
    return {"coding": [{"system": system, "code": value, "display": display}]}


def _component(code: tuple[str, str, str], quantity: dict[str, Any]) -> dict[str, Any]:
    return {"code": _concept(code), "valueQuantity": quantity}


def _quantity(value: float | int | None, unit: str) -> dict[str, Any]:
    return {"value": value, "unit": unit, "system": UCUM, "code": unit}


def _instant(value: datetime | pd.Timestamp) -> str:
    """An aware instant as FHIR dateTime in UTC (``…Z``), to the second."""
    stamp = pd.Timestamp(value)
    if stamp.tzinfo is None:
        raise ValueError(f"{value!r} has no time zone")
    return stamp.tz_convert("UTC").strftime("%Y-%m-%dT%H:%M:%SZ")


def validate(document: Mapping[str, Any]) -> None:
    """Check ``document`` against the FHIR models (``fhir.resources``, R4B — the R4
    models need pydantic 1; docs/fhir.md): every entry parsed as its resource type.
    Raises ``ValueError`` (pydantic's ``ValidationError``) naming the field."""
    from fhir.resources.R4B.bundle import Bundle  # a heavy import: only when validating

    Bundle.model_validate(dict(document))
