"""The audit trail (admins only): who viewed, exported or deleted whose data, and whether the
hash chain verifies (``pipelines.store.audit``, docs/audit.md)."""

from __future__ import annotations

from datetime import date

import pandas as pd
import streamlit as st

from dashboards import data
from dashboards import viewer as viewer_mod
from dashboards.i18n import register, t

register(
    {
        "Audit trail": "Protokoll",
        "Only admins read the audit trail.": "Nur die Administration liest das Protokoll.",
        "The audit trail verifies: {n} entries, chain and head intact.": (
            "Das Protokoll ist unversehrt: {n} Einträge, Kette und Kopf stimmen."
        ),
        "The audit trail does NOT verify:": "Das Protokoll ist NICHT unversehrt:",
        "Participant id": "Teilnehmer-ID",
        "From": "Von",
        "No entries.": "Keine Einträge.",
    }
)

viewer = viewer_mod.current()
st.title(t("Audit trail"))
try:
    entries, verification = data.audit_trail(viewer)
except PermissionError:
    st.error(t("Only admins read the audit trail."))
    st.stop()

if verification.ok:
    st.success(
        t("The audit trail verifies: {n} entries, chain and head intact.", n=verification.entries)
    )
else:
    st.error(t("The audit trail does NOT verify:") + "\n\n" + "\n\n".join(verification.problems))

left, right = st.columns(2)
who = left.text_input(t("Participant id"), key="audit_participant").strip()
since = right.date_input(t("From"), value=None, key="audit_since")
chosen = [
    e
    for e in reversed(entries)
    if (not who or who in e.participants) and (not isinstance(since, date) or e.at.date() >= since)
]
if not chosen:
    st.info(t("No entries."))
    st.stop()
st.dataframe(
    pd.DataFrame(
        {
            "seq": [e.seq for e in chosen],
            "at (UTC)": [f"{e.at:%Y-%m-%d %H:%M:%S}" for e in chosen],
            "actor": [e.actor for e in chosen],
            "action": [e.action for e in chosen],
            "participants": [", ".join(e.participants) for e in chosen],
            "group": [e.group or "" for e in chosen],
            "detail": [e.detail for e in chosen],
        }
    ),
    hide_index=True,
)
