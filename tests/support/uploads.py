"""Uploads written in code: FIT walks on days after ``T0``, loose files in a folder, and
uploads of several formats (the raw-store tests; the crash-safety kill test's, smaller)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from demo import fitwriter, twins
from tests.support.archives import make_zip

T0 = datetime(2024, 5, 1, 6, 0, tzinfo=UTC)


def activity(day: int, minutes: int) -> bytes:
    return fitwriter.activity_file(
        start_utc=T0 + timedelta(days=day),
        elapsed_s=minutes * 60,
        sport=11,
        utc_offset_s=7200,
        record_interval_s=30,
    )


def write_files(folder: Path, files: dict[str, bytes]) -> list[str]:
    folder.mkdir(parents=True, exist_ok=True)
    for name, data in files.items():
        (folder / name).write_bytes(data)
    return [str(folder / name) for name in files]


def multi_file_upload(folder: Path) -> list[str]:
    """Files of several formats, loose and zipped: sessions, step minutes and wear spans,
    a duplicate, a file skipped and one rejected."""
    steps = [(T0 + timedelta(days=1, hours=3, minutes=m), 95) for m in range(40)]
    return write_files(
        folder,
        {
            "walk-0.fit": activity(0, 25),
            "walk-1.fit": activity(2, 35),
            "walk-2.fit": activity(4, 45),
            "monitor.fit": fitwriter.monitoring_file(step_minutes=steps, utc_offset_s=7200),
            "walk.gpx": twins.gpx(twins.Walk(T0 + timedelta(days=6)), with_type=True),
            "export.zip": make_zip(
                {
                    "export/a-0.fit": activity(8, 40),
                    "export/a-1.fit": activity(9, 30),
                    "export/walk.tcx": twins.tcx(twins.Walk(T0 + timedelta(days=10))),
                    "export/copy.fit": activity(0, 25),  # = walk-0.fit: one is a duplicate
                }
            ),
            "settings.fit": fitwriter.settings_file(),  # skipped
            "notes.fit": b"not a FIT file at all",  # rejected
        },
    )


def crash_upload(folder: Path) -> list[str]:
    """The kill test's upload (tests/support/crash.py): the files of :func:`multi_file_upload`
    as two files, a FIT walk and a zip of all the others — the same records, sessions and
    statuses (8 ok, a duplicate, one skipped, one rejected), with two raw-store writes instead
    of eight. Each raw file is sealed by the same ``Store.put_raw_file``, whatever it holds,
    so two of them reach every state the raw phase can be killed in (none, one and a
    temporary file, one, one and another's temporary file, both): its crash points are the
    same kinds, fewer times over (docs/testing.md lists them)."""
    steps = [(T0 + timedelta(days=1, hours=3, minutes=m), 95) for m in range(40)]
    gpx = twins.gpx(twins.Walk(T0 + timedelta(days=6)), with_type=True)
    return write_files(
        folder,
        {
            "walk-0.fit": activity(0, 25),
            "export.zip": make_zip(
                {
                    "export/walk-1.fit": activity(2, 35),
                    "export/walk-2.fit": activity(4, 45),
                    "export/monitor.fit": fitwriter.monitoring_file(
                        step_minutes=steps, utc_offset_s=7200
                    ),
                    "export/walk.gpx": gpx,
                    "export/a-0.fit": activity(8, 40),
                    "export/a-1.fit": activity(9, 30),
                    "export/walk.tcx": twins.tcx(twins.Walk(T0 + timedelta(days=10))),
                    "export/copy.fit": activity(0, 25),  # = walk-0.fit: one is a duplicate
                    "export/settings.fit": fitwriter.settings_file(),  # skipped
                    "export/notes.fit": b"not a FIT file at all",  # rejected
                }
            ),
        },
    )
