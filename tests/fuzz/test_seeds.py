"""The fuzz harness itself: every registered reader has seeds, the seeds are valid, the
mutators are deterministic, and the verdict tells a crash from a rejection."""

from __future__ import annotations

import pytest

from ingest.detect import detect_format
from ingest.read import READERS
from ingest.records import RejectedFile
from tests.fuzz import harness
from tests.fuzz.harness import (
    DIARY,
    UPLOAD,
    RandomChooser,
    mutators,
    nth_input,
    registered_formats,
    run_input,
    seeded_formats,
    targets,
    targets_in,
)


def test_every_registered_reader_has_fuzz_seeds() -> None:
    missing = registered_formats() - seeded_formats()
    assert missing == set(), (
        f"readers without fuzz seeds: {sorted(missing)}; add a seed builder for each to "
        "_SEED_BUILDERS in tests/fuzz/harness/seeds.py"
    )


def test_every_registered_reader_is_a_fuzz_target_of_a_short_run() -> None:
    names = set(targets())
    assert set(READERS) <= names
    assert {DIARY, UPLOAD} <= names
    assert all(target.seeds for target in targets().values())
    in_groups = [name for group in ("binary", "xml", "text") for name in targets_in(group)]
    assert sorted(in_groups) == sorted(names)  # each in exactly one tests/fuzz/test_fuzz_*.py


@pytest.mark.parametrize("name", sorted(targets()))
def test_seeds_are_read_as_valid_files(name: str) -> None:
    """Mutations start from files the reader takes (or skips for a stated reason)."""
    target = targets()[name]
    outcomes = [run_input(target, seed.name, seed.data) for seed in target.seeds]
    assert [o.status for o in outcomes if o.status not in ("ok", "skipped")] == []
    assert any(o.status == "ok" for o in outcomes)


@pytest.mark.parametrize("name", sorted(set(READERS)))
def test_seeds_are_detected_as_their_format(name: str) -> None:
    assert {detect_format(seed.data) for seed in targets()[name].seeds} == {name}


@pytest.mark.parametrize("name", sorted(targets()))
def test_inputs_are_a_pure_function_of_target_and_index(name: str) -> None:
    target = targets()[name]
    first = [nth_input(target, index) for index in range(40)]
    assert first == [nth_input(target, index) for index in range(40)]
    assert len(set(first)) > 30  # the mutators do produce different inputs
    assert all(len(data) <= mutators.MAX_INPUT_BYTES for _, data in first)


def test_fit_fixup_makes_size_and_crcs_agree() -> None:
    (seed, *_) = targets()["fit"].seeds
    chooser = RandomChooser("fixup")
    for _ in range(20):
        mutated = mutators.fit_body(seed.data, chooser)
        assert mutated is not None
        assert mutators.fit_fixup(mutated) == mutated
    assert mutators.fit_fixup(b"not FIT") == b"not FIT"


def _reader_raising(error: BaseException) -> harness.Target:
    def call(name: str, data: bytes) -> object:
        raise error

    return harness.Target("probe", "text", call)


def _wrapped(inner: BaseException, reason: str) -> RejectedFile:
    """A rejection raised while handling ``inner``, as a reader's safety net makes it."""
    try:
        try:
            raise inner
        except Exception as error:
            raise RejectedFile(reason.format(type(error).__name__, error)) from None
    except RejectedFile as rejection:
        return rejection


def test_an_escaping_exception_is_a_crash() -> None:
    outcome = run_input(_reader_raising(IndexError("list index out of range")), "x", b"")
    assert outcome.status == "crash" and not outcome.hidden
    assert outcome.signature().startswith("IndexError at ")


def test_a_safety_net_rejection_is_a_hidden_crash() -> None:
    rejection = _wrapped(KeyError("x"), "unreadable Polar HRM file ({}: {})")
    outcome = run_input(_reader_raising(rejection), "x", b"")
    assert (outcome.status, outcome.hidden, type(outcome.error)) == ("crash", True, KeyError)


def test_a_specific_rejection_is_not_a_crash() -> None:
    rejection = _wrapped(ValueError("bad digit"), "row 3: Steps 'x' is not a number")
    outcome = run_input(_reader_raising(rejection), "x", b"")
    assert (outcome.status, outcome.error) == ("rejected", None)


def test_a_third_party_error_named_on_purpose_is_not_a_crash() -> None:
    import struct

    try:
        struct.unpack("<I", b"")
    except struct.error as library_error:
        inner: BaseException = library_error
    rejection = _wrapped(inner, "FIT decoding failed at byte 14 ({}: {})")
    assert run_input(_reader_raising(rejection), "x", b"").status == "rejected"
