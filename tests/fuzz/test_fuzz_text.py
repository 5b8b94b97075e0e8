"""The short fuzz run in ``make test`` for the text readers (CSV, JSON, Polar HRM): every
one (taken from the registry) survives a few hundred mutated seeds - it returns, or skips
or rejects the file; nothing else escapes. The long run: ``make fuzz`` (docs/fuzzing.md)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.fuzz.harness import DrawChooser, assert_survives, short_run_settings, targets, targets_in


@pytest.mark.parametrize("name", targets_in("text"))
@short_run_settings()
@given(data=st.data())
def test_reader_survives_mutated_seeds(name: str, data: st.DataObject) -> None:
    assert_survives(targets()[name], DrawChooser(data))
