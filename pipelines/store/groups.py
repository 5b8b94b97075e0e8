"""Per-group alert thresholds (the ``group_settings`` table), with the documented defaults.

A group without a stored row uses ``Thresholds()``: no data for ≥ 7 days, adherence below
50 % over 14 days, latest 7-day pain ≥ baseline + 20, painkillers on more than 14 days in a
row. The rule that uses them is ``pipelines.rules.alerts``.

The table is not partitioned by participant (``Store.write`` checks a ``participant``
column), so it lives in ``tables/group_settings/group=<group>/part.parquet``; the write
mirrors ``Store.write``: a temporary file in the same directory, flushed, then renamed
over the old one — a reader sees the old or the new settings, never half of them.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from datetime import datetime
from pathlib import Path
from typing import Final

import pandas as pd
import pyarrow.parquet as pq

from pipelines import schemas
from pipelines.rules.alerts import Thresholds
from pipelines.schemas import GROUP_SETTINGS
from pipelines.store.storage import PART_FILE, Store, check_participant

GROUP_PREFIX: Final = "group="


def path(store: Store, group: str) -> Path:
    """Where ``group``'s settings live (the group id must be a safe id, like a participant's)."""
    check_participant(group)
    return store.root / "tables" / GROUP_SETTINGS.name / f"{GROUP_PREFIX}{group}" / PART_FILE


def load(store: Store, group: str) -> Thresholds:
    """``group``'s thresholds, or the defaults when none are stored."""
    file = path(store, group)
    if not file.exists():
        return Thresholds()
    table = schemas.upgrade(GROUP_SETTINGS, pq.read_table(file))
    rows = table.to_pandas(types_mapper=schemas._pandas_type)
    if rows.empty:
        return Thresholds()
    row = rows.iloc[-1]
    return Thresholds(
        no_data_days=int(row["no_data_days"]),
        min_adherence_14d=float(row["min_adherence_14d"]),
        pain_delta=float(row["pain_delta"]),
        painkiller_days=int(row["painkiller_days"]),
    )


def save(store: Store, group: str, thresholds: Thresholds, now: datetime) -> None:
    """Replace ``group``'s thresholds (validated against the table schema), atomically."""
    frame = pd.DataFrame(
        [
            {
                "group": group,
                "no_data_days": thresholds.no_data_days,
                "min_adherence_14d": float(thresholds.min_adherence_14d),
                "pain_delta": float(thresholds.pain_delta),
                "painkiller_days": thresholds.painkiller_days,
                "updated_at": now,
            }
        ],
        columns=GROUP_SETTINGS.names,
    )
    frame["updated_at"] = pd.to_datetime(frame["updated_at"], utc=True).dt.as_unit("us")
    table = schemas.to_arrow(GROUP_SETTINGS, frame)
    file = path(store, group)
    file.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=file.parent, prefix=".tmp-", suffix=".parquet")
    try:
        with os.fdopen(fd, "wb") as fh:
            pq.write_table(table, fh, compression="zstd")
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, file)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
