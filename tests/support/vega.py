"""The charts a page drew, read back from AppTest: each ``st.altair_chart`` as the Vega-Lite
spec Altair wrote (what ``chart.to_dict()`` gives), its named datasets restored as rows from
the Arrow streams Streamlit moved them to."""

from __future__ import annotations

import json
from typing import Any

import pyarrow as pa
from streamlit.testing.v1 import AppTest


def page_charts(at: AppTest) -> list[dict[str, Any]]:
    """The page's charts in the order it drew them; ``spec["datasets"][name]`` is the list of
    rows (dicts) of each named dataset, as in ``chart.to_dict()``."""
    specs: list[dict[str, Any]] = []
    for element in at.get("vega_lite_chart"):
        proto = element.proto
        spec: dict[str, Any] = json.loads(proto.spec)
        spec["datasets"] = {
            dataset.name: pa.ipc.open_stream(dataset.data.data).read_all().to_pylist()
            for dataset in proto.datasets
        }
        specs.append(spec)
    return specs
