"""The Group page's figures the slow way, for tests to compare the dashboard's with."""

from __future__ import annotations

from datetime import date

import pandas as pd

from pipelines.rules import overview, participants
from pipelines.schemas import DAYS, PARTICIPANTS
from pipelines.store.storage import Store


def plain_table(store: Store, group: str, as_of: date | None) -> pd.DataFrame:
    """The figures the slow way: one read per member, no memory between calls."""
    roster = store.read(PARTICIPANTS)
    members = sorted(str(p) for p in roster.loc[roster["group"] == group, "participant"])
    frames = {m: store.read(DAYS, [m], overview.INPUTS) for m in members}
    return overview.table(frames, participants.roster(members, roster), as_of)
