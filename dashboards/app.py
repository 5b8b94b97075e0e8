"""backtrack dashboard — ``streamlit run dashboards/app.py``.

Reads ``$BACKTRACK_DATA_DIR`` (default ``./data``) through ``dashboards.data`` only.
"""

from __future__ import annotations

import streamlit as st

from dashboards import viewer as viewer_mod
from dashboards.i18n import language_switch, register, t

register(
    {
        "My activity": "Meine Aktivität",
        "Pain": "Schmerz",
        "Group": "Gruppe",
        "Prescription": "Verordnung",
        "Clinician report": "Arztbericht",
        "Viewing as **{role}** (development stub, no login yet)": (
            "Angemeldet als **{role}** (Entwicklungs-Platzhalter, noch ohne Login)"
        ),
    }
)

st.set_page_config(page_title="backtrack", layout="wide")
language_switch()

# DEVELOPMENT STUB: who is looking comes from the URL until the access-control issue adds
# login. It still yields a Viewer, so every read stays scoped by dashboards.data.
stub_viewer = viewer_mod.viewer_from_query(st.query_params.to_dict())
if stub_viewer is not None:
    st.session_state[viewer_mod.SESSION_KEY] = stub_viewer
current = st.session_state.get(viewer_mod.SESSION_KEY)

activity = st.Page(
    "pages/my_activity.py", title=t("My activity"), icon=":material/directions_walk:"
)
pain = st.Page("pages/pain.py", title=t("Pain"), icon=":material/monitor_heart:")
group = st.Page("pages/group.py", title=t("Group"), icon=":material/groups:")
prescription = st.Page(
    "pages/prescription.py", title=t("Prescription"), icon=":material/edit_note:"
)
clinician = st.Page(
    "pages/clinician_report.py", title=t("Clinician report"), icon=":material/picture_as_pdf:"
)

if current is None:
    pages = [activity]  # the page itself explains how to choose a viewer
elif current.role == "participant":
    pages = [activity, pain]
else:
    pages = [group, activity, pain, prescription, clinician]

if current is not None:
    st.sidebar.caption(
        t("Viewing as **{role}** (development stub, no login yet)", role=current.role)
    )
st.navigation(pages).run()
