"""Pure chart builders: tables (or report fields) in, Altair charts out. No Streamlit, no I/O."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, timedelta
from typing import Any, Final

import altair as alt
import pandas as pd

from dashboards.i18n import category_label, register, t
from pipelines.config import Target
from pipelines.rules import adherence
from pipelines.rules.taxonomy import CATEGORIES

BAND_ORDER: Final = ("no data", "rest day", "below target", "in range", "above range")
BAND_COLORS: Final = ("#e0e0e0", "#d1e5f0", "#f4a582", "#1a9850", "#006837")
BLOCK_ORDER: Final = ("met", "missed", "no_data")
BLOCK_COLORS: Final = ("#1a9850", "#d73027", "#bdbdbd")
WEEKDAYS: Final = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
PAIN_KINDS: Final = ("pain", "flare-up (flagged by you)", "clearly above your usual level")
PAIN_COLORS: Final = ("#4575b4", "#d73027", "#fdae61")
WINDOW_WEEKS: Final = 12  # what the calendar and the blocks show without a program start
# For a chart of a set height: the width fills the page, the set height is the plot's.
# Without it Streamlit's autosize ("fit") makes it the whole chart's, title and axis labels
# included — the blocks' 50 px left their squares 0.25 px: only the title to be seen.
_FIT_WIDTH: Final = alt.AutoSizeParams(type="fit-x", contains="padding")

register(
    {
        "no data": "keine Daten",
        "below target": "unter dem Ziel",
        "rest day": "Ruhetag",
        "in range": "im Zielbereich",
        "above range": "über dem Zielbereich",
        "Mon": "Mo",
        "Tue": "Di",
        "Wed": "Mi",
        "Thu": "Do",
        "Fri": "Fr",
        "Sat": "Sa",
        "Sun": "So",
        "week starting": "Woche ab",
        "walking (target {band})": "Gehen (Ziel {band})",
        "Walking minutes per day (target band {band})": "Gehminuten pro Tag (Zielbereich {band})",
        "met": "erreicht",
        "ISO week": "Kalenderwoche",
        "sessions": "Einheiten",
        "category": "Kategorie",
        "Sessions per week by category": "Einheiten pro Woche nach Kategorie",
        "pain (0–100)": "Schmerz (0–100)",
        "pain": "Schmerz",
        "flare-up (flagged by you)": "Schmerzschub (von Ihnen markiert)",
        "clearly above your usual level": "deutlich über Ihrem üblichen Niveau",
        "day": "Tag",
        "7-day mean": "Mittel 7 Tage",
        "baseline": "Ausgangswert",
        "baseline − {ref} (reference change)": "Ausgangswert − {ref} (Referenz-Veränderung)",
        "Pain": "Schmerz",
    }
)


def walking_band(
    walking_minutes: float, has_data: bool, target: Target, week_met: bool = False
) -> str:
    """Which part of the target band a day's walking minutes fall in (for colouring only;
    whether a day is met is the ``met`` column, decided by ``pipelines.rules.adherence``).
    A day below target in a program week that already has its met days (``week_met``,
    ``adherence.days_in_met_weeks``) is a ``rest day``, not a miss."""
    if not has_data:
        return "no data"
    if walking_minutes < target.min_minutes:
        return "rest day" if week_met else "below target"
    return "in range" if walking_minutes <= target.max_minutes else "above range"


def default_window(
    first: date, last: date, program_start: date | None, weeks: int = WINDOW_WEEKS
) -> tuple[date, date]:
    """The days the walking calendar and the blocks show unless the person picks others:
    from the program start (when one is set, and not after ``last``) to the last day, else
    the last ``weeks`` weeks up to the last day — so that one old file uploaded into a
    current program does not stretch the calendar over years. Never before ``first``."""
    if program_start is not None and program_start <= last:
        return max(first, program_start), last
    return max(first, last - timedelta(days=7 * weeks - 1)), last


def walking_heatmap(
    days: pd.DataFrame, target: Target, window: tuple[date, date] | None = None
) -> alt.Chart:
    """A calendar: one square per day (columns = ISO weeks, rows = weekdays), coloured by
    where the day's walking minutes fall against the min–max band; days without data grey;
    days below target in a program week whose met days are reached pale blue (rest days).
    ``window`` (first, last day) limits the days drawn; rest days are worked out on every
    day first, so a week cut by the window keeps its colours."""
    frame = _calendar_days(days)
    rest_weeks = adherence.days_in_met_weeks(frame, target)
    frame["band"] = [
        walking_band(float(m), bool(h), target, d in rest_weeks)
        for m, h, d in zip(frame["walking_minutes"], frame["has_data"], frame["date"], strict=True)
    ]
    if window is not None:
        frame = frame.loc[(frame["date"] >= window[0]) & (frame["date"] <= window[1])].copy()
    frame["week_start"] = [(d - timedelta(days=d.weekday())).isoformat() for d in frame["date"]]
    frame["weekday"] = [t(WEEKDAYS[d.weekday()]) for d in frame["date"]]
    frame["band"] = [t(b) for b in frame["band"]]
    frame["day"] = [d.isoformat() for d in frame["date"]]
    frame["walking_minutes"] = frame["walking_minutes"].round(1)
    band = f"{target.min_minutes}–{target.max_minutes} min"
    return (
        alt.Chart(frame[["day", "week_start", "weekday", "band", "walking_minutes", "met"]])
        .mark_rect(stroke="white")
        .encode(
            x=alt.X("week_start:O", title=t("week starting")),
            y=alt.Y("weekday:O", sort=[t(d) for d in WEEKDAYS], title=None),
            color=alt.Color(
                "band:N",
                scale=alt.Scale(domain=[t(b) for b in BAND_ORDER], range=list(BAND_COLORS)),
                title=t("walking (target {band})", band=band),
            ),
            tooltip=[
                alt.Tooltip("day:N", title=t("day")),
                alt.Tooltip("walking_minutes:Q", title=t("walking min")),
                alt.Tooltip("met:N", title=t("met")),
            ],
        )
        .properties(title=t("Walking minutes per day (target band {band})", band=band))
    )


def blocks_chart(blocks: pd.DataFrame) -> alt.Chart:
    """Every-other-day blocks as a strip: one square per block (x = the block's first day,
    ordinal, so every block gets the same visible width), coloured met / missed / no data."""
    labels = dict(zip(BLOCK_ORDER, block_status_labels(), strict=True))
    frame = pd.DataFrame(
        {
            "start": [d.isoformat() for d in blocks["block_start"]],
            "end": [d.isoformat() for d in blocks["block_end"]],
            "status": [labels.get(s, s) for s in blocks["status"].astype(str)],
            "walking_minutes": blocks["walking_minutes"].astype(float).round(1).to_numpy(),
            "complete": blocks["complete"].astype(bool).to_numpy(),
            "row": "",
        }
    )
    return (
        alt.Chart(frame)
        .mark_rect(stroke="white", strokeWidth=1)
        .encode(
            x=alt.X(
                "start:O",
                title=t("block starting"),
                sort=None,
                axis=alt.Axis(labelAngle=-45, labelOverlap="parity"),
            ),
            y=alt.Y("row:N", title=None, axis=None),
            color=alt.Color(
                "status:N",
                scale=alt.Scale(domain=list(labels.values()), range=list(BLOCK_COLORS)),
                title=t("block"),
            ),
            tooltip=[
                alt.Tooltip("start:N", title=t("from")),
                alt.Tooltip("end:N", title=t("to")),
                alt.Tooltip("status:N", title=t("block")),
                alt.Tooltip("walking_minutes:Q", title=t("walking min")),
                alt.Tooltip("complete:N", title=t("complete")),
            ],
        )
        .properties(height=50, title=t("Blocks"), autosize=_FIT_WIDTH)
    )


def block_status_labels() -> tuple[str, str, str]:
    """``met``, ``missed``, ``no_data`` as shown (current language)."""
    return (t("met"), t("missed"), t("no data"))


def sessions_per_week_chart(weeks: Sequence[dict[str, Any]]) -> alt.Chart:
    """Stacked sessions per program week and category (the report's ``weeks``)."""
    rows = [
        {"week": w["start"], "category": category_label(c), "sessions": int(w["sessions"][c])}
        for w in weeks
        for c in CATEGORIES
    ]
    frame = pd.DataFrame(rows, columns=["week", "category", "sessions"])
    return (
        alt.Chart(frame)
        .mark_bar()
        .encode(
            x=alt.X("week:O", title=t("program week from")),
            y=alt.Y("sum(sessions):Q", title=t("sessions")),
            color=alt.Color(
                "category:N", sort=[category_label(c) for c in CATEGORIES], title=t("category")
            ),
            tooltip=[
                alt.Tooltip("week:N", title=t("program week from")),
                alt.Tooltip("category:N", title=t("category")),
                alt.Tooltip("sessions:Q", title=t("sessions")),
            ],
        )
        .properties(title=t("Sessions per week by category"))
    )


def training_chart(weeks: Sequence[dict[str, Any]], target_sessions: int) -> alt.LayerChart:
    """Training sessions (strength/stabilisation, Pilates, Yoga, Tai-Chi of at least the
    minimum length) per program week against the weekly target (a dashed line)."""
    frame = pd.DataFrame(
        {
            "week": [w["start"] for w in weeks],
            "sessions": [int(w["training_sessions"]) for w in weeks],
            "minutes": [float(w["training_minutes"]) for w in weeks],
            "reached": [
                t("target reached")
                if int(w["training_sessions"]) >= target_sessions
                else (t("week in progress") if not w["complete"] else t("below target"))
                for w in weeks
            ],
        }
    )
    bars = (
        alt.Chart(frame)
        .mark_bar()
        .encode(
            x=alt.X("week:O", title=t("program week from")),
            y=alt.Y("sessions:Q", title=t("training sessions")),
            color=alt.Color(
                "reached:N",
                scale=alt.Scale(
                    domain=[t("target reached"), t("below target"), t("week in progress")],
                    range=["#1a9850", "#f4a582", "#bdbdbd"],
                ),
                title=None,
            ),
            tooltip=[
                alt.Tooltip("week:N", title=t("program week from")),
                alt.Tooltip("sessions:Q", title=t("training sessions")),
                alt.Tooltip("minutes:Q", title=t("training minutes"), format=".0f"),
            ],
        )
    )
    rule = (
        alt.Chart(pd.DataFrame({"target": [target_sessions]}))
        .mark_rule(strokeDash=[4, 4])
        .encode(y="target:Q")
    )
    return alt.LayerChart(layer=[bars, rule]).properties(
        title=t("Training sessions per week (target {n})", n=target_sessions)
    )


def pain_chart(
    days: pd.DataFrame, baseline: float | None, reference_change: float
) -> alt.LayerChart:
    """Daily pain (the person's flare-up flags in red, days clearly above the usual level in
    orange) and the trailing 7-day mean, with the baseline and the reference line
    ``reference_change`` points below it. Every title and legend in the current language."""
    frame = days.loc[days["pain"].notna() | days["pain_7d_mean"].notna()]
    flagged = frame["flare_up_flagged"].astype(bool).to_numpy()
    detected_column = "flare_detected" if "flare_detected" in frame else "flare_up"
    detected = frame[detected_column].astype(bool).to_numpy()
    kinds = [
        PAIN_KINDS[1] if own else PAIN_KINDS[2] if high else PAIN_KINDS[0]
        for own, high in zip(flagged, detected, strict=True)
    ]
    frame = pd.DataFrame(
        {
            "date": [d.isoformat() for d in frame["date"]],
            "pain": frame["pain"].astype(float).round(1).to_numpy(),
            "pain_7d_mean": frame["pain_7d_mean"].astype(float).round(1).to_numpy(),
            "kind": [t(k) for k in kinds],
        }
    )
    base = alt.Chart(frame).encode(x=alt.X("date:T", title=None))
    points = base.mark_circle(size=40).encode(
        y=alt.Y("pain:Q", title=t("pain (0–100)"), scale=alt.Scale(domain=[0, 100])),
        color=alt.Color(
            "kind:N",
            scale=alt.Scale(domain=[t(k) for k in PAIN_KINDS], range=list(PAIN_COLORS)),
            title=None,
        ),
        tooltip=[
            alt.Tooltip("date:N", title=t("day")),
            alt.Tooltip("pain:Q", title=t("pain")),
            alt.Tooltip("pain_7d_mean:Q", title=t("7-day mean")),
            alt.Tooltip("kind:N", title=" "),
        ],
    )
    mean = base.mark_line(color="#333333").encode(y="pain_7d_mean:Q")
    layers: list[alt.Chart] = [points, mean]
    if baseline is not None:
        lines = pd.DataFrame(
            {
                "value": [baseline, baseline - reference_change],
                "line": [
                    t("baseline"),
                    t("baseline − {ref} (reference change)", ref=f"{reference_change:g}"),
                ],
            }
        )
        layers.append(
            alt.Chart(lines)
            .mark_rule(strokeDash=[6, 3])
            .encode(
                y="value:Q",
                color=alt.Color("line:N", title=None, scale=alt.Scale(range=["#777", "#1a9850"])),
                tooltip=[alt.Tooltip("line:N", title=" "), alt.Tooltip("value:Q", title=t("pain"))],
            )
        )
    return alt.layer(*layers).resolve_scale(color="independent").properties(title=t("Pain"))


def _calendar_days(days: pd.DataFrame) -> pd.DataFrame:
    """Every day from the first to the last row; days the table lacks have no data."""
    if days.empty:
        return pd.DataFrame(columns=["date", "walking_minutes", "has_data", "met"])
    first, last = min(days["date"]), max(days["date"])
    index = [first + timedelta(days=i) for i in range((last - first).days + 1)]
    # pain_entries: the first diary day is the program start when none is set
    columns = [c for c in ("walking_minutes", "has_data", "met", "pain_entries") if c in days]
    frame = days.set_index("date")[columns].reindex(index)
    if "pain_entries" in frame:
        frame["pain_entries"] = pd.to_numeric(frame["pain_entries"]).fillna(0)
    frame["walking_minutes"] = frame["walking_minutes"].astype(float).fillna(0.0)
    frame["has_data"] = frame["has_data"].astype("boolean").fillna(False).astype(bool)
    frame["met"] = frame["met"].astype("boolean").fillna(False).astype(bool)
    return frame.rename_axis("date").reset_index()


# ------------------------------------------------------------------- coach pages

register(
    {
        "walking vs target": "Gehen im Vergleich zum Ziel",
        "participant": "Teilnehmende",
        "day": "Tag",
        "walking min": "Gehminuten",
        "Walking minutes per day": "Gehminuten pro Tag",
    }
)


def group_heatmap(
    days: pd.DataFrame, targets: Mapping[str, Target], start: date, end: date
) -> alt.Chart:
    """Participants × days over ``[start, end]``: each square coloured like the participant
    calendar (``walking_band`` against that participant's own target, in the current
    language); days the table lacks have no data."""
    calendar = [start + timedelta(days=i) for i in range((end - start).days + 1)]
    rows = []
    for participant, target in sorted(targets.items()):
        mine = days[days["participant"] == participant]
        walked = dict(zip(mine["date"], mine["walking_minutes"].astype(float), strict=True))
        covered = dict(zip(mine["date"], mine["has_data"].astype(bool), strict=True))
        for day in calendar:
            has_data = bool(covered.get(day, False))
            minutes = float(walked.get(day, 0.0))
            rows.append(
                {
                    "participant": participant,
                    "day": day.isoformat(),
                    "walking_minutes": round(minutes, 1),
                    "band": t(walking_band(minutes, has_data, target)),
                }
            )
    frame = pd.DataFrame(rows, columns=["participant", "day", "walking_minutes", "band"])
    return (
        alt.Chart(frame)
        .mark_rect(stroke="white")
        .encode(
            x=alt.X("day:O", title=None),
            y=alt.Y("participant:N", title=None),
            color=alt.Color(
                "band:N",
                scale=alt.Scale(domain=[t(b) for b in BAND_ORDER], range=list(BAND_COLORS)),
                title=t("walking vs target"),
                # below: on the right its five entries outgrow a group of one or two
                # rows, and the browser cut off the last ones
                legend=alt.Legend(orient="bottom", direction="horizontal"),
            ),
            tooltip=[
                alt.Tooltip("participant:N", title=t("participant")),
                alt.Tooltip("day:N", title=t("day")),
                alt.Tooltip("walking_minutes:Q", title=t("walking min")),
            ],
        )
        .properties(title=t("Walking minutes per day"))
    )


# ------------------------------------------------------------- participant pages

register(
    {
        "block starting": "Block ab",
        "block": "Block",
        "from": "von",
        "to": "bis",
        "complete": "vollständig",
        "Blocks": "Blöcke",
        "met": "erreicht",
        "missed": "verfehlt",
        "no data": "keine Daten",
        "walking min": "Gehminuten",
        "program week from": "Programmwoche ab",
        "sessions": "Einheiten",
        "category": "Kategorie",
        "Sessions per week by category": "Einheiten pro Woche nach Kategorie",
        "target reached": "Ziel erreicht",
        "below target": "unter dem Ziel",
        "week in progress": "laufende Woche",
        "training sessions": "Trainingseinheiten",
        "training minutes": "Trainingsminuten",
        "Training sessions per week (target {n})": "Trainingseinheiten pro Woche (Ziel {n})",
    }
)
