"""The pain diary next to activity: entries and diary files in; pain over time, flare-ups,
painkillers and associations out."""

from __future__ import annotations

from datetime import date

import pandas as pd
import streamlit as st

from dashboards import charts, data, safety, uploads
from dashboards import viewer as viewer_mod
from dashboards.i18n import current, fmt_date, fmt_number, register, t
from pipelines.rules import questionnaires as q_rules

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
        "Soreness after exercise": "Muskelkater oder mehr Schmerz nach dem Training",
        "Days with more pain or soreness after exercise: {n} (shown beside walking minutes).": (
            "Tage mit mehr Schmerz oder Muskelkater nach dem Training: {n} (neben den Gehminuten)."
        ),
        "No answer about soreness after exercise yet.": (
            "Noch keine Angabe zu Muskelkater oder mehr Schmerz nach dem Training."
        ),
        "walking minutes": "Gehminuten",
        "Baseline": "Ausgangswert",
        "from {n} day(s) with an entry, {start} to {end}": (
            "aus {n} Tag(en) mit Eintrag, {start} bis {end}"
        ),
        "No baseline yet: it needs at least {min} days with a pain entry in the 14 days before "
        "the program start or in the first 14 program days ({n} so far).": (
            "Noch kein Ausgangswert: Dafür braucht es mindestens {min} Tage mit Schmerzeintrag "
            "in den 14 Tagen vor dem Programmstart oder in den ersten 14 Programmtagen "
            "(bisher {n})."
        ),
        "Last 14 days: {mean}, {change} points ({percent}) against the baseline. A meaningful "
        "change: a fall of {ref} points or {pct} %; reached: {points} / {relative}.": (
            "Letzte 14 Tage: {mean}, {change} Punkte ({percent}) zum Ausgangswert. Bedeutsame "
            "Veränderung: ein Rückgang um {ref} Punkte oder {pct} %; erreicht: {points} / "
            "{relative}."
        ),
        "Painkillers over {n} days — more than 14 days. "
        "Please talk to your doctor or pharmacist.": (
            "Schmerzmittel über {n} Tage — mehr als 14 Tage. "
            "Bitte sprechen Sie mit Ihrer Ärztin, Ihrem Arzt oder Ihrer Apotheke."
        ),
        "Your flare-ups": "Ihre Schmerzschübe",
        "You marked {n} day(s) as a flare-up.": "Sie haben {n} Tag(e) als Schmerzschub markiert.",
        "You marked {n} day(s) as a flare-up; {rate} episodes per 3 months after the first 28 "
        "days.": (
            "Sie haben {n} Tag(e) als Schmerzschub markiert; {rate} Episoden pro 3 Monate nach "
            "den ersten 28 Tagen."
        ),
        "Pain clearly above your usual level on {n} day(s) (at least 20 points or 30 % above "
        "the level of the weeks before, on two or more days).": (
            "Schmerz deutlich über Ihrem üblichen Niveau an {n} Tag(en) (mindestens 20 Punkte "
            "oder 30 % über dem Niveau der Wochen davor, an zwei oder mehr Tagen)."
        ),
        "clearly above your usual level": "deutlich über Ihrem üblichen Niveau",
        "On the next day after more walking: {reading}.": ("Am Tag nach mehr Gehen: {reading}."),
        "no clear link": "kein klarer Zusammenhang",
        "A short rise in pain after more activity is common and not harmful; it is no reason "
        "to stop moving. Talk to your physiotherapist about the dose.": (
            "Ein kurzer Anstieg der Schmerzen nach mehr Bewegung ist häufig und nicht schädlich; "
            "er ist kein Grund, mit der Bewegung aufzuhören. Sprechen Sie mit Ihrer "
            "Physiotherapie über die Dosis."
        ),
        "Walking minutes and pain, each against its own 3-week level, on the same day and 1–3 "
        "days later. A link is claimed only at a correlation of at least 0.4 whose interval "
        "(95 %, corrected for the four lags) excludes 0, from at least 28 paired days. An "
        "association, not evidence that one causes the other.": (
            "Gehminuten und Schmerz, jeweils gegen das eigene 3-Wochen-Niveau, am selben Tag "
            "und 1–3 Tage später. Ein Zusammenhang wird nur bei einer Korrelation von mindestens "
            "0,4 genannt, deren Intervall (95 %, korrigiert für die vier Abstände) 0 ausschließt, "
            "aus mindestens 28 Tagespaaren. Ein Zusammenhang, kein Beleg dafür, dass das eine "
            "das andere verursacht."
        ),
        "interval": "Intervall",
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
        "Flare-ups": "Schmerzschübe",
        "{n} flare-up day(s).": "{n} Tag(e) mit Schmerzschub.",
        "{n} flare-up day(s); {rate} episodes per 3 months after the first 28 days.": (
            "{n} Tag(e) mit Schmerzschub; {rate} Episoden pro 3 Monate nach den ersten 28 Tagen."
        ),
        "date": "Datum",
        "pain": "Schmerz",
        "flagged by you": "von Ihnen markiert",
        "Walking and pain — associations": "Gehen und Schmerz — Zusammenhänge",
        "too few paired days": "zu wenige Tagespaare",
        "more walking went with less pain": "mehr Gehen ging mit weniger Schmerz einher",
        "more walking went with more pain": "mehr Gehen ging mit mehr Schmerz einher",
        "pain … days after walking": "Schmerz … Tage nach dem Gehen",
        "rho": "rho",
        "paired days": "Tagespaare",
        "reading": "Lesart",
        # questionnaires (docs/questionnaires.md); their own texts come from the definitions
        "Questionnaires": "Fragebögen",
        "Questionnaires due": "Fällige Fragebögen",
        "Due until {until} (week {week} of the program).": (
            "Fällig bis {until} (Woche {week} des Programms)."
        ),
        "Nothing to answer today.": "Heute ist nichts zu beantworten.",
        "Send answers": "Antworten senden",
        "choose": "bitte wählen",
        "Answers saved: {title}, score {score}.": "Antworten gespeichert: {title}, Wert {score}.",
        "The answers were not saved:": "Die Antworten wurden nicht gespeichert:",
        "The questionnaires cannot be shown: {error}": (
            "Die Fragebögen können nicht angezeigt werden: {error}"
        ),
        "{title} is due (until {until}); only the participant can answer it.": (
            "{title} ist fällig (bis {until}); nur die teilnehmende Person kann ihn beantworten."
        ),
        "questionnaire": "Fragebogen",
        "first": "erster",
        "latest": "letzter",
        "score": "Wert",
        "change": "Veränderung",
        "answers": "Antworten",
        "{low} = {low_text}, {high} = {high_text}": "{low} = {low_text}, {high} = {high_text}",
        q_rules.MISSING: "Frage {item} ist nicht beantwortet",
        q_rules.UNKNOWN: "{item} ist keine Frage von {questionnaire} (Fragen: {items})",
        q_rules.NOT_A_NUMBER: "Frage {item}: {value} ist keine Zahl",
        q_rules.BELOW: "Frage {item}: {value} liegt unter dem kleinsten Wert {min}",
        q_rules.ABOVE: "Frage {item}: {value} liegt über dem größten Wert {max}",
        q_rules.OFF_STEP: (
            "Frage {item}: {value} liegt nicht auf der Skala (Schritte von {step} ab {min})"
        ),
        q_rules.EMPTY_TEXT: "Frage {item}: der Text ist leer",
        q_rules.LONG_TEXT: "Frage {item}: der Text ist länger als {max_length} Zeichen",
    }
)

