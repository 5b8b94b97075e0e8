"""A three-person demo data dir (FIT files → pipelines.app.uploads, no Prefect), built once (≈ 3 s).

p01 and p03 are in group-a, p02 in group-b (``generate_cohort``'s assignment).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from dashboards import data
from demo.cohort import generate_cohort
from demo.diaries import write_diaries
from pipelines.app import diary as diary_app
from pipelines.app import participants as settings
from pipelines.app import refresh as refreshing
from pipelines.app import uploads
from pipelines.store.storage import Store

WEEKS = 2


@pytest.fixture(scope="session")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("dashboard")
    cohort = generate_cohort(root / "input", participants=3, weeks=WEEKS)
    diaries = write_diaries(root / "diaries", cohort, weeks=WEEKS)
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
        diary_app.import_diary_file(store, person.id, diaries[person.id])
    return store.root


@pytest.fixture(scope="session")
def tables(data_dir: Path) -> data.StoreTables:
    return data.StoreTables(Store(data_dir))
