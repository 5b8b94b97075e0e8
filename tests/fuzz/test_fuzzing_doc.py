"""A docs check, named as such: docs/fuzzing.md's results table (written by ``make fuzz``)
is well formed. It checks the document, not the readers."""

from __future__ import annotations

import re
from pathlib import Path

from tests.fuzz.run import END, START

ROOT = Path(__file__).resolve().parents[2]


def test_fuzzing_doc_table_is_well_formed() -> None:
    """A check of the document, not of the readers: docs/fuzzing.md's results table (written
    by ``make fuzz``) lists every reader plus the diary and upload targets, and its figures
    agree with each other and with the run line above it. Whether the readers still survive
    fuzzing is the short Hypothesis run's job (tests/fuzz) and the long run's (``make fuzz``)."""
    from ingest.read import READERS

    text = (ROOT / "docs" / "fuzzing.md").read_text()
    assert text.count(START) == 1 and text.count(END) == 1, "run `make fuzz`"
    results = text.split(START, 1)[1].split(END, 1)[0]
    lines = [line for line in results.splitlines() if line.startswith("|")]
    header = [cell.strip() for cell in lines[0].strip("|").split("|")]
    assert header == [
        "reader", "inputs", "ok", "skipped", "rejected", "unhandled exceptions",
        "max ms", "p99 ms", "> 2 s",
    ]  # fmt: skip
    rows = {}
    for line in lines[2:]:
        cells = [cell.strip() for cell in line.strip("|").split("|")]
        assert len(cells) == len(header), line
        assert cells[0] not in rows, f"{cells[0]} listed twice"
        rows[cells[0]] = cells[1:]
    missing = ({*READERS, "diary", "upload"}) - {name.split(" (")[0] for name in rows}
    assert missing == set(), f"readers without long-run numbers: {sorted(missing)}"

    per_reader = re.search(r"--inputs (\d+)", results)
    total = re.search(r"(\d+) inputs in ", results)
    assert per_reader and total, "the run line names --inputs and the total"
    counts = {
        name: [int(c) for c in (v[0], v[1], v[2], v[3], v[4], v[7])] for name, v in rows.items()
    }
    for name, (inputs, ok, skipped, rejected, unhandled, slow) in counts.items():
        assert inputs == int(per_reader.group(1)), name
        assert ok + skipped + rejected + unhandled == inputs, name
        max_ms, p99_ms = float(rows[name][5]), float(rows[name][6])
        assert 0 <= p99_ms <= max_ms, name
        assert slow == 0 or max_ms > 2000, name
    assert sum(c[0] for c in counts.values()) == int(total.group(1))
    stated = re.search(r"Unhandled exceptions: (\d+)\. Inputs over 2 s: (\d+)\.", results)
    assert stated, "the summary line under the table"
    assert int(stated.group(1)) == sum(c[4] for c in counts.values())
    assert int(stated.group(2)) == sum(c[5] for c in counts.values())