PAINKILLER_ANSWERS = ("not answered", "no", "yes")
VERDICT_TEXT = {
    "no_clear_link": "no clear link",
    "more_walking_less_pain": "more walking went with less pain",
    "more_walking_more_pain": "more walking went with more pain",
}
PATIENT_LAG_DAYS = 1  # the one lag patients see, fixed in advance: the next day


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
        soreness = st.radio(
            t("More pain or soreness after exercise"),
            PAINKILLER_ANSWERS,
            format_func=t,
            horizontal=True,
            index=0,
            key="diary_exercise_pain",
        )
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
                exercise_pain=None if soreness == "not answered" else soreness == "yes",
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


def _scale_input(item: q_rules.Item, key: str, lang: str) -> object:
    """A radio of labelled answers when every value has an anchor (PGIC), else a number
    input with the end anchors below it; empty until the person answers (no default that
    could pass for an answer). The range is checked by the rule, not clamped here, so that
    a wrong value gets a message."""
    labels = {a.value: a.label.get(lang) for a in item.anchors}
    if all(v in labels for v in item.values):
        return st.radio(
            item.text.get(lang),
            item.values,
            index=None,
            format_func=lambda v: f"{fmt_number(v)} — {labels[v]}",
            key=key,
        )
    low, high = item.values[0], item.values[-1]
    value = st.number_input(
        item.text.get(lang), value=None, step=float(item.step), format="%g", key=key
    )
    st.caption(
        t(
            "{low} = {low_text}, {high} = {high_text}",
            low=fmt_number(low),
            low_text=labels.get(low, ""),
            high=fmt_number(high),
            high_text=labels.get(high, ""),
        )
    )
    return value


def _problem_text(problem: q_rules.Problem, definition: q_rules.Definition, lang: str) -> str:
    values = dict(problem.values)
    item = definition.item(str(values.get("item", "")))
    if item is not None:  # the person knows the question, not its id
        values["item"] = f"«{item.text.get(lang)}»"
    return t(problem.template, **values)


