"""The HTTP endpoint of the streamed upload, served by the dashboard's own server.

Streamlit 1.67 runs on Starlette and lets an app add routes (``st.App(routes=…)``,
``dashboards/server.py``), so the endpoint has the dashboard's address: the same origin
for the page's JavaScript, behind whatever proxy serves the dashboard, no other port.
It streams; everything else is ``pipelines.app.streamed`` (tokens, the sealed temporary
file, the limit, admission) and ``dashboards.uploads.start_streamed`` (the ingest, on the
same path as every upload of the page). It never parses a file.

    POST   /backtrack/upload              {"name", "size"} → 201 {"upload", "chunk_bytes"}
    PUT    /backtrack/upload/<id>?offset=N  one chunk (≤ 16 MiB) → 200 {"received", "size"}
                                          and, with the last byte, {"done": true, "job": id}
    DELETE /backtrack/upload/<id>         stop it; what arrived is removed → 204

Every request carries the page's token in the ``X-Backtrack-Token`` header (never in the
URL, which servers log). A refusal answers with the code of ``streamed.STATUS`` and
``{"error": code, "detail": words}``; nothing of a refused upload stays. A request body is
read a piece at a time and each piece handed on at once (in a worker thread: sealing and
hashing never block the server's event loop), so memory holds about one piece
(:data:`PIECE_BYTES`), not the chunk and never the file.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
import time
from collections.abc import AsyncIterator, Callable
from typing import Final

from starlette.concurrency import run_in_threadpool
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from dashboards import uploads
from pipelines import config
from pipelines.app import streamed
from pipelines.store.storage import Store

PATH: Final = "/backtrack/upload"
TOKEN_HEADER: Final = "X-Backtrack-Token"
PIECE_BYTES: Final = 1024 * 1024  # handed to the sealed file at a time
SWEEP_EVERY_S: Final = 15.0
JOB_KEPT_S: Final = 3600.0  # a finished upload's job waits this long for its page

Start = Callable[[Store, streamed.Finished], uploads.UploadJob | None]


class UploadEndpoint:
    """The routes, the uploads in progress and the jobs they started (for the page, which
    runs in the same process: :meth:`job`)."""

    def __init__(
        self,
        store: Callable[[], Store] | None = None,
        start: Start = uploads.start_streamed,
    ) -> None:
        self._store_factory = store or (lambda: Store(config.data_dir()))
        self._start = start
        self._uploads: streamed.StreamedUploads | None = None
        self._jobs: dict[str, tuple[float, uploads.UploadJob]] = {}  # id → (when, job)
        self._lock = threading.Lock()
        self.serving = False  # the server runs the routes (``running``)

    def max_bytes(self) -> int:
        """The largest file a streamed upload takes (``config.streamed_upload_max_bytes``)."""
        if self._uploads is not None:
            return self._uploads.max_bytes
        return config.streamed_upload_max_bytes()

    @property
    def active(self) -> streamed.StreamedUploads:
        """The uploads in progress (made on first use, with the configured data dir)."""
        with self._lock:
            if self._uploads is None:
                self._uploads = streamed.StreamedUploads(self._store_factory())
            return self._uploads

    def routes(self, base_url_path: str = "") -> list[Route]:
        """The routes, under Streamlit's ``server.baseUrlPath`` when one is set (``st.App``
        does not prefix an app's own routes)."""
        path = endpoint_path(base_url_path)
        return [
            Route(path, self._begin, methods=["POST"]),
            Route(path + "/{upload_id:str}", self._chunk, methods=["PUT"]),
            Route(path + "/{upload_id:str}", self._abort, methods=["DELETE"]),
        ]

    def job(self, upload_id: str, participant: str) -> uploads.UploadJob | None:
        """The ingest a finished upload of ``participant`` started (taken once)."""
        with self._lock:
            found = self._jobs.get(upload_id)
            if found is None or found[1].participant != participant:
                return None
            return self._jobs.pop(upload_id)[1]

    def forget_jobs(self, older_than_s: float = JOB_KEPT_S) -> None:
        """Forget the jobs no page took (the page was closed after the upload): their ingest
        goes on regardless, and the manifest keeps what became of the file."""
        now = time.monotonic()
        with self._lock:
            for upload_id in [i for i, (at, _) in self._jobs.items() if now - at > older_than_s]:
                del self._jobs[upload_id]

    @contextlib.asynccontextmanager
    async def running(self) -> AsyncIterator[None]:
        """While the server runs: abort idle uploads every :data:`SWEEP_EVERY_S`; every
        upload still in progress when it stops."""

        async def sweep() -> None:
            while True:
                await asyncio.sleep(SWEEP_EVERY_S)
                if self._uploads is not None:
                    await run_in_threadpool(self._uploads.sweep)
                self.forget_jobs()

        task = asyncio.create_task(sweep())
        self.serving = True
        try:
            yield
        finally:
            self.serving = False
            task.cancel()
            if self._uploads is not None:
                self._uploads.close()

    # -- the routes ------------------------------------------------------------------------
    async def _begin(self, request: Request) -> Response:
        token = request.headers.get(TOKEN_HEADER)
        try:
            body = await request.json()
            name, size = str(body["name"]), int(body["size"])
        except (ValueError, KeyError, TypeError):
            return _refused(streamed.Refused(streamed.BAD_REQUEST, "expected {name, size}"))
        try:
            upload_id = await run_in_threadpool(self.active.begin, token, name, size)
        except streamed.Refused as refused:
            return _refused(refused)
        return JSONResponse(
            {"upload": upload_id, "chunk_bytes": streamed.CHUNK_BYTES}, status_code=201
        )

    async def _chunk(self, request: Request) -> Response:
        token = request.headers.get(TOKEN_HEADER)
        upload_id = request.path_params["upload_id"]
        active = self.active
        try:
            offset = int(request.query_params.get("offset", ""))
            length = int(request.headers.get("content-length", "0"))
        except ValueError:
            return _refused(streamed.Refused(streamed.BAD_REQUEST, "no offset"))
        try:
            received, size = await run_in_threadpool(active.received, upload_id, token)
            if length > streamed.MAX_CHUNK_BYTES:
                await run_in_threadpool(active.abort, upload_id, token)
                raise streamed.Refused(
                    streamed.BAD_REQUEST,
                    f"a chunk is at most {streamed.MAX_CHUNK_BYTES} bytes; the upload was stopped",
                )
            held = bytearray()
            in_request = 0
            async for part in request.stream():
                held += part
                in_request += len(part)
                if in_request > streamed.MAX_CHUNK_BYTES:
                    await run_in_threadpool(active.abort, upload_id, token)
                    raise streamed.Refused(streamed.BAD_REQUEST, "a chunk too large")
                if len(held) >= PIECE_BYTES:
                    piece, held = bytes(held), bytearray()
                    received = await run_in_threadpool(
                        active.write, upload_id, token, offset, piece
                    )
                    offset = received
            if held:
                received = await run_in_threadpool(
                    active.write, upload_id, token, offset, bytes(held)
                )
            if received < size:
                return JSONResponse({"received": received, "size": size})
            finished = await run_in_threadpool(active.finish, upload_id, token)
        except streamed.Refused as refused:
            return _refused(refused)
        except ClientDisconnect:  # the page went away mid-chunk: nothing of it stays
            with contextlib.suppress(streamed.Refused):
                await run_in_threadpool(active.abort, upload_id, token)
            return Response(status_code=400)
        job = await run_in_threadpool(self._start, active.store, finished)
        if job is not None:
            with self._lock:
                self._jobs[upload_id] = (time.monotonic(), job)
        return JSONResponse({"received": received, "size": size, "done": True, "job": upload_id})

    async def _abort(self, request: Request) -> Response:
        token = request.headers.get(TOKEN_HEADER)
        try:
            await run_in_threadpool(self.active.abort, request.path_params["upload_id"], token)
        except streamed.Refused as refused:
            return _refused(refused)
        return Response(status_code=204)


def endpoint_path(base_url_path: str = "") -> str:
    """Where the endpoint is: :data:`PATH`, below ``server.baseUrlPath`` when one is set
    (``"backtrack"`` → ``/backtrack/backtrack/upload``)."""
    base = base_url_path.strip("/")
    return f"/{base}{PATH}" if base else PATH


def _refused(refused: streamed.Refused) -> JSONResponse:
    return JSONResponse(
        {"error": refused.code, "detail": refused.detail}, status_code=refused.status
    )


ENDPOINT: Final = UploadEndpoint()  # the dashboard server's (dashboards/server.py)
