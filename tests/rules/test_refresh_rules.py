"""The refresh's pure parts (pipelines/rules/refresh.py): the rules' version digest, what the
effective program start reads from days and diary, and a participant's rows of a table."""

from __future__ import annotations

import hashlib
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from pipelines.rules import refresh
from pipelines.schemas import BLOCKS, DAILY

RULES = Path(refresh.__file__).parent


def test_the_rules_version_is_a_digest_of_the_rules_schemas_config_and_libraries() -> None:
    """docs: numpy and pandas versions, then every rules module, schemas.py and config.py,
    sorted by path, each as its name, NUL, its bytes, NUL."""
    digest = hashlib.sha256(f"numpy {np.__version__} pandas {pd.__version__};".encode())
    files = [*RULES.glob("*.py"), RULES.parent / "schemas.py", RULES.parent / "config.py"]
    for path in sorted(files):
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    refresh.rules_version.cache_clear()
    assert refresh.rules_version() == digest.hexdigest()
    assert len({p.name for p in files}) == len(files) > 10  # every module, none twice


def _days(rows: list[tuple[str, bool]]) -> pd.DataFrame:
    return pd.DataFrame(
        {"date": [date.fromisoformat(d) for d, _ in rows], "has_data": [h for _, h in rows]}
    )


@pytest.mark.parametrize(
    ("diary", "expected"),
    [
        pytest.param(None, [("2024-05-08", True, 0)], id="no diary"),
        pytest.param(
            pd.DataFrame(columns=["date", "pain_entries"]), [("2024-05-08", True, 0)], id="empty"
        ),
        pytest.param(
            pd.DataFrame(
                {
                    "date": [date(2024, 5, 1), date(2024, 5, 3), date(2024, 5, 9)],
                    "pain_entries": pd.array([2, 0, pd.NA], dtype="Int16"),
                }
            ),
            [("2024-05-08", True, 0), ("2024-05-01", False, 1)],
            id="only days with entries count",
        ),
    ],
)
def test_what_the_effective_start_reads(
    diary: pd.DataFrame | None, expected: list[tuple[str, bool, int]]
) -> None:
    days = _days([("2024-05-07", False), ("2024-05-08", True)])
    got = refresh._with_diary(days, diary)
    assert [
        (d.isoformat(), bool(h), int(n))
        for d, h, n in zip(got["date"], got["has_data"], got["pain_entries"], strict=True)
    ] == [(d, h, n) for d, h, n in expected]


def test_a_participants_rows_carry_the_participant_and_the_schema() -> None:
    assert refresh._rows(DAILY, "p1", pd.DataFrame()).equals(DAILY.empty())
    frame = pd.DataFrame(
        {
            "block_start": [date(2024, 5, 6)],
            "block_end": [date(2024, 5, 7)],
            "status": ["met"],
            "complete": [True],
            "met_days": [1],
            "walking_minutes": [35.0],
        }
    )
    rows = refresh._rows(BLOCKS, "p1", frame)
    assert list(rows.columns) == BLOCKS.names
    assert rows.astype(object).to_dict("records") == [
        {
            "participant": "p1",
            "block_start": date(2024, 5, 6),
            "block_end": date(2024, 5, 7),
            "status": "met",
            "complete": True,
            "met_days": 1,
            "walking_minutes": 35.0,
        }
    ]
