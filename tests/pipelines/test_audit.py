"""The audit trail: a hash chain that any alteration, deletion, reordering, insertion or
truncation breaks; concurrent writers from several processes keep one chain."""

from __future__ import annotations

import itertools
import json
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pipelines.cli.main import app
from pipelines.store import audit
from pipelines.store.audit import AuditLog


def _filled(root: Path, n: int = 6) -> AuditLog:
    log = AuditLog(root)
    for i in range(n):
        log.append(
            "coach-a" if i % 2 else "cli:ops",
            "view" if i % 3 else "export",
            [f"p0{i % 3 + 1}"],
            group="group-a" if i % 2 else None,
            detail=f"page number {i}",
        )
    return log


def test_entries_chain_and_verify(tmp_path: Path) -> None:
    log = _filled(tmp_path)
    entries = log.entries()
    assert [e.seq for e in entries] == [1, 2, 3, 4, 5, 6]
    assert entries[0].prev == audit.GENESIS
    assert all(b.prev == a.hash for a, b in itertools.pairwise(entries))
    assert log.head() == (6, entries[-1].hash)
    result = log.verify()
    assert result.ok and result.entries == 6 and result.problems == []
    first = json.loads(log.path.read_bytes().splitlines()[0])
    assert set(first) == {
        "seq", "at", "actor", "action", "participants", "group", "detail", "prev", "hash"
    }  # fmt: skip
    assert first["participants"] == ["p01"] and first["at"].endswith("Z")


def test_an_empty_trail_verifies(tmp_path: Path) -> None:
    assert AuditLog(tmp_path).verify().ok


def test_altering_any_byte_of_any_entry_is_detected(tmp_path: Path) -> None:
    log = _filled(tmp_path, 3)
    original = log.path.read_bytes()
    positions = [i for i, byte in enumerate(original) if byte != ord("\n")]
    for position in positions:
        changed = bytearray(original)
        changed[position] = ord("x") if changed[position] != ord("x") else ord("y")
        log.path.write_bytes(bytes(changed))
        assert not log.verify().ok, f"byte {position} changed undetected"
    log.path.write_bytes(original)
    assert log.verify().ok


def _lines(log: AuditLog) -> list[bytes]:
    return log.path.read_bytes().splitlines(keepends=True)


@pytest.mark.parametrize(
    "tamper",
    [
        pytest.param(lambda ls: ls[:2] + ls[3:], id="an entry deleted"),
        pytest.param(lambda ls: ls[:-1], id="the last entry deleted (truncation)"),
        pytest.param(lambda ls: ls[:3], id="the tail truncated"),
        pytest.param(lambda ls: [], id="everything emptied"),
        pytest.param(lambda ls: [ls[1], ls[0], *ls[2:]], id="two entries swapped"),
        pytest.param(lambda ls: [*ls[:3], ls[2], *ls[3:]], id="an entry copied in"),
        pytest.param(lambda ls: [*ls, ls[-1]], id="the last entry repeated"),
    ],
)
def test_deleting_reordering_inserting_or_truncating_is_detected(
    tmp_path: Path, tamper: object
) -> None:
    log = _filled(tmp_path)
    assert callable(tamper)
    log.path.write_bytes(b"".join(tamper(_lines(log))))
    assert not log.verify().ok


def test_a_forged_entry_rehashed_in_the_middle_is_detected(tmp_path: Path) -> None:
    log = _filled(tmp_path)
    lines = _lines(log)
    entry = json.loads(lines[2])
    entry["participants"] = ["p09"]
    body = {k: v for k, v in entry.items() if k != "hash"}
    entry["hash"] = audit.entry_hash(entry["prev"], body)  # consistent itself...
    lines[2] = audit.canonical(entry) + b"\n"
    log.path.write_bytes(b"".join(lines))
    problems = log.verify().problems
    assert any("line 4" in p for p in problems)  # ...but the next one no longer follows


def test_removing_the_head_or_the_log_is_detected(tmp_path: Path) -> None:
    log = _filled(tmp_path)
    log.head_path.unlink()
    assert not log.verify().ok
    log = _filled(tmp_path / "other")
    log.path.unlink()
    assert not log.verify().ok


def test_a_writer_killed_before_the_head_update_leaves_a_chain_the_next_one_continues(
    tmp_path: Path,
) -> None:
    log = _filled(tmp_path, 3)
    head = log.head_path.read_bytes()
    log.append("cli:ops", "view", ["p01"])
    log.head_path.write_bytes(head)  # as if killed between the append and the head
    log.append("cli:ops", "view", ["p02"])
    result = log.verify()
    assert result.ok and result.entries == 5


