"""A coach's group: every participant's adherence, last walk and pain change, sortable."""

from __future__ import annotations

import streamlit as st

from dashboards import data
from dashboards import viewer as viewer_mod

viewer = viewer_mod.current()
groups = data.visible_groups(viewer)
st.title("Group")
if not groups:
    st.info("You have no group to look after.")
    st.stop()
group = str(st.selectbox("Group", groups, key="group_choice"))
try:
    overview = data.group_overview(viewer, group)
except PermissionError as error:
    st.error(str(error))
    st.stop()
if overview.empty:
    st.info(f"No participants in {group} yet.")
    st.stop()

as_of = overview["as_of"].dropna()
st.caption(
    "Adherence = met blocks / complete blocks in the window; blocks without data count as "
    "not met. " + (f"As of {max(as_of)} (the group's latest day with data)." if len(as_of) else "")
)
table = overview.drop(columns=["as_of"])
st.dataframe(
    table,
    hide_index=True,
    column_config={
        "adherence_14d": st.column_config.ProgressColumn(
            "adherence 14 d", format="percent", min_value=0.0, max_value=1.0
        ),
        "adherence_28d": st.column_config.ProgressColumn(
            "adherence 28 d", format="percent", min_value=0.0, max_value=1.0
        ),
        "pain_change_vs_baseline": st.column_config.NumberColumn(
            "pain change vs baseline", format="%+.1f"
        ),
    },
)
st.download_button(
    "Download CSV",
    overview.to_csv(index=False).encode("utf-8"),
    file_name=f"backtrack-{group}.csv",
    mime="text/csv",
)
