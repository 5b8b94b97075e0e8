"""The sealed-file format and key files (pipelines/store/sealed.py, docs/encryption.md): every
alteration of a sealed file is detected, with an error that says what happened."""

from __future__ import annotations

import io
import os
from pathlib import Path

import pytest

from pipelines.store import sealed
from pipelines.store.sealed import HEADER_BYTES, TAG_BYTES, Key, SealedFileError

KEY = Key(bytes(range(32)))
CHUNK = 16  # tiny chunks: every property is exercised across several chunks


@pytest.mark.parametrize("size", [0, 1, CHUNK - 1, CHUNK, CHUNK + 1, 3 * CHUNK, 5 * CHUNK + 7])
@pytest.mark.parametrize("chunk", [1, CHUNK, 1 << 20])
def test_what_is_sealed_opens_to_the_same_bytes(size: int, chunk: int) -> None:
    data = os.urandom(size)
    assert sealed.unseal(sealed.seal(data, KEY, chunk), KEY) == data


def test_a_stream_is_sealed_and_opened_a_chunk_at_a_time() -> None:
    data = os.urandom(3 * sealed.CHUNK_BYTES + 5)
    sink = io.BytesIO()
    with sealed.SealingWriter(sink, KEY) as writer:
        for i in range(0, len(data), 70_000):  # writes of any size
            writer.write(data[i : i + 70_000])
    blob = sink.getvalue()
    assert len(blob) == HEADER_BYTES + len(data) + 4 * TAG_BYTES  # 3 full chunks and the rest
    with sealed.opening(io.BytesIO(blob), KEY) as stream:
        assert stream.read(10) == data[:10]
        assert stream.read() == data[10:]


def test_the_last_chunk_may_be_empty_and_is_still_required() -> None:
    blob = sealed.seal(b"", KEY, CHUNK)
    assert len(blob) == HEADER_BYTES + TAG_BYTES
    with pytest.raises(SealedFileError, match="truncated"):
        sealed.unseal(blob[:HEADER_BYTES], KEY)


def test_the_same_bytes_seal_differently_and_never_show_through() -> None:
    data = b"<?xml version='1.0'?>" + b"A" * 100
    one, two = sealed.seal(data, KEY), sealed.seal(data, KEY)
    assert one != two  # a fresh nonce prefix per file
    assert data[:20] not in one and b"A" * 16 not in one


SEALED = sealed.seal(bytes(range(80)), KEY, CHUNK)  # 5 full chunks, the last flagged so
SEALED_CHUNK = CHUNK + TAG_BYTES
CUTS = [HEADER_BYTES + i * SEALED_CHUNK for i in range(5)] + [len(SEALED) - 1, HEADER_BYTES - 1, 3]


@pytest.mark.parametrize("cut", CUTS)
def test_a_file_cut_short_anywhere_is_detected(cut: int) -> None:
    with pytest.raises(SealedFileError, match=r"truncated|not a sealed file"):
        sealed.unseal(SEALED[:cut], KEY)


@pytest.mark.parametrize("position", range(0, len(SEALED), 5))
def test_a_flipped_bit_anywhere_is_detected(position: int) -> None:
    damaged = bytearray(SEALED)
    damaged[position] ^= 0x10
    with pytest.raises(SealedFileError, match=r"altered|wrong key|not a sealed|version|header"):
        sealed.unseal(bytes(damaged), KEY)


def test_chunks_swapped_repeated_or_dropped_are_detected() -> None:
    header, body = SEALED[:HEADER_BYTES], SEALED[HEADER_BYTES:]
    chunks = [body[i : i + SEALED_CHUNK] for i in range(0, len(body), SEALED_CHUNK)]
    swapped = [chunks[1], chunks[0], *chunks[2:]]
    repeated = [chunks[0], *chunks]
    dropped = [chunks[0], *chunks[2:]]
    for variant in (swapped, repeated, dropped):
        with pytest.raises(SealedFileError, match="fails authentication"):
            sealed.unseal(header + b"".join(variant), KEY)


def test_chunks_of_another_file_sealed_with_the_same_key_are_detected() -> None:
    other = sealed.seal(bytes(range(80)), KEY, CHUNK)
    spliced = SEALED[:HEADER_BYTES] + other[HEADER_BYTES:]
    with pytest.raises(SealedFileError, match="fails authentication"):
        sealed.unseal(spliced, KEY)


def test_a_wrong_key_is_named_as_such() -> None:
    other = Key(bytes(32))
    with pytest.raises(SealedFileError, match=f"sealed with key {KEY.id.hex()}.*wrong key file"):
        sealed.unseal(SEALED, other)


def test_a_key_is_never_shown() -> None:
    assert KEY.secret.hex() not in repr(KEY) and KEY.id.hex() in repr(KEY)


def test_a_key_file_is_created_private_and_never_overwritten(tmp_path: Path) -> None:
    path = tmp_path / "keys" / "raw.key"
    key = sealed.create_key_file(path)
    assert path.stat().st_mode & 0o777 == 0o600
    assert sealed.load_key(path) == key
    with pytest.raises(sealed.KeyFileError, match="never overwritten"):
        sealed.create_key_file(path)
    assert sealed.load_key(path) == key


def test_a_key_file_others_can_read_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "raw.key"
    sealed.create_key_file(path)
    path.chmod(0o640)
    with pytest.raises(sealed.KeyFileError, match=r"accessible to others.*chmod 600"):
        sealed.load_key(path)


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("", "does not hold a key"),
        ("c2hvcnQ=", "does not hold a key"),  # base64, but 5 bytes
        ("zz" * 32, "does not hold a key"),
        (None, "does not exist.*keys init"),
    ],
)
def test_a_key_file_without_a_key_is_refused(
    tmp_path: Path, text: str | None, problem: str
) -> None:
    path = tmp_path / "raw.key"
    if text is not None:
        path.write_text(text)
        path.chmod(0o600)
    with pytest.raises(sealed.KeyFileError, match=problem):
        sealed.load_key(path)


def test_a_key_file_may_hold_hex(tmp_path: Path) -> None:
    path = tmp_path / "raw.key"
    path.write_text(KEY.secret.hex() + "\n")
    path.chmod(0o400)
    assert sealed.load_key(path) == KEY
