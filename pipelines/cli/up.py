"""``backtrack up``: the whole system for a data directory — Prefect server, served flows and
upload worker, dashboard — as one supervised group (``pipelines.orchestrate.system``);
``make demo`` runs it on the demo cohort. docs/running.md says how the parts start and stop
and how to run it on a clinic's server."""

from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path
from typing import Annotated

import typer

from pipelines import config
from pipelines.cli.common import DataDir, console, err, require_key
from pipelines.orchestrate import system
from pipelines.store.storage import Store

LOCALHOST = "127.0.0.1"
PREFECT_SERVER = (sys.executable, "-m", "prefect", "server", "start")
STREAMLIT = (sys.executable, "-m", "streamlit", "run")


def _dashboard_script() -> str:
    """The dashboard's entry script (found, never imported: pipelines do not import it)."""
    spec = importlib.util.find_spec("dashboards.server")
    if spec is None or spec.origin is None:
        raise typer.BadParameter("the dashboards package is not installed")
    return spec.origin


def parts(
    root: Path,
    *,
    host: str,
    prefect_port: int,
    dashboard_port: int,
    prefect_home: Path,
    prefect_api: str | None,
    key_file: Path | None,
) -> list[system.Part]:
    """The processes of the system for the data directory ``root``."""
    api = prefect_api or f"http://{host}:{prefect_port}/api"
    base = os.environ | {
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "PYTHONUNBUFFERED": "1",
    }
    if key_file is not None:
        base[config.KEY_FILE_ENV] = str(key_file.resolve())
    served = base | {"PREFECT_API_URL": api, config.DATA_DIR_ENV: str(root)}
    found: list[system.Part] = []
    if prefect_api is None:
        found.append(
            system.Part(
                "prefect server",
                [*PREFECT_SERVER, "--host", host, "--port", str(prefect_port)],
                base | {"PREFECT_HOME": str(prefect_home.resolve())},
                lambda: system.http_ok(f"{api}/health"),
                f"http://{host}:{prefect_port} (Prefect UI; its API: {api})",
            )
        )
    found.append(
        system.Part(
            "backtrack serve",
            [sys.executable, "-m", "pipelines.cli.main", "serve", "--data-dir", str(root)],
            served,
            system.worker_ready(root),
        )
    )
    found.append(
        system.Part(
            "dashboard",
            [
                *STREAMLIT,
                _dashboard_script(),
                *("--server.headless", "true", "--server.address", host),
                *("--server.port", str(dashboard_port), "--browser.gatherUsageStats", "false"),
            ],
            served,
            lambda: system.http_ok(f"http://{host}:{dashboard_port}/_stcore/health"),
            f"http://{host}:{dashboard_port} (dashboard)",
        )
    )
    return found


def up(
    data_dir: DataDir = None,
    prefect_home: Annotated[
        Path | None,
        typer.Option(
            help="the Prefect server's home: its database and settings "
            "(default: $PREFECT_HOME, else ~/.prefect)"
        ),
    ] = None,
    prefect_api: Annotated[
        str | None,
        typer.Option(
            help="use this Prefect server (its API URL) instead of starting one, "
            "e.g. http://prefect.internal:4200/api"
        ),
    ] = None,
    host: Annotated[
        str, typer.Option(help="the address the server and the dashboard listen on")
    ] = LOCALHOST,
    prefect_port: Annotated[int, typer.Option(min=1, max=65535)] = 4200,
    dashboard_port: Annotated[int, typer.Option(min=1, max=65535)] = 8501,
    logs: Annotated[
        Path | None, typer.Option(help="folder of the parts' logs (default: <data dir>/../logs)")
    ] = None,
    banner: Annotated[
        str | None, typer.Option(help="a line to print once everything is up (the demo's sign-ins)")
    ] = None,
) -> None:
    """Run the whole system: Prefect server, served flows with the upload worker, dashboard.
    Ctrl-C (or SIGTERM) stops every part."""
    root = config.data_dir(data_dir).resolve()
    store = Store(root)
    require_key(store)
    busy = [
        port
        for port, needed in ((prefect_port, prefect_api is None), (dashboard_port, True))
        if needed and not system.port_free(host, port)
    ]
    if busy:
        err.print(
            f"[red]error:[/] port {', '.join(map(str, busy))} on {host} is in use — another "
            "backtrack up (or Prefect server, or dashboard) is running; stop it or choose "
            "--prefect-port / --dashboard-port"
        )
        raise typer.Exit(2)
    home = prefect_home or Path(os.environ.get("PREFECT_HOME") or Path.home() / ".prefect")
    key = os.environ.get(config.KEY_FILE_ENV)
    started = parts(
        root,
        host=host,
        prefect_port=prefect_port,
        dashboard_port=dashboard_port,
        prefect_home=home,
        prefect_api=prefect_api,
        key_file=Path(key) if key else None,
    )
    console.print(f"backtrack up: data {root}", highlight=False)

    def report(line: str) -> None:
        console.print(line, markup=False, highlight=False)
        if line.startswith("all parts are up"):
            for part in started:
                if part.address:
                    console.print(f"  {part.address}", markup=False, highlight=False)
            if banner:
                console.print(f"  {banner}", markup=False, highlight=False)

    code = system.run(started, (logs or root.parent / "logs").resolve(), report)
    raise typer.Exit(code)
