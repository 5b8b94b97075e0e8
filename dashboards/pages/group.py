"""A coach's group: every participant's adherence, trend, last walk and upload, pain change and
alerts (``pipelines.rules.alerts``, thresholds per group), a participants × days heatmap, a
drill-down to one participant and the CSV export."""

from __future__ import annotations

from datetime import date, timedelta

import pandas as pd
import streamlit as st

from dashboards import charts, data
from dashboards import viewer as viewer_mod
from dashboards.i18n import fmt_date, fmt_number, register, t
from dashboards.pdf_report import alert_text
from pipelines.rules.alerts import Alert, Thresholds

register(
    {
        "Group": "Gruppe",
        "You have no group to look after.": "Sie betreuen keine Gruppe.",
        "As of": "Stand",
        "No participants in {group} yet.": "Noch keine Teilnehmenden in {group}.",
        "Alert thresholds of {group}": "Hinweis-Schwellen von {group}",
        "No data for at least (days)": "Keine Daten seit mindestens (Tagen)",
        "Adherence over 14 days below (%)": "Adhärenz über 14 Tage unter (%)",
        "Pain at least baseline + (points)": "Schmerz mindestens Ausgangswert + (Punkte)",
        "Painkillers on more than (days in a row)": "Schmerzmittel an mehr als (Tagen in Folge)",
        "Save thresholds": "Schwellen speichern",
        "Thresholds saved.": "Schwellen gespeichert.",
        "The latest day with data in {group} is {day}; later days count as without data.": (
            "Der letzte Tag mit Daten in {group} ist der {day}; spätere Tage zählen als ohne Daten."
        ),
        "Adherence = per complete program week in the window, met days ÷ the weekly target "
        "(capped at 100 %), averaged; weeks without data count as 0. Training = share of those "
        "weeks with the target number of training sessions. Trend = adherence over the last 14 "
        "days minus the 14 days before, in percentage points. A walk = a day with at least 1 "
        "walking minute.": (
            "Adhärenz = je vollständiger Programmwoche im Zeitraum erreichte Tage ÷ Wochenziel "
            "(höchstens 100 %), gemittelt; Wochen ohne Daten zählen als 0. Training = Anteil "
            "dieser Wochen mit der Zielzahl an Trainingseinheiten. Trend = Adhärenz der letzten "
            "14 Tage minus der 14 Tage davor, in Prozentpunkten. Ein Spaziergang = ein Tag mit "
            "mindestens 1 Gehminute."
        ),
        "training 28 d": "Training 28 T.",
        "participant": "Teilnehmende",
        "adherence 14 d": "Adhärenz 14 T.",
        "adherence 28 d": "Adhärenz 28 T.",
        "trend": "Trend",
        "trend (pp)": "Trend (Pp.)",
        "days since last walk": "Tage seit dem letzten Spaziergang",
        "last data day": "letzter Tag mit Daten",
        "last upload": "letzter Upload",
        "pain change vs baseline": "Schmerzänderung zum Ausgangswert",
        "alerts": "Hinweise",
        "low adherence: why": "geringe Adhärenz: warum",
        "not worn / not synced": "nicht getragen / nicht synchronisiert",
        "inactive (worn, little walking)": "inaktiv (getragen, wenig gegangen)",
        "{n} pp": "{n} Pp.",
        "Download CSV": "CSV herunterladen",
        "Open a participant": "Teilnehmende öffnen",
        "Open their activity": "Aktivität öffnen",
    }
)


def trend_text(change: float | None) -> str:
    """↑/↓/→ with the change in whole percentage points (→ when it rounds to 0)."""
    if change is None or pd.isna(change):
        return "–"
    points = round(float(change) * 100)
    arrow = "↑" if points > 0 else ("↓" if points < 0 else "→")
    return f"{arrow} " + t("{n} pp", n=("+" if points > 0 else "") + fmt_number(points))


viewer = viewer_mod.current()
groups = data.visible_groups(viewer)
st.title(t("Group"))
if not groups:
    st.info(t("You have no group to look after."))
    st.stop()
group = str(st.selectbox(t("Group"), groups, key="group_choice"))
picked = st.date_input(t("As of"), value=date.today(), key="group_as_of")
as_of = picked if isinstance(picked, date) else date.today()

with st.expander(t("Alert thresholds of {group}", group=group)):
    current = data.group_thresholds(viewer, group)
    with st.form("thresholds"):
        no_data_days = st.number_input(
            t("No data for at least (days)"), 1, 365, current.no_data_days, key="th_no_data"
        )
        min_adherence = st.number_input(
            t("Adherence over 14 days below (%)"),
            1.0,
            100.0,
            current.min_adherence_14d * 100,
            step=1.0,
            key="th_adherence",
        )
        pain_delta = st.number_input(
            t("Pain at least baseline + (points)"),
            0.1,
            100.0,
            current.pain_delta,
            step=1.0,
            key="th_pain",
        )
        painkiller_days = st.number_input(
            t("Painkillers on more than (days in a row)"),
            1,
            365,
            current.painkiller_days,
            key="th_painkiller",
        )
        if st.form_submit_button(t("Save thresholds")):
            try:
                data.set_group_thresholds(
                    viewer,
                    group,
                    Thresholds(
                        no_data_days=int(no_data_days),
                        min_adherence_14d=round(float(min_adherence) / 100, 4),
                        pain_delta=float(pain_delta),
                        painkiller_days=int(painkiller_days),
                    ),
                )
                st.success(t("Thresholds saved."))
            except (ValueError, PermissionError) as error:
                st.error(str(error))

