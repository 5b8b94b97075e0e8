"""Safe XML for the readers: parsing, streaming, sniffing and ``xsd:dateTime`` values.

Every XML reader (gpx, tcx, apple_health, ...) opens its bytes through this module, so the
defences live in one place:

* lxml is used with ``resolve_entities=False, no_network=True, load_dtd=False,
  huge_tree=False``: no entity is ever expanded, nothing is fetched, libxml2's size and
  depth limits stay on.
* Any document type declaration is refused with a :class:`~ingest.records.RejectedFile`
  whose reason says what was found. The prolog (what precedes the root element, comments
  skipped) is scanned before libxml2 parses anything - libxml2 would otherwise stop a
  bomb with a generic "amplification factor" error - and the parsed document's
  ``docinfo`` is checked again:

  - entity declarations with a ``SYSTEM``/``PUBLIC`` identifier (external entities, "XXE"),
  - other entity declarations (entity expansion, "billion laughs" XML bombs),
  - a bare ``<!DOCTYPE ...>`` (a DTD that could only be used to validate or to fetch).

  GPX, TCX and the other exports read through this module never carry a DTD, so nothing
  real is lost. (Apple Health's ``export.xml`` does carry an internal DTD without
  entities; :mod:`ingest.apple_health` reads it with its own prolog handling.)
* Malformed XML is a :class:`RejectedFile` naming libxml2's message and line.

Element names are matched by *local name* in any namespace (or none): GPX 1.0 and 1.1,
Garmin's TrainingCenterDatabase v1/v2 and vendor extensions use many namespace URIs and
prefixes for the same elements. :func:`local_name`, :func:`children`, :func:`child` and
:func:`child_text` do that lookup.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterable, Iterator, Sequence
from datetime import UTC, datetime, timedelta
from typing import IO, Any, BinaryIO, Final

from lxml import etree

from ingest.records import RejectedFile

__all__ = [
    "MAX_OFFSET_S",
    "child",
    "child_text",
    "children",
    "iter_xml",
    "local_name",
    "parse_xml",
    "parse_xsd_datetime",
    "sniff_root",
]

MAX_OFFSET_S: Final = 14 * 3600
"""The largest UTC offset a real time zone has (±14 h); larger stated offsets are invalid."""

_PARSER_OPTIONS: Final = {
    "resolve_entities": False,
    "no_network": True,
    "load_dtd": False,
    "huge_tree": False,
    "dtd_validation": False,
}


def _parser() -> etree.XMLParser:
    # A new parser per document: lxml parsers are not thread-safe.
    return etree.XMLParser(**_PARSER_OPTIONS)


_ENTITY_DECLARATION: Final = re.compile(
    r"<!ENTITY\s+(?:%\s*)?([^\s\"'>]+)\s*(SYSTEM|PUBLIC)?", re.IGNORECASE
)
_PROLOG_SCAN_BYTES: Final = 64 * 1024


def _refusal(entities: int, external: Sequence[str]) -> RejectedFile:
    if external:
        return RejectedFile(
            "XML entity declarations are not allowed: the file declares external entities "
            f"({', '.join(sorted(set(external)))}) that point outside the file (an XXE attack "
            "pattern); tracker exports never contain them"
        )
    if entities:
        return RejectedFile(
            "XML entity declarations are not allowed: the file declares "
            f"{entities} entities in its DOCTYPE (an entity-expansion 'billion laughs' "
            "XML bomb pattern); tracker exports never contain them"
        )
    return RejectedFile(
        "XML document type declarations (DOCTYPE/DTD) are not allowed: files of this format "
        "never need one"
    )


def _check_prolog(data: bytes) -> None:
    """Refuse a DOCTYPE before libxml2 sees it, so the reason names what it declares."""
    doctype, _root = _scan_prolog(_decode_head(data[:_PROLOG_SCAN_BYTES]))
    if doctype is None:
        return
    declarations = _ENTITY_DECLARATION.findall(doctype)
    raise _refusal(len(declarations), [name for name, kind in declarations if kind])


def _check_no_dtd(tree: etree._ElementTree) -> None:
    """Raise :class:`RejectedFile` when the parsed document declares a DTD or entities."""
    docinfo = tree.docinfo
    internal = docinfo.internalDTD
    entities = list(internal.iterentities()) if internal is not None else []
    if entities or internal is not None or docinfo.doctype or docinfo.system_url:
        raise _refusal(len(entities), [entity.name for entity in entities if entity.system_url])
    if docinfo.public_id:
        raise _refusal(0, [])


def _syntax_error(error: etree.XMLSyntaxError) -> RejectedFile:
    message = str(error.msg or error).strip()
    line = f" (line {error.lineno})" if getattr(error, "lineno", None) else ""
    return RejectedFile(f"not well-formed XML: {message}{line}")


def parse_xml(data: bytes) -> etree._Element:
    """Parse a whole XML document safely and return its root element.

    Raises :class:`RejectedFile` for empty or malformed documents and for documents that
    declare a DTD or entities (see the module docstring).
    """
    if not data.strip():
        raise RejectedFile("empty XML document")
    _check_prolog(data)
    try:
        root = etree.fromstring(data, _parser())
    except etree.XMLSyntaxError as error:
        raise _syntax_error(error) from error
    if root is None:  # pragma: no cover - lxml raises instead for documents without root
        raise RejectedFile("XML document has no root element")
    _check_no_dtd(root.getroottree())
    return root


def iter_xml(source: BinaryIO | bytes, tags: Iterable[str]) -> Iterator[etree._Element]:
    """Stream the elements whose local name is in ``tags``, each when it is complete.

    For documents too large to hold as a tree (an Apple Health ``export.xml``). Elements are
    yielded at their end tag, in document order, with all their children. When the consumer
    moves on, the element is cleared and the siblings before it are dropped so memory
    stays flat - copy whatever is needed before advancing. An element inside another
    requested element is not cleared (its ancestor still needs it) until that ancestor is.

    Raises :class:`RejectedFile` as :func:`parse_xml` does; the DTD check happens before the
    first element is yielded (entities are never expanded in any case).
    """
    wanted = frozenset(tags)
    if not wanted:
        raise ValueError("iter_xml needs at least one tag name")
    stream: IO[bytes]
    if isinstance(source, bytes):
        _check_prolog(source)
        stream = io.BytesIO(source)
    else:
        peeked = _PeekedStream(source, _PROLOG_SCAN_BYTES)
        _check_prolog(peeked.head)
        stream = io.BufferedReader(peeked)
    context = etree.iterparse(
        stream, events=("end",), tag=[f"{{*}}{tag}" for tag in sorted(wanted)], **_PARSER_OPTIONS
    )
    checked = False
    try:
        for _event, element in context:
            if not checked:
                _check_no_dtd(element.getroottree())
                checked = True
            yield element
            if any(local_name(parent) in wanted for parent in element.iterancestors()):
                continue
            element.clear(keep_tail=True)
            parent = element.getparent()
            if parent is not None:
                while element.getprevious() is not None:
                    del parent[0]
    except etree.XMLSyntaxError as error:
        raise _syntax_error(error) from error
    if not checked:
        root = context.root
        if root is None:  # pragma: no cover - an empty stream raises XMLSyntaxError
            raise RejectedFile("empty XML document")
        _check_no_dtd(root.getroottree())


def local_name(element: etree._Element) -> str:
    """The element's name without namespace ("" for comments and processing instructions)."""
    tag = element.tag
    if not isinstance(tag, str):
        return ""
    return tag.rpartition("}")[2]


