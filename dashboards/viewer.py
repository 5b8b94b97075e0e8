"""The current viewer, shared by the pages.

DEVELOPMENT STUB: the viewer comes from query parameters (``?participant=p01``,
``?coach=group-a`` or ``?coach=group-a,group-b``, ``?admin=1``) and is kept in session state.
The access-control issue replaces ``viewer_from_query`` with a login; everything else
(pages, the data module) only ever sees a ``Viewer``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

import streamlit as st

from dashboards import data

SESSION_KEY: Final = "viewer"


def viewer_from_query(params: Mapping[str, str]) -> data.Viewer | None:
    """DEVELOPMENT STUB — replace with login. ``None`` when the URL names nobody."""
    if params.get("participant"):
        return data.Viewer("participant", participant=params["participant"])
    if params.get("coach"):
        groups = frozenset(g.strip() for g in params["coach"].split(",") if g.strip())
        return data.Viewer("coach", groups=groups)
    if params.get("admin"):
        return data.Viewer("admin")
    return None


def current() -> data.Viewer:
    """The viewer of this session (set by ``app.py``); stops the page when there is none."""
    viewer = st.session_state.get(SESSION_KEY)
    if not isinstance(viewer, data.Viewer):
        st.info("Open the dashboard with `?participant=p01` or `?coach=group-a` (dev stub).")
        st.stop()
    return viewer


def pick_participant(viewer: data.Viewer) -> str:
    """The participant a page shows: the viewer themself, or one chosen from their scope."""
    if viewer.role == "participant":
        assert viewer.participant is not None
        return viewer.participant
    visible = data.visible_participants(viewer)
    if not visible:
        st.info("No participants in your groups yet.")
        st.stop()
    choice = st.sidebar.selectbox("Participant", visible, key="participant_choice")
    return str(choice)
