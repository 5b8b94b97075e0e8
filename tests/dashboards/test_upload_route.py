"""The streamed upload's HTTP endpoint (``dashboards/upload_route.py``) through Starlette's
test client: chunks reassemble to the exact bytes, a missing, forged, expired or another
participant's token is refused with 403 and nothing stored, a file over the limit is refused
and nothing of it left."""

from __future__ import annotations

import hashlib
import os
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from starlette.applications import Starlette
from starlette.testclient import TestClient

from dashboards import upload_route
from pipelines.app import streamed
from pipelines.store.storage import Store

MiB = 1024 * 1024
PATH = upload_route.PATH
HEADER = upload_route.TOKEN_HEADER


class Started:
    """Stands in for the ingest (``uploads.start_streamed``): records what it was given."""

    def __init__(self) -> None:
        self.finished: list[streamed.Finished] = []

    def __call__(self, store: Store, finished: streamed.Finished) -> None:
        self.finished.append(finished)


@pytest.fixture
def store(tmp_path: Path) -> Store:
    return Store(tmp_path / "data")


@pytest.fixture
def started() -> Started:
    return Started()


@pytest.fixture
def client(store: Store, started: Started) -> Iterator[TestClient]:
    endpoint = upload_route.UploadEndpoint(store=lambda: store, start=started)
    with TestClient(Starlette(routes=endpoint.routes())) as test_client:
        yield test_client


def _token(store: Store, participant: str = "p01", now: float | None = None) -> str:
    return streamed.issue_token(store.token_secret(), participant, now)


def _raw_files(store: Store) -> list[str]:
    raw = store.root / "raw"
    return sorted(p.name for p in raw.rglob("*") if p.is_file()) if raw.exists() else []


def _begin(client: TestClient, token: str | None, name: str, size: int) -> tuple[int, dict]:  # type: ignore[type-arg]
    headers = {HEADER: token} if token is not None else {}
    response = client.post(PATH, json={"name": name, "size": size}, headers=headers)
    return response.status_code, response.json()


def _put(client: TestClient, token: str, upload: str, offset: int, chunk: bytes):  # type: ignore[no-untyped-def]
    return client.put(
        f"{PATH}/{upload}", params={"offset": offset}, content=chunk, headers={HEADER: token}
    )


def test_chunks_reassemble_to_the_exact_bytes(
    client: TestClient, store: Store, started: Started
) -> None:
    data = os.urandom(5 * MiB + 333)
    token = _token(store)
    status, begun = _begin(client, token, "export.zip", len(data))
    assert status == 201 and begun["chunk_bytes"] == 8 * MiB
    upload = begun["upload"]
    answers = []
    for offset in range(0, len(data), 2 * MiB):  # three chunks: 2 MiB, 2 MiB, 1 MiB + 333
        response = _put(client, token, upload, offset, data[offset : offset + 2 * MiB])
        assert response.status_code == 200
        answers.append(response.json())
    assert answers == [
        {"received": 2 * MiB, "size": len(data)},
        {"received": 4 * MiB, "size": len(data)},
        {"received": len(data), "size": len(data), "done": True, "job": upload},
    ]
    [finished] = started.finished
    assert finished.sha256 == hashlib.sha256(data).hexdigest()
    assert finished.participant == "p01" and finished.listed is not None
    assert store.read_raw(store.raw_path("p01", finished.sha256, ".zip")) == data
    assert _raw_files(store) == [f"{finished.sha256}.zip"]


@pytest.mark.parametrize("which", ["none", "forged", "expired", "other data dir"])
def test_no_valid_token_is_403_and_nothing_stored(
    client: TestClient, store: Store, tmp_path: Path, which: str
) -> None:
    token = {
        "none": None,
        "forged": _token(store)[:-4] + "beef",
        "expired": _token(store, now=time.time() - streamed.TOKEN_TTL_S - 1),
        "other data dir": _token(Store(tmp_path / "elsewhere")),
    }[which]
    status, answer = _begin(client, token, "walk.fit", 10)
    assert (status, answer["error"]) == (403, "forbidden")
    assert _raw_files(store) == []


def test_a_token_for_another_participant_is_403_on_their_upload(
    client: TestClient, store: Store, started: Started
) -> None:
    mine, theirs = _token(store, "p01"), _token(store, "p02")
    _, begun = _begin(client, mine, "walk.fit", 8)
    upload = begun["upload"]
    response = _put(client, theirs, upload, 0, b"12345678")
    assert (response.status_code, response.json()["error"]) == (403, "forbidden")
    assert client.delete(f"{PATH}/{upload}", headers={HEADER: theirs}).status_code == 403
    assert started.finished == []
    # the owner's upload is untouched: nothing of the other's bytes in it
    assert _put(client, mine, upload, 0, b"abcdefgh").json()["done"] is True
    assert store.read_raw(store.raw_path("p01", started.finished[0].sha256, ".fit")) == b"abcdefgh"
    assert not (store.root / "raw" / "p02").exists()


