"""The mutations: generic ones on bytes and ones aware of a seed's structure (text, XML,
JSON, CSV lines, FIT messages, archives), and :func:`mutate_bytes` choosing among them."""

from __future__ import annotations

import gzip
import io
import json
import re
import struct
import zipfile
import zlib
from collections.abc import Callable, Sequence
from typing import Any, Final

from ingest.fit import fit_crc
from tests.fuzz.harness.choosers import Chooser, pick
from tests.fuzz.harness.dictionary import (
    INTERESTING_BYTES,
    INTERESTING_DATES,
    INTERESTING_JSON,
    INTERESTING_NUMBERS,
    INTERESTING_WORDS,
    NAMES,
    TOKENS,
)
from tests.fuzz.harness.seeds import SeedKind, splice_pool, zip_archive

MAX_INPUT_BYTES: Final = 256 * 1024
"""Mutations stop growing an input here (FIT: :data:`MAX_FIT_BYTES`)."""
MAX_FIT_BYTES: Final = 64 * 1024

Mutation = Callable[[bytes, Chooser], bytes | None]

_NUMBER: Final = re.compile(rb"[-+]?\d+(?:[.,]\d+)?(?:[eE][-+]?\d+)?")
_DATE: Final = re.compile(
    rb"\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z| ?[+-]\d{2}:?\d{2})?)?"
    rb"|\d{1,2}[./]\d{1,2}[./]\d{2,4}(?: \d{1,2}:\d{2}(?::\d{2})?(?: [AP]M)?)?"
    rb"|[A-Z][a-z]{2} \d{1,2}, \d{4}, \d{1,2}:\d{2}:\d{2} [AP]M"
    rb"|\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?"
)
_BOUNDARY: Final = re.compile(rb"[>,;\n\":=\[{\]}\t ]")
# Bounded names: a run of 100,000 letters must not cost 100,000² steps to scan.
_START_TAG: Final = re.compile(rb"<([A-Za-z_][\w:.-]{0,99})\b[^<>]*?(/?)>")
_ATTRIBUTE: Final = re.compile(rb"""\s([\w:.-]{1,100})=("[^"]*"|'[^']*')""")
_TEXT: Final = re.compile(rb">([^<>]+)</")
_MATCH_LIMIT: Final = 4000


def _matches(pattern: re.Pattern[bytes], data: bytes) -> list[re.Match[bytes]]:
    found = []
    for match in pattern.finditer(data):
        found.append(match)
        if len(found) >= _MATCH_LIMIT:
            break
    return found


# -- generic byte mutations ------------------------------------------------------------


