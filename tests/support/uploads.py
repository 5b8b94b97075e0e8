"""Uploads written in code: FIT walks on days after ``T0``, loose files in a folder, and a
multi-file upload of several formats (the crash-safety and raw-store tests)."""

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
