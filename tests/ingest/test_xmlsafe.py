"""Safe XML parsing: DTDs, entities and malformed documents are refused with a reason."""

from __future__ import annotations

import io
import time
from datetime import UTC, datetime

import pytest

from ingest import gpx, tcx
from ingest.records import RejectedFile
from ingest.xmlsafe import (
    child,
    child_text,
    children,
    iter_xml,
    local_name,
    parse_xml,
    parse_xsd_datetime,
    sniff_root,
)
from tests.support.xml_attacks import BILLION_LAUGHS, XXE, XXE_PARAMETER

EXTERNAL_DTD = (
    b'<?xml version="1.0"?>\n'
    b'<!DOCTYPE gpx SYSTEM "http://www.topografix.com/GPX/1/1/gpx.dtd">\n<gpx/>'
)
INTERNAL_DTD = b'<?xml version="1.0"?>\n<!DOCTYPE gpx [ <!ELEMENT gpx ANY> ]>\n<gpx/>'

BOMB_REASON = "XML entity declarations are not allowed: the file declares 10 entities"
XXE_REASON = "XML entity declarations are not allowed: the file declares external entities"
DTD_REASON = "XML document type declarations (DOCTYPE/DTD) are not allowed"


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (BILLION_LAUGHS, BOMB_REASON),
        (XXE, XXE_REASON + " (secret)"),
        (EXTERNAL_DTD, DTD_REASON),
        (INTERNAL_DTD, DTD_REASON),
    ],
    ids=["billion-laughs", "xxe", "external-dtd", "internal-dtd"],
)
def test_parse_xml_refuses_dtds_and_entities(data: bytes, reason: str) -> None:
    started = time.perf_counter()
    with pytest.raises(RejectedFile) as caught:
        parse_xml(data)
    assert caught.value.reason.startswith(reason)
    assert time.perf_counter() - started < 1.0  # nothing was expanded


def test_parameter_entity_from_the_network_is_never_fetched() -> None:
    with pytest.raises(RejectedFile) as caught:
        parse_xml(XXE_PARAMETER)
    # libxml2 stops at the undefined parameter entity or we refuse the declaration:
    # either way a RejectedFile, and no network access (no_network=True, load_dtd=False).
    assert caught.value.reason.startswith(("XML entity declarations", "not well-formed XML"))


def test_bomb_and_xxe_are_named_in_the_reason() -> None:
    with pytest.raises(RejectedFile) as bomb:
        parse_xml(BILLION_LAUGHS)
    assert "billion laughs" in bomb.value.reason
    with pytest.raises(RejectedFile) as xxe:
        parse_xml(XXE)
    assert "XXE" in xxe.value.reason


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"<gpx><trk></gpx>", "not well-formed XML: Opening and ending tag mismatch"),
        (b"<gpx>", "not well-formed XML: "),
        (b"not xml at all", "not well-formed XML: Start tag expected"),
        (b"<gpx>&nbsp;</gpx>", "not well-formed XML: Entity 'nbsp' not defined"),
        (b"", "empty XML document"),
        (b"  \n ", "empty XML document"),
    ],
)
def test_parse_xml_rejects_malformed(data: bytes, reason: str) -> None:
    with pytest.raises(RejectedFile) as caught:
        parse_xml(data)
    assert caught.value.reason.startswith(reason)


def test_malformed_reason_names_the_line() -> None:
    with pytest.raises(RejectedFile) as caught:
        parse_xml(b"<gpx>\n<trk>\n</gpx>\n")
    assert caught.value.reason.endswith("(line 3)")


def test_parse_xml_reads_bom_namespaces_and_a_doctype_lookalike_in_a_comment() -> None:
    data = (
        b"\xef\xbb\xbf<?xml version='1.0' encoding='UTF-8'?>\n"
        b"<!-- <!DOCTYPE gpx [<!ENTITY x 'y'>]> -->\n"
        b'<gpx xmlns="http://www.topografix.com/GPX/1/1" xmlns:e="urn:e">'
        b"<trk><name> Morning &amp; walk </name><e:x>1</e:x><e:x>2</e:x></trk></gpx>"
    )
    root = parse_xml(data)
    assert local_name(root) == "gpx"
    track = child(root, "trk")
    assert track is not None
    assert child_text(track, "name") == "Morning & walk"
    assert [item.text for item in children(track, "x")] == ["1", "2"]
    assert child(track, "missing") is None
    assert child_text(track, "missing") is None


@pytest.mark.parametrize(
    ("data", "reason"),
    [(BILLION_LAUGHS, BOMB_REASON), (XXE, XXE_REASON), (EXTERNAL_DTD, DTD_REASON)],
    ids=["billion-laughs", "xxe", "dtd"],
)
@pytest.mark.parametrize("tag", ["trk", "Record"], ids=["matching", "not-matching"])
def test_iter_xml_refuses_dtds_and_entities(data: bytes, reason: str, tag: str) -> None:
    with pytest.raises(RejectedFile) as caught:
        list(iter_xml(io.BytesIO(data), [tag]))
    assert caught.value.reason.startswith(reason)


