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
        "Prescription": "Trainingsziel",
        "Clinician report": "Bericht für Behandelnde",
        "Audit": "Protokoll",
    }
)

st.set_page_config(page_title="backtrack", layout="wide")
language_switch()

# Who is looking comes from the signed-in account only (dashboards/viewer.py); a visitor
# who is not signed in gets the sign-in page and nothing else.
user = viewer_mod.signed_in()

# Only the pages of the signed-in role exist at all (a page never registered cannot be
# reached by its URL either).
if user is None:
    pages = [st.Page(viewer_mod.sign_in_page, title=t("Sign in"), icon=":material/login:")]
else:
    activity = st.Page(
        "pages/my_activity.py", title=t("My activity"), icon=":material/directions_walk:"
    )
    pain = st.Page("pages/pain.py", title=t("Pain"), icon=":material/monitor_heart:")
    if user.role == "participant":
        pages = [activity, pain]
    else:
        group = st.Page("pages/group.py", title=t("Group"), icon=":material/groups:")
        prescription = st.Page(
            "pages/prescription.py", title=t("Prescription"), icon=":material/edit_note:"
        )
        clinician = st.Page(
            "pages/clinician_report.py",
            title=t("Clinician report"),
            icon=":material/picture_as_pdf:",
        )
        pages = [group, activity, pain, prescription, clinician]
        if user.role == "admin":  # the audit trail: admins only (data.audit_trail checks too)
            pages.append(st.Page("pages/audit.py", title=t("Audit"), icon=":material/policy:"))

if user is not None:
    viewer_mod.sidebar(user)
st.navigation(pages).run()
