"""Walking and adherence: uploads, headline figures (weekly adherence, walking dose, training
weeks), the calendar (rest days in weeks that met their target), blocks, training against
target, sessions, sources with brisk minutes and steps."""

from __future__ import annotations

import functools
from datetime import date, timedelta
from typing import Final

import pandas as pd
import streamlit as st

from dashboards import charts, data, safety, streamed_upload, upload_route, uploads
from dashboards import viewer as viewer_mod
from dashboards.i18n import category_label, fmt_date, fmt_number, fmt_percent, register, t
from pipelines.rules import adherence
from pipelines.rules.daily import NOT_WORN
from pipelines.rules.taxonomy import CATEGORIES

register(
    {
        "My activity": "Meine Aktivität",
        "Activity — {p}": "Aktivität — {p}",
        "Target: {lo}–{hi} walking minutes every {n} days. Range {start} – {end}.": (
            "Ziel: {lo}–{hi} Gehminuten alle {n} Tage. Zeitraum {start} – {end}."
        ),
        "Walking target reached": "Gehziel erreicht",
        "{met} of {total} complete program weeks with at least {days} walking days of {lo} "
        "minutes or more (weeks from the program start; a week with fewer counts in part)": (
            "{met} von {total} vollständigen Programmwochen mit mindestens {days} Gehtagen ab "
            "{lo} Minuten (Wochen ab dem Programmstart; eine Woche mit weniger zählt anteilig)"
        ),
        "Walking minutes vs target": "Gehminuten im Vergleich zum Ziel",
        "Walking minutes per week (each day up to {hi}) against {minutes} a week": (
            "Gehminuten pro Woche (je Tag bis {hi}) im Vergleich zu {minutes} pro Woche"
        ),
        "Training target reached": "Trainingsziel erreicht",
        "Walking target reached on {met} of {total} days ({worn} of the others worn too "
        "little or without data).": (
            "Ziel erreicht an {met} von {total} Tagen (an {worn} der übrigen Tage zu wenig "
            "getragen oder ohne Daten)."
        ),
        "{met} of {total} complete weeks with {n} training sessions of at least {minutes} "
        "minutes (strength/stabilisation, Pilates, Yoga, Tai-Chi)": (
            "{met} von {total} vollständigen Wochen mit {n} Trainingseinheiten ab {minutes} "
            "Minuten (Kräftigung/Stabilisation, Pilates, Yoga, Tai-Chi)"
        ),
        "Walking minutes count walking itself, from 60 steps a minute on; the intensity or "
        "exercise minutes of a watch (Garmin, Apple, Fitbit) count effort, so the two differ.": (
            "Gehminuten zählen das Gehen selbst, ab 60 Schritten pro Minute; Intensitäts- oder "
            "Trainingsminuten einer Uhr (Garmin, Apple, Fitbit) zählen die Anstrengung — daher "
            "weichen die beiden Werte voneinander ab."
        ),
        "Pale blue days are rest days: walking below the target on a day of a week that "
        "already has its {days} walking days.": (
            "Hellblaue Tage sind Ruhetage: weniger Gehen als das Ziel an einem Tag einer Woche, "
            "die ihre {days} Gehtage schon hat."
        ),
        "brisk minutes": "zügige Minuten",
        "steps": "Schritte",
        "Current streak": "Aktuelle Serie",
        "Days shown": "Angezeigte Tage",
        "The program so far, or the last 12 weeks without a program start.": (
            "Das Programm bisher, ohne Programmstart die letzten 12 Wochen."
        ),
        "{n} blocks": "{n} Blöcke",
        "{n} block": "{n} Block",
        "{n} day": "{n} Tag",
        "Longest gap": "Längste Lücke",
        "{n} days": "{n} Tage",
        "Longest run of days without a met day": "Längste Folge von Tagen ohne erreichten Tag",
        "Blocks without data": "Blöcke ohne Daten",
        "{met} of {total} blocks met; blocks without data count as not met.": (
            "{met} von {total} Blöcken erreicht; Blöcke ohne Daten zählen als nicht erreicht."
        ),
        "Add tracker files": "Tracker-Dateien hinzufügen",
        "Tracker files or whole exports (FIT, GPX, TCX, zip, …), up to {limit} each": (
            "Tracker-Dateien oder ganze Exporte (FIT, GPX, TCX, zip, …), je bis {limit}"
        ),
        "Upload and ingest": "Hochladen und einlesen",
        "Choose at least one file.": "Bitte mindestens eine Datei wählen.",
        "Files": "Dateien",
        "file": "Datei",
        "status": "Status",
        "details": "Details",
        "processing": "wird verarbeitet",
        "ingested": "eingelesen",
        "duplicate": "Duplikat",
        "skipped": "übersprungen",
        "rejected": "abgelehnt",
        "Reading {n} file(s) — this page updates by itself.": (
            "{n} Datei(en) werden eingelesen — die Seite aktualisiert sich selbst."
        ),
        "All files processed.": "Alle Dateien verarbeitet.",
        "Prefect flow run {name}: {state}": "Prefect-Flow-Run {name}: {state}",
        "Every file is read — updating your figures …": (
            "Alle Dateien sind gelesen — Ihre Werte werden aktualisiert …"
        ),
        "The ingest failed:": "Das Einlesen ist fehlgeschlagen:",
        "No activity data yet.": "Noch keine Aktivitätsdaten.",
        "The last 14 days: walking, wear and sources": (
            "Die letzten 14 Tage: Gehen, Tragezeit und Quellen"
        ),
        "worn (h)": "getragen (Std.)",
        "day status": "Tagesstatus",
        "worn too little": "zu wenig getragen",
        "≈ marks days with coarse step readings (longer than 2 minutes): walking that was not "
        "recorded as an activity may be missing. A rest day is below the target in a week that "
        "already has its {days} walking days; worn too little = less than {hours} hours.": (
            "≈ kennzeichnet Tage mit groben Schrittdaten (länger als 2 Minuten je Wert): Gehen, "
            "das nicht als Aktivität aufgezeichnet wurde, kann fehlen. Ein Ruhetag liegt unter "
            "dem Ziel in einer Woche, die ihre {days} Gehtage schon hat; zu wenig getragen = "
            "weniger als {hours} Stunden."
        ),
        "date": "Datum",
        "walking minutes": "Gehminuten",
        "sources": "Quellen",
        "Sessions": "Einheiten",
        "session": "Einheit",
        "day": "Tag",
        "minutes": "Minuten",
        "category": "Kategorie",
        "decided by": "entschieden durch",
        "source": "Quelle",
        "duplicate of": "Duplikat von",
        "Correct a session's category": "Kategorie einer Einheit korrigieren",
        "Session": "Einheit",
        "Category": "Kategorie",
        "Save category": "Kategorie speichern",
        "Category of {session} set to {category}.": (
            "Kategorie von {session} auf {category} gesetzt."
        ),
        "No sessions in this range.": "Keine Einheiten in diesem Zeitraum.",
        "automatic (undo the correction)": "automatisch (Korrektur aufheben)",
        "device": "Gerät",
        "name": "Name",
        "inferred": "abgeleitet",
        "unknown": "unbekannt",
        "user": "korrigiert",
        "Your data": "Ihre Daten",
        "Everything backtrack holds about you in one zip: your uploaded files as uploaded, "
        "your rows of every table (CSV and Parquet), your account (no password) and a README "
        "that explains every column.": "Alles, was backtrack über Sie gespeichert hat, in einer "
        "ZIP-Datei: Ihre hochgeladenen Dateien im Original, Ihre Zeilen jeder Tabelle (CSV und "
        "Parquet), Ihr Konto (ohne Passwort) und eine README, die jede Spalte erklärt.",
        "Download all my data": "Alle meine Daten herunterladen",
    }
)

