"""Settings and the parameters of the rules, with their documented defaults.

Everything configurable lives here: where the data directory is, the default time zone,
the raw store's key file and retention, the size limit of the dashboard's streamed uploads,
and the adherence target (per participant, stored
in the participants table).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from typing import Final
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from ingest.limits import UPLOAD_LIMITS

DATA_DIR_ENV: Final = "BACKTRACK_DATA_DIR"
DEFAULT_TZ_ENV: Final = "BACKTRACK_DEFAULT_TZ"
KEY_FILE_ENV: Final = "BACKTRACK_KEY_FILE"  # the raw store's key (docs/encryption.md)
RAW_RETENTION_ENV: Final = "BACKTRACK_RAW_RETENTION_DAYS"  # unset: raw files are kept
# the largest file the dashboard's streamed upload takes (bytes, or with MiB/GiB); unset:
# the ingest's limit for one file (ingest.limits, 4 GiB), which is also the most it may be
STREAMED_UPLOAD_MAX_ENV: Final = "BACKTRACK_STREAMED_UPLOAD_MAX_BYTES"
DEFAULT_DATA_DIR: Final = Path("data")
DEFAULT_TZ: Final = "Europe/Berlin"

# Walking-minute thresholds (Tudor-Locke et al. 2019: ≥ 100 steps/min ≈ moderate intensity;
# ≈ 60 steps/min is purposeful walking rather than incidental steps).
WALKING_CADENCE_SPM: Final = 60
BRISK_CADENCE_SPM: Final = 100
# The cadence thresholds are validated on 1-minute data (Tudor-Locke et al. 2018): they apply
# only to step minutes whose source reading spans at most this many seconds.
CADENCE_MAX_RESOLUTION_S: Final = 120


@dataclass(frozen=True, slots=True)
class Target:
    """A participant's prescription: the adherence rule's parameters.

    Defaults follow the guidance: 30–60 minutes of walking or training every other day.
    ``min_bout_minutes`` is the shortest span of a step-detected walking bout that counts
    (10 by default; WHO 2020 dropped the minimum, so 1 is allowed); ``max_pause_minutes``
    the longest stretch of minutes below walking cadence a bout continues across (2, as
    accelerometer practice allows 1–2-minute interruptions; 0: none). ``min_wear_minutes``:
    a day not met that was worn less than this is ``low_wear``, not ``below`` (600 = 10 h).
    Walking: 30–60 minutes every other day by default — the example dose the guidance gives
    for walking (IQWiG 2025); it is not a dose for training. ``min_bout_minutes`` is the
    shortest run of consecutive step-detected walking minutes that counts (10 by default;
    WHO 2020 dropped the minimum, so 1 is allowed).

    Training (strength/stabilisation, Pilates, Yoga, Tai-Chi): the guidance names these as
    proven but gives no dose, so the target is the physiotherapist's: by default 2 sessions a
    week (``training_sessions_per_week``) of at least 15 minutes each
    (``min_training_minutes``; shorter sessions count as minutes, not as sessions).
    """

    min_minutes: int = 30
    max_minutes: int = 60
    every_n_days: int = 2
    min_bout_minutes: int = 10
    program_start: date | None = None
    max_pause_minutes: int = 2
    min_wear_minutes: int = 600
    training_sessions_per_week: int = 2
    min_training_minutes: int = 15

    def __post_init__(self) -> None:
        if not 1 <= self.min_minutes <= self.max_minutes:
            raise ValueError(
                f"target minutes must satisfy 1 ≤ min ≤ max, got {self.min_minutes}–"
                f"{self.max_minutes}"
            )
        if not 1 <= self.every_n_days <= 28:
            raise ValueError(f"every_n_days must be 1..28, got {self.every_n_days}")
        if not 1 <= self.min_bout_minutes <= 120:
            raise ValueError(f"min_bout_minutes must be 1..120, got {self.min_bout_minutes}")
        if not 0 <= self.max_pause_minutes <= 10:
            raise ValueError(f"max_pause_minutes must be 0..10, got {self.max_pause_minutes}")
        if not 0 <= self.min_wear_minutes <= 1440:
            raise ValueError(f"min_wear_minutes must be 0..1440, got {self.min_wear_minutes}")
        if not 1 <= self.training_sessions_per_week <= 14:
            raise ValueError(
                f"training_sessions_per_week must be 1..14, got {self.training_sessions_per_week}"
            )
        if not 1 <= self.min_training_minutes <= 180:
            raise ValueError(
                f"min_training_minutes must be 1..180, got {self.min_training_minutes}"
            )

    def with_changes(self, **changes: object) -> Target:
        return replace(self, **changes)  # type: ignore[arg-type]


def data_dir(explicit: Path | str | None = None) -> Path:
    """The data directory: an explicit path, else ``$BACKTRACK_DATA_DIR``, else ``./data``."""
    if explicit is not None:
        return Path(explicit)
    env = os.environ.get(DATA_DIR_ENV)
    return Path(env) if env else DEFAULT_DATA_DIR


def key_file(explicit: Path | str | None = None) -> Path | None:
    """The raw store's key file: an explicit path, else ``$BACKTRACK_KEY_FILE``, else none
    (then nothing can be stored: uploads are never kept unencrypted)."""
    if explicit is not None:
        return Path(explicit)
    env = os.environ.get(KEY_FILE_ENV)
    return Path(env) if env else None


def raw_retention_days(explicit: int | None = None) -> int | None:
    """Days after its ingest that a raw file is deleted (``$BACKTRACK_RAW_RETENTION_DAYS``);
    ``None`` (the default): raw files are kept."""
    if explicit is None:
        env = os.environ.get(RAW_RETENTION_ENV, "").strip()
        if not env or env.lower() in ("off", "none", "never"):
            return None
        try:
            explicit = int(env)
        except ValueError:
            raise ValueError(
                f"{RAW_RETENTION_ENV}={env!r} is not a number of days (or 'off')"
            ) from None
    if explicit < 0:
        raise ValueError(f"raw retention must be 0 or more days, not {explicit}")
    return explicit


_SIZE_UNITS: Final = {"gib": 1 << 30, "mib": 1 << 20, "kib": 1 << 10, "b": 1, "": 1}


def streamed_upload_max_bytes(explicit: int | None = None) -> int:
    """The largest file the dashboard's streamed upload takes (``pipelines.app.streamed``):
    ``$BACKTRACK_STREAMED_UPLOAD_MAX_BYTES`` (``4294967296``, ``4GiB``, ``512MiB``), by
    default the ingest's limit for one file (``ingest.limits.UploadLimits.max_file_bytes``,
    4 GiB). Never more than that limit: a larger file would be refused by the ingest after
    it had been uploaded in full."""
    most = UPLOAD_LIMITS.max_file_bytes
    if explicit is None:
        env = os.environ.get(STREAMED_UPLOAD_MAX_ENV, "").strip()
        if not env:
            return most
        number = env.rstrip("BbIiKkMmGg ")
        unit = env[len(number) :].strip().lower()
        try:
            explicit = int(number) * _SIZE_UNITS[unit]
        except (ValueError, KeyError):
            raise ValueError(
                f"{STREAMED_UPLOAD_MAX_ENV}={env!r} is not a size (bytes, or e.g. 2GiB, 512MiB)"
            ) from None
    if not 1 <= explicit <= most:
        raise ValueError(
            f"the streamed upload limit must be 1 byte to {most} bytes (the ingest's limit "
            f"for one file), not {explicit}"
        )
    return explicit


def default_tz() -> str:
    """The time zone used for participants who never set one (``$BACKTRACK_DEFAULT_TZ``)."""
    return validate_tz(os.environ.get(DEFAULT_TZ_ENV) or DEFAULT_TZ)


def validate_tz(name: str) -> str:
    """``name`` if it is a known IANA zone, else a ``ValueError`` saying so."""
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"unknown IANA time zone {name!r} (e.g. 'Europe/Berlin')") from exc
    return name
