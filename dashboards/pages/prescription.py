"""A participant's training goal (prescription): the walking target band, block length, bout
length, program start and the weekly training target.

Saving writes through ``data.set_prescription`` (coach of the participant's group or admin),
which recomputes the participant's tables, so adherence uses the new target at once. The
program start changes only when the coach ticks "Set or change the program start": it moves
the pain baseline and every block, so saving a new minimum must not move it. While none is
set, a note says what stands in (``participants.effective_start``: the first diary day, else
the first day with data) and how to set it.
"""

from __future__ import annotations

from datetime import date

import streamlit as st

from dashboards import data
from dashboards import viewer as viewer_mod
from dashboards.i18n import fmt_date, register, t
from pipelines.rules.participants import ProgramStart, effective_start

register(
    {
        "Prescription": "Trainingsziel",
        "Prescription — {participant}": "Trainingsziel — {participant}",
        "Only coaches and admins set prescriptions.": (
            "Nur Coaches und Admins legen Trainingsziele fest."
        ),
        "Training (strength/stabilisation, Pilates, Yoga, Tai-Chi): sessions of at least the "
        "minimum length count toward the weekly target; shorter ones count as minutes only. "
        "The guidance gives no dose for training — set what you agreed with the person.": (
            "Training (Kräftigung/Stabilisation, Pilates, Yoga, Tai-Chi): Einheiten ab der "
            "Mindestdauer zählen für das Wochenziel; kürzere zählen nur als Minuten. Für "
            "Training nennt die Quelle keine Dosis — tragen Sie ein, was Sie mit der Person "
            "vereinbart haben."
        ),
        "Training sessions per week": "Trainingseinheiten pro Woche",
        "Minimum minutes of a training session": "Mindestdauer einer Trainingseinheit (Minuten)",
        "A day is met at this many walking minutes or more; minutes beyond the maximum earn "
        "no extra credit. Blocks of n days count from the program start; a block is met when "
        "one of its days is.": (
            "Ein Tag ist erfüllt ab so vielen Gehminuten; Minuten über dem Maximum zählen nicht "
            "zusätzlich. Blöcke von n Tagen zählen ab dem Programmstart; ein Block ist erfüllt, "
            "wenn einer seiner Tage erfüllt ist."
        ),
        "Minimum walking minutes per day": "Mindest-Gehminuten pro Tag",
        "Maximum credited minutes per day": "Höchstens angerechnete Minuten pro Tag",
        "Every n days": "Alle n Tage",
        "Shortest walking bout (minutes)": "Kürzester Gehabschnitt (Minuten)",
        "Program start": "Programmstart",
        "Save prescription": "Trainingsziel speichern",
        "Set or change the program start": "Programmstart festlegen oder ändern",
        "The program start is the day the pain baseline and the blocks count from; it changes "
        "only when this box is ticked.": (
            "Ab dem Programmstart zählen der Schmerz-Ausgangswert und die Blöcke; er ändert sich "
            "nur, wenn dieses Feld angekreuzt ist."
        ),
        "Program start: {start}": "Programmstart: {start}",
        "not set": "nicht festgelegt",
        "No program start is set. Until one is set, the first diary day ({date}) stands in: "
        "program weeks, blocks and the pain baseline count from it.": (
            "Es ist kein Programmstart festgelegt. Bis er festgelegt ist, gilt ersatzweise der "
            "erste Tagebuchtag ({date}): ab ihm zählen Programmwochen, Blöcke und der "
            "Schmerz-Ausgangswert."
        ),
        "No program start is set, and there is no diary yet: until one is set, the first day "
        "with activity data ({date}) stands in — once diary entries arrive, the first diary "
        "day. Program weeks, blocks and the pain baseline count from it.": (
            "Es ist kein Programmstart festgelegt, und es gibt noch kein Tagebuch: bis er "
            "festgelegt ist, gilt ersatzweise der erste Tag mit Aktivitätsdaten ({date}) — "
            "sobald Tagebucheinträge da sind, der erste Tagebuchtag. Ab ihm zählen "
            "Programmwochen, Blöcke und der Schmerz-Ausgangswert."
        ),
        "No program start is set. Until one is set, the first diary day will stand in (without "
        "a diary, the first day with activity data): program weeks, blocks and the pain "
        "baseline count from it.": (
            "Es ist kein Programmstart festgelegt. Bis er festgelegt ist, gilt ersatzweise der "
            "erste Tagebuchtag (ohne Tagebuch der erste Tag mit Aktivitätsdaten): ab ihm zählen "
            "Programmwochen, Blöcke und der Schmerz-Ausgangswert."
        ),
        "To set it, tick “Set or change the program start” below, choose the day and save.": (
            "Zum Festlegen unten „Programmstart festlegen oder ändern“ ankreuzen, den Tag wählen "
            "und speichern."
        ),
        "Saved: {low}–{high} minutes every {n} days from {start}; adherence recomputed.": (
            "Gespeichert: {low}–{high} Minuten alle {n} Tage ab {start}; Adhärenz neu berechnet."
        ),
        "Not saved: {reason}": "Nicht gespeichert: {reason}",
    }
)