JOBS_KEY: Final = "upload_jobs"  # participant → UploadJob
SOURCE_DAYS: Final = 14
STATUS_WORDS: Final = {
    "met": "target reached",
    "below": "below target",
    "low_wear": "worn too little",
    "no_data": "no data",
}


def day_status(status: str, rest_day: bool) -> str:
    """A day's ``status`` in plain words; ``below`` in a week that already has its met days
    is a rest day (as on the calendar)."""
    if status == "below" and rest_day:
        return t("rest day")
    return t(STATUS_WORDS.get(status, status))


def worn_hours(minutes: float | None) -> str:
    """Wear minutes as hours with one decimal; "–" when nothing says."""
    if minutes is None or pd.isna(minutes):
        return "–"
    return fmt_number(minutes / 60, 1)


def _jobs() -> dict[str, uploads.UploadJob]:
    jobs: dict[str, uploads.UploadJob] = st.session_state.setdefault(JOBS_KEY, {})
    return jobs


def _status_table(status: uploads.JobStatus) -> None:
    st.dataframe(
        pd.DataFrame(
            {
                t("file"): [f.name for f in status.files],
                t("status"): [t(f.status) for f in status.files],
                t("details"): [f.reason or "" for f in status.files],
            }
        ),
        hide_index=True,
    )


