"""The pain diary next to activity: pain over time, flare-ups, painkillers, associations."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboards import charts, data
from dashboards import viewer as viewer_mod


def _points(value: float | None, signed: bool = False) -> str:
    if value is None:
        return "—"
    return f"{value:+.1f}" if signed else f"{value:.1f}"


viewer = viewer_mod.current()
participant = viewer_mod.pick_participant(viewer)
report = data.report(viewer, participant)
pain = report.get("pain")
days = data.days(viewer, participant)

st.title("Pain" if viewer.role == "participant" else f"Pain — {participant}")
if pain is None or days.empty or days["pain"].isna().all():
    st.info("No pain diary entries yet.")
    st.stop()

reference = float(pain["reference_change"])
left, middle, right = st.columns(3)
left.metric("Baseline (first 14 days)", _points(pain["baseline"]), help="pain 0–100")
middle.metric("Last 7 days (mean)", _points(pain["latest_7d_mean"]))
right.metric(
    "Change vs baseline",
    _points(pain["change_vs_baseline"], signed=True),
    help=f"A fall of {reference:g} points is the reference for a meaningful change.",
)

if pain["painkiller_warning"]:
    st.warning(
        f"Painkillers on {pain['painkiller_run_days']} days in a row — more than 14 days. "
        "Please talk to your doctor or physiotherapist."
    )

st.altair_chart(charts.pain_chart(days, pain["baseline"], reference), width="stretch")

st.subheader("Flare-ups")
flares = days.loc[days["flare_up"].astype(bool), ["date", "pain", "flare_up_flagged"]]
rate = pain["flare_ups_per_3_months"]
st.write(
    f"{len(flares)} flare-up day(s)"
    + ("" if rate is None else f"; {rate:g} episodes per 3 months after the first 28 days")
    + "."
)
if len(flares):
    st.dataframe(
        flares.rename(columns={"flare_up_flagged": "flagged by you"}),
        hide_index=True,
    )

st.subheader("Walking and pain — associations")
st.caption(
    "Spearman correlation between walking minutes on a day and pain 0–3 days later, shown "
    "only with at least 14 paired days. An association, not evidence that one causes the other."
)
lags = pd.DataFrame(pain["lag_correlations"], columns=["lag_days", "rho", "n"])
lags["reading"] = [
    "too few paired days"
    if rho is None or pd.isna(rho)
    else ("more walking went with less pain" if rho < 0 else "more walking went with more pain")
    for rho in lags["rho"]
]
st.dataframe(
    lags.rename(columns={"lag_days": "pain … days after walking", "n": "paired days"}),
    hide_index=True,
)
