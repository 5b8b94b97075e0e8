"""A coach's group: a summary row (``pipelines.rules.overview.group_summary``), every
participant's adherence, trend, data completeness, walking minutes a week against the band,
training sessions a week against the target, last walk and upload, pain change and alerts
(``pipelines.rules.alerts``, thresholds per group) — members with alerts first — a
participants × days heatmap, a drill-down to one participant and the CSV export.

The table and the CSV share their columns: ``shown`` (key → the values on the page) and
``config`` (key → its ``st.column_config``) list them in order; ``exported`` overrides a key's
values in the CSV (codes, ISO dates, plain ratios instead of words). A new column is one
entry in ``shown`` and ``config`` (and in ``exported`` when the CSV needs another form)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pandas as pd
import streamlit as st

from dashboards import charts, data
from dashboards import viewer as viewer_mod
from dashboards.i18n import current as current_language
from dashboards.i18n import fmt_date, fmt_number, fmt_percent, register, t
from dashboards.pdf_report import alert_text
from pipelines.rules import overview as overview_rules
from pipelines.rules.alerts import Alert, Thresholds

register(
    {
        "{title} (latest)": "{title} (zuletzt)",
        "{title} change": "{title} Veränderung",
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
        "Median adherence 28 d": "Median Adhärenz 28 T.",
        "Members at ≥ 80 %": "Teilnehmende mit ≥ 80 %",
        "Members with alerts": "Teilnehmende mit Hinweisen",
        "Median walking (min/week)": "Median Gehen (Min./Woche)",
        "Median training (sessions ÷ target)": "Median Training (Einheiten ÷ Ziel)",
        "{share} ({k} of {n})": "{share} ({k} von {n})",
        "{k} of {n}": "{k} von {n}",
        "Summary over the 28 days up to {day}: adherence, walking minutes and training "
        "sessions over the complete program weeks in them; {n} of {total} members have such a "
        "week — the others are left out of the medians and the share, not counted as 0.": (
            "Überblick über die 28 Tage bis zum {day}: Adhärenz, Gehminuten und "
            "Trainingseinheiten über die vollständigen Programmwochen darin; {n} von {total} "
            "Teilnehmenden haben eine solche Woche — die übrigen zählen bei Median und Anteil "
            "nicht mit (nicht als 0)."
        ),
        "Days worn = share of the 28 days (from the program start when it is later) the "
        "device was worn long enough: the walking target was met, or it was worn at least "
        "the minimum wear time; days without data count as not worn. Diary days = share of "
        "those days with a diary entry. Walking min/week against the band = walking minutes "
        "a week (every minute, over the complete program weeks) against target days × the "
        "minimum to × the maximum minutes. Training = sessions a week against the target; "
        "received = sessions ÷ sessions prescribed.": (
            "Getragene Tage = Anteil der 28 Tage (ab dem Programmstart, wenn er später liegt), "
            "an denen das Gerät lange genug getragen wurde: das Gehziel wurde erreicht oder es "
            "wurde mindestens die Mindesttragezeit getragen; Tage ohne Daten zählen als nicht "
            "getragen. Tagebuchtage = Anteil dieser Tage mit einem Tagebucheintrag. Gehminuten "
            "pro Woche zum Zielbereich = Gehminuten pro Woche (jede Minute, über die "
            "vollständigen Programmwochen) im Vergleich zu Zieltagen × Mindest- bis × "
            "Höchstminuten. Training = Einheiten pro Woche im Vergleich zum Ziel; erhalten = "
            "Einheiten ÷ vorgegebene Einheiten."
        ),
        "days worn 28 d": "getragene Tage 28 T.",
        "diary days 28 d": "Tagebuchtage 28 T.",
        "walking min/week": "Gehminuten/Woche",
        "target band (min/week)": "Zielbereich (Min./Woche)",
        "walking vs band": "Gehen zum Zielbereich",
        "below the band": "unter dem Zielbereich",
        "within the band": "im Zielbereich",
        "above the band": "über dem Zielbereich",
        "training/week": "Training/Woche",
        "training target/week": "Trainingsziel/Woche",
        "training received": "Training erhalten",
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
BAND_WORDS = {"below": "below the band", "within": "within the band", "above": "above the band"}


def _band_word(position: object) -> str:
    return "" if not isinstance(position, str) else t(BAND_WORDS[position])


overview = overview_rules.attention_order(overview).reset_index(drop=True)
summary = overview_rules.group_summary(overview)
cells = [*st.columns(3), *st.columns(3)[:2]]  # two rows: every value shows whole
cells[0].metric(t("Median adherence 28 d"), fmt_percent(summary.median_adherence_28d))
cells[1].metric(
    t("Members at ≥ 80 %"),
    "–"
    if summary.share_adherent is None
    else t(
        "{share} ({k} of {n})",
        share=fmt_percent(summary.share_adherent),
        k=summary.members_adherent,
        n=summary.members_with_adherence,
    ),
)
cells[2].metric(
    t("Members with alerts"), t("{k} of {n}", k=summary.members_with_alerts, n=summary.members)
)
cells[3].metric(t("Median walking (min/week)"), fmt_number(summary.median_walking_minutes_per_week))
cells[4].metric(
    t("Median training (sessions ÷ target)"), fmt_percent(summary.median_training_received)
)
st.caption(
    t(
        "Summary over the 28 days up to {day}: adherence, walking minutes and training "
        "sessions over the complete program weeks in them; {n} of {total} members have such a "
        "week — the others are left out of the medians and the share, not counted as 0.",
        day=fmt_date(as_of),
        n=summary.members_with_adherence,
        total=summary.members,
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
st.caption(
    t(
        "Days worn = share of the 28 days (from the program start when it is later) the "
        "device was worn long enough: the walking target was met, or it was worn at least "
        "the minimum wear time; days without data count as not worn. Diary days = share of "
        "those days with a diary entry. Walking min/week against the band = walking minutes "
        "a week (every minute, over the complete program weeks) against target days × the "
        "minimum to × the maximum minutes. Training = sessions a week against the target; "
        "received = sessions ÷ sessions prescribed."
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


def _band(low: Any, high: Any) -> str:
    """The prescribed walking minutes a week as "90–180" ("" while unknown)."""
    if low is None or high is None or pd.isna(low) or pd.isna(high):
        return ""
    return f"{int(low)}–{int(high)}"


def _float(column: str) -> pd.Series:
    return pd.to_numeric(overview[column], errors="coerce").astype(float)


shown: dict[str, object] = {  # questionnaire columns are added below
    "participant": overview["participant"],
    "adherence_14d": _float("adherence_14d"),
    "adherence_28d": _float("adherence_28d"),
    "training_28d": _float("training_28d"),
    "trend": [trend_text(c) for c in overview["adherence_trend_14d"]],
    "adherence_trend_14d": [
        None if c is None else round(float(c) * 100) for c in overview["adherence_trend_14d"]
    ],
    "worn_share_28d": _float("worn_share_28d"),
    "diary_share_28d": _float("diary_share_28d"),
    "walking_minutes_per_week_28d": _float("walking_minutes_per_week_28d"),
    "walking_band": [
        _band(low, high)
        for low, high in zip(
            overview["walking_band_min_per_week"],
            overview["walking_band_max_per_week"],
            strict=True,
        )
    ],
    "walking_vs_band_28d": [_band_word(p) for p in overview["walking_vs_band_28d"]],
    "training_sessions_per_week_28d": _float("training_sessions_per_week_28d"),
    "training_target_per_week": overview["training_target_per_week"],
    "training_received_28d": _float("training_received_28d"),
    "days_since_last_walk": overview["days_since_last_walk"],
    "last_data_day": [fmt_date(d) for d in overview["last_data_day"]],
    "last_upload": [None if u is None else fmt_date(u.date()) for u in overview["last_upload"]],
    "pain_change_vs_baseline": _float("pain_change_vs_baseline"),
    "low_adherence_reason": [_why(a) for a in overview["alerts"]],
    "alerts": [_alerts(a) for a in overview["alerts"]],
}
config: dict[str, Any] = {
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
    "worn_share_28d": st.column_config.ProgressColumn(
        t("days worn 28 d"), format="percent", min_value=0.0, max_value=1.0
    ),
    "diary_share_28d": st.column_config.ProgressColumn(
        t("diary days 28 d"), format="percent", min_value=0.0, max_value=1.0
    ),
    "walking_minutes_per_week_28d": st.column_config.NumberColumn(
        t("walking min/week"), format="%.0f"
    ),
    "walking_band": st.column_config.TextColumn(t("target band (min/week)")),
    "walking_vs_band_28d": st.column_config.TextColumn(t("walking vs band")),
    "training_sessions_per_week_28d": st.column_config.NumberColumn(
        t("training/week"), format="%.1f"
    ),
    "training_target_per_week": st.column_config.NumberColumn(t("training target/week")),
    "training_received_28d": st.column_config.NumberColumn(
        t("training received"), format="percent"
    ),
    "days_since_last_walk": st.column_config.NumberColumn(t("days since last walk")),
    "last_data_day": st.column_config.TextColumn(t("last data day")),
    "last_upload": st.column_config.TextColumn(t("last upload")),
    "pain_change_vs_baseline": st.column_config.NumberColumn(
        t("pain change vs baseline"), format="%+.1f"
    ),
    "low_adherence_reason": st.column_config.TextColumn(t("low adherence: why")),
    "alerts": st.column_config.TextColumn(t("alerts"), width="large"),
}
# The questionnaires: per questionnaire someone of the group answered (as of the page's day),
# the member's latest score and its change against their first (docs/questionnaires.md).
scores = data.group_questionnaire_scores(viewer, group, until=as_of)
titles = data.questionnaire_definitions()
lang = current_language()
for qid in sorted(set(scores["questionnaire"])):
    mine = scores[scores["questionnaire"] == qid].set_index("participant")
    title = titles[qid].title.get(lang) if qid in titles else qid
    members = overview["participant"].astype(str)
    shown[f"q_{qid}"] = [mine["score"].get(m) for m in members]
    shown[f"q_{qid}_change"] = [mine["change"].get(m) for m in members]
    config[f"q_{qid}"] = st.column_config.NumberColumn(
        t("{title} (latest)", title=title), format="%.1f"
    )
    config[f"q_{qid}_change"] = st.column_config.NumberColumn(
        t("{title} change", title=title), format="%+.1f"
    )
assert list(config) == list(shown), "every column of the table has its header"
st.dataframe(pd.DataFrame(shown), hide_index=True, column_config=config)

# The CSV: the table's columns in its order (the arrow ``trend`` is a picture of
# ``adherence_trend_14d``), as values a program reads, then the overview's other figures.
exported: dict[str, object] = {
    "adherence_trend_14d": overview["adherence_trend_14d"],
    "walking_vs_band_28d": overview["walking_vs_band_28d"],
    "last_data_day": overview["last_data_day"],
    "last_upload": overview["last_upload"],
    "low_adherence_reason": [low_adherence_reason(raised) or "" for raised in overview["alerts"]],
    "alerts": [",".join(a.code for a in raised) for raised in overview["alerts"]],
}
csv_columns = [k for k in shown if k != "trend"]
export = pd.DataFrame({k: exported.get(k, shown[k]) for k in csv_columns})
rest = [c for c in overview.columns if c not in csv_columns]
export = pd.concat([export, overview[rest].reset_index(drop=True)], axis=1)
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