def _show_job(job: uploads.UploadJob) -> uploads.JobStatus:
    status = uploads.job_status(viewer, job)
    _status_table(status)
    if status.flow_run is not None:
        run = status.flow_run
        st.caption(t("Prefect flow run {name}: {state}", name=run.name, state=run.state_name))
    if status.error:
        st.error(t("The ingest failed:") + "\n\n" + status.error)
    elif status.done:
        st.success(t("All files processed."))
    elif all(f.status != uploads.PROCESSING for f in status.files):
        st.info(t("Every file is read — updating your figures …"))
    else:
        st.info(t("Reading {n} file(s) — this page updates by itself.", n=len(job.files)))
    return status


def _upload_submitted() -> None:
    """The upload form's submit, run before the page runs again: start the ingest and, with
    the warm worker of ``backtrack serve``, wait for it (a second or two) — the page that
    follows then shows the files ingested and the new figures in one run."""
    chosen = st.session_state.get("tracker_files") or []
    if not chosen:
        st.session_state["upload_empty"] = True
        return
    files = [(f.name, f.getvalue()) for f in chosen]
    started = uploads.start_ingest(viewer, participant, files)
    _jobs()[participant] = started
    if uploads.served(started):
        uploads.wait(viewer, started, uploads.SERVED_WAIT_S)


def _poll_job() -> None:
    job = _jobs().get(participant)
    if job is None:
        return
    if _show_job(job).done:
        st.rerun()  # the whole page: new figures, and this fragment stops polling


def _streamed_upload() -> None:
    """One large export, streamed to the dashboard server's endpoint (dashboards/
    streamed_upload.py); its ingest is then shown like every upload's."""
    limit = upload_route.ENDPOINT.max_bytes()
    if not upload_route.ENDPOINT.serving:  # `streamlit run dashboards/app.py`: no endpoint
        st.caption(
            t(
                "Large exports are uploaded through the dashboard's server (`backtrack up` or "
                "`streamlit run dashboards/server.py`); here, use the field above (up to "
                "{limit}).",
                limit=uploads.form_limit_shown(),
            )
        )
        return
    token = streamed_upload.token(viewer, participant)
    endpoint = upload_route.endpoint_path(str(st.get_option("server.baseUrlPath") or ""))
    outcome = streamed_upload.show(token, endpoint, limit)
    if outcome is None:
        return
    if outcome.upload is None:
        st.error(streamed_upload.message(outcome, limit))
        return
    started = upload_route.ENDPOINT.job(outcome.upload, participant)
    if started is not None:
        _jobs()[participant] = started
        if uploads.served(started):
            uploads.wait(viewer, started, uploads.SERVED_WAIT_S)


