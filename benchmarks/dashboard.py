"""Benchmark: the dashboard's data work on a large synthetic cohort.

Generates 1,000 participants × 365 days in groups of 100 straight into the tables the
dashboard reads (``participants``, ``daily``, ``days``, ``blocks``, written with
``pipelines.store.storage.Store.write`` against the schemas — no FIT files, no ingest), then times,
each run in a fresh child process through the uncached ``dashboards.data.StoreTables`` path:

* the coach page: ``data.group_overview`` for one group of 100 (a coach) and for every group
  (an admin viewing everyone), plus ``data.coach_overview`` (what the Group page calls) for
  one group (with the heatmap ``data.group_days``) and for every group;
* a participant page: ``data.days`` + ``data.blocks`` + ``data.report`` for one participant.

"cold" is the first call in the fresh process (imports done before the clock starts), "warm"
a second call in the same process (a rerun of the page: the OS file cache, Python's lazy
imports and the members' rows ``dashboards.data`` keeps in memory warm). Figures are medians
of ``--runs`` runs (fewer when a run takes longer than ``--timeout``). Written to
docs/benchmarks-dashboard.md, one section per cohort size (the other sections are kept).

    python -m benchmarks.dashboard [--participants 1000] [--days 365] [--group-size 100]
        [--runs 5] [--keep DIR] [--jobs coach_page,admin_page]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from pipelines.app import overview_rows
from pipelines.config import Target
from pipelines.rules import adherence
from pipelines.schemas import BLOCKS, DAILY, DAYS, PARTICIPANTS, TableSchema
from pipelines.store.storage import Store

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "benchmarks-dashboard.md"
GROUP_SIZE = 100
FIRST_DAY = date(2025, 9, 1)
COACH_GOAL_S = 1.0
PARTICIPANT_GOAL_S = 0.3
ADMIN_GOAL_S = 2.0  # the overview of everyone (issue 19)
WARM_CALL_UNDER_S = 300.0


# ----------------------------------------------------------------------------- the data


def participant_id(index: int) -> str:
    return f"p{index + 1:04d}"


def group_of(index: int, groups: int) -> str:
    """The group of the ``index``-th participant among ``groups`` groups (members spread
    round-robin): ``group-01`` … (as many digits as the count needs, at least 2)."""
    width = max(2, len(str(groups)))
    return f"group-{index % groups + 1:0{width}d}"


def _frame(schema: TableSchema, values: dict[str, Any], rows: int) -> pd.DataFrame:
    """``values`` as a frame of ``schema``; columns not given get a neutral value (null when
    nullable, else the column's default, False, 0 or "")."""
    out: dict[str, Any] = {}
    for column in schema.columns:
        if column.name in values:
            out[column.name] = values[column.name]
        elif column.nullable:
            out[column.name] = [None] * rows
        elif column.default is not None:
            out[column.name] = [column.default] * rows
        elif str(column.type) == "bool":
            out[column.name] = np.zeros(rows, dtype=bool)
        elif str(column.type) == "string":
            out[column.name] = [""] * rows
        else:
            out[column.name] = np.zeros(rows, dtype="int64")
    return pd.DataFrame(out)


def write_participant(
    store: Store,
    index: int,
    days: int,
    rng: np.random.Generator,
    groups: int = 10,
    roster: list[pd.DataFrame] | None = None,
) -> None:
    """One participant's settings, daily, days and blocks tables: a year of plausible days.
    With ``roster``, their settings row is added to it instead of written (the caller
    writes the roster once: rewriting it per participant costs O(n²) for a large cohort)."""
    pid = participant_id(index)
    start = FIRST_DAY + timedelta(days=int(rng.integers(0, 7)))
    target = Target(program_start=start)
    dates = [start + timedelta(days=i) for i in range(days)]
    keen = rng.uniform(0.3, 0.9)  # how likely a walk is on a given day
    worn = rng.random(days) < rng.uniform(0.75, 0.98)
    walked = worn & (rng.random(days) < keen)
    walking = np.where(walked, rng.gamma(4.0, 10.0, days), rng.uniform(0, 12, days) * worn)
    walking = np.round(walking, 1)
    brisk = np.round(walking * rng.uniform(0.1, 0.6, days), 1)
    session_part = np.round(walking * (rng.random(days) < 0.5), 1)
    met = walking >= target.min_minutes
    walks = (session_part > 0).astype("int16")
    training = np.where(worn & (rng.random(days) < 0.15), 30.0, 0.0)
    daily = {
        "participant": [pid] * days,
        "date": dates,
        "walking_minutes": walking,
        "brisk_walking_minutes": brisk,
        "session_walking_minutes": session_part,
        "bout_walking_minutes": np.round(walking - session_part, 1),
        "training_minutes": training,
        "steps": np.where(worn, (walking * 105 + rng.integers(1500, 6000, days)), 0).astype(int),
        "sessions_walking": walks,
        "sessions_strength": (training > 0).astype("int16"),
        "training_sessions": (training > 0).astype("int16"),
        "has_data": worn,
        "sources": np.where(worn, "fit", ""),
        "met": met,
        "credited_minutes": np.minimum(walking, target.max_minutes),
        "above_range_minutes": np.maximum(walking - target.max_minutes, 0.0),
    }
    diary = rng.random(days) < 0.6
    pain = np.clip(55 - np.arange(days) * rng.uniform(0, 0.08) + rng.normal(0, 8, days), 0, 100)
    pain_series = pd.Series(np.where(diary, np.round(pain, 0), np.nan))
    flare = diary & (rng.random(days) < 0.03)
    joined = daily | {
        "pain": [None if np.isnan(v) else float(v) for v in pain_series],
        "pain_entries": diary.astype("int16"),
        "pain_7d_mean": [
            None if np.isnan(v) else round(float(v), 2)
            for v in pain_series.rolling(7, min_periods=1).mean()
        ],
        "flare_up_flagged": flare,
        "flare_up": flare,
        "painkiller": [
            bool(v) if d else None for v, d in zip(rng.random(days) < 0.2, diary, strict=True)
        ],
        "exercise_pain": [
            bool(v) if d else None for v, d in zip(rng.random(days) < 0.1, diary, strict=True)
        ],
    }
    daily_frame = _frame(DAILY, daily, days)
    settings = _settings(pid, group_of(index, groups), start)
    if roster is None:
        store.write(PARTICIPANTS, pid, settings)
    else:
        roster.append(settings)
    store.write(DAILY, pid, daily_frame)
    store.write(DAYS, pid, _frame(DAYS, joined, days))
    blocks = adherence.blocks(daily_frame, target)
    blocks.insert(0, "participant", pid)
    store.write(BLOCKS, pid, _frame(BLOCKS, {c: blocks[c] for c in blocks}, len(blocks)))


def _settings(pid: str, group: str, start: date) -> pd.DataFrame:
    target = Target()
    values = {
        "participant": [pid],
        "tz": ["Europe/Berlin"],
        "program_start": [start],
        "min_minutes": [target.min_minutes],
        "max_minutes": [target.max_minutes],
        "every_n_days": [target.every_n_days],
        "min_bout_minutes": [target.min_bout_minutes],
        "group": [group],
        "updated_at": [datetime(2025, 9, 1, tzinfo=UTC)],
    }
    return _frame(PARTICIPANTS, values, 1)


def group_count(participants: int, group_size: int = GROUP_SIZE) -> int:
    return max(1, participants // group_size)


def generate(
    root: Path, participants: int, days: int, seed: int = 3, group_size: int = GROUP_SIZE
) -> Store:
    store = Store(root)
    rng = np.random.default_rng(seed)
    groups = group_count(participants, group_size)
    roster: list[pd.DataFrame] = []
    for index in range(participants):
        write_participant(store, index, days, rng, groups, roster)
    store.write_all(PARTICIPANTS, pd.concat(roster, ignore_index=True))
    return store


def store_figures(root: Path) -> float:
    """What the refresh of everyone does last (the nightly run): everyone's Group page
    figures as of the day the pages are measured on (the first participant's last data
    day), stored for the pages to open with. Returns the seconds it took."""
    store = Store(root)
    started = time.perf_counter()
    overview_rows.write(store, _last_day(store, participant_id(0)))
    return time.perf_counter() - started


# ----------------------------------------------------------------------- measurements


def _measure(what: str, root: Path) -> dict[str, Any]:
    """In the child: run ``what`` twice on the store at ``root``; seconds of each call."""
    from dashboards import data

    tables = data.StoreTables(Store(root))
    admin = data.Viewer("admin")
    groups = data.visible_groups(admin, tables)
    one_group = groups[0]
    coach = data.Viewer("coach", groups=frozenset({one_group}))
    someone = participant_id(0)
    participant = data.Viewer("participant", participant=someone)
    as_of = _last_day(tables, someone)

    def coach_group() -> int:
        return len(data.group_overview(coach, one_group, tables))

    def admin_all() -> int:
        return sum(len(data.group_overview(admin, g, tables)) for g in groups)

    def admin_page() -> int:  # the Group page's table for every group: everyone's figures
        return sum(len(data.coach_overview(admin, g, tables, as_of=as_of)) for g in groups)

    def coach_page() -> int:  # what the Group page reads: the table and the heatmap
        overview = data.coach_overview(coach, one_group, tables, as_of=as_of)
        start = as_of - timedelta(days=27)
        heatmap, _ = data.group_days(coach, one_group, tables, start=start, end=as_of)
        return len(overview) + len(heatmap)

    def participant_page() -> int:
        days = data.days(participant, someone, tables)
        blocks = data.blocks(participant, someone, tables)
        report = data.report(participant, someone, tables)
        return len(days) + len(blocks) + len(report)

    work: dict[str, Callable[[], int]] = {
        "coach_group": coach_group,
        "admin_all": admin_all,
        "coach_page": coach_page,
        "admin_page": admin_page,
        "participant_page": participant_page,
    }
    started = time.perf_counter()
    rows = work[what]()
    cold = time.perf_counter() - started
    warm = None
    if cold < WARM_CALL_UNDER_S:  # a second call only when the first one was short
        started = time.perf_counter()
        work[what]()
        warm = time.perf_counter() - started
    return {"cold": cold, "warm": warm, "rows": rows}


def _last_day(tables: Any, participant: str) -> date:
    frame = tables.read(DAYS, [participant])
    return max(frame.loc[frame["has_data"].astype(bool), "date"])


def run_child(what: str, root: Path, timeout_s: float) -> dict[str, Any] | None:
    """One fresh process measuring ``what``; ``None`` when it ran out of ``timeout_s``."""
    try:
        done = subprocess.run(
            [sys.executable, "-m", "benchmarks.dashboard", "--child", what, "--data", str(root)],
            capture_output=True,
            text=True,
            check=True,
            cwd=ROOT,
            timeout=timeout_s,
        )
    except subprocess.TimeoutExpired:
        return None
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def measure(what: str, root: Path, runs: int, timeout_s: float) -> dict[str, Any]:
    """Medians over ``runs`` fresh processes; a run that times out ends the series."""
    results: list[dict[str, Any]] = []
    while len(results) < runs:
        result = run_child(what, root, timeout_s)
        if result is None:
            print(f"  {what}: no result within {timeout_s:.0f} s")
            return {"cold": None, "warm": None, "runs": len(results), "timeout_s": timeout_s}
        results.append(result)
        print(f"  {what}: cold {result['cold']:.3f} s, warm {result['warm'] or float('nan'):.3f} s")
    warm = [r["warm"] for r in results if r["warm"] is not None]
    return {
        "cold": statistics.median(r["cold"] for r in results),
        "warm": statistics.median(warm) if warm else None,
        "runs": len(results),
        "timeout_s": timeout_s,
    }


# -------------------------------------------------------------------------------- main


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--participants", type=int, default=1000)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--group-size", type=int, default=GROUP_SIZE)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument(
        "--everyone-runs", type=int, help="runs of the jobs over everyone (default: --runs)"
    )
    parser.add_argument(
        "--timeout", type=float, default=120.0, help="seconds one run may take before it is cut"
    )
    parser.add_argument("--keep", type=Path, help="write the data dir here and keep it")
    parser.add_argument("--jobs", help=f"comma-separated, of: {', '.join(JOBS)} (default: all)")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--data", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(_measure(args.child, args.data)))
        return
    chosen = args.jobs.split(",") if args.jobs else list(JOBS)
    unknown = sorted(set(chosen) - set(JOBS))
    if unknown:
        parser.error(f"unknown jobs: {', '.join(unknown)}")

    with tempfile.TemporaryDirectory(prefix="backtrack-dash-") as scratch:
        root = args.keep or Path(scratch)
        started = time.perf_counter()
        if not (root / "tables" / "participants").exists():
            generate(root, args.participants, args.days, group_size=args.group_size)
        generated_s = time.perf_counter() - started
        print(f"data: {args.participants} × {args.days} days in {generated_s:.1f} s ({root})")
        args.stored_s = store_figures(root)
        print(f"stored everyone's Group page figures in {args.stored_s:.1f} s")
        args.load_before = os.getloadavg()[0]
        size, everyone = args.group_size, args.participants
        rows = [
            (
                JOBS[what][0].format(size=size, everyone=everyone),
                JOBS[what][1],
                measure(what, root, _runs(args, what), args.timeout),
            )
            for what in chosen
        ]
    write_doc(args, generated_s, rows)


def _runs(args: argparse.Namespace, what: str) -> int:
    everyone = what in ("admin_all", "admin_page") and args.everyone_runs is not None
    return int(args.everyone_runs) if everyone else int(args.runs)


# what → (label, goal in seconds)
JOBS: dict[str, tuple[str, float]] = {
    "coach_group": ("Coach page: `group_overview`, one group of {size}", COACH_GOAL_S),
    "admin_all": (
        "Coach page, admin: `group_overview` of every group ({everyone} participants)",
        ADMIN_GOAL_S,
    ),
    "coach_page": (
        "Group page: `coach_overview` (alerts, trend) + `group_days` (heatmap, 28 days), one "
        "group of {size} among {everyone}",
        COACH_GOAL_S,
    ),
    "admin_page": (
        "Overview of everyone: `coach_overview` (alerts, trend) of every group ({everyone} "
        "participants)",
        ADMIN_GOAL_S,
    ),
    "participant_page": (
        "Participant page: `days` + `blocks` + `report`, one participant",
        PARTICIPANT_GOAL_S,
    ),
}


def write_doc(
    args: argparse.Namespace, generated_s: float, rows: list[tuple[str, float, dict[str, Any]]]
) -> None:
    """This cohort size's section of docs/benchmarks-dashboard.md (``## N participants``),
    replacing the section of the same size and keeping the others."""
    heading = f"## {args.participants:,} participants × {args.days} days"
    lines = [
        heading,
        "",
        f"`python -m benchmarks.dashboard --participants {args.participants} --days "
        f"{args.days} --group-size {args.group_size} --runs {args.runs}"
        + (f" --everyone-runs {args.everyone_runs}" if args.everyone_runs else "")
        + "`, "
        f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC, "
        f"{platform.platform()}, {platform.machine()} × {os.cpu_count() or 1} cores, "
        f"Python {platform.python_version()}, pandas {pd.__version__}; load average "
        f"{args.load_before:.2f} when the runs began (other work on the machine inflates the "
        "figures).",
        "",
        f"Data: {args.participants} participants × {args.days} days in groups of "
        f"{args.group_size}, written as `participants`, `daily`, `days` and `blocks` tables "
        f"through `Store.write` ({_generated(generated_s)}). Reads through the uncached "
        "`dashboards.data.StoreTables`; each run in a fresh process (imports before the clock "
        "starts). **cold**: the first call in the process (nothing kept yet); **warm**: a "
        "second call in the same process — a rerun of the page, with the members' rows "
        "`dashboards.data` keeps in memory while their data, settings and the as-of day stay "
        f"the same. Medians of the runs shown; a run still busy after {args.timeout:g} s is "
        "cut and reported as such. Before the runs, everyone's Group page figures as of the "
        "pages' day were stored as the refresh of everyone stores them "
        f"(`pipelines.app.overview_rows.write`: {args.stored_s:.1f} s for "
        f"{args.participants:,}); a page takes a member's stored row while their `days` "
        "partition, settings and the as-of day are unchanged.",
        "",
        "| what | goal (s) | cold (s) | warm (s) | runs | met (cold) |",
        "|---|---:|---:|---:|---:|---|",
    ]
    for label, goal, result in rows:
        cold, warm = result["cold"], result["warm"]
        if cold is None:
            lines.append(
                f"| {label} | < {goal:g} | > {result['timeout_s']:.0f} (cut) | – | "
                f"{result['runs']} | **no** |"
            )
            continue
        met = "yes" if cold < goal else "**no**"
        warm_text = "–" if warm is None else f"{warm:.3f}"
        lines.append(
            f"| {label} | < {goal:g} | {cold:.3f} | {warm_text} | {result['runs']} | {met} |"
        )
    section = "\n".join(lines) + "\n"
    print(section)
    DOC.write_text(_with_section(DOC.read_text() if DOC.exists() else "", heading, section))


def _with_section(text: str, heading: str, section: str) -> str:
    """``text`` with the section under ``heading`` (up to the next ``## ``) replaced by
    ``section``, or ``section`` added at the end."""
    title = "# Benchmark: dashboard data work\n"
    parts = text.split("\n## ")
    head = parts[0] if parts[0].startswith("# ") else title
    sections = ["## " + part for part in parts[1:]]
    sections = [s if s.endswith("\n") else s + "\n" for s in sections]
    replaced = [section if s.split("\n", 1)[0] == heading else s for s in sections]
    if replaced == sections:
        replaced.append(section)
    return "\n".join([head.rstrip("\n") + "\n", *(s.rstrip("\n") + "\n" for s in replaced)])


def _generated(seconds: float) -> str:
    if seconds >= 1:
        return f"generated in {seconds:.0f} s"
    return "reused from `--keep`"


if __name__ == "__main__":
    main()
