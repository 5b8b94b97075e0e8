"""Pseudonymous ids, accepted end to end (docs/privacy.md): a person's name and e-mail
address live in the accounts database only. Tables, the data directory's paths, run names,
run logs and artifacts carry the participant id; the file manifest alone keeps the names
uploads arrived under (the person and their coach recognise their files by them).
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from demo import fitwriter
from pipelines.store.accounts import Accounts
from tests.support.cli_runs import ingest_and_collect
from tests.support.tracks import START, gpx_file

pytestmark = pytest.mark.prefect

PARTICIPANT = "p17"
NAME = "Anna Müller"
EMAIL = "anna.mueller@example.org"
PERSONAL = ("anna", "müller", "mueller", "example.org")  # what must not appear, any case
MANIFEST_NAMES = {("files", "original_name"), ("files", "reason")}


def _personal(text: str) -> list[str]:
    lowered = text.lower()
    return [token for token in PERSONAL if token in lowered]


@pytest.fixture(scope="module")
def run(
    prefect_harness: None, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Path, list[str]]]:
    work = tmp_path_factory.mktemp("pseudonyms")
    data = work / "data"
    Accounts(data).add_user(
        "anna", "participant", participant=PARTICIPANT, display_name=NAME, email=EMAIL
    )
    uploads = work / "uploads"
    uploads.mkdir()
    run_gpx = gpx_file()
    (uploads / f"{EMAIL}_run.gpx").write_bytes(run_gpx)
    (uploads / f"{NAME} copy.gpx").write_bytes(run_gpx)  # a duplicate: its reason names the first
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        walk = fitwriter.activity_file(start_utc=START, elapsed_s=1800, sport=11)
        archive.writestr(f"{EMAIL}/walk.fit", walk)
        archive.writestr(f"{NAME}/notes.txt", b"not a tracker file")
    (uploads / f"{NAME} export.zip").write_bytes(buffer.getvalue())
    texts = ingest_and_collect(sorted(uploads.iterdir()), PARTICIPANT, data)
    yield data, texts


def test_the_accounts_database_holds_the_name(run: tuple[Path, list[str]]) -> None:
    data, _ = run
    user = Accounts(data).user("anna")
    assert (user.participant, user.display_name, user.email) == (PARTICIPANT, NAME, EMAIL)


def test_run_names_logs_and_artifacts_carry_no_name(run: tuple[Path, list[str]]) -> None:
    _, texts = run
    cli_output, prefect = texts[0], texts[1:]
    assert f"ingest-{PARTICIPANT}" in prefect  # the run's name: the participant id
    assert {t: _personal(t) for t in prefect if _personal(t)} == {}
    # the CLI answers the person who ran it, about the files they named
    assert "export.zip" in cli_output


def test_tables_carry_names_only_in_the_manifest(run: tuple[Path, list[str]]) -> None:
    data, _ = run
    found: dict[str, list[str]] = {}
    manifest_names: list[str] = []
    for path in sorted(data.rglob("*.parquet")):
        table = path.relative_to(data / "tables").parts[0]
        frame = pq.read_table(path).to_pandas()
        for column in frame.columns:
            for value in frame[column].dropna().astype(str).unique():
                if not _personal(value):
                    continue
                if (table, column) in MANIFEST_NAMES:
                    manifest_names.append(value)
                else:
                    found.setdefault(f"{table}.{column}", []).append(value)
    assert found == {}
    assert f"{EMAIL}_run.gpx" in manifest_names  # kept, for the person and their coach


def test_paths_in_the_data_directory_carry_no_name(run: tuple[Path, list[str]]) -> None:
    data, _ = run
    paths = [str(p.relative_to(data)) for p in data.rglob("*")]
    assert any(p.startswith("raw/") for p in paths)
    assert [p for p in paths if _personal(p)] == []


def test_flow_run_parameters_carry_no_name(run: tuple[Path, list[str]]) -> None:
    from prefect import get_client
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterName

    with get_client(sync_client=True) as client:
        runs = client.read_flow_runs(
            flow_run_filter=FlowRunFilter(name=FlowRunFilterName(any_=[f"ingest-{PARTICIPANT}"]))
        )
    assert runs
    assert [_personal(str(r.parameters)) for r in runs] == [[] for _ in runs]