def test_a_declared_size_over_the_limit_is_refused_at_once(
    client: TestClient, store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BACKTRACK_STREAMED_UPLOAD_MAX_BYTES", "3MiB")
    status, answer = _begin(client, _token(store), "export.zip", 3 * MiB + 1)
    assert (status, answer["error"]) == (413, "too_large")
    assert "larger than the 3.0 MiB" in answer["detail"]
    assert _raw_files(store) == []


def test_bytes_beyond_the_declared_size_are_refused_and_nothing_is_left(
    client: TestClient, store: Store, started: Started
) -> None:
    token = _token(store)
    _, begun = _begin(client, token, "export.zip", 3 * MiB)
    upload = begun["upload"]
    assert _put(client, token, upload, 0, os.urandom(2 * MiB)).status_code == 200
    response = _put(client, token, upload, 2 * MiB, os.urandom(2 * MiB))  # 1 MiB too many
    assert (response.status_code, response.json()["error"]) == (413, "too_large")
    assert _raw_files(store) == [] and started.finished == []
    assert _put(client, token, upload, 2 * MiB, b"x").status_code == 404  # it is gone


def test_a_chunk_larger_than_a_chunk_may_be_stops_the_upload(
    client: TestClient, store: Store
) -> None:
    token = _token(store)
    size = streamed.MAX_CHUNK_BYTES + 1
    _, begun = _begin(client, token, "export.zip", size)
    response = _put(client, token, begun["upload"], 0, b"\0" * size)
    assert (response.status_code, response.json()["error"]) == (400, "bad_request")
    assert _raw_files(store) == []


def test_stopping_an_upload_removes_what_arrived(client: TestClient, store: Store) -> None:
    token = _token(store)
    _, begun = _begin(client, token, "export.zip", 4 * MiB)
    upload = begun["upload"]
    _put(client, token, upload, 0, os.urandom(3 * MiB))
    assert len(_raw_files(store)) == 1  # the temporary sealed file
    assert client.delete(f"{PATH}/{upload}", headers={HEADER: token}).status_code == 204
    assert _raw_files(store) == []


def test_a_chunk_out_of_order_is_409(client: TestClient, store: Store) -> None:
    token = _token(store)
    _, begun = _begin(client, token, "walk.fit", 8)
    assert _put(client, token, begun["upload"], 4, b"efgh").status_code == 409


@pytest.mark.parametrize("body", [{}, {"name": "x.fit"}, {"name": "x.fit", "size": "lots"}])
def test_a_begin_without_name_and_size_is_400(
    client: TestClient,
    store: Store,
    body: dict,  # type: ignore[type-arg]
) -> None:
    response = client.post(PATH, json=body, headers={HEADER: _token(store)})
    assert response.status_code == 400


def test_the_page_takes_the_job_of_its_own_upload_once(store: Store) -> None:
    jobs = []

    def start(store_: Store, finished: streamed.Finished) -> object:
        job = type("Job", (), {"participant": finished.participant})()
        jobs.append(job)
        return job

    endpoint = upload_route.UploadEndpoint(store=lambda: store, start=start)  # type: ignore[arg-type]
    with TestClient(Starlette(routes=endpoint.routes())) as client:
        token = _token(store)
        _, begun = _begin(client, token, "walk.fit", 4)
        _put(client, token, begun["upload"], 0, b"walk")
    assert endpoint.job(begun["upload"], "p02") is None  # not another participant's page
    assert endpoint.job(begun["upload"], "p01") is jobs[0]
    assert endpoint.job(begun["upload"], "p01") is None  # taken


@pytest.mark.parametrize(
    ("base", "path"),
    [
        ("", "/backtrack/upload"),
        ("clinic", "/clinic/backtrack/upload"),
        ("/a/b/", "/a/b/backtrack/upload"),
    ],
)
def test_the_endpoint_lies_below_streamlits_base_url_path(
    base: str, path: str, store: Store
) -> None:
    assert upload_route.endpoint_path(base) == path
    endpoint = upload_route.UploadEndpoint(store=lambda: store, start=Started())
    with TestClient(Starlette(routes=endpoint.routes(base))) as client:
        response = client.post(
            path, json={"name": "walk.fit", "size": 1}, headers={HEADER: _token(store)}
        )
        assert response.status_code == 201


def test_a_job_no_page_takes_is_forgotten_after_a_while(store: Store) -> None:
    endpoint = upload_route.UploadEndpoint(
        store=lambda: store,
        start=lambda _s, f: type("Job", (), {"participant": f.participant})(),  # type: ignore[arg-type]
    )
    with TestClient(Starlette(routes=endpoint.routes())) as client:
        token = _token(store)
        _, begun = _begin(client, token, "walk.fit", 4)
        _put(client, token, begun["upload"], 0, b"walk")
    endpoint.forget_jobs(older_than_s=3600)  # just finished: kept
    endpoint.forget_jobs(older_than_s=-1)  # as if an hour had passed
    assert endpoint.job(begun["upload"], "p01") is None
