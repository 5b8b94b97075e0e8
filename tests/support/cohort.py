"""A demo cohort ingested into a data dir with the ``pipelines.app`` use cases (FIT files,
settings, diaries; no Prefect), as the dashboard and browser tests start from."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

from demo.cohort import generate_cohort
from demo.diaries import write_diaries
from pipelines.app import diary as diary_app
from pipelines.app import participants as settings
from pipelines.app import refresh as refreshing
from pipelines.app import uploads
from pipelines.store.storage import Store


def ingested_cohort(
    root: Path, *, participants: int, weeks: int, end: date | None = None
) -> tuple[Store, list[str]]:
    """``generate_cohort``'s people under ``root/input``, their diaries under
    ``root/diaries``, all ingested and refreshed into ``root/data``; the store and the ids.
    ``end``: the live cohort ending that day (``demo.cohort``'s live mode).

    ``generate_cohort`` assigns the groups: with three people p01 and p03 are in group-a,
    p02 in group-b."""
    cohort = generate_cohort(root / "input", participants=participants, weeks=weeks, end=end)
    diaries = write_diaries(root / "diaries", cohort, weeks=weeks, end=end)
    store = Store(root / "data")
    for person in cohort:
        settings.configure(
            store, person.id, tz=person.tz, group=person.group, program_start=person.program_start
        )
        stored = uploads.store_uploads(
            store, person.id, uploads.collect_paths([root / "input" / person.id])
        )
        uploads.record(store, person.id, uploads.parse_stored(stored, workers=1))
        refreshing.refresh_participant(store, person.id)
        today = None if end is None else end + timedelta(days=1)  # the live cohort's today
        diary_app.import_diary_file(store, person.id, diaries[person.id], today)
    return store, [person.id for person in cohort]