def test_a_writer_after_truncation_does_not_hide_it(tmp_path: Path) -> None:
    log = _filled(tmp_path)
    log.path.write_bytes(b"".join(_lines(log)[:3]))
    log.append("cli:ops", "view", ["p01"])  # chains to the head, not the cut log
    assert not log.verify().ok


def test_no_e_mail_address_reaches_the_trail(tmp_path: Path) -> None:
    log = AuditLog(tmp_path)
    entry = log.append("anna@clinic.example", "account-add", detail="anna@clinic.example (x)")
    text = log.path.read_text()
    assert "@" not in text and "clinic.example" not in text
    assert entry.actor.startswith("account:") and "[e-mail removed]" in entry.detail
    with pytest.raises(ValueError):
        log.append("cli:ops", "view", ["anna@clinic.example"])  # not a participant id
    with pytest.raises(audit.AuditError):
        log.append("cli:ops", "peek", ["p01"])


def test_select_by_participant_and_time(tmp_path: Path) -> None:
    log = AuditLog(tmp_path)
    early = datetime(2026, 1, 1, tzinfo=UTC)
    log.append("a", "view", ["p01"], now=early)
    log.append("a", "view", ["p02"], now=datetime(2026, 2, 1, tzinfo=UTC))
    log.append("a", "view", ["p01", "p02"], group="g", now=datetime(2026, 3, 1, tzinfo=UTC))
    entries = log.entries()
    assert [e.seq for e in audit.select(entries, "p01")] == [1, 3]
    assert [e.seq for e in audit.select(entries, "p02", datetime(2026, 2, 2, tzinfo=UTC))] == [3]


WRITER = """
import sys
from pipelines.store.audit import AuditLog
log = AuditLog(sys.argv[1])
for i in range(int(sys.argv[3])):
    log.append(sys.argv[2], "view", ["p01"], detail=f"{sys.argv[2]} {i}")
"""


def test_two_processes_writing_at_once_keep_one_chain(tmp_path: Path) -> None:
    root = Path(__file__).resolve().parents[2]
    writers = [
        subprocess.Popen([sys.executable, "-c", WRITER, str(tmp_path), f"w{k}", "150"], cwd=root)
        for k in range(2)
    ]
    assert [w.wait(120) for w in writers] == [0, 0]
    log = AuditLog(tmp_path)
    result = log.verify()
    assert result.ok, result.problems
    entries = log.entries()
    assert [e.seq for e in entries] == list(range(1, 301))
    for name in ("w0", "w1"):  # each writer's entries all there, in its own order
        mine = [e.detail for e in entries if e.actor == name]
        assert mine == [f"{name} {i}" for i in range(150)]


def test_the_cli_shows_and_verifies(tmp_path: Path) -> None:
    log = _filled(tmp_path)
    runner = CliRunner()
    shown = runner.invoke(app, ["audit", "show", "-p", "p02", "--data-dir", str(tmp_path)])
    assert shown.exit_code == 0, shown.output
    assert "p02" in shown.output and "p01" not in shown.output
    since = runner.invoke(
        app, ["audit", "show", "--since", "2999-01-01", "--data-dir", str(tmp_path)]
    )
    assert since.exit_code == 0 and "coach-a" not in since.output
    ok = runner.invoke(app, ["audit", "verify", "--data-dir", str(tmp_path)])
    assert ok.exit_code == 0 and "intact" in ok.output
    log.path.write_bytes(b"".join(_lines(log)[:-1]))
    bad = runner.invoke(app, ["audit", "verify", "--data-dir", str(tmp_path)])
    assert bad.exit_code == 1 and "NOT intact" in bad.output


def test_account_changes_are_audited_without_e_mail(tmp_path: Path) -> None:
    runner = CliRunner()
    data = ["--data-dir", str(tmp_path)]
    for command in (
        ["users", "add", "anna", "--role", "participant", "-p", "p07", "--email", "a@x.example"],
        ["users", "add", "kim", "--role", "coach", "--group", "group-a"],
        ["users", "assign-group", "kim", "group-b"],
        ["users", "remove", "anna"],
    ):
        extra = ["--no-password"] if command[1] == "add" else []
        result = runner.invoke(app, [*command, *extra, *data])
        assert result.exit_code == 0, result.output
    entries = AuditLog(tmp_path).entries()
    assert [(e.action, e.participants, e.detail) for e in entries] == [
        ("account-add", ("p07",), "anna (participant)"),
        ("account-add", (), "kim (coach)"),
        ("account-group", (), "kim +group-b"),
        ("account-remove", ("p07",), "anna (participant)"),
    ]
    assert "@" not in AuditLog(tmp_path).path.read_text()
