"""``backtrack demo``: generate the demo cohort, ingest it through the flows, summarise."""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Iterator
from pathlib import Path

from rich.console import Console
from rich.table import Table

from pipelines import config
from pipelines.app import diary as diary_app
from pipelines.app import participants as settings
from pipelines.app import uploads
from pipelines.rules import report as report_mod
from pipelines.schemas import DAYS
from pipelines.store import sealed
from pipelines.store.storage import Store


def run_demo(
    root: Path, *, participants: int = 12, weeks: int = 12, console: Console | None = None
) -> list[dict[str, object]]:
    with demo_key(root) as key_file:
        return _run_demo(root, key_file, participants, weeks, console or Console())


def _run_demo(
    root: Path, key_file: Path, participants: int, weeks: int, console: Console
) -> list[dict[str, object]]:
    from demo.accounts import COACHES, DEMO_PASSWORD, create_demo_accounts
    from demo.cohort import generate_cohort
    from demo.diaries import write_diaries
    from pipelines.cli.flows import run_ingest
    from pipelines.orchestrate.prefect_env import quiet_prefect

    quiet_prefect()
    console.print(f"raw files encrypted with the demo key {key_file}")
    inputs = root / "input"
    store = Store(root / "data")
    started = time.perf_counter()
    cohort = generate_cohort(inputs, participants=participants, weeks=weeks)
    console.print(
        f"generated {len(cohort)} participants' FIT files in {inputs} "
        f"({time.perf_counter() - started:.1f} s)"
    )
    diaries = write_diaries(root / "diaries", cohort, weeks=weeks)
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
        diary = diary_app.import_diary_file(store, person.id, diaries[person.id])
        for error in diary.errors:
            console.print(f"  {person.id}: diary row {error.row}: {error.message}")
        p = settings.load_participant(store, person.id)
        reports.append(report_mod.build(p, store.read(DAYS, [person.id])))
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
