"""``backtrack-demo`` (or ``python -m demo``): generate the demo cohort, ingest it through the
flows, print everyone's adherence — what ``make demo`` runs.

The demo lives outside the library: it uses ``pipelines`` like any other program, and nothing
in ``ingest``, ``pipelines`` or ``dashboards`` imports it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

app = typer.Typer(add_completion=False, help=__doc__.split("\n\n")[0] if __doc__ else None)


@app.command()
def demo(
    data_dir: Annotated[Path, typer.Option("--data-dir", help="where the demo lives")] = Path(
        "demo-data"
    ),
    participants: Annotated[int, typer.Option(help="cohort size")] = 12,
    weeks: Annotated[int, typer.Option(help="program length in weeks")] = 12,
) -> None:
    """Generate the demo cohort, ingest it through the flows, print everyone's adherence."""
    from demo.run import run_demo

    run_demo(
        data_dir,
        participants=participants,
        weeks=weeks,
        console=Console(width=max(Console().width, 170)),
    )


if __name__ == "__main__":
    app()
