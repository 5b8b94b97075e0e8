"""``backtrack-demo``: generate the demo cohort, ingest it through the flows, summarise.

By default the cohort is *live*: its last data day is yesterday in the demo's home zone
(Europe/Berlin), its earliest program start ``weeks`` × 7 days before that (``demo.cohort``,
live mode), so the Group page shows today's alerts. With ``start`` it is the fixed cohort
whose programs start on that day (the tests' 2026-08-31).

The demo folder ``root`` holds what the demo made: ``input/`` (FIT files), ``diaries/``,
``data/`` (the data directory), ``raw.key`` (the demo key) and ``demo.json``, the stamp
that says which cohort they are (participants, weeks, start or end) and whether the run
finished. A run for the cohort of a finished stamp reuses the data ("reusing the demo data
of …": nothing is generated or ingested). Any other run starts again from an empty
``input/``, ``diaries/`` and ``data/`` — only in a folder the demo made (with the stamp, or
an older demo's ``raw.key`` and ``input/cohort.json``); the accounts database
(``data/accounts.sqlite3``) stays, so changed demo passwords survive. A folder with any of
those three sub-folders that the demo did not make is refused (``NotADemoFolder``), never
cleared.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import time
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any, Final
from zoneinfo import ZoneInfo

from rich.console import Console
from rich.table import Table

from demo.cohort import HOME_TZ, DemoParticipant, first_program_start, generate_cohort
from pipelines import config
from pipelines.app import diary as diary_app
from pipelines.app import participants as settings
from pipelines.app import uploads
from pipelines.rules import report as report_mod
from pipelines.schemas import DAYS
from pipelines.store import accounts as accounts_store
from pipelines.store import sealed
from pipelines.store.storage import Store

STAMP: Final = "demo.json"
GENERATED: Final = ("input", "diaries", "data")  # what a new run clears (data: not accounts)


class NotADemoFolder(ValueError):
    """The demo folder holds input/, diaries/ or data/ that the demo did not make."""


def utc_now() -> datetime:
    return datetime.now(UTC)


def live_end(now: datetime) -> date:
    """The live cohort's last data day: yesterday in Europe/Berlin at the instant ``now``.

    >>> live_end(datetime(2026, 12, 7, 22, 59, tzinfo=UTC))  # 23:59 in Berlin
    datetime.date(2026, 12, 6)
    >>> live_end(datetime(2026, 12, 7, 23, 0, tzinfo=UTC))  # already the 8th in Berlin
    datetime.date(2026, 12, 7)
    """
    return now.astimezone(ZoneInfo(HOME_TZ)).date() - timedelta(days=1)


def run_demo(
    root: Path,
    *,
    participants: int = 12,
    weeks: int = 12,
    start: date | None = None,
    clock: Callable[[], datetime] = utc_now,
    console: Console | None = None,
) -> list[dict[str, object]]:
    """The demo in ``root`` (module doc): the live cohort ending yesterday by ``clock``, or
    with ``start`` the fixed one; each participant's report (program start … last data day).
    Raises ``NotADemoFolder`` rather than clear a folder the demo did not make."""
    root = Path(root)
    console = console or Console()
    end = None if start is not None else live_end(clock())
    wanted = {
        "participants": participants,
        "weeks": weeks,
        "start": None if start is None else start.isoformat(),
        "end": None if end is None else end.isoformat(),
    }
    made = (root / "input" / "cohort.json").is_file() and (root / "data").is_dir()
    if made and read_stamp(root) == wanted | {"complete": True}:
        if end is not None:
            console.print(
                f"reusing the demo data of {end} in {root} (nothing generated or ingested; "
                "a run on another day makes the cohort anew)"
            )
        else:
            console.print(
                f"reusing the demo data of the fixed cohort from {start} in {root} "
                "(nothing generated or ingested)"
            )
        store = Store(root / "data")
        cohort = _listed_cohort(root / "input")
        reports = [_report(store, person.id) for person in cohort]
        console.print(summary_table(reports, {p.id: (p.group, p.profile) for p in cohort}))
        console.print(f"tables in {store.root / 'tables'}")
        return reports
    clear_generated(root)  # before anything is written: a folder not the demo's stays as it is
    write_stamp(root, wanted | {"complete": False})
    with demo_key(root) as key_file:
        reports = _run_demo(root, key_file, participants, weeks, start, end, console)
    write_stamp(root, wanted | {"complete": True})
    return reports


def read_stamp(root: Path) -> dict[str, Any] | None:
    """The stamp of the demo folder (None: none, or not readable as one)."""
    try:
        stamp = json.loads((root / STAMP).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return stamp if isinstance(stamp, dict) else None


def write_stamp(root: Path, stamp: dict[str, Any]) -> None:
    root.mkdir(parents=True, exist_ok=True)
    (root / STAMP).write_text(json.dumps(stamp, indent=2) + "\n", encoding="utf-8")


def clear_generated(root: Path) -> None:
    """Empty what an earlier demo run made in ``root`` — ``input/``, ``diaries/`` and
    ``data/`` but the accounts database — when the demo made it (module doc); nothing else."""
    present = [root / n for n in GENERATED if (root / n).is_symlink() or (root / n).exists()]
    if not present:
        return
    legacy = (root / DEMO_KEY).is_file() and (root / "input" / "cohort.json").is_file()
    if not (root / STAMP).is_file() and not legacy:
        names = ", ".join(p.name for p in present)
        raise NotADemoFolder(
            f"{root} holds {names} but was not made by backtrack-demo (no {STAMP}); "
            "choose another --data-dir, or empty it yourself"
        )
    for path in present:
        if path.name == "data" and path.is_dir() and not path.is_symlink():
            for child in path.iterdir():
                if not child.name.startswith(accounts_store.DB_FILE):  # -wal, -shm too
                    _remove(child)
        else:
            _remove(path)


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    else:
        path.unlink()


def _listed_cohort(inputs: Path) -> list[DemoParticipant]:
    listing = json.loads((inputs / "cohort.json").read_text(encoding="utf-8"))
    return [
        DemoParticipant(**(p | {"program_start": date.fromisoformat(p["program_start"])}))
        for p in listing
    ]


def _report(store: Store, participant: str) -> dict[str, object]:
    p = settings.load_participant(store, participant)
    return report_mod.build(p, store.read(DAYS, [participant]))


def _run_demo(
    root: Path,
    key_file: Path,
    participants: int,
    weeks: int,
    start: date | None,
    end: date | None,
    console: Console,
) -> list[dict[str, object]]:
    from demo.accounts import COACHES, DEMO_PASSWORD, create_demo_accounts
    from demo.diaries import write_diaries
    from pipelines.cli.flows import run_ingest
    from pipelines.orchestrate.prefect_env import quiet_prefect

    quiet_prefect()
    console.print(f"raw files encrypted with the demo key {key_file}")
    inputs = root / "input"
    store = Store(root / "data")
    started = time.perf_counter()
    cohort = generate_cohort(inputs, participants=participants, weeks=weeks, start=start, end=end)
    first = first_program_start(weeks, start=start, end=end)
    span = f"the fixed cohort from {first}" if end is None else f"{first} … {end} (yesterday)"
    console.print(
        f"generated {len(cohort)} participants' FIT files in {inputs}: {span} "
        f"({time.perf_counter() - started:.1f} s)"
    )
    diaries = write_diaries(root / "diaries", cohort, weeks=weeks, end=end)
    reports = []
    for person in cohort:
        settings.configure(
            store, person.id, tz=person.tz, group=person.group, program_start=person.program_start
        )
        files = uploads.collect_paths([inputs / person.id])
        outcomes = run_ingest(store, person.id, files)
        bad = [o for o in outcomes if o.status in ("rejected", "skipped")]
        for o in bad:
            console.print(f"  {person.id}: {o.name} {o.status}: {o.reason}")
        today = None if end is None else end + timedelta(days=1)  # the clock's, in Berlin
        diary = diary_app.import_diary_file(store, person.id, diaries[person.id], today)
        for error in diary.errors:
            console.print(f"  {person.id}: diary row {error.row}: {error.message}")
        reports.append(_report(store, person.id))
    console.print(summary_table(reports, {p.id: (p.group, p.profile) for p in cohort}))
    create_demo_accounts(store.root, [p.id for p in cohort])
    console.print(
        f"demo accounts (password {DEMO_PASSWORD!r}): participants "
        f"{cohort[0].id} … {cohort[-1].id}, coaches {', '.join(COACHES)}, admin"
    )
    console.print(
        f"done in {time.perf_counter() - started:.1f} s — tables in "
        f"{store.root / 'tables'}; try: backtrack report -p p01 --data-dir "
        f"{store.root}"
    )
    return reports


@contextlib.contextmanager
def demo_key(root: Path) -> Iterator[Path]:
    """The demo's key for the raw store, ``<root>/raw.key`` — beside the data directory,
    never inside it — created once; the configured key (``$BACKTRACK_KEY_FILE``, for this
    process and the flows and processes it starts) inside the ``with``."""
    path = (root / DEMO_KEY).resolve()
    if not path.exists():
        sealed.create_key_file(path)
    previous = os.environ.get(config.KEY_FILE_ENV)
    os.environ[config.KEY_FILE_ENV] = str(path)
    try:
        yield path
    finally:
        if previous is None:
            os.environ.pop(config.KEY_FILE_ENV, None)
        else:
            os.environ[config.KEY_FILE_ENV] = previous


DEMO_KEY = "raw.key"


def summary_table(reports: list[dict[str, object]], about: dict[str, tuple[str, str]]) -> Table:
    table = Table(
        "id",
        "group",
        "profile",
        "adherence",
        "weeks met",
        "dose",
        "training",
        "met/blocks",
        "no data",
        "streak",
        "max gap",
        "min/week",
        "pain Δ",
        "flare-ups/3 mo",
        "painkiller run",
        title="Every-other-day adherence (walking 30–60 min) and training",
        caption="each over the program start … last day with data; adherence, dose and "
        "training per complete program week",
    )
    for r in reports:
        a, rng, weeks = r["adherence"], r["range"], r["weeks"]
        assert isinstance(a, dict) and isinstance(rng, dict) and isinstance(weeks, list)
        pid = str(r["participant"])
        complete = [w for w in weeks if w["complete"]]
        per_week = sum(w["walking_minutes"] for w in complete) / len(complete) if complete else 0.0
        training = r["training"]
        assert isinstance(training, dict)
        group, profile = about.get(pid, ("", ""))
        table.add_row(
            pid,
            group,
            profile,
            _percent(a["ratio"]),
            f"{a['weeks_met']}/{a['weeks_total']}",
            _percent(a["dose_ratio"]),
            _percent(training["ratio"]),
            f"{a['blocks_met']}/{a['blocks_total']}",
            str(a["blocks_no_data"]),
            str(a["current_streak_blocks"]),
            f"{a['longest_gap_days']} d",
            f"{per_week:.0f}",
            *_pain_cells(r.get("pain")),
        )
    return table


def _percent(value: object) -> str:
    return "–" if not isinstance(value, float | int) else f"{value:.0%}"


def _pain_cells(pain: object) -> tuple[str, str, str]:
    if not isinstance(pain, dict):
        return "–", "–", "–"
    change = pain.get("change_vs_baseline")
    before, after = pain.get("flare_ups_per_3_months_baseline"), pain.get("flare_ups_per_3_months")
    rate = "–" if after is None else f"{before if before is not None else '–'} → {after}"
    run = pain.get("painkiller_run_days") or 0
    warning = " ⚠" if pain.get("painkiller_warning") else ""
    return ("–" if change is None else f"{change:+.0f}"), rate, f"{run} d{warning}"
