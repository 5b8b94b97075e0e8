"""The optional fitfast decoder (ingest/fit/fast.py) against fitparse, the reference.

For every FIT file of ../shared/samples and a generated corpus, the ParsedFile of the fast
path equals fitparse's - whole-record equality, warnings included - or the fast path
declined the file and fitparse read it; the files it declines are the expected ones.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from ingest.fit import fast as fit_fast
from ingest.fit import parse_fit
from ingest.fit.decode import _decode_file, _Decoded, _Message, _Segment
from ingest.fit.reader import _interpret
from ingest.records import ParsedFile, UnusableFile

pytest.importorskip("fitfast", reason="fitfast (the `fast` extra) is not installed")
fw = pytest.importorskip("demo.fitwriter", reason="FIT writer not available")

SAMPLES = Path(__file__).resolve().parents[2].parent / "shared" / "samples"
START = datetime(2026, 3, 2, 8, 30, tzinfo=UTC)

Outcome = ParsedFile | tuple[str, str]


def reference(data: bytes) -> Outcome:
    """What fitparse's path gives (never the fast decoder)."""
    try:
        return _interpret(_decode_file(data))
    except UnusableFile as error:
        return (type(error).__name__, str(error))


def fast(data: bytes) -> Outcome | None:
    """What the fast decoder gives, or None when it declines the file."""
    decoded = fit_fast.decode(data)
    if decoded is None:
        return None
    try:
        return _interpret(decoded)
    except UnusableFile as error:
        return (type(error).__name__, str(error))


def public(data: bytes) -> Outcome:
    try:
        return parse_fit(data)
    except UnusableFile as error:
        return (type(error).__name__, str(error))