def test_iter_xml_yields_complete_elements_in_any_namespace_and_clears_them() -> None:
    data = (
        b'<HealthData xmlns:x="urn:x"><Record type="a"><Meta k="1"/></Record>'
        b'<x:Record type="b"/><Workout><Record type="c"/><Stat v="2"/></Workout></HealthData>'
    )
    seen: list[tuple[str, str | None, int]] = []
    yielded = []
    for element in iter_xml(data, ["Record", "Workout"]):
        seen.append((local_name(element), element.get("type"), len(element)))
        yielded.append(element)
    assert seen == [
        ("Record", "a", 1),
        ("Record", "b", 0),
        ("Record", "c", 0),
        ("Workout", None, 2),
    ]
    # cleared after the consumer moved on (the nested Record only with its Workout)
    assert [len(element) for element in yielded] == [0, 0, 0, 0]


def test_iter_xml_reads_a_stream_and_rejects_malformed_xml_midway() -> None:
    stream = io.BytesIO(b"<Root><Item>1</Item><Item>2</Item><Item></Root>")
    items = []
    with pytest.raises(RejectedFile) as caught:
        for element in iter_xml(stream, ["Item"]):
            items.append(element.text)
    assert items == ["1", "2"]
    assert caught.value.reason.startswith("not well-formed XML")


def test_iter_xml_needs_tags() -> None:
    with pytest.raises(ValueError):
        list(iter_xml(b"<a/>", []))


@pytest.mark.parametrize(
    ("head", "root"),
    [
        (b'<?xml version="1.0"?><gpx version="1.1">', "gpx"),
        (b"\xef\xbb\xbf<?xml version='1.0'?>\n<gpx>", "gpx"),
        (b"<gpx", "gpx"),  # cut off after the name
        (
            b"  \n<!-- exported -->\n<?pi x?><TrainingCenterDatabase xmlns='x'>",
            "TrainingCenterDatabase",
        ),
        (b'<!DOCTYPE gpx [ <!ENTITY a "b>c"> ]><gpx/>', "gpx"),
        (b'<!DOCTYPE gpx SYSTEM "x.dtd"><gpx/>', "gpx"),
        (b'<g:gpx xmlns:g="http://www.topografix.com/GPX/1/1">', "gpx"),
        ('<?xml version="1.0" encoding="UTF-16"?><gpx>'.encode("utf-16"), "gpx"),
        ("<HealthData locale='en'>".encode("utf-16-le"), "HealthData"),
        (b"<gpxdata>", "gpxdata"),
        (b"<html><body>", "html"),
        (b"", None),
        (b"gpx", None),
        (b"date,steps\n", None),
        (b"<!-- never closed", None),
        (b'<?xml version="1.0"?>', None),
        (b"\x0e\x10\x00\x00.FIT", None),
        (b"PK\x03\x04", None),
    ],
)
def test_sniff_root(head: bytes, root: str | None) -> None:
    assert sniff_root(head) == root


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2024-05-01T09:00:00Z", (datetime(2024, 5, 1, 9, tzinfo=UTC), 0)),
        ("2024-05-01T09:00:00.5Z", (datetime(2024, 5, 1, 9, 0, 0, 500000, tzinfo=UTC), 0)),
        (
            "1901-12-13T20:45:52.2073437Z",
            (datetime(1901, 12, 13, 20, 45, 52, 207343, tzinfo=UTC), 0),
        ),
        ("2024-05-01T11:00:00+02:00", (datetime(2024, 5, 1, 9, tzinfo=UTC), 7200)),
        ("2024-05-01T14:30:00+0530", (datetime(2024, 5, 1, 9, tzinfo=UTC), 19800)),
        ("2024-05-01T04:00:00-05", (datetime(2024, 5, 1, 9, tzinfo=UTC), -18000)),
        ("2024-05-01T09:00:00+00:00", (datetime(2024, 5, 1, 9, tzinfo=UTC), 0)),
        ("2024-05-01T09:00:00", (datetime(2024, 5, 1, 9, tzinfo=UTC), None)),
        (" 2024-05-01 09:00 ", (datetime(2024, 5, 1, 9, tzinfo=UTC), None)),
        ("2024-02-30T09:00:00Z", None),
        ("2024-05-01T25:00:00Z", None),
        ("2024-05-01T09:00:00+15:00", None),
        ("2024-05-01T09:00:00+02:75", None),
        ("2024-05-01", None),
        ("yesterday", None),
        ("", None),
        (None, None),
    ],
)
def test_parse_xsd_datetime(text: str | None, expected: tuple[datetime, int | None] | None) -> None:
    assert parse_xsd_datetime(text) == expected


@pytest.mark.parametrize("reader", [gpx.parse, tcx.parse], ids=["gpx", "tcx"])
@pytest.mark.parametrize(
    ("data", "reason"),
    [(BILLION_LAUGHS, BOMB_REASON), (XXE, XXE_REASON), (EXTERNAL_DTD, DTD_REASON)],
    ids=["billion-laughs", "xxe", "dtd"],
)
def test_readers_reject_bombs_and_xxe(reader: object, data: bytes, reason: str) -> None:
    assert callable(reader)
    with pytest.raises(RejectedFile) as caught:
        reader(data)
    assert caught.value.reason.startswith(reason)