try:
    overview = data.coach_overview(viewer, group, as_of=as_of)
except PermissionError as error:
    st.error(str(error))
    st.stop()
if overview.empty:
    st.info(t("No participants in {group} yet.", group=group))
    st.stop()
data.record_group_view(viewer, "group", group, [str(p) for p in overview["participant"]])

last_days = overview["last_data_day"].dropna()
if len(last_days) and max(last_days) < as_of:
    st.caption(
        t(
            "The latest day with data in {group} is {day}; later days count as without data.",
            group=group,
            day=fmt_date(max(last_days)),
        )
    )
st.caption(
    t(
        "Adherence = per complete program week in the window, met days ÷ the weekly target "
        "(capped at 100 %), averaged; weeks without data count as 0. Training = share of those "
        "weeks with the target number of training sessions. Trend = adherence over the last 14 "
        "days minus the 14 days before, in percentage points. A walk = a day with at least 1 "
        "walking minute."
    )
)


def _alerts(raised: list[Alert]) -> str:
    return "; ".join(alert_text(a) for a in raised)


REASON_WORDS = {"not_worn": "not worn / not synced", "inactive": "inactive (worn, little walking)"}


def low_adherence_reason(raised: list[Alert]) -> str | None:
    """The reason of a low-adherence alert (``not_worn`` / ``inactive``), None without one."""
    reasons = [a.reason for a in raised if a.code == "low_adherence" and a.reason]
    return reasons[0] if reasons else None


def _why(raised: list[Alert]) -> str:
    reason = low_adherence_reason(raised)
    return "" if reason is None else t(REASON_WORDS[reason])


table = pd.DataFrame(
    {
        "participant": overview["participant"],
        "adherence_14d": overview["adherence_14d"].astype(float),
        "adherence_28d": overview["adherence_28d"].astype(float),
        "training_28d": overview["training_28d"].astype(float),
        "trend": [trend_text(c) for c in overview["adherence_trend_14d"]],
        "adherence_trend_14d": [
            None if c is None else round(float(c) * 100) for c in overview["adherence_trend_14d"]
        ],
        "days_since_last_walk": overview["days_since_last_walk"],
        "last_data_day": [fmt_date(d) for d in overview["last_data_day"]],
        "last_upload": [None if u is None else fmt_date(u.date()) for u in overview["last_upload"]],
        "pain_change_vs_baseline": overview["pain_change_vs_baseline"].astype(float),
        "low_adherence_reason": [_why(a) for a in overview["alerts"]],
        "alerts": [_alerts(a) for a in overview["alerts"]],
    }
)
st.dataframe(
    table,
    hide_index=True,
    column_config={
        "participant": st.column_config.TextColumn(t("participant")),
        "adherence_14d": st.column_config.ProgressColumn(
            t("adherence 14 d"), format="percent", min_value=0.0, max_value=1.0
        ),
        "adherence_28d": st.column_config.ProgressColumn(
            t("adherence 28 d"), format="percent", min_value=0.0, max_value=1.0
        ),
        "training_28d": st.column_config.ProgressColumn(
            t("training 28 d"), format="percent", min_value=0.0, max_value=1.0
        ),
        "trend": st.column_config.TextColumn(t("trend")),
        "adherence_trend_14d": st.column_config.NumberColumn(t("trend (pp)"), format="%+d"),
        "days_since_last_walk": st.column_config.NumberColumn(t("days since last walk")),
        "last_data_day": st.column_config.TextColumn(t("last data day")),
        "last_upload": st.column_config.TextColumn(t("last upload")),
        "pain_change_vs_baseline": st.column_config.NumberColumn(
            t("pain change vs baseline"), format="%+.1f"
        ),
        "low_adherence_reason": st.column_config.TextColumn(t("low adherence: why")),
        "alerts": st.column_config.TextColumn(t("alerts"), width="large"),
    },
)
export = overview.assign(
    low_adherence_reason=[low_adherence_reason(raised) or "" for raised in overview["alerts"]],
    alerts=[",".join(a.code for a in raised) for raised in overview["alerts"]],
)
st.download_button(
    t("Download CSV"),
    export.to_csv(index=False).encode("utf-8"),
    file_name=f"backtrack-{group}.csv",
    mime="text/csv",
)

start = as_of - timedelta(days=27)
frame, targets = data.group_days(viewer, group, start=start, end=as_of)
st.altair_chart(charts.group_heatmap(frame, targets, start, as_of), width="stretch")

left, right = st.columns([3, 1])
chosen = left.selectbox(
    t("Open a participant"), list(overview["participant"]), key="group_drill_down"
)
if right.button(t("Open their activity"), key="group_open"):
    st.session_state["participant_choice"] = chosen  # the picker of viewer.pick_participant
    st.switch_page("pages/my_activity.py")
