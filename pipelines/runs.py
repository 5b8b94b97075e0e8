"""What a flow run says about itself: its log lines, its artifact, which failures it retries.

Pure functions (no Prefect): ``pipelines.flows`` hands their results to Prefect's run logger
and ``create_markdown_artifact``. File names come from uploads and are untrusted text: they
are shown with control characters made visible (:func:`visible`) and, in markdown, with
every markdown character escaped (:func:`markdown_text`).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from typing import Final

import pandas as pd

from pipelines.ingestion import Outcome

STATUSES: Final = ("ok", "already", "duplicate", "skipped", "rejected")
_CONTROL: Final = re.compile(r"[\x00-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")
_MARKDOWN: Final = re.compile(r"([\\`*_{}\[\]()<>#+\-.!|~&])")


def visible(text: str | None) -> str:
    """Control characters (escape sequences, line breaks, bidirectional overrides) shown as
    ``\\xNN`` / ``\\uNNNN``: a file name can never start a new log line or reorder text."""
    return _CONTROL.sub(lambda m: ascii(m.group())[1:-1], text or "")


def markdown_text(text: str | None) -> str:
    """``text`` as literal markdown: control characters visible, markup characters escaped
    (a name can neither format nor link, nor break out of its table cell)."""
    return _MARKDOWN.sub(r"\\\1", visible(text))


def artifact_key(participant: str) -> str:
    """The artifact key of a participant's ingest runs: ``ingest-<id>`` in the characters
    Prefect allows (lowercase letters, digits, dashes)."""
    slug = re.sub(r"[^a-z0-9-]+", "-", participant.lower()).strip("-")
    return f"ingest-{slug or 'participant'}"


def log_line(outcome: Outcome) -> str:
    """One line per file for the run log: its name, status and reason (never a person's
    name — the run is named by the pseudonymous participant id)."""
    line = f"{visible(outcome.name)}: {outcome.status}"
    if outcome.status == "ok":
        line += f" ({outcome.sessions} sessions, {outcome.step_intervals} step intervals)"
    return line + (f" — {visible(outcome.reason)}" if outcome.reason else "")


def counts(outcomes: Sequence[Outcome]) -> dict[str, int]:
    """Files per status, every status present (0 when none)."""
    found = Counter(o.status for o in outcomes)
    return {status: found[status] for status in (*STATUSES, *sorted(set(found) - set(STATUSES)))}


def ingest_markdown(participant: str, outcomes: Sequence[Outcome]) -> str:
    """The ingest run's artifact: counts per status, then every file that was not simply
    ingested (duplicate, skipped, rejected, or ingested with a note) with its reason."""
    per_status = counts(outcomes)
    sessions = sum(o.sessions for o in outcomes if o.status == "ok")
    lines = [
        f"# Ingest for {markdown_text(participant)}",
        "",
        f"{len(outcomes)} file(s), {sessions} session(s) added.",
        "",
        "| status | files |",
        "|---|---:|",
        *(f"| {status} | {n} |" for status, n in per_status.items()),
    ]
    notable = [o for o in outcomes if o.status != "ok" or o.reason]
    if notable:
        lines += ["", "| file | status | reason |", "|---|---|---|"]
        lines += [
            f"| {markdown_text(o.name)} | {o.status} | {markdown_text(o.reason)} |" for o in notable
        ]
    return "\n".join(lines) + "\n"


NOT_TRANSIENT: Final = (FileNotFoundError, IsADirectoryError, NotADirectoryError, PermissionError)


def is_transient_io_error(error: BaseException | None) -> bool:
    """Whether a failed task is worth retrying: an ``OSError`` that can pass (a network
    file system, a full disk being cleared, a busy device) — not a missing file, a folder
    or a permission, and never a parse error (the same bytes fail the same way)."""
    return isinstance(error, OSError) and not isinstance(error, NOT_TRANSIENT)


def outcomes_from_manifest(manifest: pd.DataFrame, upload_sha256s: Sequence[str]) -> list[Outcome]:
    """What became of these uploads, read back from the file manifest (``files``): for a run
    that happened in another process (a served deployment), whose return value is not here."""
    rows = manifest.loc[manifest["upload_sha256"].isin(list(upload_sha256s))]
    return [
        Outcome(
            str(r["original_name"]),
            str(r["status"]),
            None if pd.isna(r["reason"]) else str(r["reason"]),
            int(r["n_sessions"]),
            int(r["n_step_intervals"]),
        )
        for r in rows.to_dict("records")
    ]
