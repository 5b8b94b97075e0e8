"""``backtrack-demo`` (or ``python -m demo``): generate the demo cohort, ingest it through the
flows, print everyone's adherence — what ``make demo`` runs.

By default the cohort is live: its last data day is yesterday (Europe/Berlin), so the
dashboard's Group page shows today's alerts; a second run on the same day reuses it.
``--start YYYY-MM-DD`` makes the fixed cohort whose programs start that day (the tests'
2026-08-31). See ``demo.run``.

The demo lives outside the library: it uses ``pipelines`` like any other program, and nothing
in ``ingest``, ``pipelines`` or ``dashboards`` imports it.
"""

from __future__ import annotations

from datetime import datetime
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
    start: Annotated[
        datetime | None,
        typer.Option(
            formats=["%Y-%m-%d"],
            help="the fixed cohort: programs start on this day (e.g. 2026-08-31); "
            "default: the live cohort, ending yesterday",
        ),
    ] = None,
) -> None:
    """Generate the demo cohort, ingest it through the flows, print everyone's adherence."""
    from demo.run import NotADemoFolder, run_demo

    try:
        run_demo(
            data_dir,
            participants=participants,
            weeks=weeks,
            start=None if start is None else start.date(),
            console=Console(width=max(Console().width, 170)),
        )
    except NotADemoFolder as exc:
        typer.echo(f"backtrack-demo: {exc}", err=True)
        raise typer.Exit(1) from exc


if __name__ == "__main__":
    app()
