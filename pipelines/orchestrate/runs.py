"""What a flow run says about itself: its log lines, its artifact, which failures it retries.

Pure functions (no Prefect): ``pipelines.orchestrate.flows`` hands their results to Prefect's run
logger
and ``create_markdown_artifact``.

Whoever operates the Prefect server reads the run logs and artifacts, so they carry no
personal data (docs/privacy.md): the run is named by the pseudonymous participant id, and a
file by :func:`file_label` - the first 12 hex digits of its SHA-256 and its extension
(``3f7a09c2b1d4.gpx``), never the name it arrived under (a person's file names are personal
data: "anna.mueller@example.org_run.gpx"). A reason is shown by :func:`run_reason`: text it
quotes from a file or a name (``'...'``), e-mail addresses and the names of the run's files
are replaced by ``…``. The file manifest (``files``) keeps names and whole reasons for the
participant and their coach. Text is still untrusted: control characters are made visible
(:func:`visible`) and, in markdown, every markdown character is escaped
(:func:`markdown_text`).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from pathlib import PurePosixPath
from typing import Final

from pipelines.rules.ingestion import Outcome

STATUSES: Final = ("ok", "already", "duplicate", "skipped", "rejected")
_CONTROL: Final = re.compile(r"[\x00-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")
_MARKDOWN: Final = re.compile(r"([\\`*_{}\[\]()<>#+\-.!|~&])")
_EXTENSION: Final = re.compile(r"\.([A-Za-z0-9]{1,8})$")
# quoted as Python's repr quotes (a name, a cell, a value): not an apostrophe inside a word
_QUOTED: Final = re.compile(r"""(?<!\w)'[^'\n]*'(?!\w)|(?<!\w)"[^"\n]*"(?!\w)""")
_EMAIL: Final = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
HIDDEN: Final = "…"


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


def file_label(outcome: Outcome) -> str:
    """How a run log names a file: ``<sha256[:12]>.<extension>`` (``unread`` for a file
    refused before it was read), never its name."""
    ext = _EXTENSION.search(PurePosixPath(outcome.name.replace("\\", "/")).name)
    return (outcome.sha256[:12] or "unread") + (f".{ext.group(1).lower()}" if ext else "")


def _name_parts(names: Iterable[str]) -> list[str]:
    """Names and every part of a member's path, longest first (so a whole name goes before
    the parts it contains); parts shorter than 4 characters would hide ordinary words."""
    parts = {part for name in names for part in (name, *name.replace("\\", "/").split("/"))}
    return sorted((p for p in parts if len(p) >= 4), key=len, reverse=True)


def run_reason(reason: str | None, names: Iterable[str] = ()) -> str | None:
    """``reason`` as a run log shows it: quoted text, e-mail addresses and ``names`` (the
    names of the run's files) replaced by ``…``; control characters made visible."""
    if reason is None:
        return None
    text = _QUOTED.sub(f"'{HIDDEN}'", reason)
    text = _EMAIL.sub(HIDDEN, text)
    for part in _name_parts(names):
        text = re.sub(rf"(?<!\w){re.escape(part)}(?!\w)", HIDDEN, text)
    return visible(text)


def log_line(outcome: Outcome, names: Iterable[str] = ()) -> str:
    """One line per file for the run log: its label, status and reason (:func:`run_reason`,
    with ``names`` the names of the run's files) - never a name."""
    line = f"{file_label(outcome)}: {outcome.status}"
    if outcome.status == "ok":
        line += f" ({outcome.sessions} sessions, {outcome.step_intervals} step intervals)"
    reason = run_reason(outcome.reason, [outcome.name, *names])
    return line + (f" — {reason}" if reason else "")


def log_lines(outcomes: Sequence[Outcome]) -> list[str]:
    """The run log's lines: one per file (:func:`log_line`)."""
    names = [o.name for o in outcomes]
    return [log_line(o, names) for o in outcomes]


def counts(outcomes: Sequence[Outcome]) -> dict[str, int]:
    """Files per status, every status present (0 when none)."""
    found = Counter(o.status for o in outcomes)
    return {status: found[status] for status in (*STATUSES, *sorted(set(found) - set(STATUSES)))}


def ingest_markdown(participant: str, outcomes: Sequence[Outcome]) -> str:
    """The ingest run's artifact: counts per status, then every file that was not simply
    ingested (duplicate, skipped, rejected, or ingested with a note) with its reason. Files
    are named by :func:`file_label` and reasons shown by :func:`run_reason`."""
    per_status = counts(outcomes)
    names = [o.name for o in outcomes]
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
        lines += [
            "",
            "Files by the first 12 hex digits of their SHA-256; the file manifest (`files`) "
            "has their names.",
            "",
            "| file | status | reason |",
            "|---|---|---|",
        ]
        lines += [
            f"| {markdown_text(file_label(o))} | {o.status} | "
            f"{markdown_text(run_reason(o.reason, names))} |"
            for o in notable
        ]
    return "\n".join(lines) + "\n"


NOT_TRANSIENT: Final = (FileNotFoundError, IsADirectoryError, NotADirectoryError, PermissionError)


def is_transient_io_error(error: BaseException | None) -> bool:
    """Whether a failed task is worth retrying: an ``OSError`` that can pass (a network
    file system, a full disk being cleared, a busy device) — not a missing file, a folder
    or a permission, and never a parse error (the same bytes fail the same way)."""
    return isinstance(error, OSError) and not isinstance(error, NOT_TRANSIENT)