viewer = viewer_mod.current()
participant = viewer_mod.pick_participant(viewer, "my_activity")
st.title(t("My activity") if viewer.role == "participant" else t("Activity — {p}", p=participant))
# The figures come first on the page but are computed after the upload section, so that
# a finished upload shows at once while the figures (read anew after it) still compute.
head = st.container()

# ---------------------------------------------------------------------------- uploads
with st.expander(t("Add tracker files"), expanded=participant not in _jobs()):
    with st.form("upload_form", clear_on_submit=True):
        st.file_uploader(
            t(
                "Tracker files or whole exports (FIT, GPX, TCX, zip, …), up to {limit} each",
                limit=uploads.form_limit_shown(),
            ),
            accept_multiple_files=True,
            key="tracker_files",
        )
        st.form_submit_button(t("Upload and ingest"), on_click=_upload_submitted)
    if st.session_state.pop("upload_empty", False):
        st.warning(t("Choose at least one file."))
    _streamed_upload()

job = _jobs().get(participant)
if job is not None:
    st.subheader(t("Files"))
    if uploads.job_status(viewer, job).done:
        _show_job(job)
    else:
        st.fragment(_poll_job, run_every="1s")()  # a served upload takes ~1-2 s

with head:
    report = data.report(viewer, participant)
    settings = data.settings(viewer, participant)
    target = settings.target
    summary = report["adherence"]

    range_start = date.fromisoformat(report["range"]["start"]) if report["range"]["start"] else None
    range_end = date.fromisoformat(report["range"]["end"]) if report["range"]["end"] else None
    st.caption(
        t(
            "Target: {lo}–{hi} walking minutes every {n} days. Range {start} – {end}.",
            lo=target.min_minutes,
            hi=target.max_minutes,
            n=target.every_n_days,
            start=fmt_date(range_start),
            end=fmt_date(range_end),
        )
    )

    training = report["training"]
    adherence_col, dose_col, training_col = st.columns(3)
    adherence_col.metric(
        t("Walking target reached"),
        fmt_percent(summary["ratio"]),
        help=t(
            "{met} of {total} complete program weeks with at least {days} walking days of {lo} "
            "minutes or more (weeks from the program start; a week with fewer counts in part)",
            met=summary["weeks_met"],
            total=summary["weeks_total"],
            days=summary["weekly_target_days"],
            lo=target.min_minutes,
        ),
    )
    dose_col.metric(
        t("Walking minutes vs target"),
        fmt_percent(summary["dose_ratio"]),
        help=t(
            "Walking minutes per week (each day up to {hi}) against {minutes} a week",
            hi=target.max_minutes,
            minutes=summary["weekly_target_minutes"],
        ),
    )
    training_col.metric(
        t("Training target reached"),
        fmt_percent(training["ratio"]),
        help=t(
            "{met} of {total} complete weeks with {n} training sessions of at least {minutes} "
            "minutes (strength/stabilisation, Pilates, Yoga, Tai-Chi)",
            met=training["weeks_met"],
            total=training["weeks_total"],
            n=training["target_sessions_per_week"],
            minutes=training["min_session_minutes"],
        ),
    )
    range_days = report["days"]
    st.caption(
        t(
            "Walking target reached on {met} of {total} days ({worn} of the others worn too "
            "little or without data).",
            met=sum(bool(d["met"]) for d in range_days),
            total=len(range_days),
            worn=sum(d["status"] in NOT_WORN for d in range_days),
        )
    )
    st.caption(
        t(
            "Walking minutes count walking itself, from 60 steps a minute on; the intensity or "
            "exercise minutes of a watch (Garmin, Apple, Fitbit) count effort, so the two differ."
        )
    )
    streak_col, gap_col, no_data_col = st.columns(3)
    streak = summary["current_streak_blocks"]
    gap = summary["longest_gap_days"]
    streak_col.metric(
        t("Current streak"), t("{n} block" if streak == 1 else "{n} blocks", n=streak)
    )
    gap_col.metric(
        t("Longest gap"),
        t("{n} day" if gap == 1 else "{n} days", n=gap),
        help=t("Longest run of days without a met day"),
    )
    no_data_col.metric(t("Blocks without data"), summary["blocks_no_data"])
    st.caption(
        t(
            "{met} of {total} blocks met; blocks without data count as not met.",
            met=summary["blocks_met"],
            total=summary["blocks_total"],
        )
    )

    with st.expander(t(safety.SAFETY_TITLE) + " · " + t(safety.EXPECTATIONS_TITLE), expanded=True):
        safety.show()

