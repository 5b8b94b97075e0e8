"""The one-page clinician report: a report dict (``pipelines.rules.report.build``), the
participant's alerts and (optionally) questionnaire scores in, an A4 page out — as PDF bytes
(``build``) and as a PNG preview of the same page (``preview``). Pure: no Streamlit, no I/O.

The page (docs/clinician-report.md): who and when, the target; prescribed vs received and
data completeness; weekly walking minutes against the prescribed band and training sessions
per week against the target (vector bar charts); pain with its 7-day mean, the baseline and
the two reference lines; the pain, block and session figures; questionnaire scores; alerts;
the safety text. It is laid out once as shapes (``dashboards.drawing``) and rendered twice.
Only the pseudonymous participant id appears. The core font (Helvetica) is latin-1, so
every text passes ``latin1``: German umlauts stay, "–", "≥", "−" and the like become ASCII.
Also home of ``alert_text``, the words for ``pipelines.rules.alerts`` codes (pages use it too).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, Final

from fpdf import FPDF

from dashboards import report_figures as figures
from dashboards import safety
from dashboards.drawing import (
    BLACK,
    Color,
    Dot,
    Line,
    Page,
    Polyline,
    Rect,
    Text,
    draw_pdf,
    latin1,
    line_height,
    render_png,
    text_width,
    wrap,
)
from dashboards.i18n import category_label, fmt_date, fmt_number, fmt_percent, register, t
from pipelines.rules.alerts import Alert
from pipelines.rules.taxonomy import CATEGORIES

__all__ = [
    "QuestionnaireScore",
    "alert_text",
    "build",
    "document",
    "latin1",
    "layout",
    "preview",
]

FOOTNOTE: Final = (
    "Adherence = per complete program week, met days (at least the minimum walking minutes) "
    "÷ the weekly target, capped at 100 %, averaged; it does not depend on which day the "
    "2-day blocks start. A block is met when one of its days is. Pseudonymous data from "
    "backtrack."
)
REFERENCE: Final = (
    "Reference (14-day mean {mean}, change {change}, {percent}): a fall of {reference} points "
    "reached: {reached}; a fall of {reference_percent} % reached: {reached_percent}"
)

register(
    {
        "No data for {days} days (alert at {threshold})": (
            "Seit {days} Tagen keine Daten (Hinweis ab {threshold})"
        ),
        "No data at all": "Noch keine Daten",
        "Adherence over 14 days {value} (below {threshold})": (
            "Adhärenz über 14 Tage {value} (unter {threshold})"
        ),
        "{alert} - mostly days the device was not worn or not synced": (
            "{alert} - überwiegend Tage, an denen das Gerät nicht getragen oder nicht "
            "synchronisiert wurde"
        ),
        "{alert} - the device was worn, the walking was missing": (
            "{alert} - das Gerät wurde getragen, es fehlte an Bewegung"
        ),
        "Pain {value} points above baseline (alert at +{threshold})": (
            "Schmerz {value} Punkte über dem Ausgangswert (Hinweis ab +{threshold})"
        ),
        "Painkillers over {days} days (more than {threshold})": (
            "Schmerzmittel über {days} Tage (mehr als {threshold})"
        ),
        "Diary stopped during painkiller use: last painkiller {days} days ago": (
            "Tagebuch während der Schmerzmitteleinnahme abgebrochen: "
            "letzte Einnahme vor {days} Tagen"
        ),
        "Clinician report": "Bericht für Behandelnde",
        "Participant {id}": "Teilnehmende {id}",
        "Period {start} to {end}; generated {generated}": (
            "Zeitraum {start} bis {end}; erstellt am {generated}"
        ),
        "Target: {low} to {high} walking minutes every {n} days (bouts of at least {bout} min)": (
            "Ziel: {low} bis {high} Gehminuten alle {n} Tage (Abschnitte ab {bout} Min.)"
        ),
        "Adherence": "Adhärenz",
        "{ratio}: {met} of {total} complete program weeks with at least {days} walking days "
        "(weeks without data: {no_data})": (
            "{ratio}: {met} von {total} vollständigen Programmwochen mit mindestens {days} "
            "Gehtagen (Wochen ohne Daten: {no_data})"
        ),
        "Walking dose {dose} (credited minutes against {minutes} a week)": (
            "Gehdosis {dose} (angerechnete Minuten gegen {minutes} pro Woche)"
        ),
        "Training: {ratio} of weeks with {n} sessions of at least {minutes} min "
        "({met} of {total})": (
            "Training: {ratio} der Wochen mit {n} Einheiten von mindestens {minutes} Min. "
            "({met} von {total})"
        ),
        "{ratio} of blocks met ({met} of {total} complete blocks)": (
            "{ratio} der Blöcke erfüllt ({met} von {total} vollständigen Blöcken)"
        ),
        "Current streak {streak} blocks; longest gap {gap} days": (
            "Aktuelle Serie {streak} Blöcke; längste Lücke {gap} Tage"
        ),
        "Blocks": "Blöcke",
        "met {met}, missed {missed}, without data {no_data} (counted as not met)": (
            "erfüllt {met}, verpasst {missed}, ohne Daten {no_data} (zählen als nicht erfüllt)"
        ),
        "Sessions by category": "Einheiten nach Kategorie",
        "Pain (0 to 100)": "Schmerz (0 bis 100)",
        "No pain diary entries.": "Keine Schmerztagebuch-Einträge.",
        "Baseline {baseline}; latest 7-day mean {latest}; change {change}": (
            "Ausgangswert {baseline}; Mittel der letzten 7 Tage {latest}; Veränderung {change}"
        ),
        REFERENCE: (
            "Referenz (Mittel 14 Tage {mean}, Veränderung {change}, {percent}): Rückgang um "
            "{reference} Punkte erreicht: {reached}; Rückgang um {reference_percent} % erreicht: "
            "{reached_percent}"
        ),
        "Baseline from {n} day(s) with an entry": "Ausgangswert aus {n} Tag(en) mit Eintrag",
        "Before the program (4 weeks): {minutes} walking minutes a week ({days} days with data)": (
            "Vor dem Programm (4 Wochen): {minutes} Gehminuten pro Woche ({days} Tage mit Daten)"
        ),
        "Flare-ups flagged by the person: {own} day(s); pain clearly above the usual level "
        "(detected): {detected} day(s); {rate} episodes per 3 months": (
            "Von der Person markierte Schübe: {own} Tag(e); Schmerz deutlich über dem üblichen "
            "Niveau (erkannt): {detected} Tag(e); {rate} Episoden pro 3 Monate"
        ),
        "Soreness or more pain after exercise: {days} day(s)": (
            "Muskelkater oder mehr Schmerz nach dem Training: {days} Tag(e)"
        ),
        "Painkillers: run over {days} day(s)": "Schmerzmittel: Einnahme über {days} Tag(e)",
        "(diary stopped during the run)": "(Tagebuch während der Einnahme abgebrochen)",
        "Walking and pain (detrended; rho, 95 % interval corrected for 4 lags, pairs)": (
            "Gehen und Schmerz (trendbereinigt; rho, 95-%-Intervall korrigiert für 4 Abstände, "
            "Paare)"
        ),
        "lag {k} d": "Abstand {k} T.",
        "no clear link": "kein klarer Zusammenhang",
        "more walking went with less pain": "mehr Gehen ging mit weniger Schmerz einher",
        "more walking went with more pain": "mehr Gehen ging mit mehr Schmerz einher",
        "yes": "ja",
        "no": "nein",
        "Flare-ups: {days} day(s) in the period; {rate} episodes per 3 months": (
            "Schübe: {days} Tag(e) im Zeitraum; {rate} Episoden pro 3 Monate"
        ),
        "Painkillers: {days} day(s) in a row": "Schmerzmittel: {days} Tag(e) in Folge",
        "(more than 14 days: please review)": "(mehr als 14 Tage: bitte prüfen)",
        "Alerts": "Hinweise",
        "None.": "Keine.",
        FOOTNOTE: (
            "Adhärenz = je vollständiger Programmwoche erreichte Tage (mindestens die "
            "Mindest-Gehminuten) ÷ Wochenziel, höchstens 100 %, gemittelt; unabhängig davon, an "
            "welchem Tag die 2-Tage-Blöcke beginnen. Ein Block ist erfüllt, wenn einer seiner "
            "Tage erreicht ist. Pseudonymisierte Daten aus backtrack."
        ),
    }
)


def alert_text(alert: Alert) -> str:
    """An alert in words, in the current language."""
    threshold = alert.threshold
    if alert.code == "no_data":
        if alert.value is None:
            return t("No data at all")
        return t(
            "No data for {days} days (alert at {threshold})",
            days=fmt_number(alert.value),
            threshold=fmt_number(threshold),
        )
    if alert.code == "low_adherence":
        text = t(
            "Adherence over 14 days {value} (below {threshold})",
            value=fmt_percent(alert.value, 1),
            threshold=fmt_percent(threshold, 1),
        )
        if alert.reason == "not_worn":
            return t("{alert} - mostly days the device was not worn or not synced", alert=text)
        if alert.reason == "inactive":
            return t("{alert} - the device was worn, the walking was missing", alert=text)
        return text
    if alert.code == "pain_up":
        return t(
            "Pain {value} points above baseline (alert at +{threshold})",
            value=fmt_number(alert.value, 1),
            threshold=fmt_number(threshold, 1),
        )
    if alert.code == "painkiller_diary_stopped":
        return t(
            "Diary stopped during painkiller use: last painkiller {days} days ago",
            days=fmt_number(alert.value),
        )
    return t(
        "Painkillers over {days} days (more than {threshold})",
        days=fmt_number(alert.value),
        threshold=fmt_number(threshold),
    )


QuestionnaireScore = tuple[str, float | None, float | None]
"""A questionnaire on the report: its name, the latest score, the change (None: unknown)."""

LEFT: Final = 12.0
RIGHT: Final = 198.0
TOP: Final = 10.0
BOTTOM: Final = 289.0
WIDTH: Final = RIGHT - LEFT
GAP: Final = 4.0  # between two side-by-side boxes
CHART_HEIGHT: Final = 50.0
PAIN_HEIGHT: Final = 48.0
BODY: Final = 7.0  # pt: the small text
MAX_BAR: Final = 10.0  # mm: the widest bar (a short period)
PREVIEW_DPI: Final = 110
SCORES_ONE_COLUMN: Final = 3  # more questionnaires: two columns

GREEN: Final = (26, 152, 80)
ORANGE: Final = (244, 165, 130)
GREY: Final = (189, 189, 189)
DARK: Final = (60, 60, 60)
MUTED: Final = (100, 100, 100)
GRID: Final = (228, 228, 228)
BAND: Final = (214, 236, 208)
BLUE: Final = (69, 117, 180)
DOT: Final = (165, 165, 165)
BASELINE: Final = (110, 110, 110)
REFERENCE_POINTS: Final = (26, 152, 80)
REFERENCE_PERCENT: Final = (1, 102, 94)
SAFETY_FILL: Final = (253, 239, 236)
SAFETY_EDGE: Final = (215, 48, 39)
SCORES_FILL: Final = (240, 245, 252)
RULE: Final = (200, 200, 200)

register(
    {
        "Prescribed and received": "Zielvorgabe und Umsetzung",
        "Target": "Zielvorgabe",
        "Received (mean of complete weeks)": "Erhalten (Mittel vollständiger Wochen)",
        "Reached": "Erreicht",
        "Walking days": "Gehtage",
        "Walking minutes": "Gehminuten",
        "Training sessions": "Trainingseinheiten",
        "{n} a week of at least {minutes} min": "{n} pro Woche mit mindestens {minutes} Min.",
        "{low} to {high} a week": "{low} bis {high} pro Woche",
        "{met} of {total} weeks ({ratio})": "{met} von {total} Wochen ({ratio})",
        "adherence {ratio}": "Adhärenz {ratio}",
        "dose {ratio}": "Dosis {ratio}",
        "counted {minutes}": "angerechnet {minutes}",
        "no complete week yet": "noch keine vollständige Woche",
        "Data completeness": "Vollständigkeit der Daten",
        "Days adequately worn": "Tage ausreichend getragen",
        "Days with a diary entry": "Tage mit Tagebucheintrag",
        "{n} of {total} days ({share})": "{n} von {total} Tagen ({share})",
        "Not adequately worn: worn less than the minimum wear time (target not met) or no data.": (
            "Nicht ausreichend getragen: kürzer als die Mindest-Tragezeit getragen (Ziel nicht "
            "erreicht) oder keine Daten."
        ),
        "Walking minutes per week": "Gehminuten pro Woche",
        "Training sessions per week": "Trainingseinheiten pro Woche",
        "target band {low} to {high} min": "Zielbereich {low} bis {high} Min.",
        "target {n}": "Ziel {n}",
        "week met": "Woche erreicht",
        "week not met": "Woche nicht erreicht",
        "week in progress": "laufende Woche",  # as the charts say it
        "- no data": "- keine Daten",
        "program week": "Programmwoche",
        "Pain (0 to 100): 7-day mean": "Schmerz (0 bis 100): Mittel über 7 Tage",
        "daily pain": "Schmerz am Tag",
        "7-day mean": "Mittel 7 Tage",
        "baseline": "Ausgangswert",
        "baseline -{points} points": "Ausgangswert -{points} Punkte",
        "baseline -{percent} %": "Ausgangswert -{percent} %",
        "No baseline yet (fewer than {n} days with a pain value).": (
            "Noch kein Ausgangswert (weniger als {n} Tage mit Schmerzwert)."
        ),
        "The reference lines are judged on the 14-day mean.": (
            "Die Referenzlinien werden am Mittel über 14 Tage gemessen."
        ),
        "Blocks:": "Blöcke:",
        "Sessions:": "Einheiten:",
        "Questionnaires": "Fragebögen",
        "Questionnaire": "Fragebogen",
        "Latest score": "Letzter Wert",
        "Change": "Veränderung",
        "None recorded.": "Keine erfasst.",
    }
)


def document(
    report: dict[str, Any],
    alerts: Sequence[Alert],
    generated: date,
    questionnaires: Sequence[QuestionnaireScore] = (),
) -> FPDF:
    """The laid-out report on one A4 page; ``build`` turns it into bytes. ``ValueError`` if
    it would not fit on one page."""
    page = layout(report, alerts, generated, questionnaires)
    pdf = FPDF(format="A4")
    pdf.set_auto_page_break(auto=False)
    pdf.add_page()
    pdf.set_title(latin1(f"backtrack {report['participant']}"))
    draw_pdf(page, pdf)
    return pdf


def build(
    report: dict[str, Any],
    alerts: Sequence[Alert],
    generated: date,
    questionnaires: Sequence[QuestionnaireScore] = (),
) -> bytes:
    """The report as PDF bytes; ``ValueError`` if it would not fit on one page."""
    pdf = document(report, alerts, generated, questionnaires)
    if pdf.page_no() != 1:
        raise ValueError(f"the clinician report must fit one page, got {pdf.page_no()}")
    return bytes(pdf.output())


def preview(
    report: dict[str, Any],
    alerts: Sequence[Alert],
    generated: date,
    questionnaires: Sequence[QuestionnaireScore] = (),
    dpi: float = PREVIEW_DPI,
) -> bytes:
    """The same page as a PNG (the Clinician report page shows it before the download)."""
    return render_png(layout(report, alerts, generated, questionnaires), dpi=dpi)


def layout(
    report: dict[str, Any],
    alerts: Sequence[Alert],
    generated: date,
    questionnaires: Sequence[QuestionnaireScore] = (),
) -> Page:
    """Every shape of the page, top to bottom; ``ValueError`` when they pass the bottom."""
    page = Page()
    y = _header(page, report, generated, TOP)
    y = _prescribed_and_completeness(page, report, y + 2.5)
    left_w = (WIDTH - GAP) / 2
    _walking_chart(page, report, (LEFT, y + 3, left_w, CHART_HEIGHT))
    _training_chart(page, report, (LEFT + left_w + GAP, y + 3, left_w, CHART_HEIGHT))
    y = _pain_chart(page, report, (LEFT, y + 3 + CHART_HEIGHT + 2, WIDTH, PAIN_HEIGHT))
    y = _pain_figures(page, report, y + 1)
    y = _more_figures(page, report, y + 0.5)
    y = _questionnaires(page, questionnaires, y + 2)
    y = _alerts(page, alerts, y + 2)
    y = _safety(page, y + 2)
    y = _paragraph(page, t(FOOTNOTE), LEFT, y + 1.5, WIDTH, 6.5, style="I", color=MUTED)
    if y > BOTTOM:
        raise ValueError(f"the clinician report must fit one page: it ends at {y:.0f} mm")
    return page


# ------------------------------------------------------------------------- text helpers


def _paragraph(
    page: Page,
    text: str,
    x: float,
    y: float,
    width: float,
    size: float = BODY,
    style: str = "",
    color: Color = BLACK,
) -> float:
    """``text`` wrapped into ``width`` from the top ``y``; returns the y below it."""
    step = line_height(size)
    for line in wrap(text, width, size, style):
        y += step
        page.add(Text(x, y - step * 0.22, line, size, style, color))
    return y


def _heading(page: Page, text: str, y: float, size: float = 9.0, x: float = LEFT) -> float:
    step = line_height(size)
    page.add(Text(x, y + step * 0.78, text, size, "B"))
    return y + step


def _signed(value: float | None, digits: int = 1) -> str:
    return ("+" if value is not None and value > 0 else "") + fmt_number(value, digits)


def _score(value: float | None) -> str:
    if value is None:
        return "–"
    return fmt_number(value, 0 if float(value).is_integer() else 1)


# ------------------------------------------------------------------------------- header


def _header(page: Page, report: dict[str, Any], generated: date, y: float) -> float:
    rng = report["range"]
    target = report["target"]
    page.add(Text(LEFT, y + 5, t("Clinician report"), 16, "B"))
    page.add(Text(RIGHT, y + 5, "backtrack", 8, color=MUTED, align="right"))
    y += 8.5
    who = t("Participant {id}", id=report["participant"])
    page.add(Text(LEFT, y + 3, who, 9, "B"))
    period = t(
        "Period {start} to {end}; generated {generated}",
        start=fmt_date(_day(rng["start"])),
        end=fmt_date(_day(rng["end"])),
        generated=fmt_date(generated),
    )
    page.add(Text(LEFT + text_width(who, 9, "B") + 4, y + 3, period, 9))
    y += 4.2
    lines = [
        t(
            "Target: {low} to {high} walking minutes every {n} days (bouts of at least {bout} min)",
            low=target["min_minutes"],
            high=target["max_minutes"],
            n=target["every_n_days"],
            bout=target["min_bout_minutes"],
        )
    ]
    before = report.get("pre_program")
    if before is not None:
        lines.append(
            t(
                "Before the program (4 weeks): {minutes} walking minutes a week ({days} days "
                "with data)",
                minutes=fmt_number(before["walking_minutes_per_week"]),
                days=before["days_with_data"],
            )
        )
    for text in lines:
        y = _paragraph(page, text, LEFT, y, WIDTH, 8)
    return y


# ------------------------------------------------- prescribed vs received, completeness

TABLE_COLUMNS: Final = (26.0, 36.0, 28.0, 40.0)  # mm: what, target, received, reached


def _prescribed_and_completeness(page: Page, report: dict[str, Any], y: float) -> float:
    table_w = sum(TABLE_COLUMNS)
    end_table = _prescribed_table(page, report, LEFT, y, table_w)
    box_x = LEFT + table_w + GAP
    end_box = _completeness(page, report, box_x, y, RIGHT - box_x)
    return max(end_table, end_box)


def _prescribed_table(page: Page, report: dict[str, Any], x: float, y: float, w: float) -> float:
    summary = report["adherence"]
    training = report["training"]
    target = report["target"]
    got = figures.received(report)
    low, high = figures.walking_band(report)
    none = t("no complete week yet")
    rows = [
        (
            t("Walking days"),
            t(
                "{n} a week of at least {minutes} min",
                n=summary["weekly_target_days"],
                minutes=target["min_minutes"],
            ),
            fmt_number(got.met_days, 1) if got.complete_weeks else none,
            t(
                "{met} of {total} weeks ({ratio})",
                met=summary["weeks_met"],
                total=summary["weeks_total"],
                ratio=t("adherence {ratio}", ratio=fmt_percent(summary["ratio"])),
            ),
        ),
        (
            t("Walking minutes"),
            t("{low} to {high} a week", low=fmt_number(low), high=fmt_number(high)),
            (
                f"{fmt_number(got.walking_minutes)} "
                f"({t('counted {minutes}', minutes=fmt_number(got.credited_minutes))})"
                if got.complete_weeks
                else none
            ),
            t("dose {ratio}", ratio=fmt_percent(summary["dose_ratio"])),
        ),
        (
            t("Training sessions"),
            t(
                "{n} a week of at least {minutes} min",
                n=training["target_sessions_per_week"],
                minutes=training["min_session_minutes"],
            ),
            fmt_number(got.training_sessions, 1) if got.complete_weeks else none,
            t(
                "{met} of {total} weeks ({ratio})",
                met=training["weeks_met"],
                total=training["weeks_total"],
                ratio=fmt_percent(training["ratio"]),
            ),
        ),
    ]
    y = _heading(page, t("Prescribed and received"), y)
    header = ("", t("Target"), t("Received (mean of complete weeks)"), t("Reached"))
    y = _table_row(page, header, x, y + 0.6, "B", MUTED)
    page.add(Line(x, y + 0.4, x + w, y + 0.4, RULE, 0.2))
    for row in rows:
        y = _table_row(page, row, x, y + 0.8, "", BLACK, first_bold=True)
    page.add(Line(x, y + 0.8, x + w, y + 0.8, RULE, 0.2))
    return y + 0.8


def _table_row(
    page: Page,
    cells: Sequence[str],
    x: float,
    y: float,
    style: str,
    color: Color,
    first_bold: bool = False,
) -> float:
    size = 7.0
    bottom = y
    for i, (cell, width) in enumerate(zip(cells, TABLE_COLUMNS, strict=True)):
        cell_style = "B" if first_bold and i == 0 else style
        end = _paragraph(page, cell, x, y, width - 1.5, size, cell_style, color)
        bottom = max(bottom, end)
        x += width
    return bottom


def _completeness(page: Page, report: dict[str, Any], x: float, y: float, w: float) -> float:
    c = figures.completeness(report.get("days", []))
    y = _heading(page, t("Data completeness"), y, x=x)
    bar_w = 20.0
    for label, n, share in (
        (t("Days adequately worn"), c.worn_days, c.worn_share),
        (t("Days with a diary entry"), c.diary_days, c.diary_share),
    ):
        page.add(Text(x, y + 3.2, label, BODY, "B"))
        y += 3.6
        page.add(Rect(x, y + 0.6, bar_w, 2.4, fill=GRID))
        if share:
            page.add(Rect(x, y + 0.6, bar_w * share, 2.4, fill=BLUE))
        detail = t("{n} of {total} days ({share})", n=n, total=c.days, share=fmt_percent(share))
        page.add(Text(x + bar_w + 2, y + 2.7, detail, BODY))
        y += 3.8
    note = t(
        "Not adequately worn: worn less than the minimum wear time (target not met) or no data."
    )
    return _paragraph(page, note, x, y + 0.2, w, 6, color=MUTED)


# ------------------------------------------------------------------------------- charts

Box = tuple[float, float, float, float]


@dataclass(frozen=True, slots=True)
class Bar:
    label: str
    value: float | None  # None: no data that week
    color: Color
    text: str


def _walking_chart(page: Page, report: dict[str, Any], box: Box) -> None:
    low, high = figures.walking_band(report)
    weeks = figures.weeks(report)
    bars = [_bar(w, w.walking_minutes, w.walking_met, fmt_number(w.walking_minutes)) for w in weeks]
    top = max([high * 1.15, *(w.walking_minutes * 1.08 for w in weeks)])
    legend = [
        ("band", t("target band {low} to {high} min", low=fmt_number(low), high=fmt_number(high))),
        *_week_legend(),
    ]
    _bar_chart(page, box, t("Walking minutes per week"), bars, top, legend, band=(low, high))


def _training_chart(page: Page, report: dict[str, Any], box: Box) -> None:
    needed = int(report["training"]["target_sessions_per_week"])
    weeks = figures.weeks(report)
    bars = [_bar(w, w.training_sessions, w.training_met, str(w.training_sessions)) for w in weeks]
    top = max([needed + 1.0, *(w.training_sessions + 0.5 for w in weeks)])
    legend = [("target", t("target {n}", n=needed)), *_week_legend()]
    _bar_chart(page, box, t("Training sessions per week"), bars, top, legend, target=needed)


def _bar(week: figures.Week, value: float, met: bool | None, text: str) -> Bar:
    if not week.has_data:
        return Bar(str(week.week), None, GREY, "")
    color = GREY if met is None else GREEN if met else ORANGE
    return Bar(str(week.week), value, color, text)


def _week_legend() -> list[tuple[str, str]]:
    return [
        ("met", t("week met")),
        ("missed", t("week not met")),
        ("progress", t("week in progress")),
        ("no_data", t("- no data")),
    ]


LEGEND_COLORS: Final = {"met": GREEN, "missed": ORANGE, "progress": GREY}


def _legend(page: Page, items: Sequence[tuple[str, str]], x: float, y: float, w: float) -> float:
    """Keys left to right, wrapping within ``w``; returns the y below them."""
    size = 6.0
    start = x
    for kind, label in items:
        width = (0.0 if kind == "no_data" else 4.5) + text_width(label, size) + 3
        if x + width > start + w:
            x, y = start, y + 2.9
        if kind == "band":
            page.add(Rect(x, y - 1.9, 3.5, 2.2, fill=BAND))
        elif kind == "target":
            page.add(Line(x, y - 0.8, x + 3.5, y - 0.8, DARK, 0.35, dash=0.7))
        elif kind in LEGEND_COLORS:
            page.add(Rect(x, y - 1.9, 3.5, 2.2, fill=LEGEND_COLORS[kind]))
        offset = 0.0 if kind == "no_data" else 4.5
        page.add(Text(x + offset, y, label, size, color=DARK))
        x += width
    return y


def _ticks(top: float, count: int = 5) -> list[float]:
    """Round tick values from 0 up to ``top`` (at most about ``count`` + 1 of them)."""
    raw = top / count
    magnitude = 10 ** math.floor(math.log10(raw)) if raw > 0 else 1
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    if step < 1:
        step = 1
    return [i * step for i in range(int(top // step) + 1)]


def _bar_chart(
    page: Page,
    box: Box,
    title: str,
    bars: Sequence[Bar],
    top: float,
    legend: Sequence[tuple[str, str]],
    band: tuple[float, float] | None = None,
    target: float | None = None,
) -> None:
    x, y, w, h = box
    page.add(Text(x, y + 3.4, title, 9, "B"))
    legend_end = _legend(page, legend, x, y + 7, w)
    plot_x, plot_w = x + 9, w - 10
    plot_top, plot_bottom = legend_end + 3.5, y + h - 7.5
    scale = (plot_bottom - plot_top) / top

    def at(value: float) -> float:
        return plot_bottom - value * scale

    for tick in _ticks(top):
        page.add(Line(plot_x, at(tick), plot_x + plot_w, at(tick), GRID, 0.15))
        page.add(
            Text(plot_x - 1.2, at(tick) + 0.9, fmt_number(tick), 6, color=MUTED, align="right")
        )
    if band is not None:
        high = min(band[1], top)
        page.add(Rect(plot_x, at(high), plot_w, (high - band[0]) * scale, fill=BAND))
    n = max(len(bars), 1)
    slot = plot_w / n
    every = max(1, math.ceil(4.5 / slot))
    for i, bar in enumerate(bars):
        centre = plot_x + (i + 0.5) * slot
        if bar.value is None:
            page.add(Text(centre, plot_bottom - 0.8, "-", 7, "B", MUTED, "center"))
        elif bar.value > 0:
            height = min(bar.value, top) * scale
            width = min(slot * 0.7, MAX_BAR)
            page.add(Rect(centre - width / 2, plot_bottom - height, width, height, bar.color))
        if bar.value is not None and slot >= 5.5:
            label_y = at(min(bar.value, top)) - 0.8
            page.add(Text(centre, label_y, bar.text, 5.5, color=DARK, align="center"))
        if i % every == 0:
            page.add(Text(centre, plot_bottom + 3, bar.label, 6, color=MUTED, align="center"))
    if target is not None:
        page.add(Line(plot_x, at(target), plot_x + plot_w, at(target), DARK, 0.35, dash=0.9))
    page.add(Line(plot_x, plot_bottom, plot_x + plot_w, plot_bottom, DARK, 0.25))
    page.add(Text(plot_x + plot_w / 2, plot_bottom + 6.2, t("program week"), 6, color=MUTED,
                  align="center"))  # fmt: skip
    if not bars:
        page.add(Text(plot_x + plot_w / 2, (plot_top + plot_bottom) / 2, t("No data at all"),
                      7, color=MUTED, align="center"))  # fmt: skip


def _pain_chart(page: Page, report: dict[str, Any], box: Box) -> float:
    """Daily pain (dots), the 7-day mean (line), the baseline and the reference lines."""
    x, y, w, h = box
    pain = report.get("pain")
    lines = figures.pain_lines(pain)
    days = figures.pain_days(report.get("days", []))
    page.add(Text(x, y + 3.4, t("Pain (0 to 100): 7-day mean"), 9, "B"))
    legend: list[tuple[Color, str, str]] = [
        (DOT, "dot", t("daily pain")),
        (BLUE, "line", t("7-day mean")),
    ]
    if lines is not None:
        legend += [
            (BASELINE, "dash", t("baseline")),
            (
                REFERENCE_POINTS,
                "dash",
                t("baseline -{points} points", points=fmt_number(lines.change)),
            ),
            (
                REFERENCE_PERCENT,
                "dot-dash",
                t("baseline -{percent} %", percent=fmt_number(lines.percent)),
            ),
        ]
    lx = x
    for color, kind, label in legend:
        ly = y + 7
        if kind == "dot":
            page.add(Dot(lx + 1.5, ly - 0.8, 0.6, color))
        else:
            dash = None if kind == "line" else 0.7 if kind == "dash" else 0.35
            page.add(Line(lx, ly - 0.8, lx + 3.5, ly - 0.8, color, 0.45, dash))
        page.add(Text(lx + 4.5, ly, label, 6, color=DARK))
        lx += 4.5 + text_width(label, 6) + 4
    plot_x, plot_w = x + 9, w - 20
    plot_top, plot_bottom = y + 10.5, y + h - 6.5
    scale = (plot_bottom - plot_top) / 100

    def at(value: float) -> float:
        return plot_bottom - value * scale

    for tick in (0, 25, 50, 75, 100):
        page.add(Line(plot_x, at(tick), plot_x + plot_w, at(tick), GRID, 0.15))
        page.add(Text(plot_x - 1.2, at(tick) + 0.9, str(tick), 6, color=MUTED, align="right"))
    n = max(len(days), 1)
    slot = plot_w / n

    def day_x(i: int) -> float:
        return plot_x + (i + 0.5) * slot

    if lines is not None:
        right = plot_x + plot_w
        marks = [
            (lines.baseline, BASELINE, 0.7),
            (lines.reference_points, REFERENCE_POINTS, 0.7),
            (lines.reference_percent, REFERENCE_PERCENT, 0.35),
        ]
        for value, color, dash in marks:
            page.add(Line(plot_x, at(value), right, at(value), color, 0.45, dash))
        label_ys = _spread([at(value) + 0.9 for value, *_ in marks], 2.5)
        for (value, color, _), label_y in zip(marks, label_ys, strict=True):
            page.add(Text(right + 1.5, label_y, fmt_number(value, 1), 6, "B", color))
    for i, d in enumerate(days):
        if d.pain is not None:
            page.add(Dot(day_x(i), at(d.pain), 0.45 if slot < 1.5 else 0.6, DOT))
    segment: list[tuple[float, float]] = []
    means: list[float | None] = [d.mean_7d for d in days]
    for i, mean in enumerate([*means, None]):
        if mean is not None:
            segment.append((day_x(i), at(mean)))
            continue
        if len(segment) == 1:
            page.add(Dot(*segment[0], 0.5, BLUE))
        elif segment:
            page.add(Polyline(tuple(segment), BLUE, 0.55))
        segment = []
    page.add(Line(plot_x, plot_bottom, plot_x + plot_w, plot_bottom, DARK, 0.25))
    if days:
        ticks = max(1, math.ceil(len(days) / 7 / 6)) * 7  # at most ~6 dates, a week apart
        for i in range(0, len(days), ticks):
            page.add(Line(day_x(i), plot_bottom, day_x(i), plot_bottom + 0.8, DARK, 0.2))
            page.add(Text(day_x(i), plot_bottom + 3.4, fmt_date(days[i].day), 6, color=MUTED,
                          align="center"))  # fmt: skip
    if pain is None or (pain["baseline"] is None and pain["latest_7d_mean"] is None):
        page.add(Text(plot_x + plot_w / 2, (plot_top + plot_bottom) / 2,
                      t("No pain diary entries."), 7, color=MUTED, align="center"))  # fmt: skip
    return y + h


def _spread(ys: Sequence[float], gap: float) -> list[float]:
    """Label positions near ``ys`` with at least ``gap`` between neighbours (order kept by
    position)."""
    order = sorted(range(len(ys)), key=lambda i: ys[i])
    placed: dict[int, float] = {}
    last = -math.inf
    for i in order:
        placed[i] = max(ys[i], last + gap)
        last = placed[i]
    return [placed[i] for i in range(len(ys))]


# ------------------------------------------------------------------------ text figures


def _pain_figures(page: Page, report: dict[str, Any], y: float) -> float:
    pain = report.get("pain")
    if pain is None or (pain["baseline"] is None and pain["latest_7d_mean"] is None):
        return y
    lines: list[str] = []
    first = t(
        "Baseline {baseline}; latest 7-day mean {latest}; change {change}",
        baseline=fmt_number(pain["baseline"], 1),
        latest=fmt_number(pain["latest_7d_mean"], 1),
        change=_signed(pain["change_vs_baseline"]),
    )
    if pain["baseline"] is None:
        first += ". " + t(
            "No baseline yet (fewer than {n} days with a pain value).",
            n=pain.get("baseline_min_entries", 4),
        )
    else:
        first += ". " + t("Baseline from {n} day(s) with an entry", n=pain.get("baseline_n", 0))
    lines.append(first)
    percent = pain.get("change_14d_percent")
    lines.append(
        t(
            REFERENCE,
            mean=fmt_number(pain.get("latest_14d_mean"), 1),
            change=_signed(pain.get("change_14d_vs_baseline")),
            percent="–" if percent is None else f"{fmt_number(percent, 1)} %",
            reference=fmt_number(float(pain["reference_change"])),
            reference_percent=fmt_number(pain.get("reference_percent", 30)),
            reached=t("yes") if pain.get("reached_reference_change") else t("no"),
            reached_percent=t("yes") if pain.get("reached_reference_percent") else t("no"),
        )
        + ". "
        + t("The reference lines are judged on the 14-day mean.")
    )
    lines.append(
        t(
            "Flare-ups flagged by the person: {own} day(s); pain clearly above the usual "
            "level (detected): {detected} day(s); {rate} episodes per 3 months",
            own=sum(bool(d.get("flare_up")) for d in report["days"]),
            detected=sum(bool(d.get("flare_detected")) for d in report["days"]),
            rate=fmt_number(pain["flare_ups_per_3_months"], 1),
        )
        + ". "
        + t(
            "Soreness or more pain after exercise: {days} day(s)",
            days=sum(bool(d.get("exercise_pain")) for d in report["days"]),
        )
    )
    run = t("Painkillers: run over {days} day(s)", days=pain["painkiller_run_days"])
    if pain["painkiller_warning"]:
        run += " " + t("(more than 14 days: please review)")
    if pain.get("painkiller_diary_stopped"):
        run += " " + t("(diary stopped during the run)")
    lags = pain.get("lag_correlations") or []
    if lags:
        run += ". " + t(
            "Walking and pain (detrended; rho, 95 % interval corrected for 4 lags, pairs)"
        )
        run += ": " + "; ".join(_lag_text(c) for c in lags)
    lines.append(run)
    for text in lines:
        y = _paragraph(page, text, LEFT, y, WIDTH, BODY)
    return y


def _more_figures(page: Page, report: dict[str, Any], y: float) -> float:
    summary = report["adherence"]
    complete = [b for b in report.get("blocks", []) if b["complete"]]
    blocks = " ".join(
        [
            t("Blocks:"),
            t(
                "{ratio} of blocks met ({met} of {total} complete blocks)",
                ratio=fmt_percent(summary["block_ratio"]),
                met=summary["blocks_met"],
                total=summary["blocks_total"],
            )
            + ";",
            t(
                "met {met}, missed {missed}, without data {no_data} (counted as not met)",
                met=sum(b["status"] == "met" for b in complete),
                missed=sum(b["status"] == "missed" for b in complete),
                no_data=sum(b["status"] == "no_data" for b in complete),
            )
            + ";",
            t(
                "Current streak {streak} blocks; longest gap {gap} days",
                streak=summary["current_streak_blocks"],
                gap=summary["longest_gap_days"],
            )
            + ".",
        ]
    )
    totals = {c: sum(int(d["sessions"][c]) for d in report["days"]) for c in CATEGORIES}
    sessions = (
        t("Sessions:") + " " + "; ".join(f"{category_label(c)} {totals[c]}" for c in CATEGORIES)
    )
    return _paragraph(page, f"{blocks} {sessions}", LEFT, y, WIDTH, BODY)


def _questionnaires(page: Page, scores: Sequence[QuestionnaireScore], y: float) -> float:
    """A framed section of its own: name, latest score and change per questionnaire (in two
    columns when there are more than ``SCORES_ONE_COLUMN``)."""
    per_column = len(scores) if len(scores) <= SCORES_ONE_COLUMN else math.ceil(len(scores) / 2)
    rows = max(1, per_column)
    height = 5.2 + (3.3 if scores else 0) + rows * 3.3 + 1.2
    page.add(Rect(LEFT, y, WIDTH, height, fill=SCORES_FILL, stroke=BLUE, width=0.3))
    inner = LEFT + 2.5
    page.add(Text(inner, y + 4.2, t("Questionnaires"), 8.5, "B"))
    top = y + 5.2
    if not scores:
        page.add(Text(inner, top + 2.6, t("None recorded."), BODY, color=DARK))
        return y + height
    half = (WIDTH - 5) / 2
    for column in range(2 if len(scores) > per_column else 1):
        x = inner + column * half
        name_w, score_w = 52.0, 16.0
        columns = (x, x + name_w, x + name_w + score_w)
        labels = (t("Questionnaire"), t("Latest score"), t("Change"))
        for cx, label in zip(columns, labels, strict=True):
            page.add(Text(cx, top + 2.6, label, BODY, "B", MUTED))
        row_y = top
        for name, latest, change in scores[column * per_column : (column + 1) * per_column]:
            row_y += 3.3
            page.add(Text(columns[0], row_y + 2.6, _fit(name, name_w - 2, BODY), BODY))
            page.add(Text(columns[1], row_y + 2.6, _score(latest), BODY))
            shown = "–" if change is None else _signed(change)
            page.add(Text(columns[2], row_y + 2.6, shown, BODY))
    return y + height


def _fit(text: str, width: float, size: float) -> str:
    """``text``, cut with "..." where it would be wider than ``width`` mm."""
    if text_width(text, size) <= width:
        return text
    while text and text_width(text + "...", size) > width:
        text = text[:-1]
    return text.rstrip() + "..."


def _alerts(page: Page, alerts: Sequence[Alert], y: float) -> float:
    head = t("Alerts")
    page.add(Text(LEFT, y + 3, head, 8.5, "B"))
    x = LEFT + text_width(head, 8.5, "B") + 3
    if not alerts:
        page.add(Text(x, y + 3, t("None."), BODY))
        return y + 4
    for alert in alerts:
        y = _paragraph(page, f"- {alert_text(alert)}", x, y + 0.4, RIGHT - x, BODY)
    return y


def _safety(page: Page, y: float) -> float:
    """The red flags and what to expect, framed (the same texts as the participant pages)."""
    title, intro, *flags = safety.safety_lines()
    heading, *expect = safety.expectation_lines()
    pad, inner_w = 2.5, WIDTH - 5
    shapes_before = len(page.shapes)
    inner = LEFT + pad
    top = y
    y = _heading(page, title, y + 1.2, 8.5, x=inner)
    y = _paragraph(page, intro, inner, y, inner_w, BODY)
    half = (inner_w - 2) / 2
    rows = math.ceil(len(flags) / 2)
    column_ends = []
    for column in range(2):
        cy = y + 0.3
        for flag in flags[column * rows : (column + 1) * rows]:
            cx = inner + column * (half + 2)
            page.add(Dot(cx + 0.8, cy + 1.75, 0.45, SAFETY_EDGE))
            cy = _paragraph(page, flag, cx + 2.2, cy, half - 2.2, BODY)
        column_ends.append(cy)
    y = max(column_ends) + 0.8
    page.add(Text(inner, y + 2.8, heading, 8, "B"))
    y = _paragraph(page, " ".join(expect), inner, y + 3.4, inner_w, BODY)
    y = _paragraph(page, t(safety.SOURCE), inner, y + 0.3, inner_w, 6, color=MUTED)
    frame = Rect(LEFT, top, WIDTH, y + 1.2 - top, fill=SAFETY_FILL, stroke=SAFETY_EDGE, width=0.3)
    page.shapes.insert(shapes_before, frame)  # behind the text
    return y + 1.2


VERDICT_TEXT: Final = {
    "no_clear_link": "no clear link",
    "more_walking_less_pain": "more walking went with less pain",
    "more_walking_more_pain": "more walking went with more pain",
}


def _lag_text(c: dict[str, Any]) -> str:
    """One lag in words: "lag 1 d: rho -0.12 [-0.45, 0.24], n 40, no clear link"."""
    head = t("lag {k} d", k=c["lag_days"])
    if c.get("rho") is None:
        return f"{head}: n {c['n']}"
    interval = (
        f" [{fmt_number(c['low'], 2)}, {fmt_number(c['high'], 2)}]"
        if c.get("low") is not None and c.get("high") is not None
        else ""
    )
    verdict = t(VERDICT_TEXT.get(str(c.get("verdict")), "no clear link"))
    return f"{head}: rho {fmt_number(c['rho'], 2)}{interval}, n {c['n']}, {verdict}"


def _day(value: str | None) -> date | None:
    return None if value is None else date.fromisoformat(value)