def _questionnaire_form(due: data.DueQuestionnaire, lang: str) -> None:
    definition = due.definition
    with st.form(f"questionnaire_{definition.id}"):
        st.markdown(f"**{definition.title.get(lang)}**")
        st.caption(
            definition.description.get(lang)
            + " "
            + t(
                "Due until {until} (week {week} of the program).",
                until=fmt_date(due.due.until),
                week=due.due.week,
            )
        )
        given: dict[str, object] = {}
        for item in definition.items:
            key = f"q_{definition.id}_{item.id}"
            if item.kind == "text":
                given[item.id] = st.text_input(
                    item.text.get(lang),
                    value=str(due.last_items.get(item.id, "")),
                    max_chars=item.max_length,
                    key=key,
                )
            else:
                given[item.id] = _scale_input(item, key, lang)
        if not st.form_submit_button(t("Send answers")):
            return
    try:
        result = data.answer_questionnaire(viewer, participant, definition.id, date.today(), given)
    except q_rules.AnswerError as error:
        st.error(
            t("The answers were not saved:")
            + "\n\n"
            + "\n".join(f"- {_problem_text(p, definition, lang)}" for p in error.problems)
        )
    except ValueError as error:
        st.error(t("The answers were not saved:") + " " + str(error))
    else:
        st.success(
            t(
                "Answers saved: {title}, score {score}.",
                title=definition.title.get(lang),
                score=fmt_number(result.score, 1),
            )
        )


def _questionnaires() -> None:
    """Due questionnaires (a form each for the participant; a note for anyone else) and the
    scores so far."""
    lang = current()
    try:
        due = data.due_questionnaires(viewer, participant)
        scores = data.questionnaire_scores(viewer, participant)
    except q_rules.DefinitionError as error:
        st.error(t("The questionnaires cannot be shown: {error}", error=str(error)))
        return
    if due:
        st.subheader(t("Questionnaires due"))
    for entry in due:
        if viewer.role == "participant":
            _questionnaire_form(entry, lang)
        else:
            st.info(
                t(
                    "{title} is due (until {until}); only the participant can answer it.",
                    title=entry.definition.title.get(lang),
                    until=fmt_date(entry.due.until),
                )
            )
    if scores:
        st.subheader(t("Questionnaires"))
        st.dataframe(
            pd.DataFrame(
                {
                    t("questionnaire"): [
                        s["id"] if s["title"] is None else s["title"].get(lang) for s in scores
                    ],
                    t("answers"): [s["answers"] for s in scores],
                    f"{t('first')} ({t('score')})": [s["first_score"] for s in scores],
                    f"{t('latest')} ({t('score')})": [s["score"] for s in scores],
                    t("date"): [s["date"] for s in scores],
                    t("change"): [s["change"] for s in scores],
                }
            ),
            hide_index=True,
        )
    elif not due and viewer.role == "participant":
        st.caption(t("Nothing to answer today."))


viewer = viewer_mod.current()
participant = viewer_mod.pick_participant(viewer, "pain")

st.title(t("Pain") if viewer.role == "participant" else t("Pain — {p}", p=participant))
_questionnaires()
with st.expander(t("Add a diary entry")):
    _entry_form()
with st.expander(t("Import a diary file")):
    _diary_upload()

report = data.report(viewer, participant)
pain = report.get("pain")
days = data.days(viewer, participant)
if pain is None or days.empty or days["pain"].isna().all():
    st.info(t("No pain diary entries yet."))
    safety.show()
    st.stop()

reference = float(pain["reference_change"])
left, middle, right = st.columns(3)
window = pain.get("baseline_window") or {}
left.metric(
    t("Baseline"),
    _points(pain["baseline"]),
    help=t(
        "from {n} day(s) with an entry, {start} to {end}",
        n=pain.get("baseline_n", 0),
        start=window.get("start", "–"),
        end=window.get("end", "–"),
    ),
)
middle.metric(t("Last 7 days (mean)"), _points(pain["latest_7d_mean"]))
right.metric(
    t("Change vs baseline"),
    _points(pain["change_vs_baseline"], signed=True),
    help=t(
        "A fall of {ref} points is the reference for a meaningful change.",
        ref=fmt_number(reference),
    ),
)
if pain["baseline"] is None:
    st.caption(
        t(
            "No baseline yet: it needs at least {min} days with a pain entry in the 14 days "
            "before the program start or in the first 14 program days ({n} so far).",
            min=pain.get("baseline_min_entries", 4),
            n=pain.get("baseline_n", 0),
        )
    )