# ---------------------------------------------------------------- the person's own data
if viewer.role == "participant":  # only their own (enforced in data.participant_export)
    with st.expander(t("Your data")):
        st.caption(
            t(
                "Everything backtrack holds about you in one zip: your uploaded files as "
                "uploaded, your rows of every table (CSV and Parquet), your account (no "
                "password) and a README that explains every column."
            )
        )
        st.download_button(
            t("Download all my data"),
            functools.partial(data.participant_export, viewer, participant),
            file_name=f"backtrack-{participant}.zip",
            mime="application/zip",
            key="export_own_data",
            on_click="ignore",
        )

# ------------------------------------- the person's own figures as FHIR (docs/fhir.md)
# Here and not at the page's end: the charts below stop the page when there is nothing
# to draw, and the download must not depend on that.
if viewer.role == "participant":
    register(
        {
            "Your figures for your doctor or clinic": "Ihre Werte für Praxis oder Klinik",
            "Your daily steps, walking minutes and pain, your sessions and your training "
            "goals over the report's range, as a FHIR file (a standard that clinic systems "
            "read). It holds your pseudonym only.": (
                "Ihre Schritte, Gehminuten und Schmerzwerte pro Tag, Ihre Einheiten und Ihre "
                "Trainingsziele im Zeitraum des Berichts als FHIR-Datei (ein Standard, den "
                "Kliniksysteme lesen). Sie enthält nur Ihr Pseudonym."
            ),
            "Download FHIR file": "FHIR-Datei herunterladen",
        }
    )
    with st.expander(t("Your figures for your doctor or clinic")):
        st.caption(
            t(
                "Your daily steps, walking minutes and pain, your sessions and your training "
                "goals over the report's range, as a FHIR file (a standard that clinic systems "
                "read). It holds your pseudonym only."
            )
        )
        st.download_button(
            t("Download FHIR file"),
            functools.partial(data.fhir_bundle, viewer, participant, range_start, range_end),
            file_name=f"backtrack-{participant}.fhir.json",
            mime="application/fhir+json",
            key="fhir_own_data",
            on_click="ignore",
        )

# ----------------------------------------------------------------------------- charts
days = data.days(viewer, participant)
if days.empty:
    st.info(t("No activity data yet."))
    st.stop()
first_day, last_day = min(days["date"]), max(days["date"])
window = charts.default_window(first_day, last_day, target.program_start)
picked = st.date_input(
    t("Days shown"),
    value=window,
    min_value=first_day,
    max_value=last_day,
    help=t("The program so far, or the last 12 weeks without a program start."),
    key="chart_window",
)
if isinstance(picked, tuple) and len(picked) == 2:  # while picking, only the first is set
    window = (picked[0], picked[1])
st.altair_chart(charts.walking_heatmap(days, target, window), width="stretch")
st.caption(
    t(
        "Pale blue days are rest days: walking below the target on a day of a week that "
        "already has its {days} walking days.",
        days=summary["weekly_target_days"],
    )
)
blocks = data.blocks(viewer, participant)
blocks = blocks.loc[(blocks["block_end"] >= window[0]) & (blocks["block_start"] <= window[1])]
if not blocks.empty:
    st.altair_chart(charts.blocks_chart(blocks), width="stretch")
