"""The dashboard's server — ``streamlit run dashboards/server.py`` (``backtrack up``,
``make dashboard``): the Streamlit app of ``dashboards/app.py`` plus the endpoint of the
streamed upload (``dashboards/upload_route.py``) on the same address, through Streamlit's
``st.App`` (Streamlit 1.67 serves apps with Starlette and lets an app add routes).

``streamlit run dashboards/app.py`` still runs every page; only the streamed upload of
large exports needs this entry point (the page says so when its endpoint does not answer).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import streamlit as st

from dashboards.upload_route import ENDPOINT


@asynccontextmanager
async def _lifespan(_app: st.App) -> AsyncIterator[None]:
    async with ENDPOINT.running():
        yield


app = st.App(str(Path(__file__).with_name("app.py")), routes=ENDPOINT.routes(), lifespan=_lifespan)
