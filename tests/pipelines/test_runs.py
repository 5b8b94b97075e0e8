"""What a run says about itself: log lines, the markdown artifact, the retry rule."""

from __future__ import annotations

import errno

import pytest

from pipelines.orchestrate import runs
from pipelines.rules.ingestion import Outcome


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


A, B, C, D, E = (c * 64 for c in "abcde")


def test_ingest_markdown_counts_and_labels_every_file_not_simply_ingested() -> None:
    outcomes = [
        Outcome("walk-0.fit", "ok", None, sessions=1, sha256=A),
        Outcome("walk-1.fit", "ok", None, sessions=2, sha256=B),
        Outcome("copy.fit", "duplicate", "same content as 'walk-0.fit', already counted", 0, 0, C),
        Outcome("settings.fit", "skipped", "no sessions or steps (settings)", sha256=D),
        Outcome("x|y\n.FIT", "rejected", "not a FIT file", sha256=E),
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
        "Files by the first 12 hex digits of their SHA-256; the file manifest (`files`) has "
        "their names.",
        "",
        "| file | status | reason |",
        "|---|---|---|",
        r"| cccccccccccc\.fit | duplicate | same content as '…', already counted |",
        r"| dddddddddddd\.fit | skipped | no sessions or steps \(settings\) |",
        r"| eeeeeeeeeeee\.fit | rejected | not a FIT file |",
    ]


def test_log_line_is_one_line_per_file_named_by_its_hash() -> None:
    assert runs.log_line(Outcome("walk.fit", "ok", None, 1, 40, A)) == (
        "aaaaaaaaaaaa.fit: ok (1 sessions, 40 step intervals)"
    )
    line = runs.log_line(Outcome("evil\nFAKE: ok", "rejected", "bad\rCRC", sha256=B))
    assert "\n" not in line and "\r" not in line
    assert line == r"bbbbbbbbbbbb: rejected — bad\rCRC"
    assert runs.log_line(Outcome("big.fit", "rejected", "4 GiB limit")) == (
        "unread.fit: rejected — 4 GiB limit"
    )


@pytest.mark.parametrize(
    ("reason", "shown"),
    [
        (
            "same content as 'anna.mueller@example.org_run.gpx', already counted",
            "same content as '…', already counted",
        ),
        ('track 1 ("Anna\'s walk"): 2 glitches', "track 1 ('…'): 2 glitches"),
        ("the device's clock was not set", "the device's clock was not set"),
        ("mail anna@example.org for it", "mail … for it"),
        ("member export.zip/anna/run.fit has no data", "member … has no data"),
        ("row 3: bad\x1bvalue", r"row 3: bad\x1bvalue"),
        (None, None),
    ],
)
def test_run_reason_hides_quoted_text_addresses_and_names(
    reason: str | None, shown: str | None
) -> None:
    assert runs.run_reason(reason, ["export.zip/anna/run.fit"]) == shown


def test_log_lines_hide_every_name_of_the_run() -> None:
    outcomes = [
        Outcome("anna.mueller@example.org_run.gpx", "ok", None, 1, 0, A),
        Outcome("zip/x.fit", "duplicate", "same as anna.mueller@example.org_run.gpx", sha256=B),
    ]
    lines = runs.log_lines(outcomes)
    assert lines == [
        "aaaaaaaaaaaa.gpx: ok (1 sessions, 0 step intervals)",
        "bbbbbbbbbbbb.fit: duplicate — same as …",
    ]


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
