"""Activity-type names → FIT (sport, sub_sport) codes, for readers that name a sport in text.

Used by :mod:`ingest.gpx`, :mod:`ingest.tcx` and the place-name rule (:mod:`ingest.places`).
"""

from __future__ import annotations

import re
from typing import Final

__all__ = ["FOOT_SPORTS", "STRAVA_GPX_TYPES", "sport_from_name"]

FOOT_SPORTS: Final = frozenset({1, 11, 17})
"""FIT sports whose cadence counts strides: running, walking, hiking."""

STRAVA_GPX_TYPES: Final[dict[str, str]] = {
    "1": "Ride",
    "4": "Hike",
    "9": "Run",
    "10": "Walk",
    "16": "Swim",
}
"""Strava's numeric ``<type>`` codes in its GPX exports (older exports; newer ones write
"running", "cycling", ...). Codes other than these are not translated."""

_SPORT_BY_NAME: Final[dict[str, tuple[int, int]]] = {
    # walking (FIT 11) and hiking (17)
    "walk": (11, 0),
    "walking": (11, 0),
    "nordic walking": (11, 0),
    "casual walking": (11, 30),
    "speed walking": (11, 31),
    "indoor walking": (11, 27),
    "treadmill walking": (11, 27),
    "hike": (17, 0),
    "hiking": (17, 0),
    # running (1)
    "run": (1, 0),
    "running": (1, 0),
    "jogging": (1, 0),
    "treadmill running": (1, 1),
    "treadmill": (1, 1),
    "street running": (1, 2),
    "trail running": (1, 3),
    "trail run": (1, 3),
    "track running": (1, 4),
    "indoor running": (1, 45),
    # cycling (2), e-biking (21)
    "cycling": (2, 0),
    "biking": (2, 0),
    "bike": (2, 0),
    "ride": (2, 0),
    "indoor cycling": (2, 6),
    "road biking": (2, 7),
    "road cycling": (2, 7),
    "mountain biking": (2, 8),
    "mountain bike ride": (2, 8),
    "gravel cycling": (2, 46),
    "e biking": (21, 0),
    "e bike ride": (21, 0),
    "ebike ride": (21, 0),
    # swimming (5)
    "swim": (5, 0),
    "swimming": (5, 0),
    "pool swim": (5, 17),
    "pool swimming": (5, 17),
    "lap swimming": (5, 17),
    "open water swimming": (5, 18),
    # training (10)
    "training": (10, 0),
    "strength": (10, 20),
    "strength training": (10, 20),
    "weight training": (10, 20),
    "yoga": (10, 43),
    "pilates": (10, 44),
    # others with a FIT code
    "elliptical": (4, 15),
    "stair climbing": (4, 16),
    "indoor rowing": (15, 14),
    "rowing": (15, 0),
    "cross country skiing": (12, 0),
    "nordic ski": (12, 0),
    "alpine skiing": (13, 0),
    "mountaineering": (16, 0),
    "snowshoeing": (35, 0),
    "snowshoe": (35, 0),
    "stand up paddleboarding": (37, 0),
    "stand up paddling": (37, 0),
    "kayaking": (41, 0),
    "driving": (24, 0),
}

_CAMEL_BOUNDARY: Final = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")
_SEPARATORS: Final = re.compile(r"[\s_\-]+")


def sport_from_name(name: str | None) -> tuple[int | None, int | None]:
    """FIT (sport, sub_sport) for an activity-type name, or (None, None) when none fits.

    Case, ``_``/``-``/space separators and CamelCase do not matter ("trail_running",
    "TrailRunning", "Trail Running"); Strava's numeric GPX codes are translated through
    :data:`STRAVA_GPX_TYPES`. "Other", "generic" and unknown names map to (None, None).
    """
    if name is None:
        return None, None
    text = name.strip()
    text = STRAVA_GPX_TYPES.get(text, text)
    key = _SEPARATORS.sub(" ", _CAMEL_BOUNDARY.sub(" ", text)).strip().lower()
    sport = _SPORT_BY_NAME.get(key)
    return (None, None) if sport is None else sport
