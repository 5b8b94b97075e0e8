"""``backtrack report``: a participant's adherence report, readable or as JSON."""

from __future__ import annotations

import json
import sys
from typing import Annotated

import typer
from rich.table import Table

from pipelines.app import participants as settings
from pipelines.cli.common import (
    DataDir,
    ParticipantOpt,
    console,
    parse_date,
    participant_id,
    store_at,
)
from pipelines.rules import report as report_mod
from pipelines.schemas import DAILY, DAYS, QUESTIONNAIRES


def report(
    participant: ParticipantOpt,
    start: Annotated[str | None, typer.Option(help="first day (YYYY-MM-DD)")] = None,
    end: Annotated[str | None, typer.Option(help="last day (YYYY-MM-DD)")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="print one JSON object")] = False,
    data_dir: DataDir = None,
) -> None:
    """A participant's adherence (reads the tables; no flow is started)."""
    participant = participant_id(participant)
    store = store_at(data_dir)
    p = settings.load_participant(store, participant)
    days = store.read(DAYS, [participant])
    if days.empty:  # tables from before the diary join: the activity alone
        days = store.read(DAILY, [participant])
    answers = store.read(QUESTIONNAIRES, [participant])
    result = report_mod.build(
        p, days, parse_date(start, "--start"), parse_date(end, "--end"), answers
    )
    if as_json:
        sys.stdout.write(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
        return
    print_report(result)


def print_report(result: dict[str, object]) -> None:
    a = result["adherence"]
    assert isinstance(a, dict)
    target = result["target"]
    assert isinstance(target, dict)
    rng = result["range"]
    assert isinstance(rng, dict)
    training = result["training"]
    assert isinstance(training, dict)

    def percent(value: object) -> str:
        return "–" if value is None else f"{value:.0%}"

    console.print(
        f"[bold]{result['participant']}[/] {rng['start']} … {rng['end']}: target "
        f"{target['min_minutes']}–{target['max_minutes']} min every {target['every_n_days']} "
        f"days — adherence [bold]{percent(a['ratio'])}[/] ({a['weeks_met']}/{a['weeks_total']} "
        f"complete program weeks with ≥ {a['weekly_target_days']} met days, "
        f"{a['weeks_no_data']} without data), walking dose {percent(a['dose_ratio'])}; "
        f"training {percent(training['ratio'])} ({training['weeks_met']}/"
        f"{training['weeks_total']} weeks with ≥ {training['target_sessions_per_week']} sessions "
        f"of ≥ {training['min_session_minutes']} min); blocks {percent(a['block_ratio'])} "
        f"({a['blocks_met']}/{a['blocks_total']} met, {a['blocks_no_data']} without data), "
        f"current streak {a['current_streak_blocks']} block(s), longest gap "
        f"{a['longest_gap_days']} day(s)"
    )
    weeks = result.get("weeks") or []
    assert isinstance(weeks, list)
    if weeks:
        table = Table(
            "week",
            "from",
            "walking days",
            "met days",
            "walking min",
            "credited min",
            "training",
            "strength",
            "pilates",
            "yoga",
            "tai-chi",
        )
        for w in weeks:
            s = w["sessions"]
            table.add_row(
                str(w["week"]) + ("" if w["complete"] else " (part)"),
                w["start"],
                str(w["walking_days"]),
                str(w["met_days"]),
                f"{w['walking_minutes']:.0f}",
                f"{w['walking_minutes_credited']:.0f}",
                str(w["training_sessions"]),
                str(s["strength"]),
                str(s["pilates"]),
                str(s["yoga"]),
                str(s["tai_chi"]),
            )
        console.print(table)
    answers = result.get("questionnaires") or []
    assert isinstance(answers, list)
    if answers:
        table = Table("date", "questionnaire", "score", "change vs first")
        for a in answers:
            change = "–" if a["change"] is None else f"{a['change']:+g}"
            table.add_row(a["date"], a["id"], f"{a['score']:g}", change)
        console.print(table)
