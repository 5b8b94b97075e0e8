"""Streamed uploads: one large file arriving in pieces over many requests (the dashboard's
"large export" upload), sealed into the raw store as it comes and never held whole in
memory, never written as plaintext.

The browser sends a file in chunks of :data:`CHUNK_BYTES`; the HTTP part
(``dashboards/upload_route.py``) hands each request's body to :class:`StreamedUploads` a
piece at a time:

1. :meth:`StreamedUploads.begin` — with a token (:func:`issue_token`, signed with the data
   directory's secret, ``Store.token_secret``) naming the participant and its expiry, the
   file's name and its declared size. Refused before anything is written: a missing, forged
   or expired token (:data:`FORBIDDEN`), a declared size beyond the limit
   (``config.streamed_upload_max_bytes``, :data:`TOO_LARGE`), an erased participant, no key
   for the raw store. Otherwise a new temporary sealed file in the participant's raw folder
   (``Store.raw_stream``).
2. :meth:`StreamedUploads.write` — each piece, in order (a chunk's ``offset`` must be the
   bytes received so far), with the token of the same participant; hashed and sealed as it
   comes. More bytes than declared (so never more than the limit) abort the upload.
3. :meth:`StreamedUploads.finish` — once every declared byte is in: the file is put in
   place content-addressed (the same name and format as every raw file, so the ingest reads
   it unchanged) and admitted like every upload (``uploads.admit``: erased id, limits,
   ingested before); a new file is listed for the ingest (``uploads.put_upload_list``),
   which the caller starts on the same path as every dashboard upload.

An upload that stops — the person closes the page, the connection drops, a refused chunk —
is aborted: by the browser (:meth:`StreamedUploads.abort`), after :data:`IDLE_TIMEOUT_S`
without a chunk (:meth:`StreamedUploads.sweep`), or when the server stops
(:meth:`StreamedUploads.close`); its temporary file is removed, nothing of it stays. A
process killed outright leaves a ``.tmp-<pid>-…`` file that the next holder of the
participant's lock removes (docs/durability.md).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

from ingest.limits import shown_bytes
from pipelines import config
from pipelines.app import uploads
from pipelines.store import tombstones
from pipelines.store.storage import PARTICIPANT_ID, MissingKey, RawStream, Store

CHUNK_BYTES: Final = 8 * 1024 * 1024  # what the browser sends in one request
MAX_CHUNK_BYTES: Final = 16 * 1024 * 1024  # one request's body may be no larger
TOKEN_TTL_S: Final = 30 * 60  # an upload must begin within this of the page's token
IDLE_TIMEOUT_S: Final = 120.0  # an upload without a chunk for this long is aborted
_TOKEN_VERSION: Final = "v1"
_TOKEN_PURPOSE: Final = b"backtrack streamed upload"

# why an upload was refused: a code the page turns into words (German and English), and
# the HTTP status the endpoint answers with
FORBIDDEN: Final = "forbidden"  # 403: no, a wrong or an expired token; another's upload
TOO_LARGE: Final = "too_large"  # 413: declared or sent beyond the limit or the declared size
ERASED: Final = "erased"  # 403: the participant's id was erased
NO_KEY: Final = "no_key"  # 503: the raw store has no key: nothing can be stored
UNKNOWN: Final = "unknown"  # 404: no such upload (finished, aborted or timed out)
OUT_OF_ORDER: Final = "out_of_order"  # 409: a chunk not at the bytes received so far
BAD_REQUEST: Final = "bad_request"  # 400: no name, a negative size, a chunk too large
STATUS: Final = {
    FORBIDDEN: 403,
    TOO_LARGE: 413,
    ERASED: 403,
    NO_KEY: 503,
    UNKNOWN: 404,
    OUT_OF_ORDER: 409,
    BAD_REQUEST: 400,
}


class Refused(Exception):
    """A streamed upload (or one chunk of it) refused: ``code`` says why (one of
    :data:`STATUS`), ``detail`` in words for the log and the person (English; the page shows
    the code's words in the person's language)."""

    def __init__(self, code: str, detail: str) -> None:
        super().__init__(detail)
        self.code = code
        self.detail = detail

    @property
    def status(self) -> int:
        return STATUS[self.code]


# ------------------------------------------------------------------------------ tokens
def issue_token(
    secret: bytes, participant: str, now: float | None = None, ttl_s: float = TOKEN_TTL_S
) -> str:
    """A token allowing streamed uploads to ``participant``'s data until ``now + ttl_s``
    (seconds since the epoch): ``v1.<participant>.<expiry>.<nonce>.<HMAC-SHA256>``. The
    page issues it only to a viewer who may add that participant's data."""
    if not PARTICIPANT_ID.match(participant):
        raise ValueError(f"participant id {participant!r} is not a pseudonymous id")
    expiry = int((time.time() if now is None else now) + ttl_s)
    body = f"{_TOKEN_VERSION}.{participant}.{expiry}.{secrets.token_hex(8)}"
    return f"{body}.{_mac(secret, body)}"


