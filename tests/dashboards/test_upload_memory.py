"""The streamed upload's endpoint in a server process of its own
(``tests/support/upload_server.py``, uvicorn as under Streamlit): it holds no file in memory —
200 MB streamed in 8 MiB chunks raise the process's peak resident memory by no more than a
few chunks over what 16 MiB did — and a connection cut in the middle of a chunk leaves
nothing behind."""

from __future__ import annotations

import hashlib
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from dashboards import upload_route
from pipelines.app import streamed
from pipelines.store.storage import Store
from tests.support.browser import ROOT, free_port

MiB = 1024 * 1024
LARGE = 200 * 1000 * 1000  # 200 MB
SMALL = 16 * MiB
GROWTH_LIMIT = 40 * MiB  # a few 8 MiB chunks and their pieces; the file is 200 MB


def _peak_rss(pid: int) -> int:
    """The process's peak resident memory so far (``VmHWM``), in bytes."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    raise AssertionError("no VmHWM in /proc: not Linux?")


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[str, int, Store]]:
    data_dir = tmp_path / "data"
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.support.upload_server", str(data_dir), str(port)],
        cwd=ROOT,
        env=os.environ | {"PYTHONPATH": str(ROOT)},
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                httpx.get(base + "/", trust_env=False, timeout=1)
                break
            except httpx.TransportError:
                if process.poll() is not None or time.monotonic() > deadline:
                    pytest.fail("the upload server did not start")
                time.sleep(0.2)
        yield base, process.pid, Store(data_dir)
    finally:
        process.terminate()
        process.wait(timeout=10)


def _stream(client: httpx.Client, base: str, token: str, size: int) -> str:
    """Upload ``size`` random bytes in 8 MiB chunks made one at a time; their SHA-256."""
    headers = {upload_route.TOKEN_HEADER: token}
    begun = client.post(
        base + upload_route.PATH, json={"name": "export.zip", "size": size}, headers=headers
    )
    assert begun.status_code == 201, begun.text
    upload, chunk = begun.json()["upload"], begun.json()["chunk_bytes"]
    digest = hashlib.sha256()
    offset = 0
    while offset < size:
        piece = os.urandom(min(chunk, size - offset))
        digest.update(piece)
        answer = client.put(
            f"{base}{upload_route.PATH}/{upload}",
            params={"offset": offset},
            content=piece,
            headers=headers,
        )
        assert answer.status_code == 200, answer.text
        offset = answer.json()["received"]
    assert answer.json()["done"] is True
    return digest.hexdigest()


def test_memory_does_not_grow_with_the_upload_size(server: tuple[str, int, Store]) -> None:
    base, pid, store = server
    token = streamed.issue_token(store.token_secret(), "p01")
    with httpx.Client(trust_env=False, timeout=60) as client:
        small = _stream(client, base, token, SMALL)
        after_small = _peak_rss(pid)
        large = _stream(client, base, token, LARGE)
        after_large = _peak_rss(pid)
    raw = store.raw_path("p01", large, ".zip")
    assert raw.stat().st_size > LARGE  # all of it arrived, sealed (tags and header on top)
    assert store.raw_path("p01", small, ".zip").exists()
    grown = after_large - after_small
    assert grown < GROWTH_LIMIT, (
        f"peak RSS grew by {grown / MiB:.1f} MiB streaming 200 MB "
        f"({after_small / MiB:.0f} → {after_large / MiB:.0f} MiB)"
    )


def test_a_connection_cut_mid_chunk_leaves_nothing(server: tuple[str, int, Store]) -> None:
    base, _, store = server
    token = streamed.issue_token(store.token_secret(), "p01")
    headers = {upload_route.TOKEN_HEADER: token}
    with httpx.Client(trust_env=False, timeout=30) as client:
        begun = client.post(
            base + upload_route.PATH, json={"name": "export.zip", "size": 8 * MiB}, headers=headers
        )
        upload = begun.json()["upload"]
        raw = store.raw_folder("p01")
        assert [p.name[:5] for p in raw.iterdir()] == [".tmp-"]  # the sealed temporary file
        host, port = base.removeprefix("http://").split(":")
        with socket.create_connection((host, int(port))) as cut:
            cut.sendall(
                (
                    f"PUT {upload_route.PATH}/{upload}?offset=0 HTTP/1.1\r\n"
                    f"Host: {host}\r\n{upload_route.TOKEN_HEADER}: {token}\r\n"
                    f"Content-Length: {8 * MiB}\r\n\r\n"
                ).encode()
                + os.urandom(3 * MiB)
            )
        deadline = time.monotonic() + 10
        while any(raw.iterdir()) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert list(raw.iterdir()) == []
        again = client.put(
            f"{base}{upload_route.PATH}/{upload}",
            params={"offset": 0},
            content=b"x",
            headers=headers,
        )
        assert again.status_code == 404  # the upload is gone, not half kept
