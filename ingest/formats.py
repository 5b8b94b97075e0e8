"""The registry of reader formats — the one place that lists them.

Order matters: detection asks the sniffers in this order (most specific first); the formats
known by a binary signature (FIT) are asked before the gzip / zip checks of
:mod:`ingest.detect`, the others after them. Adding a format = one line here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import BinaryIO, Final

from ingest import (
    apple_health,
    fit,
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
    """One reader: its format name, sniffer (first bytes → is it mine? never raises) and
    parser (bytes → records; raises only :class:`~ingest.records.UnusableFile` for a file
    it cannot use - anything else is a bug, reported by :mod:`ingest.read`).

    ``signature``: the sniffer looks for a binary signature (asked before the containers);
    ``parse_named``: a parser that also takes the file's name (it only sharpens what the
    content says); ``parse_stream``: a parser of a binary stream, for files streamed from
    disk, that must give what ``parse`` gives.
    """

    name: str
    sniff: Callable[[bytes], bool]
    parse: Callable[[bytes], ParsedFile]
    note: str
    signature: bool = False
    parse_named: Callable[[bytes, str], ParsedFile] | None = None
    parse_stream: Callable[[BinaryIO], ParsedFile] | None = None


FORMATS: Final[tuple[Format, ...]] = (
    Format(fit.FORMAT, fit.sniff, fit.parse_fit, "FIT header '.FIT'", signature=True),
    Format(
        apple_health.FORMAT,
        apple_health.sniff,
        apple_health.parse,
        "XML root <HealthData>",
        parse_stream=apple_health.parse_stream,
    ),
    Format(gpx.FORMAT, gpx.sniff, gpx.parse, "XML root <gpx>"),
    Format(tcx.FORMAT, tcx.sniff, tcx.parse, "XML root <TrainingCenterDatabase>"),
    Format(polar_xml.FORMAT, polar_xml.sniff, polar_xml.parse, "XML <polar-exercise-data>"),
    Format(suunto_sml.FORMAT, suunto_sml.sniff, suunto_sml.parse, "XML root <sml>"),
    Format(suunto_xml.FORMAT, suunto_xml.sniff, suunto_xml.parse, "Moveslink2 <header> log"),
    Format(suunto_json.FORMAT, suunto_json.sniff, suunto_json.parse, '{"DeviceLog": ...}'),
    Format(polar.FORMAT, polar.sniff, polar.parse, "HRM text, [Params]"),
    Format(strava.FORMAT, strava.sniff, strava.parse, "Strava activities.csv"),
    Format(strava.API_FORMAT, strava.sniff_api_json, strava.parse_api_json, "Strava API JSON"),
    Format(
        google_fit.FORMAT,
        google_fit.sniff,
        google_fit.parse,
        "Takeout Fit CSV / JSON",
        parse_named=lambda data, name: google_fit.parse(data, name=name),
    ),
    Format(
        fitbit.FORMAT,
        fitbit.sniff,
        fitbit.parse,
        "Fitbit / Fitabase CSV and JSON",
        parse_named=lambda data, name: fitbit.parse(data, name=name),
    ),
    Format(
        garmin_connect_csv.FORMAT,
        garmin_connect_csv.sniff,
        garmin_connect_csv.parse,
        "Garmin Connect activity list",
    ),
    Format(sessions_csv.FORMAT, sessions_csv.sniff, sessions_csv.parse, "sessions template"),
)
