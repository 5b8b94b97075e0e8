"""Questionnaires through the store, the use case, the command line and ``report --json``
(issue 17 item 3): answers stored and replaced, refused with every problem named (exit 2),
a clinic's definition file added without code and a broken one named, what is due."""

from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pipelines.app import participants as settings
from pipelines.app import questionnaires as app_questionnaires
from pipelines.cli.main import app
from pipelines.rules import report as report_mod
from pipelines.rules.questionnaires import AnswerError, DefinitionError, Due
from pipelines.schemas import DAYS, QUESTIONNAIRES
from pipelines.store import tombstones
from pipelines.store.storage import Store

runner = CliRunner()
START = date(2026, 9, 7)
TODAY = date(2026, 12, 7)
PEG = {"pain": 7, "enjoyment": 5, "activity": 6}

CLINIC = """
id = "back-index"
source = "the clinic's own"
licence = "held by the clinic"
title = { en = "Back index", de = "Rückenindex" }
description = { en = "Two questions", de = "Zwei Fragen" }

[[items]]
id = "bending"
text = { en = "Bending?", de = "Bücken?" }
min = 0
max = 5
anchors = [{ value = 0, en = "easy", de = "leicht" }, { value = 5, en = "impossible", de = "unmöglich" }]

[[items]]
id = "lifting"
text = { en = "Lifting?", de = "Heben?" }
min = 0
max = 5
anchors = [{ value = 0, en = "easy", de = "leicht" }, { value = 5, en = "impossible", de = "unmöglich" }]

[scoring]
method = "sum"
items = ["bending", "lifting"]
higher_is_better = false

[schedule]
weeks = [0, 4]
window_days = 3
"""  # noqa: E501


@pytest.fixture
def store(tmp_path: Path) -> Store:
    return Store(tmp_path / "data")


def cli(store: Store, *args: str) -> tuple[int, str]:
    result = runner.invoke(app, [*args, "--data-dir", str(store.root)])
    return result.exit_code, result.output


def flat(out: str) -> str:
    """The output with rich's line wrapping undone."""
    return " ".join(out.split())


def test_an_answer_is_stored_and_a_second_one_that_day_replaces_it(store: Store) -> None:
    first = app_questionnaires.answer(store, "p01", "PEG3", START, PEG, today=TODAY)
    assert (first.questionnaire, first.score, first.items) == ("peg3", 6.0, PEG)
    app_questionnaires.answer(store, "p01", "pgic", START + timedelta(days=42), {"change": 5})
    again = {"pain": 4, "enjoyment": 4, "activity": 5}  # (4 + 4 + 5) / 3 = 4.33
    app_questionnaires.answer(store, "p01", "peg3", START, again, today=TODAY, source="dashboard")
    rows = store.read(QUESTIONNAIRES, ["p01"])
    assert rows[["questionnaire", "date", "score", "items", "source"]].to_dict("records") == [
        {"questionnaire": "peg3", "date": START, "score": 4.33,
         "items": '{"pain": 4, "enjoyment": 4, "activity": 5}', "source": "dashboard"},
        {"questionnaire": "pgic", "date": START + timedelta(days=42), "score": 5.0,
         "items": '{"change": 5}', "source": "cli"},
    ]  # fmt: skip
    assert (datetime.now(UTC) - rows["answered_at"].max()).total_seconds() < 60
    assert store.read(QUESTIONNAIRES, ["p02"]).empty


def test_refused_answers_store_nothing(store: Store) -> None:
    with pytest.raises(AnswerError) as caught:
        app_questionnaires.answer(store, "p01", "peg3", START, {"pain": 11, "mood": 2})
    assert [p.message for p in caught.value.problems] == [
        "mood is not an item of peg3 (its items: pain, enjoyment, activity)",
        "item pain: 11 is above the highest value 10",
        "item enjoyment is missing",
        "item activity is missing",
    ]
    with pytest.raises(ValueError, match="2026-12-08 lies in the future"):
        app_questionnaires.answer(store, "p01", "peg3", TODAY + timedelta(1), PEG, today=TODAY)
    with pytest.raises(KeyError, match=r"no questionnaire 'odi' \(there are: peg3, pgic, psfs\)"):
        app_questionnaires.answer(store, "p01", "odi", START, {})
    assert store.read(QUESTIONNAIRES, ["p01"]).empty
    tombstones.add(store.root, "p09", TODAY)
    with pytest.raises(tombstones.Erased):
        app_questionnaires.answer(store, "p09", "peg3", START, PEG)


