"""TCX documents written in code: the TrainingCenterDatabase around given activities
(the TCX reader's tests, the hostile corpus)."""

from __future__ import annotations

NAMESPACES = (
    'xmlns="http://www.garmin.com/xmlschemas/TrainingCenterDatabase/v2" '
    'xmlns:ns3="http://www.garmin.com/xmlschemas/ActivityExtension/v2" '
    'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"'
)


def doc(*activities: str, author: str | None = "Connect Api", body: str | None = None) -> bytes:
    author_element = (
        f'<Author xsi:type="Application_t"><Name>{author}</Name></Author>' if author else ""
    )
    content = body if body is not None else "<Activities>" + "".join(activities) + "</Activities>"
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<TrainingCenterDatabase {NAMESPACES}>'
        f"{content}{author_element}</TrainingCenterDatabase>"
    ).encode()