@pytest.fixture(autouse=True)
def _fast_on(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(fit_fast.DECODER_ENV, raising=False)


# ----------------------------------------------------------------- generated corpus


def generated_corpus() -> dict[str, bytes]:
    rng = random.Random(8)
    files: dict[str, bytes] = {}
    for n in range(24):
        start = START + timedelta(days=n, minutes=rng.randrange(600))
        sport, sub_sport = rng.choice([(11, 0), (1, 0), (17, 0), (10, 20), (4, 43), (2, 0)])
        elapsed = rng.randrange(300, 7200)
        files[f"activity-{n}"] = fw.activity_file(
            start_utc=start,
            elapsed_s=elapsed,
            moving_s=elapsed - rng.choice([0, 0, rng.randrange(1, 200)]),
            sport=sport,
            sub_sport=sub_sport,
            distance_m=rng.choice([None, rng.randrange(100, 20000) / 7]),
            steps=rng.choice([None, 2 * rng.randrange(100, 9000)]),
            name=rng.choice([None, "Morning walk", "Pilates ", "Tai Chi"]),
            utc_offset_s=rng.choice([None, 0, 3600, -18000, 19800]),
            record_interval_s=rng.choice([None, 1, 10]),
            manufacturer=rng.choice([1, 1, 15, 294, 9999]),
            product=rng.choice([3113, 2697, 1, 65000]),
        )
    for n in range(16):
        day = datetime(2026, 3, 1, tzinfo=UTC) + timedelta(days=n, hours=rng.choice([0, -1, 5]))
        minutes = [
            (day + timedelta(minutes=m), rng.randrange(0, 130))
            for m in sorted(rng.sample(range(1440), rng.randrange(1, 200)))
        ]
        files[f"monitoring-{n}"] = fw.monitoring_file(
            step_minutes=minutes,
            utc_offset_s=rng.choice([0, 3600, 7200, -18000]),
            interval_s=rng.choice([60, 900]),
            use_timestamp_16=rng.random() < 0.7,
            extra_activity_types=rng.random() < 0.5,
            packed_activity_type=rng.random() < 0.3,
        )
    one = files["activity-0"]
    files["chained-activity-activity"] = one + files["activity-1"]
    files["chained-monitoring"] = files["monitoring-0"] + files["monitoring-1"]
    files["chained-activity-settings"] = one + fw.settings_file()
    files["zero-padded"] = one + bytes(64)
    files["settings"] = fw.settings_file()
    files["workout"] = fw.workout_file()
    files["course"] = fw.course_file()
    files["truncated"] = one[: len(one) // 2]
    files["bad-file-crc"] = one[:-2] + bytes([one[-2] ^ 0xFF, one[-1]])
    no_header_crc = bytearray(one)
    no_header_crc[12:14] = b"\x00\x00"  # valid FIT: header CRC not computed
    files["header-crc-0"] = bytes(no_header_crc)
    return files


GENERATED = generated_corpus()
# Files the fast path declines (fitparse reads them), with why.
GENERATED_DECLINED = {
    "truncated": "truncated",
    "bad-file-crc": "checksum mismatch",
    "header-crc-0": "header CRC 0",
}


@pytest.mark.parametrize("name", sorted(GENERATED))
def test_generated_file_reads_the_same_with_both_decoders(name: str) -> None:
    data = GENERATED[name]
    expected = reference(data)
    got = fast(data)
    if name in GENERATED_DECLINED:
        assert got is None
        assert GENERATED_DECLINED[name] in (fit_fast.why_not(data) or "")
    elif not isinstance(expected, tuple):
        assert got == expected  # only skips and rejections may be declined as well
    assert public(data) == expected


def test_most_generated_files_take_the_fast_path() -> None:
    taken = [name for name, data in GENERATED.items() if fit_fast.why_not(data) is None]
    assert len(taken) >= len(GENERATED) - len(GENERATED_DECLINED)


# --------------------------------------------------------------- real-world samples

SAMPLE_FILES = sorted((SAMPLES / "fit").rglob("*.fit")) if SAMPLES.is_dir() else []
# relative path → why the fast path declines it (a fragment of fit_fast.why_not)
SAMPLES_DECLINED = {
    "python-fitparse/2013-02-06-12-11-14.fit": "header CRC 0",  # Edge 500
    "python-fitparse/2015-10-13-08-43-15.fit": "header CRC 0",
    "python-fitparse/Edge810-Vector-2013-08-16-15-35-10.fit": "header CRC 0",
    "python-fitparse/Settings.fit": "header CRC 0",
    "python-fitparse/sample-activity-indoor-trainer.fit": "header CRC 0",
    "python-fitparse/activity-activity-filecrc.fit": "checksum mismatch",
    "python-fitparse/activity-filecrc.fit": "checksum mismatch",
    "python-fitparse/activity-settings-corruptheader.fit": "no '.FIT' signature",
    "python-fitparse/activity-settings-nodata.fit": "truncated",
    "python-fitparse/activity-unexpected-eof.fit": "truncated",
    "python-fitparse/coros-pace-2-cycling-misaligned-fields.fit": "does not fit its type",
    "python-fitparse/nick.fit": "runs over the CRC",
    "python-fitparse/strava-android-app-201.10-b1218918.fit": "truncated",
}


def _name(path: Path) -> str:
    return path.relative_to(SAMPLES / "fit").as_posix()


@pytest.mark.samples
@pytest.mark.skipif(not SAMPLES.is_dir(), reason="real-world corpus ../shared/samples not present")
@pytest.mark.parametrize("path", SAMPLE_FILES, ids=_name)
def test_sample_reads_the_same_with_both_decoders(path: Path) -> None:
    data = path.read_bytes()
    expected = reference(data)
    got = fast(data)
    declined = [key for key in SAMPLES_DECLINED if _name(path).endswith(key)]
    if declined:
        assert got is None
        assert SAMPLES_DECLINED[declined[0]] in (fit_fast.why_not(data) or "")
    elif not isinstance(expected, tuple):
        assert got == expected
    assert public(data) == expected


@pytest.mark.samples
@pytest.mark.skipif(not SAMPLES.is_dir(), reason="real-world corpus ../shared/samples not present")
def test_the_fast_path_declines_only_the_expected_samples() -> None:
    declined = {_name(p) for p in SAMPLE_FILES if fit_fast.why_not(p.read_bytes()) is not None}
    assert declined == set(SAMPLES_DECLINED)


# ------------------------------------------------------------------------- fallback


class FakePanic(BaseException):
    """Like pyo3_runtime.PanicException: a BaseException, not an Exception."""


def test_a_panic_in_the_fast_decoder_falls_back_to_fitparse(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    data = GENERATED["activity-0"]
    expected = reference(data)

    def panic(_: bytes) -> object:
        raise FakePanic("called `Option::unwrap()` on a `None` value")

    monkeypatch.setattr(fit_fast, "_PARSE", panic)
    assert fit_fast.decode(data) is None
    assert "FakePanic" in (fit_fast.why_not(data) or "")
    assert parse_fit(data) == expected


@pytest.mark.parametrize("stop", [KeyboardInterrupt, SystemExit, GeneratorExit])
def test_interrupts_are_not_swallowed(monkeypatch: pytest.MonkeyPatch, stop: type) -> None:
    def interrupted(_: bytes) -> object:
        raise stop()

    monkeypatch.setattr(fit_fast, "_PARSE", interrupted)
    with pytest.raises(stop):
        parse_fit(GENERATED["activity-0"])


def test_a_failure_after_decoding_falls_back_to_fitparse(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    data = GENERATED["monitoring-0"]
    expected = reference(data)
    monkeypatch.setattr(fit_fast, "_PARSE", lambda _: {"monitoring": [{"cycles": "x"}]})
    assert fit_fast.decode(data) is None
    assert parse_fit(data) == expected


def test_an_error_interpreting_the_fast_result_falls_back_to_fitparse(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    data = GENERATED["activity-1"]
    expected = reference(data)
    broken = _Decoded([_Segment(0, 0, [_Message(0, {0: "x"}, {})])], [])
    monkeypatch.setattr(fit_fast, "decode", lambda _: broken)
    assert parse_fit(data) == expected


def test_the_environment_switches_the_fast_decoder_off(monkeypatch: pytest.MonkeyPatch) -> None:
    data = GENERATED["activity-0"]
    assert fit_fast.enabled()
    assert fit_fast.decode(data) is not None
    monkeypatch.setenv(fit_fast.DECODER_ENV, "fitparse")
    assert not fit_fast.enabled()
    assert fit_fast.decode(data) is None
    monkeypatch.setattr(fit_fast, "_PARSE", lambda _: pytest.fail("fitfast was called"))
    assert parse_fit(data) == reference(data)
