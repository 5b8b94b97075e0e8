"""The raw store's retention rule (pipelines/rules/retention.py, docs/encryption.md): which
raw files are due at a moment, and under which name and time the manifest recorded them."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pandas as pd
import pytest

from pipelines import schemas
from pipelines.rules import retention
from pipelines.rules.retention import DueFile, StoredUploadRow
from pipelines.schemas import FILES
from tests.support.rules import processed_file

NOW = datetime(2024, 7, 1, 12, tzinfo=UTC)
A, B, C = "a" * 64, "b" * 64, "c" * 64
RAW = {sha: Path(f"/data/raw/p1/{sha}.fit") for sha in (A, B, C)}  # C: never recorded


def _manifest(rows: list[tuple[str, str, datetime]]) -> pd.DataFrame:
    frame = pd.DataFrame(
        [
            processed_file("p1", hashlib.sha256(name.encode()).hexdigest(), upload, name, at)
            for upload, name, at in rows
        ],
        columns=FILES.names,
    )
    return schemas.coerce(FILES, frame) if len(frame) else FILES.empty()


@pytest.mark.parametrize(
    ("rows", "days", "due"),
    [
        pytest.param([], 30, [], id="nothing recorded"),
        pytest.param(
            [(A, "a.fit", NOW - timedelta(days=31))],
            30,
            [DueFile(RAW[A], "a.fit", NOW - timedelta(days=31))],
            id="past",
        ),
        pytest.param(
            [(A, "a.fit", NOW - timedelta(days=30))],
            30,
            [DueFile(RAW[A], "a.fit", NOW - timedelta(days=30))],
            id="exactly N days",
        ),
        pytest.param(
            [(A, "a.fit", NOW - timedelta(days=29, hours=23, minutes=59))],
            30,
            [],
            id="a minute short",
        ),
        pytest.param([(A, "a.fit", NOW)], 0, [DueFile(RAW[A], "a.fit", NOW)], id="0 days: all"),
        pytest.param(
            [(A, "a.fit", NOW + timedelta(seconds=1))], 0, [], id="0 days: not the future"
        ),
        pytest.param(
            [
                (B, "x.zip/one.fit", NOW - timedelta(days=40)),
                (B, "x.zip/two.fit", NOW - timedelta(days=10)),  # recorded again later
            ],
            30,
            [],
            id="an archive: its latest row counts",
        ),
        pytest.param(
            [
                (B, "x.zip/one.fit", NOW - timedelta(days=40)),
                (B, "x.zip/two.fit", NOW - timedelta(days=35)),
            ],
            30,
            [DueFile(RAW[B], "x.zip", NOW - timedelta(days=35))],
            id="an archive due: the upload's name and its latest row",
        ),
        pytest.param(
            [
                (B, "x.zip/one.fit", NOW - timedelta(days=40)),
                (A, "a.fit", NOW - timedelta(days=5)),
            ],
            30,
            [DueFile(RAW[B], "x.zip", NOW - timedelta(days=40))],
            id="only the old upload",
        ),
        pytest.param(
            [
                (A, "first.fit", NOW - timedelta(days=50)),
                (A, "again.fit", NOW - timedelta(days=45)),  # the same bytes under a new name
            ],
            30,
            [DueFile(RAW[A], "first.fit", NOW - timedelta(days=45))],
            id="uploaded twice: the first name, the latest time",
        ),
        pytest.param(
            [
                (A, "first.fit", NOW - timedelta(days=45)),
                (A, "again.fit", NOW - timedelta(days=50)),  # recorded earlier, listed later
            ],
            30,
            [DueFile(RAW[A], "first.fit", NOW - timedelta(days=45))],
            id="uploaded twice: a later row with an earlier time changes nothing",
        ),
    ],
)
def test_which_raw_files_are_due(
    rows: list[tuple[str, str, datetime]], days: int, due: list[DueFile]
) -> None:
    assert retention.due(_manifest(rows), list(RAW.values()), NOW, days) == due


def test_a_negative_retention_is_refused() -> None:
    with pytest.raises(ValueError, match="retention must be 0 or more days, not -1"):
        retention.due(_manifest([]), [], NOW, -1)


def test_uploads_in_the_order_recorded_each_with_its_latest_time() -> None:
    rows = [
        (B, "b.zip/one.fit", NOW - timedelta(days=3)),
        (A, "a.fit", NOW - timedelta(days=9)),
        (B, "b.zip/two.fit", NOW - timedelta(days=1)),
        (A, "a-again.fit", NOW - timedelta(days=8)),
    ]
    assert retention.uploads(_manifest(rows)) == [
        StoredUploadRow(B, "b.zip", NOW - timedelta(days=1)),
        StoredUploadRow(A, "a.fit", NOW - timedelta(days=9)),
        StoredUploadRow(A, "a-again.fit", NOW - timedelta(days=8)),
    ]
    assert retention.uploads(_manifest([])) == []


@pytest.mark.parametrize(
    ("name", "upload"),
    [
        ("walk.fit", "walk.fit"),
        ("export.zip/apple_health_export/export.xml", "export.zip"),
        ("a.zip/b/c.gpx", "a.zip"),
    ],
)
def test_the_upload_a_member_came_in(name: str, upload: str) -> None:
    assert retention.upload_name(name) == upload


@pytest.mark.parametrize(
    ("path", "sha"),
    [(Path(f"/r/{A}.fit"), A), (Path(f"/r/{B}.tar.gz"), B), (Path(f"/r/{C}"), C)],
)
def test_a_raw_files_hash_is_its_name_before_the_first_dot(path: Path, sha: str) -> None:
    assert retention.raw_sha(path) == sha
