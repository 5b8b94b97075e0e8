"""Share 2 of the crash-safety kill test (tests/pipelines/test_crash_safety.py): a file of
its own so that ``pytest -n 2 --dist loadfile`` runs it on whichever worker is free."""

from __future__ import annotations

from pathlib import Path

from tests.support.crash import child_env, killed_anywhere

__all__ = ["child_env"]  # the fixture, module-scoped here too


def test_an_ingest_killed_anywhere_then_repeated_equals_a_clean_run_share_2(
    child_env: dict[str, str], tmp_path: Path
) -> None:
    killed_anywhere(child_env, tmp_path, share=2)