def start_note(start: ProgramStart | None) -> str:
    """What stands in for a program start not set (``participants.effective_start``), and
    how to set one."""
    if start is not None and start.source == "first_diary_day":
        what = t(
            "No program start is set. Until one is set, the first diary day ({date}) stands "
            "in: program weeks, blocks and the pain baseline count from it.",
            date=fmt_date(start.date),
        )
    elif start is not None:
        what = t(
            "No program start is set, and there is no diary yet: until one is set, the first "
            "day with activity data ({date}) stands in — once diary entries arrive, the first "
            "diary day. Program weeks, blocks and the pain baseline count from it.",
            date=fmt_date(start.date),
        )
    else:
        what = t(
            "No program start is set. Until one is set, the first diary day will stand in "
            "(without a diary, the first day with activity data): program weeks, blocks and "
            "the pain baseline count from it."
        )
    how = t("To set it, tick “Set or change the program start” below, choose the day and save.")
    return f"{what} {how}"


viewer = viewer_mod.current()
if viewer.role == "participant":
    st.error(t("Only coaches and admins set prescriptions."))
    st.stop()
participant = viewer_mod.pick_participant(viewer, "prescription")
target = data.settings(viewer, participant).target

st.title(t("Prescription — {participant}", participant=participant))
if target.program_start is None:
    st.info(start_note(effective_start(data.days(viewer, participant), None)))
st.caption(
    t(
        "A day is met at this many walking minutes or more; minutes beyond the maximum earn "
        "no extra credit. Blocks of n days count from the program start; a block is met when "
        "one of its days is."
    )
)
with st.form(f"prescription-{participant}"):
    min_minutes = st.number_input(
        t("Minimum walking minutes per day"), value=target.min_minutes, step=5, key="rx_min"
    )
    max_minutes = st.number_input(
        t("Maximum credited minutes per day"), value=target.max_minutes, step=5, key="rx_max"
    )
    every_n_days = st.number_input(t("Every n days"), value=target.every_n_days, key="rx_every")
    min_bout = st.number_input(
        t("Shortest walking bout (minutes)"), value=target.min_bout_minutes, key="rx_bout"
    )
    st.caption(
        t(
            "Program start: {start}",
            start=fmt_date(target.program_start) if target.program_start else t("not set"),
        )
    )
    change_start = st.checkbox(
        t("Set or change the program start"),
        value=False,
        key="rx_change_start",
        help=t(
            "The program start is the day the pain baseline and the blocks count from; it "
            "changes only when this box is ticked."
        ),
    )
    program_start = st.date_input(
        t("Program start"), value=target.program_start or date.today(), key="rx_start"
    )
    st.caption(
        t(
            "Training (strength/stabilisation, Pilates, Yoga, Tai-Chi): sessions of at least the "
            "minimum length count toward the weekly target; shorter ones count as minutes only. "
            "The guidance gives no dose for training — set what you agreed with the person."
        )
    )
    training_sessions = st.number_input(
        t("Training sessions per week"),
        value=target.training_sessions_per_week,
        key="rx_training_sessions",
    )
    training_minutes = st.number_input(
        t("Minimum minutes of a training session"),
        value=target.min_training_minutes,
        step=5,
        key="rx_training_minutes",
    )
    if st.form_submit_button(t("Save prescription")):
        try:
            updated = data.set_prescription(
                viewer,
                participant,
                min_minutes=int(min_minutes),
                max_minutes=int(max_minutes),
                every_n_days=int(every_n_days),
                min_bout_minutes=int(min_bout),
                program_start=(
                    program_start if change_start and isinstance(program_start, date) else None
                ),
                training_sessions_per_week=int(training_sessions),
                min_training_minutes=int(training_minutes),
            )
        except (ValueError, PermissionError) as error:
            st.error(t("Not saved: {reason}", reason=error))
        else:
            st.success(
                t(
                    "Saved: {low}–{high} minutes every {n} days from {start}; adherence "
                    "recomputed.",
                    low=updated.target.min_minutes,
                    high=updated.target.max_minutes,
                    n=updated.target.every_n_days,
                    start=fmt_date(updated.target.program_start),
                )
            )
