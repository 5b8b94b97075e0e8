"""The streamed upload's use case (``pipelines.app.streamed``): tokens, pieces sealed into the
raw store as they come, the size limit, and nothing left of an upload that stopped."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from pathlib import Path

import pytest

from pipelines import config
from pipelines.app import streamed, uploads
from pipelines.store import sealed
from pipelines.store.files import TEMP_PREFIX
from pipelines.store.storage import Store
from tests.support.uploads import activity

MiB = 1024 * 1024
NOW = 1_800_000_000.0  # a fixed clock (2027-01-15)


class Clock:
    def __init__(self, now: float = NOW) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def store(tmp_path: Path) -> Store:
    return Store(tmp_path / "data")


def _token(store: Store, participant: str = "p01", now: float = NOW) -> str:
    return streamed.issue_token(store.token_secret(), participant, now)


def _everything_under(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.rglob("*") if p.is_file()) if folder.exists() else []


def _send(
    active: streamed.StreamedUploads, upload: str, token: str, data: bytes, sizes: list[int]
) -> None:
    offset = 0
    for size in sizes:
        offset = active.write(upload, token, offset, data[offset : offset + size])


# ------------------------------------------------------------------------------ tokens
def test_a_token_names_its_participant_until_it_expires(store: Store) -> None:
    token = _token(store, "p-07_x")
    secret = store.token_secret()
    assert streamed.verify_token(secret, token, NOW) == "p-07_x"
    # valid for 30 minutes: 1 s before the end still, 1 s after no more
    assert streamed.verify_token(secret, token, NOW + 30 * 60 - 1) == "p-07_x"
    with pytest.raises(streamed.Refused, match="expired") as refused:
        streamed.verify_token(secret, token, NOW + 30 * 60 + 1)
    assert (refused.value.code, refused.value.status) == ("forbidden", 403)


@pytest.mark.parametrize(
    "change",
    [
        lambda t: t.replace("p01", "p02", 1),  # another participant's name in it
        lambda t: "v2" + t[2:],  # another version
        lambda t: t[:-1] + ("0" if t[-1] != "0" else "1"),  # the signature altered
        lambda t: t.rsplit(".", 1)[0],  # no signature
        lambda t: "",
        lambda t: "v1.p01.9999999999.00.deadbeef",
    ],
)
def test_an_altered_or_made_up_token_is_refused(store: Store, change: Callable[[str], str]) -> None:
    with pytest.raises(streamed.Refused) as refused:
        streamed.verify_token(store.token_secret(), change(_token(store)), NOW)
    assert refused.value.status == 403


def test_a_token_of_another_data_directory_is_refused(tmp_path: Path) -> None:
    ours, theirs = Store(tmp_path / "a"), Store(tmp_path / "b")
    with pytest.raises(streamed.Refused, match="signature"):
        streamed.verify_token(ours.token_secret(), _token(theirs), NOW)


def test_the_token_secret_is_private_and_kept(store: Store) -> None:
    first = store.token_secret()
    assert store.token_secret() == first and len(first) == 32
    path = store.root / "secrets" / "upload-token.key"
    assert path.stat().st_mode & 0o777 == 0o600
    assert (store.root / "secrets").stat().st_mode & 0o777 == 0o700


# ------------------------------------------------------------------------------ uploads
def test_pieces_reassemble_to_the_exact_bytes_sealed_and_content_addressed(store: Store) -> None:
    data = os.urandom(3 * MiB + 12345)
    active = streamed.StreamedUploads(store, clock=Clock())
    token = _token(store)
    upload = active.begin(token, "Export.ZIP", len(data))
    # uneven pieces, one of them empty, across the 1 MiB sealing chunks
    _send(active, upload, token, data, [1, MiB - 1, 0, 2 * MiB + 7, 12338])
    finished = active.finish(upload, token)

    assert finished.sha256 == hashlib.sha256(data).hexdigest()
    assert (finished.participant, finished.name, finished.size) == ("p01", "Export.ZIP", len(data))
    raw = store.raw_path("p01", finished.sha256, ".zip")
    assert store.read_raw(raw) == data
    assert sealed.is_sealed(raw.read_bytes()[:64])  # never plaintext on disk
    assert _everything_under(store.root / "raw") == [raw.name]  # no temporary file left
    [admitted] = finished.admission.new
    assert (admitted.sha256, admitted.file.path) == (finished.sha256, raw)
    assert finished.listed is not None
    assert store.upload_list(finished.listed) == [
        {
            "path": str(raw.resolve()),
            "name": "Export.ZIP",
            "sha256": finished.sha256,
            "stored": "raw",
        }
    ]
    assert active.in_progress() == 0


def test_an_empty_file_is_one_empty_chunk(store: Store) -> None:
    active = streamed.StreamedUploads(store, clock=Clock())
    token = _token(store)
    upload = active.begin(token, "empty.fit", 0)
    assert active.write(upload, token, 0, b"") == 0
    finished = active.finish(upload, token)
    assert finished.sha256 == hashlib.sha256(b"").hexdigest()


def test_content_ingested_before_is_known_and_not_listed(store: Store) -> None:
    data = activity(day=3, minutes=35)  # a real FIT walk
    active = streamed.StreamedUploads(store, clock=Clock())
    token = _token(store)
    upload = active.begin(token, "walk.fit", len(data))
    active.write(upload, token, 0, data)
    first = active.finish(upload, token)
    assert first.listed is not None
    # the ingest reads the sealed file unchanged, as every upload list's
    stored = uploads.store_listed_uploads(store, "p01", str(first.listed))
    [outcome] = uploads.record(store, "p01", uploads.parse_stored(stored, workers=1))
    assert outcome.status == "ok"

    again = active.begin(token, "walk-again.fit", len(data))
    active.write(again, token, 0, data)
    second = active.finish(again, token)
    assert second.admission.new == () and second.listed is None
    assert [a.sha256 for a in second.admission.known] == [hashlib.sha256(data).hexdigest()]
    assert len(store.raw_files("p01")) == 1


def test_a_declared_size_beyond_the_limit_is_refused_before_anything_is_written(
    store: Store,
) -> None:
    active = streamed.StreamedUploads(store, max_bytes=10 * MiB, clock=Clock())
    with pytest.raises(streamed.Refused, match=r"larger than the 10\.0 MiB") as refused:
        active.begin(_token(store), "huge.zip", 10 * MiB + 1)
    assert (refused.value.code, refused.value.status) == ("too_large", 413)
    assert _everything_under(store.root / "raw") == []
    active.begin(_token(store), "fits.zip", 10 * MiB)  # the limit itself is taken


def test_more_bytes_than_declared_stop_the_upload_and_nothing_stays(store: Store) -> None:
    active = streamed.StreamedUploads(store, max_bytes=4 * MiB, clock=Clock())
    token = _token(store)
    upload = active.begin(token, "liar.fit", 2 * MiB)
    active.write(upload, token, 0, b"x" * (2 * MiB - 10))
    with pytest.raises(streamed.Refused, match="more bytes than the 2097152 declared") as refused:
        active.write(upload, token, 2 * MiB - 10, b"y" * 11)
    assert refused.value.status == 413
    assert _everything_under(store.root / "raw") == []
    with pytest.raises(streamed.Refused) as gone:
        active.write(upload, token, 2 * MiB - 10, b"y" * 10)
    assert gone.value.code == "unknown"


def test_the_default_limit_is_the_ingests_limit_for_one_file(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(config.STREAMED_UPLOAD_MAX_ENV, raising=False)
    assert streamed.StreamedUploads(store).max_bytes == 4 * 1024 * MiB
    monkeypatch.setenv(config.STREAMED_UPLOAD_MAX_ENV, "512MiB")
    assert streamed.StreamedUploads(store).max_bytes == 512 * MiB


@pytest.mark.parametrize(
    ("setting", "limit"),
    [
        ("1", 1),
        ("4294967296", 4 * 1024 * MiB),
        ("4GiB", 4 * 1024 * MiB),
        ("2 GiB", 2 * 1024 * MiB),
        ("512MiB", 512 * MiB),
        ("64kib", 64 * 1024),
        ("300b", 300),
    ],
)
def test_the_limit_setting(setting: str, limit: int, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(config.STREAMED_UPLOAD_MAX_ENV, setting)
    assert config.streamed_upload_max_bytes() == limit


@pytest.mark.parametrize("setting", ["5GiB", "4294967297", "0", "-1", "lots", "8 TB"])
def test_a_limit_setting_beyond_the_ingest_or_no_size_is_refused(
    setting: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(config.STREAMED_UPLOAD_MAX_ENV, setting)
    with pytest.raises(ValueError, match=r"BACKTRACK_STREAMED_UPLOAD_MAX_BYTES|1 byte to"):
        config.streamed_upload_max_bytes()


def test_an_expired_token_begins_nothing_but_an_upload_begun_in_time_goes_on(store: Store) -> None:
    clock = Clock()
    active = streamed.StreamedUploads(store, clock=clock)
    token = _token(store)
    upload = active.begin(token, "walk.fit", 6)
    clock.now += 31 * 60  # the token has expired since
    with pytest.raises(streamed.Refused, match="expired"):
        active.begin(token, "walk2.fit", 6)
    active.write(upload, token, 0, b"abcdef")
    assert store.read_raw(Path(active.finish(upload, token).admission.new[0].file.path or "")) == (
        b"abcdef"
    )


def test_a_token_of_another_participant_cannot_touch_an_upload(store: Store) -> None:
    active = streamed.StreamedUploads(store, clock=Clock())
    mine, theirs = _token(store, "p01"), _token(store, "p02")
    upload = active.begin(mine, "walk.fit", 4)
    for call in (
        lambda: active.write(upload, theirs, 0, b"evil"),
        lambda: active.finish(upload, theirs),
        lambda: active.abort(upload, theirs),
    ):
        with pytest.raises(streamed.Refused, match="someone else") as refused:
            call()
        assert refused.value.status == 403
    assert active.received(upload, mine) == (0, 4)


def test_a_chunk_out_of_order_is_refused(store: Store) -> None:
    active = streamed.StreamedUploads(store, clock=Clock())
    token = _token(store)
    upload = active.begin(token, "walk.fit", 8)
    active.write(upload, token, 0, b"abcd")
    with pytest.raises(streamed.Refused) as refused:
        active.write(upload, token, 0, b"abcd")  # the same chunk again
    assert (refused.value.code, refused.value.status) == ("out_of_order", 409)
    with pytest.raises(streamed.Refused, match="4 of 8 bytes"):
        active.finish(upload, token)


@pytest.mark.parametrize("how", ["abort", "idle", "close"])
def test_a_stopped_upload_leaves_nothing(store: Store, how: str) -> None:
    clock = Clock()
    active = streamed.StreamedUploads(store, clock=clock, idle_timeout_s=120)
    token = _token(store)
    upload = active.begin(token, "export.zip", 3 * MiB)
    active.write(upload, token, 0, os.urandom(2 * MiB))
    [tmp] = _everything_under(store.raw_folder("p01"))
    assert tmp.startswith(TEMP_PREFIX)
    if how == "abort":
        active.abort(upload, token)
    elif how == "idle":
        clock.now += 119
        assert active.sweep() == []  # not idle long enough yet
        assert _everything_under(store.raw_folder("p01")) == [tmp]
        clock.now += 2
        assert active.sweep() == [upload]
    else:
        active.close()
    assert _everything_under(store.root / "raw") == []
    assert active.in_progress() == 0


def test_an_erased_participant_takes_nothing(store: Store) -> None:
    _erase(store, "p01")
    active = streamed.StreamedUploads(store, clock=Clock())
    with pytest.raises(streamed.Refused) as refused:
        active.begin(_token(store), "walk.fit", 4)
    assert (refused.value.code, refused.value.status) == ("erased", 403)
    assert _everything_under(store.root / "raw") == []


def _erase(store: Store, participant: str) -> None:
    from pipelines.app import rights

    rights.erase(store, participant, actor="test")


def test_without_a_key_nothing_is_stored(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(config.KEY_FILE_ENV)
    store = Store(tmp_path / "data")
    active = streamed.StreamedUploads(store, clock=Clock())
    with pytest.raises(streamed.Refused) as refused:
        active.begin(_token(store), "walk.fit", 4)
    assert (refused.value.code, refused.value.status) == ("no_key", 503)
    assert _everything_under(store.root / "raw") == []


def test_a_failed_write_leaves_nothing(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    active = streamed.StreamedUploads(store, clock=Clock())
    token = _token(store)
    upload = active.begin(token, "export.zip", 3 * MiB)
    active.write(upload, token, 0, os.urandom(MiB))

    def disk_full(self: object, piece: bytes) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("pipelines.store.storage.RawStream.write", disk_full)
    with pytest.raises(OSError, match="No space"):
        active.write(upload, token, MiB, os.urandom(MiB))
    assert _everything_under(store.root / "raw") == [] and active.in_progress() == 0
