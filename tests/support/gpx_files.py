"""GPX documents written in code: points north of (0, 0) at ``T0`` + seconds, segments,
tracks and the document around them (the GPX reader's tests, the hostile corpus)."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

T0 = datetime(2024, 5, 1, 9, 0, tzinfo=UTC)


METRES_PER_DEGREE = 6_371_008.8 * math.pi / 180


GPX11 = 'xmlns="http://www.topografix.com/GPX/1/1" version="1.1"'


TPX = 'xmlns:gpxtpx="http://www.garmin.com/xmlschemas/TrackPointExtension/v1"'


def at(seconds: float) -> str:
    return (T0 + timedelta(seconds=seconds)).isoformat().replace("+00:00", "Z")


def pt(
    seconds: float | None,
    north_m: float,
    *,
    cad: float | None = None,
    time: str | None = None,
) -> str:
    """A track point ``north_m`` metres north of (0, 0), at T0 + ``seconds``."""
    stamp = time if time is not None else (None if seconds is None else at(seconds))
    time_element = "" if stamp is None else f"<time>{stamp}</time>"
    extension = (
        ""
        if cad is None
        else "<extensions><gpxtpx:TrackPointExtension>"
        f"<gpxtpx:cad>{cad:g}</gpxtpx:cad></gpxtpx:TrackPointExtension></extensions>"
    )
    lat = north_m / METRES_PER_DEGREE
    return f'<trkpt lat="{lat:.10f}" lon="0"><ele>100</ele>{time_element}{extension}</trkpt>'


def seg(*points: str) -> str:
    return "<trkseg>" + "".join(points) + "</trkseg>"


def trk(*segments: str, name: str | None = None, type_: str | None = None) -> str:
    head = (f"<name>{name}</name>" if name else "") + (f"<type>{type_}</type>" if type_ else "")
    return "<trk>" + head + "".join(segments) + "</trk>"


def doc(*body: str, attributes: str = GPX11, creator: str | None = "OpenTracks") -> bytes:
    creator_attribute = f' creator="{creator}"' if creator else ""
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<gpx {attributes}{creator_attribute} {TPX}>'
        + "".join(body)
        + "</gpx>"
    ).encode()
