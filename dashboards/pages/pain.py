"""The pain diary next to activity: entries and diary files in; pain over time, flare-ups,
painkillers and associations out."""

from __future__ import annotations

from datetime import date

import pandas as pd
import streamlit as st

from dashboards import charts, data, uploads
from dashboards import viewer as viewer_mod
from dashboards.i18n import fmt_number, register, t

register(
    {
        "Pain": "Schmerz",
        "Pain — {p}": "Schmerz — {p}",
        "Add a diary entry": "Tagebucheintrag hinzufügen",
        "Date": "Datum",
        "Time (HH:MM, optional)": "Uhrzeit (HH:MM, optional)",
        "Pain (0–100)": "Schmerz (0–100)",
        "Flare-up": "Schmerzschub",
        "Painkiller": "Schmerzmittel",
        "not answered": "keine Angabe",
        "no": "nein",
        "yes": "ja",
        "Painkiller name (optional)": "Name des Schmerzmittels (optional)",
        "More pain or soreness after exercise": "Mehr Schmerz oder Muskelkater nach dem Training",
        "Note": "Notiz",
        "Save entry": "Eintrag speichern",
        "Entry for {day} saved.": "Eintrag für {day} gespeichert.",
        "The entry was not saved:": "Der Eintrag wurde nicht gespeichert:",
        "Import a diary file": "Tagebuchdatei importieren",
        "Diary file (CSV or XLSX)": "Tagebuchdatei (CSV oder XLSX)",
        "Import diary": "Tagebuch importieren",
        "Choose a file.": "Bitte eine Datei wählen.",
        "{file}: not a diary — {reason}": "{file}: kein Tagebuch — {reason}",
        "{n} entries on {d} days imported.": "{n} Einträge an {d} Tagen importiert.",
        "{n} row(s) were not imported:": "{n} Zeile(n) wurden nicht importiert:",
        "row": "Zeile",
        "column": "Spalte",
        "value": "Wert",
        "message": "Meldung",
        "No pain diary entries yet.": "Noch keine Schmerztagebuch-Einträge.",
        "Baseline (first 14 days)": "Ausgangswert (erste 14 Tage)",
        "pain 0–100": "Schmerz 0–100",
        "Last 7 days (mean)": "Letzte 7 Tage (Mittel)",
        "Change vs baseline": "Veränderung zum Ausgangswert",
        "A fall of {ref} points is the reference for a meaningful change.": (
            "Ein Rückgang um {ref} Punkte gilt als bedeutsame Veränderung."
        ),
        "Painkillers on {n} days in a row — more than 14 days. "
        "Please talk to your doctor or physiotherapist.": (
            "Schmerzmittel an {n} Tagen in Folge — mehr als 14 Tage. "
            "Bitte sprechen Sie mit Ihrer Ärztin, Ihrem Arzt oder Ihrer Physiotherapie."
        ),
        "Flare-ups": "Schmerzschübe",
        "{n} flare-up day(s).": "{n} Tag(e) mit Schmerzschub.",
        "{n} flare-up day(s); {rate} episodes per 3 months after the first 28 days.": (
            "{n} Tag(e) mit Schmerzschub; {rate} Episoden pro 3 Monate nach den ersten 28 Tagen."
        ),
        "date": "Datum",
        "pain": "Schmerz",
        "flagged by you": "von Ihnen markiert",
        "Walking and pain — associations": "Gehen und Schmerz — Zusammenhänge",
        "Spearman correlation between walking minutes on a day and pain 0–3 days later, shown "
        "only with at least 14 paired days. An association, not evidence that one causes the "
        "other.": (
            "Spearman-Korrelation zwischen den Gehminuten eines Tages und dem Schmerz 0–3 Tage "
            "später, nur bei mindestens 14 Tagespaaren. Ein Zusammenhang, kein Beleg dafür, "
            "dass das eine das andere verursacht."
        ),
        "too few paired days": "zu wenige Tagespaare",
        "more walking went with less pain": "mehr Gehen ging mit weniger Schmerz einher",
        "more walking went with more pain": "mehr Gehen ging mit mehr Schmerz einher",
        "pain … days after walking": "Schmerz … Tage nach dem Gehen",
        "rho": "rho",
        "paired days": "Tagespaare",
        "reading": "Lesart",
    }
)

PAINKILLER_ANSWERS = ("not answered", "no", "yes")


def _points(value: float | None, signed: bool = False) -> str:
    if value is None:
        return "–"
    text = fmt_number(value, 1)
    return f"+{text}" if signed and value > 0 else text