if report["weeks"]:
    st.altair_chart(
        charts.training_chart(report["weeks"], training["target_sessions_per_week"]),
        width="stretch",
    )
    st.altair_chart(charts.sessions_per_week_chart(report["weeks"]), width="stretch")

# ---------------------------------------------------------------- sources of each day
st.subheader(t("The last 14 days: walking, wear and sources"))
last_day = max(days["date"])
recent = days.loc[days["date"] > last_day - timedelta(days=SOURCE_DAYS)].sort_values(
    "date", ascending=False
)
rest_days = adherence.days_in_met_weeks(days, target)
st.dataframe(
    pd.DataFrame(
        {
            t("date"): [fmt_date(d) for d in recent["date"]],
            t("walking minutes"): [
                ("≈ " if bool(a) else "") + fmt_number(float(m), 1)
                for m, a in zip(recent["walking_minutes"], recent["approximate"], strict=True)
            ],
            t("day status"): [
                day_status(str(s), d in rest_days)
                for s, d in zip(recent["status"], recent["date"], strict=True)
            ],
            t("worn (h)"): [worn_hours(m) for m in recent["wear_minutes"]],
            t("brisk minutes"): [fmt_number(float(m), 1) for m in recent["brisk_walking_minutes"]],
            t("steps"): [fmt_number(float(n)) for n in recent["steps"]],
            t("sources"): [str(s).replace(",", ", ") for s in recent["sources"]],
        }
    ),
    hide_index=True,
)
st.caption(
    t(
        "≈ marks days with coarse step readings (longer than 2 minutes): walking that was not "
        "recorded as an activity may be missing. A rest day is below the target in a week that "
        "already has its {days} walking days; worn too little = less than {hours} hours.",
        days=summary["weekly_target_days"],
        hours=fmt_number(target.min_wear_minutes / 60, 1),
    )
)

# ------------------------------------------------------------------------- sessions
st.subheader(t("Sessions"))
sessions = data.sessions(viewer, participant)
if range_start is not None and range_end is not None:
    in_range = (sessions["local_date"] >= range_start) & (sessions["local_date"] <= range_end)
    sessions = sessions.loc[in_range]
sessions = sessions.sort_values(["local_date", "start_utc"], ascending=False)
if sessions.empty:
    st.info(t("No sessions in this range."))
    st.stop()
st.dataframe(
    pd.DataFrame(
        {
            t("session"): sessions["session_id"].astype(str).to_numpy(),
            t("day"): [fmt_date(d) for d in sessions["local_date"]],
            t("minutes"): [fmt_number(float(s) / 60, 1) for s in sessions["moving_s"]],
            t("category"): [category_label(str(c)) for c in sessions["category"]],
            t("decided by"): [t(str(c)) for c in sessions["category_source"]],
            t("source"): sessions["source_format"].astype(str).to_numpy(),
            t("duplicate of"): sessions["duplicate_of"].astype("string").fillna("").to_numpy(),
        }
    ),
    hide_index=True,
)

if st.toggle(t("Correct a session's category"), key="correct_category"):
    labels = {
        str(sid): f"{fmt_date(day)} · {category_label(str(cat))} · {sid}"
        for sid, day, cat in zip(
            sessions["session_id"], sessions["local_date"], sessions["category"], strict=True
        )
    }
    with st.form("category_form"):
        session_id = st.selectbox(t("Session"), list(labels), format_func=labels.__getitem__)
        category = st.selectbox(
            t("Category"),
            [*CATEGORIES, "auto"],
            format_func=lambda c: (
                t("automatic (undo the correction)") if c == "auto" else category_label(c)
            ),
        )
        if st.form_submit_button(t("Save category")) and session_id is not None:
            data.set_session_category(viewer, participant, str(session_id), str(category))
            st.session_state["category_saved"] = (str(session_id), str(category))
            st.rerun()
saved = st.session_state.pop("category_saved", None)
if saved:
    st.success(
        t(
            "Category of {session} set to {category}.",
            session=saved[0],
            category=category_label(saved[1]),
        )
    )
