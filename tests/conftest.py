"""Shared test set-up: Prefect isolated in a temp home, quiet, never phoning home."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

_PREFECT_HOME: list[str] = []  # the temp Prefect home this session made (removed at its end)


def pytest_configure(config: pytest.Config) -> None:
    if "PREFECT_HOME" not in os.environ:
        home = tempfile.mkdtemp(prefix="backtrack-prefect-")
        os.environ["PREFECT_HOME"] = home
        _PREFECT_HOME.append(home)
    os.environ["PREFECT_SERVER_ANALYTICS_ENABLED"] = "false"
    os.environ["PREFECT_LOGGING_LEVEL"] = "WARNING"
    os.environ.pop("PREFECT_API_URL", None)
    os.environ.pop("BACKTRACK_DATA_DIR", None)
    os.environ.pop("BACKTRACK_DEFAULT_TZ", None)


def pytest_unconfigure(config: pytest.Config) -> None:
    for home in _PREFECT_HOME:
        shutil.rmtree(home, ignore_errors=True)


@pytest.fixture(scope="session", autouse=True)
def raw_key_file() -> Iterator[Path]:
    """A key for the raw store (docs/encryption.md) for the whole session, in the environment
    so that every ``backtrack`` a test starts in a subprocess inherits it."""
    import base64

    folder = Path(tempfile.mkdtemp(prefix="backtrack-key-"))
    key = folder / "raw.key"
    key.write_text(base64.b64encode(os.urandom(32)).decode() + "\n")
    key.chmod(0o600)
    previous = os.environ.get("BACKTRACK_KEY_FILE")
    os.environ["BACKTRACK_KEY_FILE"] = str(key)
    try:
        yield key
    finally:
        if previous is None:
            os.environ.pop("BACKTRACK_KEY_FILE", None)
        else:
            os.environ["BACKTRACK_KEY_FILE"] = previous
        shutil.rmtree(folder, ignore_errors=True)  # a key left in /tmp is a key leaked


@pytest.fixture(autouse=True)
def main_module_restored() -> Iterator[None]:
    """Put ``sys.modules["__main__"]`` back after every test.

    Streamlit's script runner (so every AppTest) installs the page it ran as ``__main__`` and
    never restores it. A later test in the same worker that starts processes by *spawn* (the
    Dask runner's nanny) would then re-run that page in each child, which fails there ("Nanny
    failed to start") — a failure that depended only on which tests a worker ran before."""
    import sys

    before = sys.modules.get("__main__")
    yield
    if before is not None:
        sys.modules["__main__"] = before


@pytest.fixture(scope="session")
def prefect_harness() -> Iterator[None]:
    """One temporary Prefect server for the whole session (≈ 12 s once)."""
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=120):
        yield
