"""Per-group alert thresholds (the ``group_settings`` table), with the documented defaults.

A group without a stored row uses ``Thresholds()``: no data for ≥ 7 days, adherence below
50 % over 14 days, latest 7-day pain ≥ baseline + 20, painkillers on more than 14 days in a
row. The rule that uses them is ``pipelines.rules.alerts``.

The table is an ordinary table of the store, partitioned by group instead of by participant
(``GROUP_SETTINGS.partition``): ``Store.write`` replaces a group's partition atomically — a
reader sees the old or the new settings, never half of them.
"""

from __future__ import annotations

from datetime import datetime

import pandas as pd

from pipelines import schemas
from pipelines.rules.alerts import Thresholds
from pipelines.schemas import GROUP_SETTINGS
from pipelines.store.storage import Store


def load(store: Store, group: str) -> Thresholds:
    """``group``'s thresholds, or the defaults when none are stored; ``ValueError`` for a
    group id that could not name a partition (letters, digits, ``_``, ``-``)."""
    rows = store.read(GROUP_SETTINGS, [group])
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
    store.write(GROUP_SETTINGS, group, schemas.coerce(GROUP_SETTINGS, frame))
