"""A three-person demo data dir (FIT files → pipelines.app.uploads, no Prefect), built once (≈ 3 s).

p01 and p03 are in group-a, p02 in group-b (``generate_cohort``'s assignment).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from dashboards import data
from pipelines.store.storage import Store
from tests.support.cohort import ingested_cohort

WEEKS = 2


@pytest.fixture(scope="session")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("dashboard")
    store, _ = ingested_cohort(root, participants=3, weeks=WEEKS)
    return store.root


@pytest.fixture(scope="session")
def tables(data_dir: Path) -> data.StoreTables:
    return data.StoreTables(Store(data_dir))
