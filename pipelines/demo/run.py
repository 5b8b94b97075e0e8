"""``backtrack demo``: generate the demo cohort, ingest it through the flows, summarise."""

from __future__ import annotations

import time
from pathlib import Path

from rich.console import Console
from rich.table import Table

from pipelines import jobs
from pipelines import report as report_mod
from pipelines.schemas import DAILY
from pipelines.storage import Store


def run_demo(
    root: Path, *, participants: int = 12, weeks: int = 12, console: Console | None = None
) -> list[dict[str, object]]:
    from pipelines.cli import _quiet_prefect, run_ingest
    from pipelines.demo.cohort import generate_cohort

    console = console or Console()
    _quiet_prefect()
    inputs = root / "input"
    store = Store(root / "data")
    started = time.perf_counter()
    cohort = generate_cohort(inputs, participants=participants, weeks=weeks)
    console.print(
        f"generated {len(cohort)} participants' FIT files in {inputs} "
        f"({time.perf_counter() - started:.1f} s)"
    )
    reports = []
    for person in cohort:
        jobs.configure(
            store, person.id, tz=person.tz, group=person.group, program_start=person.program_start
        )
        files = jobs.collect_paths([inputs / person.id])
        outcomes = run_ingest(store, person.id, files)
        bad = [o for o in outcomes if o.status in ("rejected", "skipped")]
        for o in bad:
            console.print(f"  {person.id}: {o.name} {o.status}: {o.reason}")
        jobs.refresh_participant(store, person.id)
        p = jobs.load_participant(store, person.id)
        reports.append(report_mod.build(p, store.read(DAILY, [person.id])))
    console.print(summary_table(reports, {p.id: (p.group, p.profile) for p in cohort}))
    console.print(
        f"done in {time.perf_counter() - started:.1f} s — tables in "
        f"{store.root / 'tables'}; try: backtrack report -p p01 --data-dir "
        f"{store.root}"
    )
    return reports


def summary_table(reports: list[dict[str, object]], about: dict[str, tuple[str, str]]) -> Table:
    table = Table(
        "id",
        "group",
        "profile",
        "adherence",
        "met/blocks",
        "no data",
        "streak",
        "max gap",
        "min/week",
        title="Every-other-day adherence (30–60 min)",
        caption="each over the program start … last day with data",
    )
    for r in reports:
        a, rng, weeks = r["adherence"], r["range"], r["weeks"]
        assert isinstance(a, dict) and isinstance(rng, dict) and isinstance(weeks, list)
        pid = str(r["participant"])
        per_week = (sum(w["walking_minutes"] for w in weeks) / len(weeks)) if weeks else 0.0
        ratio = "–" if a["ratio"] is None else f"{a['ratio']:.0%}"
        group, profile = about.get(pid, ("", ""))
        table.add_row(
            pid,
            group,
            profile,
            ratio,
            f"{a['blocks_met']}/{a['blocks_total']}",
            str(a["blocks_no_data"]),
            str(a["current_streak_blocks"]),
            f"{a['longest_gap_days']} d",
            f"{per_week:.0f}",
        )
    return table
