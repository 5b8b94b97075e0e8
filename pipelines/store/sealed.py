"""Sealed files: the raw store's encryption at rest (docs/encryption.md).

A sealed file is AES-256-GCM in the STREAM construction (Hoang, Reyhanitabar, Rogaway,
Vizár 2015), so a multi-GB export is sealed and opened a chunk at a time, in bounded
memory::

    header   magic (8) ‖ version (1) ‖ key id (8) ‖ salt (16) ‖ nonce prefix (7)
             ‖ chunk size (4, BE)
    chunks   AES-GCM(plaintext chunk) ‖ tag (16), each ``chunk size`` bytes of plaintext,
             the last one shorter (possibly empty) and flagged as the last

Each file is sealed with its own key, derived from the raw store's key and the file's
random salt (HKDF-SHA256), as in Tink's streaming AEAD; the nonce of chunk *i* is
``nonce prefix ‖ i (4 bytes, BE) ‖ last (1 byte: 0 or 1)`` and every chunk authenticates
the whole header as associated data. So a flipped bit anywhere, a
chunk moved, dropped or repeated, a file cut short (the last chunk is missing or no longer
the last) or a header changed fails authentication; a key that is not the one the file was
sealed with is named as such (the key id is the first 8 bytes of the key's SHA-256; it says
which key, and reveals nothing of it). A nonce never repeats under one file key (a file has
at most 2^32 chunks), and two files share a file key only if their 128-bit salts collide.

The key is 32 random bytes kept in a key file (base64 or hex text) readable by its owner
alone: :func:`load_key` refuses anything else, and :func:`create_key_file` makes one.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import io
import os
import stat
import struct
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Final

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

MAGIC: Final = b"\x89BTRAW\r\n"  # never the start of a FIT, XML, CSV, JSON, zip or gzip file
VERSION: Final = 1
KEY_BYTES: Final = 32
KEY_ID_BYTES: Final = 8
SALT_BYTES: Final = 16
PREFIX_BYTES: Final = 7
TAG_BYTES: Final = 16
CHUNK_BYTES: Final = 1 << 20  # plaintext per chunk: 1 MiB
MAX_CHUNK_BYTES: Final = 1 << 26  # a header asking for more is not one of ours
_HEADER: Final = struct.Struct(f">{len(MAGIC)}sB{KEY_ID_BYTES}s{SALT_BYTES}s{PREFIX_BYTES}sI")
_HKDF_INFO: Final = b"backtrack raw store v1 file key"
HEADER_BYTES: Final = _HEADER.size
_MAX_CHUNKS: Final = 1 << 32


class SealedFileError(ValueError):
    """A sealed file that cannot be opened: damaged, altered, cut short, or the wrong key."""


class KeyFileError(ValueError):
    """A key file that is missing, malformed or readable by others."""


@dataclass(frozen=True, slots=True)
class Key:
    """A raw-store key: 32 bytes, and the id that names it in the files it sealed."""

    secret: bytes

    def __post_init__(self) -> None:
        if len(self.secret) != KEY_BYTES:
            raise KeyFileError(f"a key is {KEY_BYTES} bytes, not {len(self.secret)}")

    @property
    def id(self) -> bytes:
        return hashlib.sha256(self.secret).digest()[:KEY_ID_BYTES]

    def __repr__(self) -> str:  # never the secret, in a traceback or a log
        return f"Key(id={self.id.hex()})"


def new_key() -> Key:
    return Key(os.urandom(KEY_BYTES))


def create_key_file(path: Path) -> Key:
    """A new random key written to ``path`` (base64, mode 0600); never overwrites a file."""
    key = new_key()
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise KeyFileError(f"{path} already exists: a key file is never overwritten") from None
    with os.fdopen(fd, "w") as fh:
        fh.write(base64.b64encode(key.secret).decode() + "\n")
        fh.flush()
        os.fsync(fh.fileno())
    return key


def load_key(path: Path) -> Key:
    """The key in the key file ``path`` (32 bytes as base64 or hex text), which only its
    owner may read or write: a key the group or others can read is refused."""
    try:
        info = path.stat()
    except FileNotFoundError:
        raise KeyFileError(
            f"key file {path} does not exist (create one with `backtrack keys init {path}`)"
        ) from None
    if not stat.S_ISREG(info.st_mode):
        raise KeyFileError(f"key file {path} is not a regular file")
    if info.st_mode & 0o077:
        raise KeyFileError(
            f"key file {path} is accessible to others (mode {stat.S_IMODE(info.st_mode):04o}); "
            f"make it private: chmod 600 {path}"
        )
    text = path.read_text(encoding="ascii", errors="replace").strip()
    secret: bytes | None = None
    if len(text) == 2 * KEY_BYTES:
        try:
            secret = bytes.fromhex(text)
        except ValueError:
            secret = None
    if secret is None:
        try:
            secret = base64.b64decode(text, validate=True)
        except (binascii.Error, ValueError):
            secret = None
    if secret is None or len(secret) != KEY_BYTES:
        raise KeyFileError(
            f"key file {path} does not hold a key: expected {KEY_BYTES} bytes as base64 "
            f"or {2 * KEY_BYTES} hex digits"
        )
    return Key(secret)


def is_sealed(head: bytes) -> bool:
    """Whether a file starting with ``head`` is a sealed file (else: stored before the raw
    store was encrypted, plaintext)."""
    return head.startswith(MAGIC)


def key_id_of(head: bytes) -> bytes | None:
    """The id of the key a sealed file (its first :data:`HEADER_BYTES`) was sealed with."""
    if len(head) < HEADER_BYTES or not is_sealed(head):
        return None
    return _HEADER.unpack(head[:HEADER_BYTES])[2]


class SealingWriter:
    """Seals what is written to it into ``sink`` a chunk at a time; :meth:`close` writes
    the last chunk (it must be called: a sealed file without it does not open)."""

    def __init__(self, sink: BinaryIO, key: Key, chunk_bytes: int = CHUNK_BYTES) -> None:
        if not 1 <= chunk_bytes <= MAX_CHUNK_BYTES:
            raise ValueError(f"chunk size must be 1..{MAX_CHUNK_BYTES} bytes")
        self._sink = sink
        salt = os.urandom(SALT_BYTES)
        self._aead = AESGCM(_file_key(key, salt))
        self._prefix = os.urandom(PREFIX_BYTES)
        self._chunk = chunk_bytes
        self._header = _HEADER.pack(MAGIC, VERSION, key.id, salt, self._prefix, chunk_bytes)
        self._buffer = bytearray()
        self._counter = 0
        self._closed = False
        sink.write(self._header)

    def write(self, data: bytes | bytearray | memoryview) -> int:
        self._buffer += data
        # keep at least one byte back: the last chunk is sealed as the last at close
        while len(self._buffer) > self._chunk:
            self._seal(bytes(self._buffer[: self._chunk]), last=False)
            del self._buffer[: self._chunk]
        return len(data)

    def close(self) -> None:
        if not self._closed:
            self._seal(bytes(self._buffer), last=True)
            self._buffer.clear()
            self._closed = True

    def _seal(self, chunk: bytes, *, last: bool) -> None:
        if self._counter >= _MAX_CHUNKS:
            raise ValueError("too large to seal: more than 2^32 chunks")
        nonce = _nonce(self._prefix, self._counter, last)
        self._sink.write(self._aead.encrypt(nonce, chunk, self._header))
        self._counter += 1

    def __enter__(self) -> SealingWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        if exc[0] is None:
            self.close()


class _OpeningReader(io.RawIOBase):
    """The plaintext of a sealed stream, authenticated a chunk at a time."""

    def __init__(self, source: BinaryIO, key: Key, name: str) -> None:
        super().__init__()
        self._source = source
        self._name = name
        header = _read_exactly(source, HEADER_BYTES)
        if len(header) < HEADER_BYTES or not is_sealed(header):
            raise SealedFileError(f"{name}: not a sealed file (no header)")
        _, version, key_id, salt, prefix, chunk = _HEADER.unpack(header)
        if version != VERSION:
            raise SealedFileError(
                f"{name}: sealed in format version {version}; this version of backtrack "
                f"reads version {VERSION}"
            )
        if key_id != key.id:
            raise SealedFileError(
                f"{name}: sealed with key {key_id.hex()}, but the configured key is "
                f"{key.id.hex()} — the wrong key file (BACKTRACK_KEY_FILE / --key-file)"
            )
        if not 1 <= chunk <= MAX_CHUNK_BYTES:
            raise SealedFileError(f"{name}: damaged header (chunk size {chunk})")
        self._aead = AESGCM(_file_key(key, salt))
        self._header = header
        self._prefix = prefix
        self._sealed_chunk = chunk + TAG_BYTES
        self._counter = 0
        self._pending = _read_exactly(source, self._sealed_chunk)
        self._plain = b""
        self._offset = 0
        self._done = False

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        while self._offset >= len(self._plain) and not self._done:
            self._next_chunk()
        available = len(self._plain) - self._offset
        n = min(len(buffer), available)
        buffer[:n] = self._plain[self._offset : self._offset + n]
        self._offset += n
        return n

    def _next_chunk(self) -> None:
        sealed = self._pending
        self._pending = _read_exactly(self._source, self._sealed_chunk)
        last = not self._pending
        if len(sealed) < TAG_BYTES:
            raise SealedFileError(
                f"{self._name}: cut short after chunk {self._counter} — the file is truncated"
            )
        try:
            self._plain = self._aead.decrypt(
                _nonce(self._prefix, self._counter, last), sealed, self._header
            )
        except InvalidTag:
            what = "the last chunk is missing (truncated) or " if last else ""
            raise SealedFileError(
                f"{self._name}: chunk {self._counter} fails authentication — {what}the file "
                "was altered or damaged; it cannot be trusted"
            ) from None
        self._offset = 0
        self._counter += 1
        self._done = last

    def close(self) -> None:
        if not self.closed:
            self._source.close()
        super().close()


def opening(source: BinaryIO, key: Key, name: str = "sealed file") -> BinaryIO:
    """A buffered plaintext stream of the sealed ``source`` (closing it closes ``source``).
    Reading raises :class:`SealedFileError` where the content fails authentication — so a
    caller that needs all of it authenticated reads to the end before trusting any of it."""
    return io.BufferedReader(_OpeningReader(source, key, name), CHUNK_BYTES)


def seal_stream(source: BinaryIO, sink: BinaryIO, key: Key, chunk_bytes: int = CHUNK_BYTES) -> None:
    """Seal all of ``source`` into ``sink``."""
    with SealingWriter(sink, key, chunk_bytes) as writer:
        for chunk in iter(lambda: source.read(CHUNK_BYTES), b""):
            writer.write(chunk)


def seal(data: bytes, key: Key, chunk_bytes: int = CHUNK_BYTES) -> bytes:
    sink = io.BytesIO()
    seal_stream(io.BytesIO(data), sink, key, chunk_bytes)
    return sink.getvalue()


def unseal(data: bytes, key: Key, name: str = "sealed file") -> bytes:
    with opening(io.BytesIO(data), key, name) as stream:
        return stream.read()


def _file_key(key: Key, salt: bytes) -> bytes:
    """The key one file is sealed with: HKDF-SHA256 of the raw store's key and its salt."""
    return HKDF(algorithm=hashes.SHA256(), length=KEY_BYTES, salt=salt, info=_HKDF_INFO).derive(
        key.secret
    )


def _nonce(prefix: bytes, counter: int, last: bool) -> bytes:
    return prefix + struct.pack(">IB", counter, 1 if last else 0)


def _read_exactly(source: BinaryIO, n: int) -> bytes:
    parts: list[bytes] = []
    remaining = n
    while remaining:
        part = source.read(remaining)
        if not part:
            break
        parts.append(part)
        remaining -= len(part)
    return b"".join(parts)