elif pain.get("latest_14d_mean") is not None:
    percent = pain.get("change_14d_percent")
    st.caption(
        t(
            "Last 14 days: {mean}, {change} points ({percent}) against the baseline. A "
            "meaningful change: a fall of {ref} points or {pct} %; reached: {points} / "
            "{relative}.",
            mean=_points(pain["latest_14d_mean"]),
            change=_points(pain["change_14d_vs_baseline"], signed=True),
            percent="–" if percent is None else f"{_points(percent, signed=True)} %",
            ref=fmt_number(reference),
            pct=fmt_number(pain.get("reference_percent", 30)),
            points=t("yes" if pain["reached_reference_change"] else "no"),
            relative=t("yes" if pain["reached_reference_percent"] else "no"),
        )
    )

if pain["painkiller_warning"]:
    st.warning(
        t(
            "Painkillers over {n} days — more than 14 days. "
            "Please talk to your doctor or pharmacist.",
            n=pain["painkiller_run_days"],
        )
    )

st.altair_chart(charts.pain_chart(days, pain["baseline"], reference), width="stretch")

st.subheader(t("Your flare-ups"))
own = days.loc[days["flare_up_flagged"].astype(bool)]
detected_column = "flare_detected" if "flare_detected" in days else "flare_up"
detected = days.loc[days[detected_column].astype(bool) & ~days["flare_up_flagged"].astype(bool)]
rate = pain["flare_ups_per_3_months"]
st.write(
    t("You marked {n} day(s) as a flare-up.", n=len(own))
    if rate is None
    else t(
        "You marked {n} day(s) as a flare-up; {rate} episodes per 3 months after the first 28 "
        "days.",
        n=len(own),
        rate=fmt_number(rate, 1),
    )
)
st.write(
    t(
        "Pain clearly above your usual level on {n} day(s) (at least 20 points or 30 % above "
        "the level of the weeks before, on two or more days).",
        n=int(days[detected_column].astype(bool).sum()),
    )
)
marked = days.loc[days["flare_up_flagged"].astype(bool) | days[detected_column].astype(bool)]
if len(marked):
    st.dataframe(
        pd.DataFrame(
            {
                t("date"): marked["date"],
                t("pain"): marked["pain"],
                t("flagged by you"): marked["flare_up_flagged"].astype(bool),
                t("clearly above your usual level"): marked[detected_column].astype(bool),
            }
        ),
        hide_index=True,
    )

st.subheader(t("Soreness after exercise"))
soreness = days["exercise_pain"].astype("boolean")
if soreness.notna().any():
    sore = days.loc[soreness.fillna(False).astype(bool)]
    st.write(
        t(
            "Days with more pain or soreness after exercise: {n} (shown beside walking minutes).",
            n=len(sore),
        )
    )
    if len(sore):
        st.dataframe(
            pd.DataFrame(
                {
                    t("date"): sore["date"],
                    t("walking minutes"): sore["walking_minutes"].round(1),
                    t("pain"): sore["pain"],
                }
            ),
            hide_index=True,
        )
else:
    st.write(t("No answer about soreness after exercise yet."))

st.subheader(t("Walking and pain — associations"))
lags = pd.DataFrame(
    pain["lag_correlations"], columns=["lag_days", "rho", "n", "low", "high", "verdict"]
)
lags["verdict"] = lags["verdict"].fillna("no_clear_link")
if viewer.role == "participant":
    chosen = lags.loc[lags["lag_days"] == PATIENT_LAG_DAYS]
    verdict = str(chosen["verdict"].iloc[0]) if len(chosen) else "no_clear_link"
    st.write(t("On the next day after more walking: {reading}.", reading=t(VERDICT_TEXT[verdict])))
    if verdict == "more_walking_more_pain":
        st.info(
            t(
                "A short rise in pain after more activity is common and not harmful; it is no "
                "reason to stop moving. Talk to your physiotherapist about the dose."
            )
        )
else:
    st.caption(
        t(
            "Walking minutes and pain, each against its own 3-week level, on the same day and "
            "1–3 days later. A link is claimed only at a correlation of at least 0.4 whose "
            "interval (95 %, corrected for the four lags) excludes 0, from at least 28 paired "
            "days. An association, not evidence that one causes the other."
        )
    )
    st.dataframe(
        pd.DataFrame(
            {
                t("pain … days after walking"): lags["lag_days"],
                t("rho"): lags["rho"],
                t("paired days"): lags["n"],
                t("interval"): [
                    "–" if pd.isna(lo) or pd.isna(hi) else f"{lo:.2f} … {hi:.2f}"
                    for lo, hi in zip(lags["low"], lags["high"], strict=True)
                ],
                t("reading"): [
                    t("too few paired days")
                    if rho is None or pd.isna(rho)
                    else t(VERDICT_TEXT[str(v)])
                    for rho, v in zip(lags["rho"], lags["verdict"], strict=True)
                ],
            }
        ),
        hide_index=True,
    )

safety.show()