def _entry_form() -> None:
    with st.form("diary_entry", clear_on_submit=False):
        left, right = st.columns(2)
        day = left.date_input(t("Date"), value=date.today(), max_value=date.today())
        time = right.text_input(t("Time (HH:MM, optional)"), value="")
        pain_value = st.number_input(t("Pain (0–100)"), value=None, step=1.0)
        flare_up = st.checkbox(t("Flare-up"))
        answer = st.radio(
            t("Painkiller"), PAINKILLER_ANSWERS, format_func=t, horizontal=True, index=0
        )
        painkiller_name = st.text_input(t("Painkiller name (optional)"), value="")
        exercise_pain = st.checkbox(t("More pain or soreness after exercise"))
        note = st.text_area(t("Note"), value="")
        if not st.form_submit_button(t("Save entry")):
            return
        try:
            data.add_diary_entry(
                viewer,
                participant,
                day=day if isinstance(day, date) else date.today(),
                pain=None if pain_value is None else float(pain_value),
                time=time.strip() or None,
                flare_up=flare_up,
                painkiller=None if answer == "not answered" else answer == "yes",
                painkiller_name=painkiller_name.strip() or None,
                exercise_pain=exercise_pain or None,
                note=note.strip() or None,
            )
        except ValueError as error:
            st.error(t("The entry was not saved:") + " " + str(error))
        else:
            st.success(t("Entry for {day} saved.", day=day))


def _diary_upload() -> None:
    with st.form("diary_upload", clear_on_submit=True):
        chosen = st.file_uploader(t("Diary file (CSV or XLSX)"), type=["csv", "xlsx"])
        if not st.form_submit_button(t("Import diary")):
            return
    if chosen is None:
        st.warning(t("Choose a file."))
        return
    result = uploads.import_diary_upload(viewer, participant, chosen.name, chosen.getvalue())
    if result.rejected:
        st.error(t("{file}: not a diary — {reason}", file=chosen.name, reason=result.rejected))
        return
    st.success(t("{n} entries on {d} days imported.", n=result.entries, d=result.dates))
    for warning in result.warnings:
        st.warning(warning)
    if result.errors:
        st.error(t("{n} row(s) were not imported:", n=len(result.errors)))
        st.dataframe(
            pd.DataFrame(
                {
                    t("row"): [e.row for e in result.errors],
                    t("column"): [e.column or "" for e in result.errors],
                    t("value"): [e.value or "" for e in result.errors],
                    t("message"): [e.message for e in result.errors],
                }
            ),
            hide_index=True,
        )


viewer = viewer_mod.current()
participant = viewer_mod.pick_participant(viewer, "pain")

st.title(t("Pain") if viewer.role == "participant" else t("Pain — {p}", p=participant))
with st.expander(t("Add a diary entry")):
    _entry_form()
with st.expander(t("Import a diary file")):
    _diary_upload()

report = data.report(viewer, participant)
pain = report.get("pain")
days = data.days(viewer, participant)
if pain is None or days.empty or days["pain"].isna().all():
    st.info(t("No pain diary entries yet."))
    st.stop()

reference = float(pain["reference_change"])
left, middle, right = st.columns(3)
left.metric(t("Baseline (first 14 days)"), _points(pain["baseline"]), help=t("pain 0–100"))
middle.metric(t("Last 7 days (mean)"), _points(pain["latest_7d_mean"]))
right.metric(
    t("Change vs baseline"),
    _points(pain["change_vs_baseline"], signed=True),
    help=t(
        "A fall of {ref} points is the reference for a meaningful change.",
        ref=fmt_number(reference),
    ),
)

if pain["painkiller_warning"]:
    st.warning(
        t(
            "Painkillers on {n} days in a row — more than 14 days. "
            "Please talk to your doctor or physiotherapist.",
            n=pain["painkiller_run_days"],
        )
    )

st.altair_chart(charts.pain_chart(days, pain["baseline"], reference), width="stretch")

st.subheader(t("Flare-ups"))
flares = days.loc[days["flare_up"].astype(bool), ["date", "pain", "flare_up_flagged"]]
rate = pain["flare_ups_per_3_months"]
st.write(
    t("{n} flare-up day(s).", n=len(flares))
    if rate is None
    else t(
        "{n} flare-up day(s); {rate} episodes per 3 months after the first 28 days.",
        n=len(flares),
        rate=fmt_number(rate, 1),
    )
)
if len(flares):
    st.dataframe(
        flares.rename(
            columns={"date": t("date"), "pain": t("pain"), "flare_up_flagged": t("flagged by you")}
        ),
        hide_index=True,
    )

st.subheader(t("Walking and pain — associations"))
st.caption(
    t(
        "Spearman correlation between walking minutes on a day and pain 0–3 days later, shown "
        "only with at least 14 paired days. An association, not evidence that one causes the "
        "other."
    )
)
lags = pd.DataFrame(pain["lag_correlations"], columns=["lag_days", "rho", "n"])
lags["reading"] = [
    t("too few paired days")
    if rho is None or pd.isna(rho)
    else t("more walking went with less pain" if rho < 0 else "more walking went with more pain")
    for rho in lags["rho"]
]
st.dataframe(
    lags.rename(
        columns={
            "lag_days": t("pain … days after walking"),
            "rho": t("rho"),
            "n": t("paired days"),
            "reading": t("reading"),
        }
    ),
    hide_index=True,
)