def verify_token(
    secret: bytes, token: str | None, now: float | None = None, *, expiry: bool = True
) -> str:
    """The participant a token was issued for; :class:`Refused` (``forbidden``) for no
    token, one not signed with ``secret`` (forged, altered, another data directory's) or,
    with ``expiry``, one past its expiry."""
    if not token:
        raise Refused(FORBIDDEN, "no upload token")
    body, _, mac = token.rpartition(".")
    parts = body.split(".")
    if len(parts) != 4 or parts[0] != _TOKEN_VERSION or not parts[2].isdigit():
        raise Refused(FORBIDDEN, "not an upload token")
    if not hmac.compare_digest(mac, _mac(secret, body)):
        raise Refused(FORBIDDEN, "the upload token's signature is wrong")
    if expiry and int(parts[2]) < (time.time() if now is None else now):
        raise Refused(FORBIDDEN, "the upload token has expired: reload the page")
    return parts[1]


def _mac(secret: bytes, body: str) -> str:
    return hmac.new(secret, _TOKEN_PURPOSE + b"|" + body.encode(), hashlib.sha256).hexdigest()


# ------------------------------------------------------------------------------ uploads
@dataclass(frozen=True, slots=True)
class Finished:
    """A streamed upload whose every byte arrived, sealed in the raw store and admitted."""

    upload_id: str
    participant: str
    name: str  # as uploaded: for display and the manifest, never a path
    sha256: str
    size: int
    admission: uploads.Admission  # new (listed for the ingest), known, or refused
    listed: Path | None  # the upload list of a new file, for the ingest


@dataclass
class _Upload:
    participant: str
    name: str
    declared: int
    stream: RawStream
    last_seen: float
    lock: threading.RLock = field(default_factory=threading.RLock)


