"""What a run says about itself: log lines, the markdown artifact, the retry rule."""

from __future__ import annotations

import errno

import pytest

from pipelines import runs
from pipelines.ingestion import Outcome


@pytest.mark.parametrize(
    ("participant", "key"),
    [
        ("p01", "ingest-p01"),
        ("P_07", "ingest-p-07"),
        ("Study-A_12", "ingest-study-a-12"),
        ("___", "ingest-participant"),
    ],
)
def test_artifact_key_uses_only_what_prefect_allows(participant: str, key: str) -> None:
    assert runs.artifact_key(participant) == key


@pytest.mark.parametrize(
    ("name", "shown"),
    [
        ("walk.fit", r"walk\.fit"),
        ("a|b.fit", r"a\|b\.fit"),
        ("[x](http://evil)", r"\[x\]\(http://evil\)"),
        ("<img src=x>", r"\<img src=x\>"),
        ("line\nbreak", r"line\\nbreak"),
        ("\x1b[31mred", r"\\x1b\[31mred"),
        ("\u202eevil", r"\\u202eevil"),
        ("**bold** _it_ `code`", r"\*\*bold\*\* \_it\_ \`code\`"),
    ],
)
def test_untrusted_names_are_literal_markdown(name: str, shown: str) -> None:
    assert runs.markdown_text(name) == shown


def test_ingest_markdown_counts_and_names_every_file_not_simply_ingested() -> None:
    outcomes = [
        Outcome("walk-0.fit", "ok", None, sessions=1),
        Outcome("walk-1.fit", "ok", None, sessions=2),
        Outcome("copy.fit", "duplicate", "same content as walk-0.fit"),
        Outcome("settings.fit", "skipped", "no sessions or steps (settings)"),
        Outcome("x|y\n.fit", "rejected", "not a FIT file"),
    ]
    assert runs.ingest_markdown("p01", outcomes).splitlines() == [
        "# Ingest for p01",
        "",
        "5 file(s), 3 session(s) added.",
        "",
        "| status | files |",
        "|---|---:|",
        "| ok | 2 |",
        "| already | 0 |",
        "| duplicate | 1 |",
        "| skipped | 1 |",
        "| rejected | 1 |",
        "",
        "| file | status | reason |",
        "|---|---|---|",
        r"| copy\.fit | duplicate | same content as walk\-0\.fit |",
        r"| settings\.fit | skipped | no sessions or steps \(settings\) |",
        r"| x\|y\\n\.fit | rejected | not a FIT file |",
    ]


def test_log_line_is_one_line_per_file() -> None:
    assert runs.log_line(Outcome("walk.fit", "ok", None, 1, 40)) == (
        "walk.fit: ok (1 sessions, 40 step intervals)"
    )
    line = runs.log_line(Outcome("evil\nFAKE: ok", "rejected", "bad\rCRC"))
    assert "\n" not in line and "\r" not in line
    assert line == r"evil\nFAKE: ok: rejected — bad\rCRC"


@pytest.mark.parametrize(
    ("error", "retried"),
    [
        (OSError(errno.EIO, "I/O error"), True),
        (OSError(errno.ENOSPC, "No space left on device"), True),
        (TimeoutError("slow NFS"), True),
        (FileNotFoundError("gone"), False),
        (PermissionError("denied"), False),
        (IsADirectoryError("a folder"), False),
        (ValueError("bad FIT header"), False),
        (KeyError("x"), False),
        (None, False),
    ],
)
def test_only_io_that_can_pass_is_retried(error: BaseException | None, retried: bool) -> None:
    assert runs.is_transient_io_error(error) is retried
