"""The streamed upload's endpoint alone in a process of its own, for measuring it:
``python -m tests.support.upload_server DATA_DIR PORT`` serves ``dashboards/upload_route.py``'s
routes with uvicorn (as Streamlit's server does) on 127.0.0.1:PORT, over DATA_DIR, with no
ingest after an upload (the raw store's key from ``BACKTRACK_KEY_FILE``)."""

from __future__ import annotations

import sys
from pathlib import Path

import uvicorn
from starlette.applications import Starlette

from dashboards.upload_route import UploadEndpoint
from pipelines.store.storage import Store


def main(data_dir: str, port: str) -> None:
    store = Store(Path(data_dir))
    endpoint = UploadEndpoint(store=lambda: store, start=lambda _store, _finished: None)
    app = Starlette(routes=endpoint.routes())
    uvicorn.run(app, host="127.0.0.1", port=int(port), log_level="warning")


if __name__ == "__main__":
    main(*sys.argv[1:3])