class StreamedUploads:
    """The streamed uploads in progress in this process (see the module's docstring). Safe
    to call from several threads; the chunks of one upload come one after another."""

    def __init__(
        self,
        store: Store,
        max_bytes: int | None = None,
        clock: Callable[[], float] = time.time,
        idle_timeout_s: float = IDLE_TIMEOUT_S,
    ) -> None:
        self.store = store
        self.max_bytes = max_bytes if max_bytes is not None else config.streamed_upload_max_bytes()
        self.clock = clock
        self.idle_timeout_s = idle_timeout_s
        self._uploads: dict[str, _Upload] = {}
        self._lock = threading.Lock()

    def begin(self, token: str | None, name: str, declared_size: int) -> str:
        """Start an upload of ``name`` (``declared_size`` bytes); its id. :class:`Refused`
        before anything is written (see the module's docstring)."""
        participant = verify_token(self.store.token_secret(), token, self.clock())
        if not name or len(name) > 255 or declared_size < 0:
            raise Refused(BAD_REQUEST, "an upload needs a file name and its size")
        if declared_size > self.max_bytes:
            raise Refused(TOO_LARGE, self._too_large(name, declared_size))
        try:
            tombstones.refuse_erased(self.store.root, participant)
        except tombstones.Erased as exc:
            raise Refused(ERASED, str(exc)) from None
        try:
            stream = self.store.raw_stream(participant)
        except MissingKey as exc:
            raise Refused(NO_KEY, str(exc)) from None
        upload_id = secrets.token_hex(16)
        with self._lock:
            self._uploads[upload_id] = _Upload(
                participant, name, declared_size, stream, self.clock()
            )
        return upload_id

    def write(self, upload_id: str, token: str | None, offset: int, piece: bytes) -> int:
        """Add ``piece`` at ``offset`` (the bytes received so far); the bytes received now.
        More than declared aborts the upload (:class:`Refused`, ``too_large``)."""
        upload = self._take(upload_id, token)
        with upload.lock:
            if upload.stream.size != offset:
                raise Refused(
                    OUT_OF_ORDER,
                    f"a chunk at byte {offset}; {upload.stream.size} bytes have arrived",
                )
            if upload.stream.size + len(piece) > upload.declared:
                self._drop(upload_id)
                raise Refused(
                    TOO_LARGE,
                    f"{upload.name}: more bytes than the {upload.declared} declared; "
                    "the upload was stopped and nothing of it kept",
                )
            try:
                upload.stream.write(piece)
            except BaseException:  # a full disk, say: nothing of the upload stays
                self._drop(upload_id)
                raise
            upload.last_seen = self.clock()
            return upload.stream.size

    def received(self, upload_id: str, token: str | None) -> tuple[int, int]:
        """Bytes received so far and declared, of an upload of the token's participant."""
        upload = self._take(upload_id, token)
        return upload.stream.size, upload.declared

    def finish(self, upload_id: str, token: str | None) -> Finished:
        """Seal the complete upload into the raw store and admit it (see the module's
        docstring); :class:`Refused` (``bad_request``) while bytes are missing."""
        upload = self._take(upload_id, token)
        with upload.lock:
            if upload.stream.size != upload.declared:
                raise Refused(
                    BAD_REQUEST,
                    f"{upload.name}: {upload.stream.size} of {upload.declared} bytes arrived",
                )
            with self._lock:
                self._uploads.pop(upload_id, None)
            participant = upload.participant
            sha, raw = upload.stream.finish(upload.name)
            incoming = uploads.Incoming(upload.name, upload.declared, path=raw, known_sha256=sha)
            try:
                admission = uploads.admit(self.store, participant, [incoming])
            except tombstones.Erased as exc:
                if not uploads.already_ingested(self.store, participant, [sha]):
                    self.store.delete_raw(raw)
                raise Refused(ERASED, str(exc)) from None
            if admission.refused:  # beyond a limit of the ingest: not kept
                self.store.delete_raw(raw)
            listed = None
            if admission.new:
                listed = uploads.put_upload_list(self.store, participant, list(admission.new))
            return Finished(
                upload_id, participant, upload.name, sha, upload.declared, admission, listed
            )

    def abort(self, upload_id: str, token: str | None) -> None:
        """Stop an upload of the token's participant and remove what arrived of it."""
        self._take(upload_id, token)
        self._drop(upload_id)

    def sweep(self) -> list[str]:
        """Abort every upload without a chunk for ``idle_timeout_s``; their ids."""
        now = self.clock()
        with self._lock:
            idle = [i for i, u in self._uploads.items() if now - u.last_seen > self.idle_timeout_s]
        for upload_id in idle:
            self._drop(upload_id)
        return idle

    def close(self) -> None:
        """Abort every upload in progress (the server stops)."""
        with self._lock:
            ids = list(self._uploads)
        for upload_id in ids:
            self._drop(upload_id)

    def in_progress(self) -> int:
        with self._lock:
            return len(self._uploads)

    def _take(self, upload_id: str, token: str | None) -> _Upload:
        # an upload in progress needs the token it began with (or another for the same
        # participant), signed; its expiry was checked when it began
        participant = verify_token(self.store.token_secret(), token, expiry=False)
        with self._lock:
            upload = self._uploads.get(upload_id)
        if upload is None:
            raise Refused(UNKNOWN, "no such upload in progress (finished, stopped or timed out)")
        if upload.participant != participant:
            raise Refused(FORBIDDEN, "this upload belongs to someone else")
        return upload

    def _drop(self, upload_id: str) -> None:
        with self._lock:
            upload = self._uploads.pop(upload_id, None)
        if upload is not None:
            with upload.lock:  # not while one of its chunks is being written
                upload.stream.abort()

    def _too_large(self, name: str, size: int) -> str:
        return (
            f"{name}: {shown_bytes(size)} is larger than the {shown_bytes(self.max_bytes)} "
            "limit for one streamed upload; nothing was stored"
        )
