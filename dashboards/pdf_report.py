"""The one-page clinician report as PDF: a report dict (``pipelines.rules.report.build``) and the
participant's alerts in, PDF bytes out. Pure: no Streamlit, no I/O.

Only the pseudonymous participant id appears. fpdf2's core font (Helvetica) is latin-1, so
every text passes ``latin1``: German umlauts stay, "–", "≥", "−" and the like become ASCII.
Also home of ``alert_text``, the words for ``pipelines.rules.alerts`` codes (pages use it too).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any, Final

from fpdf import FPDF

from dashboards import safety
from dashboards.i18n import category_label, fmt_date, fmt_number, fmt_percent, register, t
from pipelines.rules.alerts import Alert
from pipelines.rules.taxonomy import CATEGORIES

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

ASCII: Final = {
    "–": "-",
    "—": "-",
    "−": "-",
    "≥": ">=",
    "≤": "<=",
    "Δ": "delta ",
    "…": "...",
    "→": "->",
    "↑": "+",
    "↓": "-",
    "“": '"',
    "”": '"',
    "„": '"',
    "’": "'",
    "\u202f": " ",
}


def latin1(text: str) -> str:
    """``text`` in what a core PDF font can show (latin-1); anything else becomes "?"."""
    for char, plain in ASCII.items():
        text = text.replace(char, plain)
    return text.encode("latin-1", "replace").decode("latin-1")


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


def document(report: dict[str, Any], alerts: Sequence[Alert], generated: date) -> FPDF:
    """The laid-out report (one A4 page); ``build`` turns it into bytes."""
    pdf = FPDF(format="A4")
    pdf.set_auto_page_break(auto=True, margin=12)
    pdf.set_margins(15, 15, 15)
    pdf.add_page()
    pdf.set_title(latin1(f"backtrack {report['participant']}"))

    def heading(text: str, size: float = 12) -> None:
        pdf.set_font("Helvetica", "B", size)
        pdf.multi_cell(0, size * 0.55, latin1(text), new_x="LMARGIN", new_y="NEXT")
        pdf.ln(1)

    def line(text: str) -> None:
        pdf.set_font("Helvetica", "", 10)
        pdf.multi_cell(0, 5, latin1(text), new_x="LMARGIN", new_y="NEXT")

    rng = report["range"]
    target = report["target"]
    heading(t("Clinician report"), 16)
    line(t("Participant {id}", id=report["participant"]))
    line(
        t(
            "Period {start} to {end}; generated {generated}",
            start=fmt_date(_day(rng["start"])),
            end=fmt_date(_day(rng["end"])),
            generated=fmt_date(generated),
        )
    )
    line(
        t(
            "Target: {low} to {high} walking minutes every {n} days (bouts of at least {bout} min)",
            low=target["min_minutes"],
            high=target["max_minutes"],
            n=target["every_n_days"],
            bout=target["min_bout_minutes"],
        )
    )
    before = report.get("pre_program")
    if before is not None:
        line(
            t(
                "Before the program (4 weeks): {minutes} walking minutes a week ({days} days "
                "with data)",
                minutes=fmt_number(before["walking_minutes_per_week"]),
                days=before["days_with_data"],
            )
        )
    pdf.ln(3)

    summary = report["adherence"]
    heading(t("Adherence"))
    line(
        t(
            "{ratio}: {met} of {total} complete program weeks with at least {days} walking days "
            "(weeks without data: {no_data})",
            ratio=fmt_percent(summary["ratio"]),
            met=summary["weeks_met"],
            total=summary["weeks_total"],
            days=summary["weekly_target_days"],
            no_data=summary["weeks_no_data"],
        )
    )
    line(
        t(
            "Walking dose {dose} (credited minutes against {minutes} a week)",
            dose=fmt_percent(summary["dose_ratio"]),
            minutes=summary["weekly_target_minutes"],
        )
    )
    training = report["training"]
    line(
        t(
            "Training: {ratio} of weeks with {n} sessions of at least {minutes} min "
            "({met} of {total})",
            ratio=fmt_percent(training["ratio"]),
            n=training["target_sessions_per_week"],
            minutes=training["min_session_minutes"],
            met=training["weeks_met"],
            total=training["weeks_total"],
        )
    )
    pdf.ln(2)

    complete = [b for b in report.get("blocks", []) if b["complete"]]
    heading(t("Blocks"))
    line(
        t(
            "{ratio} of blocks met ({met} of {total} complete blocks)",
            ratio=fmt_percent(summary["block_ratio"]),
            met=summary["blocks_met"],
            total=summary["blocks_total"],
        )
    )
    line(
        t(
            "Current streak {streak} blocks; longest gap {gap} days",
            streak=summary["current_streak_blocks"],
            gap=summary["longest_gap_days"],
        )
    )
    line(
        t(
            "met {met}, missed {missed}, without data {no_data} (counted as not met)",
            met=sum(b["status"] == "met" for b in complete),
            missed=sum(b["status"] == "missed" for b in complete),
            no_data=sum(b["status"] == "no_data" for b in complete),
        )
    )
    pdf.ln(2)

    heading(t("Sessions by category"))
    totals = {c: sum(int(d["sessions"][c]) for d in report["days"]) for c in CATEGORIES}
    line("; ".join(f"{category_label(c)} {totals[c]}" for c in CATEGORIES))
    pdf.ln(2)

    heading(t("Pain (0 to 100)"))
    pain = report.get("pain")
    if pain is None or (pain["baseline"] is None and pain["latest_7d_mean"] is None):
        line(t("No pain diary entries."))
    else:
        change = pain["change_vs_baseline"]
        reference = float(pain["reference_change"])
        line(
            t(
                "Baseline {baseline}; latest 7-day mean {latest}; change {change}",
                baseline=fmt_number(pain["baseline"], 1),
                latest=fmt_number(pain["latest_7d_mean"], 1),
                change=("+" if change is not None and change > 0 else "") + fmt_number(change, 1),
            )
        )
        line(t("Baseline from {n} day(s) with an entry", n=pain.get("baseline_n", 0)))
        change_14d = pain.get("change_14d_vs_baseline")
        percent = pain.get("change_14d_percent")
        line(
            t(
                REFERENCE,
                mean=fmt_number(pain.get("latest_14d_mean"), 1),
                change=("+" if change_14d is not None and change_14d > 0 else "")
                + fmt_number(change_14d, 1),
                percent="–" if percent is None else f"{fmt_number(percent, 1)} %",
                reference=fmt_number(reference),
                reference_percent=fmt_number(pain.get("reference_percent", 30)),
                reached=t("yes") if pain.get("reached_reference_change") else t("no"),
                reached_percent=t("yes") if pain.get("reached_reference_percent") else t("no"),
            )
        )
        line(
            t(
                "Flare-ups flagged by the person: {own} day(s); pain clearly above the usual "
                "level (detected): {detected} day(s); {rate} episodes per 3 months",
                own=sum(bool(d.get("flare_up")) for d in report["days"]),
                detected=sum(bool(d.get("flare_detected")) for d in report["days"]),
                rate=fmt_number(pain["flare_ups_per_3_months"], 1),
            )
        )
        line(
            t(
                "Soreness or more pain after exercise: {days} day(s)",
                days=sum(bool(d.get("exercise_pain")) for d in report["days"]),
            )
        )
        run = t("Painkillers: run over {days} day(s)", days=pain["painkiller_run_days"])
        line(
            run
            + (" " + t("(more than 14 days: please review)") if pain["painkiller_warning"] else "")
            + (
                " " + t("(diary stopped during the run)")
                if pain.get("painkiller_diary_stopped")
                else ""
            )
        )
        lags = pain.get("lag_correlations") or []
        if lags:
            line(t("Walking and pain (detrended; rho, 95 % interval corrected for 4 lags, pairs)"))
            line("; ".join(_lag_text(c) for c in lags))
    pdf.ln(2)

    heading(t("Alerts"))
    for alert in alerts:
        line(f"- {alert_text(alert)}")
    if not alerts:
        line(t("None."))
    pdf.ln(4)

    pdf.set_font("Helvetica", "", 7)
    title, intro, *flags = safety.safety_lines()
    heading_, *expect = safety.expectation_lines()
    pdf.multi_cell(
        0,
        3.2,
        latin1(f"{title}: {intro} " + "; ".join(flags) + ". " + f"{heading_}: " + " ".join(expect)),
        new_x="LMARGIN",
        new_y="NEXT",
    )
    pdf.multi_cell(0, 3.2, latin1(t(safety.SOURCE)), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(1)
    pdf.set_font("Helvetica", "I", 8)
    pdf.multi_cell(
        0,
        4,
        latin1(t(FOOTNOTE)),
        new_x="LMARGIN",
        new_y="NEXT",
    )
    return pdf


def build(report: dict[str, Any], alerts: Sequence[Alert], generated: date) -> bytes:
    """The report as PDF bytes; ``ValueError`` if it would not fit on one page."""
    pdf = document(report, alerts, generated)
    if pdf.page_no() != 1:
        raise ValueError(f"the clinician report must fit one page, got {pdf.page_no()}")
    return bytes(pdf.output())


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
