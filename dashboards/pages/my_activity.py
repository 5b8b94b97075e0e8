"""Walking and adherence: headline figures, the calendar, blocks, sessions per week."""

from __future__ import annotations

import streamlit as st

from dashboards import charts, data
from dashboards import viewer as viewer_mod

viewer = viewer_mod.current()
participant = viewer_mod.pick_participant(viewer)
report = data.report(viewer, participant)
settings = data.settings(viewer, participant)
target = settings.target

st.title("My activity" if viewer.role == "participant" else f"Activity — {participant}")
st.caption(
    f"Target: {target.min_minutes}–{target.max_minutes} walking minutes every "
    f"{target.every_n_days} days. Range {report['range']['start']} – {report['range']['end']}."
)

summary = report["adherence"]
ratio = summary["ratio"]
left, middle, right = st.columns(3)
left.metric(
    "Adherence",
    "—" if ratio is None else f"{ratio:.0%}",
    help=f"{summary['blocks_met']} of {summary['blocks_total']} complete blocks met",
)
middle.metric("Current streak", f"{summary['current_streak_blocks']} blocks")
right.metric("Blocks without data", summary["blocks_no_data"])
st.caption(
    f"{summary['blocks_met']} of {summary['blocks_total']} blocks met; blocks without data "
    "count as not met."
)

days = data.days(viewer, participant)
if days.empty:
    st.info("No activity data yet.")
    st.stop()
st.altair_chart(charts.walking_heatmap(days, target), width="stretch")
blocks = data.blocks(viewer, participant)
if not blocks.empty:
    st.altair_chart(charts.blocks_chart(blocks), width="stretch")
if report["weeks"]:
    st.altair_chart(charts.sessions_per_week_chart(report["weeks"]), width="stretch")
