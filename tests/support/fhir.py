"""Reading a FHIR bundle back, independently of ``pipelines.rules.fhir``: every resource
parsed by its own model (``fhir.resources.R4B``), references resolved inside the bundle,
and the daily figures found again by their codes."""

from __future__ import annotations

import importlib
from datetime import date
from typing import Any

LOINC = "http://loinc.org"
BACKTRACK = "https://backtrack.example/fhir/CodeSystem/backtrack"
PA = "http://hl7.org/fhir/us/physical-activity/CodeSystem/pa-temporary-codes"


def parse_each(bundle: dict[str, Any]) -> list[Any]:
    """Every entry's resource parsed by the R4B model of its type (raises when one does not
    validate), after the whole bundle validated as a ``Bundle``."""
    from fhir.resources.R4B.bundle import Bundle

    Bundle.model_validate(bundle)
    parsed = []
    for entry in bundle["entry"]:
        kind = entry["resource"]["resourceType"]
        module = importlib.import_module(f"fhir.resources.R4B.{kind.lower()}")
        parsed.append(getattr(module, kind).model_validate(entry["resource"]))
    return parsed


def codes(concept: dict[str, Any]) -> set[tuple[str, str]]:
    return {(c["system"], c["code"]) for c in concept.get("coding", [])}


def unresolved_references(bundle: dict[str, Any]) -> list[str]:
    """Every ``reference`` in the bundle that names no entry (relative references resolved
    against the base of the entries' RESTful fullUrls)."""
    urls = {e["fullUrl"] for e in bundle["entry"]}
    bases = {u.rsplit("/", 2)[0] for u in urls}
    missing: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            ref = node.get("reference")
            if isinstance(ref, str) and not any(f"{b}/{ref}" in urls for b in bases):
                missing.append(ref)
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    for entry in bundle["entry"]:
        walk(entry["resource"])
    return missing


def daily_figures(bundle: dict[str, Any]) -> dict[date, dict[str, float]]:
    """Per local day what the bundle says: ``steps``, ``walking_minutes``, ``wear_percent``,
    ``pain`` (0–100, from its component) and ``pain_0_10``."""
    days: dict[date, dict[str, float]] = {}
    for entry in bundle["entry"]:
        r = entry["resource"]
        if r["resourceType"] != "Observation" or "effectiveDateTime" not in r:
            continue
        day = days.setdefault(date.fromisoformat(r["effectiveDateTime"]), {})
        found = codes(r["code"])
        value = r["valueQuantity"]["value"]
        if (LOINC, "41950-7") in found:
            day["steps"] = value
        elif (BACKTRACK, "walking-minutes") in found:
            day["walking_minutes"] = value
        elif (LOINC, "72514-3") in found:
            day["pain_0_10"] = value
            for component in r.get("component", []):
                if (BACKTRACK, "pain-0-100") in codes(component["code"]):
                    day["pain"] = component["valueQuantity"]["value"]
        for component in r.get("component", []):
            if (PA, "DeviceActivePercentage") in codes(component["code"]):
                day["wear_percent"] = component["valueQuantity"]["value"]
    return days