def children(element: etree._Element, name: str) -> list[etree._Element]:
    """The direct children called ``name`` (local name, any namespace)."""
    return [item for item in element if local_name(item) == name]


def child(element: etree._Element, name: str) -> etree._Element | None:
    """The first direct child called ``name`` (local name, any namespace), or None."""
    for item in element:
        if local_name(item) == name:
            return item
    return None


def child_text(element: etree._Element, name: str) -> str | None:
    """The stripped text of the first child called ``name``; None when absent or empty."""
    found = child(element, name)
    if found is None or found.text is None:
        return None
    text = found.text.strip()
    return text or None


# --- sniffing ---------------------------------------------------------------------------

_ROOT_TAG: Final = re.compile(r"<(?:[A-Za-z_][\w.\-]*:)?([A-Za-z_][\w.\-]*)(?=[\s/>]|$)")


def _decode_head(head: bytes) -> str:
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return head[: len(head) // 2 * 2].decode("utf-16", errors="replace")
    if head.startswith(b"\xef\xbb\xbf"):
        head = head[3:]
    elif len(head) >= 2 and head[0] == 0 and head[1] != 0:  # UTF-16 BE without BOM
        return head[: len(head) // 2 * 2].decode("utf-16-be", errors="replace")
    elif len(head) >= 2 and head[0] != 0 and head[1] == 0:  # UTF-16 LE without BOM
        return head[: len(head) // 2 * 2].decode("utf-16-le", errors="replace")
    return head.decode("latin-1")


def _scan_prolog(text: str) -> tuple[str | None, str | None]:
    """(the DOCTYPE declaration, the root element's local name) of a document's start.

    Skips whitespace, the XML declaration, processing instructions and comments. The
    DOCTYPE is returned even when ``text`` ends inside it; the root name is None when it
    is not within ``text`` or when ``text`` is not the start of an XML document.
    """
    doctype: str | None = None
    position, end = 0, len(text)
    while position < end:
        while position < end and text[position] in " \t\r\n":
            position += 1
        if text.startswith("<?", position):
            close = text.find("?>", position)
            if close < 0:
                return doctype, None
            position = close + 2
        elif text.startswith("<!--", position):
            close = text.find("-->", position)
            if close < 0:
                return doctype, None
            position = close + 3
        elif text.startswith("<!DOCTYPE", position):
            bracket = text.find("[", position)
            close = text.find(">", position)
            if 0 <= bracket < close:
                close = text.find("]", bracket)
                close = text.find(">", close) if close >= 0 else -1
            if close < 0:
                return text[position:], None
            doctype = text[position : close + 1]
            position = close + 1
        else:
            match = _ROOT_TAG.match(text, position)
            return doctype, (match.group(1) if match else None)
    return doctype, None


def sniff_root(head: bytes) -> str | None:
    """The local name of the root element of the XML document starting with ``head``.

    Skips a byte-order mark, the XML declaration, processing instructions, comments,
    whitespace and a DOCTYPE (whose internal subset may hold ``>``). Returns None when
    ``head`` does not look like the start of an XML document or the root element is not
    within it. Cheap, and never raises.
    """
    try:
        return _scan_prolog(_decode_head(head))[1]
    except Exception:  # a sniffer never raises
        return None


class _PeekedStream(io.RawIOBase):
    """A binary stream whose first bytes were read ahead (``head``) and are replayed."""

    def __init__(self, stream: BinaryIO, size: int) -> None:
        super().__init__()
        self._stream = stream
        self.head = stream.read(size)
        self._pending = memoryview(self.head)

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        target = memoryview(buffer).cast("B")
        if self._pending.nbytes:
            count = min(len(target), self._pending.nbytes)
            target[:count] = self._pending[:count]
            self._pending = self._pending[count:]
            return count
        data = self._stream.read(len(target))
        target[: len(data)] = data
        return len(data)


# --- xsd:dateTime -----------------------------------------------------------------------

_DATETIME: Final = re.compile(
    r"""\s*(?P<date>\d{4}-\d{2}-\d{2})[Tt ]
        (?P<hour>\d{2}):(?P<minute>\d{2})(?::(?P<second>\d{2})(?:[.,](?P<fraction>\d+))?)?
        \s*(?P<zone>[Zz]|[+-]\d{2}(?::?\d{2})?)?\s*""",
    re.VERBOSE,
)


def parse_xsd_datetime(text: str | None) -> tuple[datetime, int | None] | None:
    """An ``xsd:dateTime`` (ISO 8601) as (aware UTC instant, stated offset in seconds).

    The offset is 0 for ``Z``/``+00:00`` and None when the text states no zone at all; then
    the instant is the wall-clock time tagged UTC (the caller decides what a zone-less time
    means in its format). Accepts a space for ``T``, any number of fractional digits
    (truncated to microseconds) and offsets written ``+05:30``, ``+0530`` or ``+05``.
    Returns None for anything else, for impossible dates and for offsets beyond ±14 h.
    """
    if text is None:
        return None
    match = _DATETIME.fullmatch(text)
    if match is None:
        return None
    try:
        year, month, day = (int(part) for part in match["date"].split("-"))
        fraction = (match["fraction"] or "")[:6].ljust(6, "0")
        wall = datetime(
            year,
            month,
            day,
            int(match["hour"]),
            int(match["minute"]),
            int(match["second"] or 0),
            int(fraction),
            tzinfo=UTC,
        )
    except ValueError:
        return None
    zone = match["zone"]
    if zone is None:
        return wall, None
    if zone in ("Z", "z"):
        return wall, 0
    digits = zone[1:].replace(":", "")
    offset_s = int(digits[:2]) * 3600 + int(digits[2:4] or 0) * 60
    if zone[0] == "-":
        offset_s = -offset_s
    if abs(offset_s) > MAX_OFFSET_S or int(digits[2:4] or 0) >= 60:
        return None
    try:
        return wall - timedelta(seconds=offset_s), offset_s
    except OverflowError:
        return None
