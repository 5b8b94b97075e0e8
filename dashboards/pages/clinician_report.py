"""The one-page clinician report (PDF) for a participant: charts of the weekly walking minutes
against the band, the training sessions against the target and the pain against its baseline
and reference lines; prescribed vs received, data completeness, questionnaire scores, the
alerts as of the period's end and the safety text (docs/clinician-report.md). The page shows
a picture of the PDF page first, the download below it. Pseudonymous id only."""

from __future__ import annotations

from datetime import date

import streamlit as st

from dashboards import data, pdf_report
from dashboards import viewer as viewer_mod
from dashboards.i18n import current, fmt_date, register, t

PREVIEW_WIDTH_PX = 800  # the page's picture on screen (rendered at 110 dpi: 909 px wide)

register(
    {
        "Clinician report — {participant}": "Bericht für Behandelnde — {participant}",
        "Only coaches and admins create clinician reports.": (
            "Nur Coaches und Admins erstellen Berichte für Behandelnde."
        ),
        "No activity data yet.": "Noch keine Aktivitätsdaten.",
        "From": "Von",
        "To": "Bis",
        "The period must not end before it starts.": (
            "Der Zeitraum darf nicht vor seinem Beginn enden."
        ),
        "One A4 page for {participant}, {start} to {end}, alerts as of {end}.": (
            "Eine A4-Seite für {participant}, {start} bis {end}, Hinweise zum Stand {end}."
        ),
        "Download PDF": "PDF herunterladen",
        "Preview of the PDF page": "Vorschau der PDF-Seite",
    }
)

viewer = viewer_mod.current()
if viewer.role == "participant":
    st.error(t("Only coaches and admins create clinician reports."))
    st.stop()
participant = viewer_mod.pick_participant(viewer, "clinician_report")
st.title(t("Clinician report — {participant}", participant=participant))

whole = data.report(viewer, participant)
if whole["range"]["start"] is None:
    st.info(t("No activity data yet."))
    st.stop()
left, right = st.columns(2)
start = left.date_input(
    t("From"), value=date.fromisoformat(whole["range"]["start"]), key="clinician_start"
)
end = right.date_input(
    t("To"), value=date.fromisoformat(whole["range"]["end"]), key="clinician_end"
)
if not isinstance(start, date) or not isinstance(end, date) or end < start:
    st.error(t("The period must not end before it starts."))
    st.stop()

period = data.report(viewer, participant, start=start, end=end)
alerts = data.participant_alerts(viewer, participant, as_of=end)
today = date.today()
lang = current()
scores: list[pdf_report.QuestionnaireScore] = [  # (name, latest score, change) each
    (
        entry["id"] if entry["title"] is None else entry["title"].get(lang),
        entry["score"],
        entry["change"],
    )
    for entry in data.questionnaire_scores(viewer, participant, until=end)
]
pdf = pdf_report.build(period, alerts, today, scores)
st.caption(
    t(
        "One A4 page for {participant}, {start} to {end}, alerts as of {end}.",
        participant=participant,
        start=fmt_date(start),
        end=fmt_date(end),
    )
)
for alert in alerts:
    st.warning(pdf_report.alert_text(alert))
st.image(
    pdf_report.preview(period, alerts, today, scores),
    caption=t("Preview of the PDF page"),
    width=PREVIEW_WIDTH_PX,
    output_format="PNG",
)
st.download_button(
    t("Download PDF"),
    pdf,
    file_name=f"backtrack-{participant}-{end.isoformat()}.pdf",
    mime="application/pdf",
    key="clinician_pdf",
)

# ---------------------------------------------- the same period as FHIR (docs/fhir.md)
register(
    {
        "The same period as a FHIR R4 bundle (JSON) for a clinic system: daily steps, "
        "walking minutes and pain, sessions and the training goals; pseudonymous id only.": (
            "Derselbe Zeitraum als FHIR-R4-Bundle (JSON) für ein Kliniksystem: Schritte, "
            "Gehminuten und Schmerz pro Tag, Einheiten und die Trainingsziele; nur das "
            "Pseudonym."
        ),
        "Download FHIR (JSON)": "FHIR herunterladen (JSON)",
    }
)
st.caption(
    t(
        "The same period as a FHIR R4 bundle (JSON) for a clinic system: daily steps, "
        "walking minutes and pain, sessions and the training goals; pseudonymous id only."
    )
)
st.download_button(
    t("Download FHIR (JSON)"),
    lambda: data.fhir_bundle(viewer, participant, start, end),  # built on the click only
    file_name=f"backtrack-{participant}-{start.isoformat()}-{end.isoformat()}.fhir.json",
    mime="application/fhir+json",
    key="clinician_fhir",
    on_click="ignore",
)
