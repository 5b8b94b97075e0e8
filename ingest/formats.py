"""The registry of reader formats — the one place that lists them.

Order matters: detection asks the sniffers in this order (most specific first), after the
built-in FIT / gzip / zip checks of :mod:`ingest.detect`. Adding a format = one line here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Final

from ingest import (
    apple_health,
    fitbit,
    garmin_connect_csv,
    google_fit,
    gpx,
    polar,
    polar_xml,
    sessions_csv,
    strava,
    suunto_json,
    suunto_sml,
    suunto_xml,
    tcx,
)
from ingest.records import ParsedFile


@dataclass(frozen=True, slots=True)
class Format:
    name: str
    sniff: Callable[[bytes], bool]
    parse: Callable[[bytes], ParsedFile]
    note: str


FORMATS: Final[tuple[Format, ...]] = (
    Format(apple_health.FORMAT, apple_health.sniff, apple_health.parse, "XML root <HealthData>"),
    Format(gpx.FORMAT, gpx.sniff, gpx.parse, "XML root <gpx>"),
    Format(tcx.FORMAT, tcx.sniff, tcx.parse, "XML root <TrainingCenterDatabase>"),
    Format(polar_xml.FORMAT, polar_xml.sniff, polar_xml.parse, "XML <polar-exercise-data>"),
    Format(suunto_sml.FORMAT, suunto_sml.sniff, suunto_sml.parse, "XML root <sml>"),
    Format(suunto_xml.FORMAT, suunto_xml.sniff, suunto_xml.parse, "Moveslink2 <header> log"),
    Format(suunto_json.FORMAT, suunto_json.sniff, suunto_json.parse, '{"DeviceLog": ...}'),
    Format(polar.FORMAT, polar.sniff, polar.parse, "HRM text, [Params]"),
    Format(strava.FORMAT, strava.sniff, strava.parse, "Strava activities.csv"),
    Format(strava.API_FORMAT, strava.sniff_api_json, strava.parse_api_json, "Strava API JSON"),
    Format(google_fit.FORMAT, google_fit.sniff, google_fit.parse, "Takeout Fit CSV / JSON"),
    Format(fitbit.FORMAT, fitbit.sniff, fitbit.parse, "Fitbit / Fitabase CSV and JSON"),
    Format(
        garmin_connect_csv.FORMAT,
        garmin_connect_csv.sniff,
        garmin_connect_csv.parse,
        "Garmin Connect activity list",
    ),
    Format(sessions_csv.FORMAT, sessions_csv.sniff, sessions_csv.parse, "sessions template"),
)
