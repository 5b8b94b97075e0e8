"""Data completeness — how much of a period the figures rest on.

Over the days of a period ``[start, end]`` (every calendar day counts once, whether the
``days`` table has a row for it or not):

* **Worn days**: days whose ``status`` (``pipelines.rules.daily.with_status``, the one wear
  rule) is neither ``low_wear`` nor ``no_data`` (``daily.NOT_WORN``) — a met day, or a day
  worn for at least ``min_wear_minutes`` (600 by default) or with unknown wear and some data.
  A day the table lacks is ``no_data``: not worn or not synced.
* **Diary days**: days with a diary entry (``participants.written``: ``pain_entries`` > 0).
* ``worn_share`` / ``diary_share`` = those days ÷ the days of the period, rounded to 4
  decimals; ``None`` for an empty period (``end`` before ``start``).

"No data" is not "inactive" (docs/rules.md, *Wear time and day status*): these shares let a
reader see how far a low adherence rests on days nobody could measure.

>>> import pandas as pd
>>> from datetime import date
>>> frame = pd.DataFrame({"date": [date(2024, 5, 6), date(2024, 5, 7), date(2024, 5, 8)],
...                       "status": ["met", "low_wear", "below"], "pain_entries": [1, 0, 2]})
>>> completeness(frame, date(2024, 5, 6), date(2024, 5, 9))
Completeness(days=4, worn_days=2, diary_days=2, worn_share=0.5, diary_share=0.5)
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

from pipelines.rules.daily import NOT_WORN
from pipelines.rules.participants import written


@dataclass(frozen=True, slots=True)
class Completeness:
    days: int  # calendar days in the period
    worn_days: int  # days adequately worn (status not low_wear / no_data)
    diary_days: int  # days with a diary entry
    worn_share: float | None  # worn_days ÷ days (None: no day)
    diary_share: float | None  # diary_days ÷ days (None: no day)


def completeness(days: pd.DataFrame, start: date, end: date) -> Completeness:
    """The completeness of ``days`` (one participant's ``days`` rows) over ``[start, end]``."""
    total = max((end - start).days + 1, 0)
    dates = days["date"].tolist()
    inside = np.array([start <= d <= end for d in dates], dtype=bool)
    status = days["status"]  # no status stored: no_data
    worn = inside & status.notna().to_numpy() & ~status.isin(NOT_WORN).to_numpy(dtype=bool)
    diary = inside & written(days)
    worn_days = len({d for d, w in zip(dates, worn, strict=True) if w})
    diary_days = len({d for d, k in zip(dates, diary, strict=True) if k})

    def share(n: int) -> float | None:
        return round(n / total, 4) if total else None

    return Completeness(total, worn_days, diary_days, share(worn_days), share(diary_days))