def test_a_clinic_adds_a_questionnaire_with_a_file_and_a_broken_one_is_named(
    store: Store,
) -> None:
    folder = store.root / app_questionnaires.CLINIC_FOLDER
    folder.mkdir(parents=True)
    (folder / "back-index.toml").write_text(CLINIC)
    assert list(app_questionnaires.definitions(store)) == ["peg3", "pgic", "psfs", "back-index"]
    stored = app_questionnaires.answer(
        store, "p01", "back-index", START, {"bending": 3, "lifting": 4}
    )
    assert stored.score == 7.0  # the sum 3 + 4
    code, out = cli(store, "questionnaire", "check", str(folder / "back-index.toml"))
    assert code == 0 and "back-index with 2 item(s), sum of bending, lifting" in flat(out)
    broken = folder / "odi.toml"
    broken.write_text(
        CLINIC.replace('id = "back-index"', 'id = "odi"').replace("max = 5", "max = 0", 1)
    )
    with pytest.raises(DefinitionError) as caught:
        app_questionnaires.definitions(store)
    assert caught.value.file == str(broken)
    assert caught.value.problems == ("items[1] (bending): max 0 must be above min 0",)
    code, out = cli(store, "questionnaire", "check", str(broken))
    assert code == 2 and "items[1] (bending): max 0 must be above min 0" in flat(out)
    code, out = cli(store, "questionnaire", "list")
    assert code == 2 and "odi.toml" in out and "max 0 must be above min 0" in flat(out)
    broken.write_text(CLINIC.replace("Back index", "Another"))  # the same id again
    code, out = cli(store, "questionnaire", "check", str(broken))
    assert code == 2 and "id: 'back-index' must match the file's name (odi.toml)" in flat(out)


def test_due_counts_from_the_program_start(store: Store) -> None:
    assert app_questionnaires.due(store, "p01", START) == []  # no start, no data
    settings.configure(store, "p01", program_start=START)
    assert app_questionnaires.due(store, "p01", START + timedelta(days=43)) == [
        Due("peg3", 6, START + timedelta(days=42), START + timedelta(days=48)),
        Due("pgic", 6, START + timedelta(days=42), START + timedelta(days=48)),
        Due("psfs", 6, START + timedelta(days=42), START + timedelta(days=48)),
    ]
    app_questionnaires.answer(store, "p01", "pgic", START + timedelta(days=42), {"change": 6})
    assert [
        d.questionnaire for d in app_questionnaires.due(store, "p01", START + timedelta(43))
    ] == [
        "peg3",
        "psfs",
    ]


def test_the_cli_answers_lists_and_refuses_with_exit_2(store: Store) -> None:
    code, out = cli(
        store, "questionnaire", "answer", "-p", "p01", "peg3", "--date", "2026-09-07",
        "pain=7", "enjoyment=5", "activity=6",
    )  # fmt: skip
    assert code == 0 and "p01 2026-09-07: peg3 score 6 stored" in out
    code, out = cli(
        store, "questionnaire", "answer", "-p", "p01", "peg3", "--date", "2026-09-14",
        "pain=5", "enjoyment=4", "activity=4",
    )  # fmt: skip
    assert code == 0 and "peg3 score 4.33 stored" in out  # 13 / 3
    refusals = [
        (["peg3", "--date", "2026-09-21", "pain=11", "enjoyment=x"],
         ["peg3 was not stored:", "item pain: 11 is above the highest value 10",
          "item enjoyment: x is not a number", "item activity is missing"]),
        (["peg3", "--date", "2026-09-21", "pain"], ["'pain' is not ITEM=VALUE"]),
        (["peg3", "--date", "2026-09-21", "pain=1", "pain=2"], ["item pain is given twice"]),
        (["odi", "--date", "2026-09-21"], ["no questionnaire 'odi'"]),
        (["peg3", "--date", "21.09.2026", "pain=1"], ["is not a date"]),
    ]  # fmt: skip
    for args, messages in refusals:
        code, out = cli(store, "questionnaire", "answer", "-p", "p01", *args)
        assert code == 2, (args, out)
        for message in messages:
            assert message in flat(out), (args, out)
    code, out = cli(store, "questionnaire", "list", "-p", "p01")
    assert code == 0
    lines = [line for line in out.splitlines() if "2026-09" in line]
    assert len(lines) == 2 and "-1.67" in lines[1]  # 4.33 − 6.0
    code, out = cli(store, "questionnaire", "list")
    assert code == 0 and all(q in out for q in ("peg3", "pgic", "psfs", "weeks 6, 12"))