def _copies(c: Chooser, size: int) -> int:
    """How many copies of a ``size``-byte piece to add: mostly a few, now and then
    thousands (a reader quadratic in elements shows), never past the input size bound."""
    wanted = 1 + c.below(3) if c.below(4) else 1 + c.below(5000)
    return max(1, min(wanted, MAX_INPUT_BYTES // max(size, 1)))


def flip_bit(data: bytes, c: Chooser) -> bytes | None:
    if not data:
        return None
    out = bytearray(data)
    out[c.below(len(out))] ^= 1 << c.below(8)
    return bytes(out)


def set_byte(data: bytes, c: Chooser) -> bytes | None:
    if not data:
        return None
    out = bytearray(data)
    out[c.below(len(out))] = pick(INTERESTING_BYTES, c) if c.below(2) else c.below(256)
    return bytes(out)


def set_word(data: bytes, c: Chooser) -> bytes | None:
    width = pick((2, 4), c)
    if len(data) < width:
        return None
    at = c.below(len(data) - width + 1)
    value = pick(INTERESTING_WORDS, c) & ((1 << (8 * width)) - 1)
    order = pick(("little", "big"), c)
    return data[:at] + value.to_bytes(width, order) + data[at + width :]


def insert_bytes(data: bytes, c: Chooser) -> bytes | None:
    at = c.below(len(data) + 1)
    blob = c.raw(1 + c.below(16)) if c.below(2) else pick(TOKENS, c)
    return data[:at] + blob + data[at:]


def delete_range(data: bytes, c: Chooser) -> bytes | None:
    if not data:
        return None
    at = c.below(len(data))
    size = 1 + c.below(min(64, len(data) - at))
    return data[:at] + data[at + size :]


def truncate(data: bytes, c: Chooser) -> bytes | None:
    return data[: c.below(len(data))] if data else None


def duplicate_chunk(data: bytes, c: Chooser) -> bytes | None:
    if not data:
        return None
    at = c.below(len(data))
    chunk = data[at : at + 1 + c.below(min(512, len(data) - at))]
    times = _copies(c, len(chunk))
    where = c.below(len(data) + 1)
    return data[:where] + chunk * times + data[where:]


def copy_chunk(data: bytes, c: Chooser) -> bytes | None:
    """Overwrite a chunk with another chunk of the same input (keeps the length)."""
    if len(data) < 2:
        return None
    size = 1 + c.below(min(64, len(data) // 2))
    source, target = c.below(len(data) - size + 1), c.below(len(data) - size + 1)
    return data[:target] + data[source : source + size] + data[target + size :]


def swap_chunks(data: bytes, c: Chooser) -> bytes | None:
    if len(data) < 4:
        return None
    cuts = sorted(c.below(len(data) + 1) for _ in range(4))
    a, b, d, e = cuts
    return data[:a] + data[d:e] + data[b:d] + data[a:b] + data[e:]


def splice(data: bytes, c: Chooser) -> bytes | None:
    """The head of this input, then the tail of any seed (of any format)."""
    other = pick(splice_pool(), c)
    return data[: c.below(len(data) + 1)] + other[c.below(len(other) + 1) :]


BYTE_MUTATIONS: Final[tuple[Mutation, ...]] = (
    flip_bit,
    set_byte,
    set_word,
    insert_bytes,
    delete_range,
    truncate,
    duplicate_chunk,
    copy_chunk,
    swap_chunks,
    splice,
)


# -- text: numbers, dates, tokens, encodings ---------------------------------------------


def _replace_match(
    data: bytes, c: Chooser, pattern: re.Pattern[bytes], values: Any
) -> bytes | None:
    found = _matches(pattern, data)
    if not found:
        return None
    match = pick(found, c)
    return data[: match.start()] + pick(values, c) + data[match.end() :]


def replace_number(data: bytes, c: Chooser) -> bytes | None:
    return _replace_match(data, c, _NUMBER, INTERESTING_NUMBERS)


def replace_date(data: bytes, c: Chooser) -> bytes | None:
    return _replace_match(data, c, _DATE, INTERESTING_DATES)


def insert_token(data: bytes, c: Chooser) -> bytes | None:
    """A special token right after a structural character (``>``, ``,``, ``:``, ...)."""
    found = _matches(_BOUNDARY, data)
    at = pick(found, c).end() if found else c.below(len(data) + 1)
    return data[:at] + pick(TOKENS, c) + data[at:]


def re_encode(data: bytes, c: Chooser) -> bytes | None:
    text = data.decode("utf-8", errors="replace")
    choice = c.below(7)
    if choice == 0:
        return text.encode("utf-16")
    if choice == 1:
        return text.encode("utf-16-be")
    if choice == 2:
        return text.encode("latin-1", errors="replace")
    if choice == 3:
        return b"\xef\xbb\xbf" + data
    if choice == 4:
        return data.replace(b"\r\n", b"\n").replace(b"\n", b"\r")
    if choice == 5:
        return data.replace(b"\n", b"\r\n")
    return text.encode("utf-32")


TEXT_MUTATIONS: Final[tuple[Mutation, ...]] = (
    replace_number,
    replace_number,
    replace_date,
    replace_date,
    insert_token,
    insert_token,
    re_encode,
)


# -- XML --------------------------------------------------------------------------------


def _element_span(data: bytes, c: Chooser) -> tuple[int, int] | None:
    """The span of one element: a start tag through the first matching end tag after it."""
    found = _matches(_START_TAG, data)
    if not found:
        return None
    start = pick(found, c)
    if start.group(2):  # self-closing
        return start.start(), start.end()
    close = b"</" + start.group(1) + b">"
    end = data.find(close, start.end())
    return (start.start(), start.end()) if end < 0 else (start.start(), end + len(close))


def xml_delete_element(data: bytes, c: Chooser) -> bytes | None:
    span = _element_span(data, c)
    return None if span is None else data[: span[0]] + data[span[1] :]


def xml_duplicate_element(data: bytes, c: Chooser) -> bytes | None:
    span = _element_span(data, c)
    if span is None:
        return None
    element = data[span[0] : span[1]]
    times = _copies(c, len(element))
    return data[: span[1]] + element * times + data[span[1] :]


def xml_swap_elements(data: bytes, c: Chooser) -> bytes | None:
    first, second = _element_span(data, c), _element_span(data, c)
    if first is None or second is None:
        return None
    (a, b), (d, e) = sorted((first, second))
    if b > d:  # nested or overlapping: move the inner one out instead
        return data[:a] + data[d:e] + data[a:d] + data[e:]
    return data[:a] + data[d:e] + data[b:d] + data[a:b] + data[e:]


def xml_move_element(data: bytes, c: Chooser) -> bytes | None:
    span = _element_span(data, c)
    if span is None:
        return None
    element, rest = data[span[0] : span[1]], data[: span[0]] + data[span[1] :]
    found = _matches(_START_TAG, rest)
    at = pick(found, c).end() if found else c.below(len(rest) + 1)
    return rest[:at] + element + rest[at:]


def xml_nest(data: bytes, c: Chooser) -> bytes | None:
    """Wrap an element in deep nesting (or in an element that never closes)."""
    span = _element_span(data, c)
    if span is None:
        return None
    depth = pick((1, 2, 300, 5000), c)
    tag = pick((b"x", b"trkseg", b"Lap", b"Track", b"Samples", b"Record"), c)
    close = b"" if c.below(4) == 0 else b"</" + tag + b">" * depth
    return (
        data[: span[0]]
        + (b"<" + tag + b">") * depth
        + data[span[0] : span[1]]
        + close
        + data[span[1] :]
    )


def xml_replace_text(data: bytes, c: Chooser) -> bytes | None:
    found = _matches(_TEXT, data)
    if not found:
        return None
    match = pick(found, c)
    value = pick((*INTERESTING_NUMBERS, *INTERESTING_DATES, *TOKENS), c)
    return data[: match.start(1)] + value + data[match.end(1) :]


def xml_attribute(data: bytes, c: Chooser) -> bytes | None:
    found = _matches(_ATTRIBUTE, data)
    if not found:
        return None
    match = pick(found, c)
    choice = c.below(4)
    if choice == 0:  # drop it
        return data[: match.start()] + data[match.end() :]
    if choice == 1:  # say it twice
        return data[: match.end()] + b" " + match.group(0) + data[match.end() :]
    value = pick((*INTERESTING_NUMBERS, *INTERESTING_DATES, b"&x;", b"&lt;", b"a" * 10000), c)
    return data[: match.start(2) + 1] + value + data[match.end(2) - 1 :]


def xml_rename_tag(data: bytes, c: Chooser) -> bytes | None:
    found = _matches(_START_TAG, data)
    if not found:
        return None
    match = pick(found, c)
    name = pick((b"x", b"gpx", b"Activity", b"Workout", b"Record", b"trkpt", b"a:b:c", b"1"), c)
    return data[: match.start(1)] + name + data[match.end(1) :]


XML_MUTATIONS: Final[tuple[Mutation, ...]] = (
    xml_delete_element,
    xml_delete_element,
    xml_duplicate_element,
    xml_duplicate_element,
    xml_swap_elements,
    xml_move_element,
    xml_nest,
    xml_replace_text,
    xml_replace_text,
    xml_attribute,
    xml_attribute,
    xml_rename_tag,
)


# -- JSON -------------------------------------------------------------------------------


def _json_slots(document: Any) -> list[tuple[Any, Any]]:
    """(container, key or index) of every value in the document (breadth first, bounded)."""
    slots: list[tuple[Any, Any]] = []
    queue = [document]
    while queue and len(slots) < _MATCH_LIMIT:
        node = queue.pop(0)
        keys: Sequence[Any] = (
            list(node)
            if isinstance(node, dict)
            else range(len(node))
            if isinstance(node, list)
            else ()
        )
        for key in keys:
            slots.append((node, key))
            queue.append(node[key])
    return slots


def json_mutate(data: bytes, c: Chooser) -> bytes | None:
    try:
        document = json.loads(data)
    except (ValueError, RecursionError):
        return None
    slots = _json_slots(document)
    if slots:
        container, key = pick(slots, c)
        choice = c.below(7)
        if choice == 0:  # delete
            del container[key]
        elif choice == 1 and isinstance(container[key], list) and container[key]:  # grow a list
            items = container[key]
            item = items[c.below(len(items))]
            items.extend([item] * _copies(c, len(json.dumps(item))))
        elif choice == 2:  # wrap in a list or an object
            container[key] = [container[key]] if c.below(2) else {"value": container[key]}
        elif choice == 3 and isinstance(container, dict):  # rename the key
            container[pick(("", "x", key.upper() if isinstance(key, str) else "k"), c)] = (
                container.pop(key)
            )
        elif choice == 4:  # swap with another value
            other, other_key = pick(slots, c)
            try:
                container[key], other[other_key] = other[other_key], container[key]
            except (KeyError, IndexError):
                return None
        else:
            container[key] = pick(INTERESTING_JSON, c)
    else:
        document = pick(INTERESTING_JSON, c)
    try:
        text = json.dumps(document, indent=pick((None, 1), c), ensure_ascii=bool(c.below(2)))
    except (ValueError, RecursionError):
        return None
    return text.encode("utf-8", errors="surrogatepass")


def json_deep_nesting(data: bytes, c: Chooser) -> bytes | None:
    depth = pick((50, 1000, 100_000), c)
    opener, closer = pick(((b"[", b"]"), (b'{"a":', b"}")), c)
    found = _matches(re.compile(rb"[:\[,]"), data)
    at = pick(found, c).end() if found else 0
    return data[:at] + opener * depth + b"1" + closer * depth * c.below(2) + data[at:]


JSON_MUTATIONS: Final[tuple[Mutation, ...]] = (
    json_mutate,
    json_mutate,
    json_mutate,
    json_mutate,
    json_deep_nesting,
)


# -- CSV and line-based text ------------------------------------------------------------


def _lines(data: bytes) -> list[bytes]:
    return data.split(b"\n")


def line_ops(data: bytes, c: Chooser) -> bytes | None:
    lines = _lines(data)
    if not lines:
        return None
    at = c.below(len(lines))
    choice = c.below(5)
    if choice == 0:
        del lines[at]
    elif choice == 1:
        times = _copies(c, len(lines[at]) + 1)
        lines[at:at] = [lines[at]] * times
    elif choice == 2:
        other = c.below(len(lines))
        lines[at], lines[other] = lines[other], lines[at]
    elif choice == 3:
        lines.insert(c.below(len(lines) + 1), lines.pop(at))
    else:
        lines[at] = lines[at][: c.below(len(lines[at]) + 1)]
    return b"\n".join(lines)


def _delimiter(line: bytes) -> bytes:
    counts = {d: line.count(d) for d in (b",", b";", b"\t", b"=")}
    return max(counts, key=lambda d: counts[d])


def cell_ops(data: bytes, c: Chooser) -> bytes | None:
    lines = _lines(data)
    at = c.below(len(lines))
    delimiter = _delimiter(lines[at])
    cells = lines[at].split(delimiter)
    index = c.below(len(cells))
    choice = c.below(6)
    if choice == 0:
        del cells[index]
    elif choice == 1:
        cells.insert(index, cells[index])
    elif choice == 2:
        cells[index] = b'"' + cells[index]  # an unbalanced quote
    elif choice == 3:
        cells[index] = b"x" * pick((200, 200_000), c)
    else:
        cells[index] = pick((*INTERESTING_NUMBERS, *INTERESTING_DATES, b'""', b'"a""b"'), c)
    lines[at] = delimiter.join(cells)
    return b"\n".join(lines)


def change_delimiter(data: bytes, c: Chooser) -> bytes | None:
    old = _delimiter(data[:4096])
    new = pick((b",", b";", b"\t", b"|", b" "), c)
    return data.replace(old, new) if old != new else None


LINE_MUTATIONS: Final[tuple[Mutation, ...]] = (
    line_ops,
    line_ops,
    cell_ops,
    cell_ops,
    cell_ops,
    change_delimiter,
)


# -- FIT --------------------------------------------------------------------------------


def fit_fixup(data: bytes) -> bytes:
    """Make a (mutated) single-segment FIT file's header agree with it: data size, CRCs."""
    if len(data) < 16 or data[8:12] != b".FIT" or data[0] not in (12, 14):
        return data
    header_size = data[0]
    out = bytearray(data)
    struct.pack_into("<I", out, 4, len(out) - header_size - 2)
    if header_size == 14:
        struct.pack_into("<H", out, 12, fit_crc(bytes(out[:12])))
    struct.pack_into("<H", out, len(out) - 2, fit_crc(bytes(out[:-2])))
    return bytes(out)


def fit_body(data: bytes, c: Chooser) -> bytes | None:
    """A generic mutation inside the messages only, the header and CRCs then fixed up."""
    if len(data) < 16 or data[0] not in (12, 14):
        return None
    header, body, crc = data[: data[0]], data[data[0] : -2], data[-2:]
    mutated = pick(BYTE_MUTATIONS[:-1], c)(body, c)  # no splicing: keep it FIT
    return None if mutated is None else fit_fixup(header + mutated + crc)


def fit_values(data: bytes, c: Chooser) -> bytes | None:
    """Change bytes inside the messages without moving any (a field value, a definition's
    field size or base type, a record header), then fix the CRCs: the decoder gets far."""
    if len(data) < 16 or data[0] not in (12, 14):
        return None
    header, body, crc = data[: data[0]], data[data[0] : -2], data[-2:]
    mutated = pick((flip_bit, set_byte, set_word, copy_chunk), c)(body, c)
    return None if mutated is None else fit_fixup(header + mutated + crc)


FIT_MUTATIONS: Final[tuple[Mutation, ...]] = (fit_body, fit_values, fit_values, fit_values)


# -- archives ---------------------------------------------------------------------------


def _kind_of(data: bytes) -> SeedKind:
    head = data[:64].lstrip(b"\xef\xbb\xbf \r\n\t")
    if data[8:12] == b".FIT":
        return "fit"
    if head.startswith(b"PK"):
        return "zip"
    if head.startswith(b"\x1f\x8b"):
        return "gzip"
    if head.startswith(b"<"):
        return "xml"
    if head.startswith((b"{", b"[")):
        return "json"
    return "csv"


def zip_members(data: bytes, c: Chooser) -> bytes | None:
    """Rebuild the archive with one member mutated, renamed, dropped, nested or recompressed."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = [(i.filename, archive.read(i)) for i in archive.infolist()[:50]]
    except Exception:  # a damaged archive: leave it to the byte mutations
        return None
    if not members:
        return None
    at = c.below(len(members))
    name, content = members[at]
    choice = c.below(8)
    method = zipfile.ZIP_DEFLATED
    if choice <= 2:
        members[at] = (name, mutate_bytes(content, _kind_of(content), c, rounds=1))
    elif choice == 3:
        members[at] = (pick(NAMES, c) or "x", content)
    elif choice == 4:
        del members[at]
    elif choice == 5:
        members[at] = (name + ".zip", zip_archive([(name, content)]))
    elif choice == 6:
        members[at] = (name + ".gz", gzip.compress(content, mtime=0))
    else:
        method = pick((zipfile.ZIP_STORED, zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA), c)
    try:
        return zip_archive(members, method)
    except (ValueError, OSError):
        return None


def gzip_content(data: bytes, c: Chooser) -> bytes | None:
    """Mutate what a gzip file holds and compress it again (or cut or chain the stream)."""
    try:
        content = gzip.decompress(data)
    except (OSError, EOFError, ValueError, zlib.error):
        return None
    choice = c.below(4)
    if choice == 0:
        return data + gzip.compress(content[: c.below(len(content) + 1)], mtime=0)  # 2 members
    if choice == 1:
        return gzip.compress(gzip.compress(content, mtime=0), mtime=0)  # gzip in gzip
    return gzip.compress(mutate_bytes(content, _kind_of(content), c, rounds=1), mtime=0)


ARCHIVE_MUTATIONS: Final[tuple[Mutation, ...]] = (
    zip_members,
    zip_members,
    zip_members,
    gzip_content,
)


# -- putting it together ----------------------------------------------------------------

_BY_KIND: Final[dict[SeedKind, tuple[Mutation, ...]]] = {
    "fit": BYTE_MUTATIONS + FIT_MUTATIONS * 2,
    "xml": BYTE_MUTATIONS + TEXT_MUTATIONS + XML_MUTATIONS * 2,
    "json": BYTE_MUTATIONS + TEXT_MUTATIONS + JSON_MUTATIONS * 2,
    "csv": BYTE_MUTATIONS + TEXT_MUTATIONS + LINE_MUTATIONS * 2,
    "text": BYTE_MUTATIONS + TEXT_MUTATIONS + LINE_MUTATIONS * 2,
    "zip": BYTE_MUTATIONS + ARCHIVE_MUTATIONS * 3,
    "gzip": BYTE_MUTATIONS + ARCHIVE_MUTATIONS * 3,
}


def mutate_bytes(data: bytes, kind: SeedKind, c: Chooser, *, rounds: int | None = None) -> bytes:
    """``data`` after one or more mutations fitting ``kind`` (bounded in size)."""
    limit = MAX_FIT_BYTES if kind == "fit" else MAX_INPUT_BYTES
    if rounds is None:
        rounds = 1 + c.below(3) if c.below(8) else 1 + c.below(16)
    mutations = _BY_KIND[kind]
    for _ in range(rounds):
        mutated = pick(mutations, c)(data, c)
        if mutated is not None:
            data = mutated[:limit]
    if kind == "fit" and c.below(2):
        data = fit_fixup(data)
    return data


def mutate_name(name: str, c: Chooser) -> str:
    if c.below(2):
        return pick(NAMES, c)
    encoded = name.encode()
    mutated = replace_date(encoded, c) or replace_number(encoded, c) or encoded
    return mutated.decode("utf-8", errors="replace")