def test_report_json_holds_every_answer_with_its_change(store: Store) -> None:
    settings.configure(store, "p01", program_start=START)
    app_questionnaires.answer(store, "p01", "psfs", START, _psfs(3, 5, 4))
    app_questionnaires.answer(store, "p01", "pgic", START + timedelta(42), {"change": 6})
    app_questionnaires.answer(store, "p01", "psfs", START + timedelta(42), _psfs(6, 7, 8))
    code, out = cli(store, "report", "-p", "p01", "--json")
    assert code == 0, out
    assert json.loads(out)["questionnaires"] == [
        {"id": "psfs", "date": "2026-09-07", "score": 4.0, "change": None,
         "items": _psfs(3, 5, 4)},
        {"id": "pgic", "date": "2026-10-19", "score": 6.0, "change": None,
         "items": {"change": 6}},
        {"id": "psfs", "date": "2026-10-19", "score": 7.0, "change": 3.0,
         "items": _psfs(6, 7, 8)},  # (6 + 7 + 8) / 3 = 7; 7 − 4 = 3
    ]  # fmt: skip
    code, out = cli(store, "report", "-p", "p01", "--json", "--start", "2026-10-01")
    # the change still counts from the first answer, before --start
    assert [(q["id"], q["change"]) for q in json.loads(out)["questionnaires"]] == [
        ("pgic", None),
        ("psfs", 3.0),
    ]
    code, out = cli(store, "report", "-p", "p01", "--json", "--end", "2026-10-01")
    assert [q["date"] for q in json.loads(out)["questionnaires"]] == ["2026-09-07"]
    code, out = cli(store, "report", "-p", "p01")
    assert code == 0 and "change vs first" in out
    assert [line.split()[1:] for line in out.splitlines() if "2026-10-19" in line] == [
        ["2026-10-19", "│", "pgic", "│", "6", "│", "–", "│"],
        ["2026-10-19", "│", "psfs", "│", "7", "│", "+3", "│"],
    ]
    p = settings.load_participant(store, "p01")
    assert report_mod.build(p, store.read(DAYS, ["p01"]))["questionnaires"] == []


def _psfs(a: int, b: int, c: int) -> dict[str, object]:
    return {
        "activity_1": "lifting a crate", "rating_1": a, "activity_2": "gardening",
        "rating_2": b, "activity_3": "sitting an hour", "rating_3": c,
    }  # fmt: skip


def test_the_example_definition_in_the_docs_is_valid_and_scores_as_it_says(
    store: Store,
) -> None:
    doc = (Path(__file__).resolve().parents[2] / "docs" / "questionnaires.md").read_text()
    [example] = re.findall(r"```toml\n(.*?)```", doc, flags=re.S)
    folder = store.root / app_questionnaires.CLINIC_FOLDER
    folder.mkdir(parents=True)
    (folder / "back-index.toml").write_text(example)
    code, out = cli(
        store, "questionnaire", "answer", "-p", "p07", "back-index", "--date", "2026-09-07",
        "bending=3", "lifting=4",
    )  # fmt: skip
    assert code == 0 and "back-index score 7 stored" in out
    broken = example.replace('{ value = 5, en = "Impossible", de = "Unmöglich" },\n]\n\n[scoring]',
                             "]\n\n[scoring]")  # fmt: skip
    (folder / "back-index.toml").write_text(broken)
    code, out = cli(store, "questionnaire", "check", str(folder / "back-index.toml"))
    message = "items[2] (lifting).anchors: name at least the lowest (0) and the highest (5) value"
    assert code == 2 and message in flat(out) and message in doc.replace("\n", " ")
