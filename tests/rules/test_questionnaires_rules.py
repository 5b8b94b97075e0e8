"""The questionnaire rules (pipelines/rules/questionnaires.py): scoring, answer checks, due
windows, change vs the first score, and the definition loader's messages. Every expected
figure is worked out by hand in the table; the three shipped definitions are read from their
files (the same text a clinic would copy)."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from pipelines.rules import questionnaires as q
from pipelines.rules.questionnaires import AnswerError, Definition, DefinitionError, Due

FOLDER = Path(__file__).resolve().parents[2] / "pipelines" / "questionnaires"


def shipped(name: str) -> Definition:
    return q.parse_definition(f"{name}.toml", (FOLDER / f"{name}.toml").read_text())


PEG, PGIC, PSFS = shipped("peg3"), shipped("pgic"), shipped("psfs")
START = date(2026, 9, 7)  # a Monday


def d(day: int) -> date:
    return START + timedelta(days=day)


# --------------------------------------------------------------------------- scoring


@pytest.mark.parametrize(
    ("definition", "answer", "score"),
    [
        (PEG, {"pain": 7, "enjoyment": 5, "activity": 6}, 6.0),  # 18 / 3
        (PEG, {"pain": 7, "enjoyment": 5, "activity": 5}, 5.67),  # 17 / 3 = 5.666…
        (PEG, {"pain": 0, "enjoyment": 0, "activity": 1}, 0.33),  # 1 / 3
        (PEG, {"pain": "10", "enjoyment": "10", "activity": "10"}, 10.0),  # typed as text
        (PGIC, {"change": 6}, 6.0),  # the single answer
        (PGIC, {"change": "1"}, 1.0),
        (
            PSFS,
            {
                "activity_1": "lifting",
                "rating_1": 3,
                "activity_2": "garden",
                "rating_2": 5,
                "activity_3": "sitting",
                "rating_3": 4,
            },
            4.0,
        ),  # (3 + 5 + 4) / 3
        (
            PSFS,
            {
                "activity_1": "a",
                "rating_1": 10,
                "activity_2": "b",
                "rating_2": 0,
                "activity_3": "c",
                "rating_3": 1,
            },
            3.67,
        ),  # 11 / 3 = 3.666…
    ],
)
def test_scores(definition: Definition, answer: dict[str, object], score: float) -> None:
    assert q.score(definition, q.check_answer(definition, answer)) == score


def test_a_sum_score_and_its_range() -> None:
    text = VALID.replace('method = "mean"', 'method = "sum"')
    summed = q.parse_definition("clinic.toml", text)
    assert q.score(summed, q.check_answer(summed, {"a": 1.5, "b": 2})) == 3.5
    assert summed.score_range == (0, 8)  # 0–4 twice
    assert q.parse_definition("clinic.toml", VALID).score_range == (0, 4)
    assert PGIC.score_range == (1, 7) and PEG.score_range == (0, 10)


def test_checked_answers_keep_the_item_order_whole_numbers_as_int_texts_stripped() -> None:
    items = q.check_answer(
        PSFS,
        {"rating_3": "4", "activity_3": " sitting ", "rating_1": 3.0, "activity_1": "lift",
         "rating_2": "5,0", "activity_2": "garden"},
    )  # fmt: skip
    assert list(items) == ["activity_1", "rating_1", "activity_2", "rating_2", "activity_3",
                           "rating_3"]  # fmt: skip
    assert items["rating_1"] == 3 and isinstance(items["rating_1"], int)
    assert items["rating_2"] == 5 and items["activity_3"] == "sitting"


# ------------------------------------------------------------------------ validation


@pytest.mark.parametrize(
    ("definition", "answer", "messages"),
    [
        (PEG, {"pain": 11, "enjoyment": 5, "activity": 6},
         ["item pain: 11 is above the highest value 10"]),
        (PEG, {"pain": -1, "enjoyment": 5, "activity": 6},
         ["item pain: -1 is below the lowest value 0"]),
        (PEG, {"pain": 2.5, "enjoyment": 5, "activity": 6},
         ["item pain: 2.5 is not on the scale (steps of 1 from 0)"]),
        (PEG, {"pain": "lots", "enjoyment": 5, "activity": 6},
         ["item pain: lots is not a number"]),
        (PEG, {"pain": True, "enjoyment": 5, "activity": 6},
         ["item pain: True is not a number"]),
        (PEG, {"pain": "nan", "enjoyment": 5, "activity": 6},
         ["item pain: nan is not a number"]),
        (PEG, {"pain": 3, "activity": 6}, ["item enjoyment is missing"]),
        (PEG, {"pain": 3, "enjoyment": "", "activity": 6}, ["item enjoyment is missing"]),
        (PEG, {"pain": 3, "enjoyment": None, "activity": 6}, ["item enjoyment is missing"]),
        (PGIC, {"change": 0}, ["item change: 0 is below the lowest value 1"]),
        (PGIC, {"change": 8}, ["item change: 8 is above the highest value 7"]),
        (PGIC, {"change": 4, "mood": 3},
         ["mood is not an item of pgic (its items: change)"]),
        (PEG, {"pain": 11, "enjoyment": 5},  # every problem at once, unknown items first
         ["item pain: 11 is above the highest value 10", "item activity is missing"]),
        (PSFS, {"activity_1": "  ", "rating_1": 3, "activity_2": "x" * 101, "rating_2": 5,
                "activity_3": "c", "rating_3": 4},
         ["item activity_1: the text is empty",
          "item activity_2: the text is longer than 100 characters"]),
    ],
)  # fmt: skip
def test_answers_refused_with_every_problem_named(
    definition: Definition, answer: dict[str, object], messages: list[str]
) -> None:
    with pytest.raises(AnswerError) as caught:
        q.check_answer(definition, answer)
    assert [p.message for p in caught.value.problems] == messages
    assert str(caught.value) == "; ".join(messages)


def test_a_half_step_scale_takes_its_steps_only() -> None:
    half = q.parse_definition("clinic.toml", VALID)  # items a, b: 0–4 in steps of 0.5
    assert half.item("a") is not None and half.item("a").values == [  # type: ignore[union-attr]
        0, 0.5, 1, 1.5, 2, 2.5, 3, 3.5, 4
    ]  # fmt: skip
    assert q.check_answer(half, {"a": 2.5, "b": "0.5"}) == {"a": 2.5, "b": 0.5}
    with pytest.raises(AnswerError, match=r"item a: 2.25 is not on the scale \(steps of 0.5"):
        q.check_answer(half, {"a": 2.25, "b": 1})


# ------------------------------------------------------------------------------- due


def due(
    definition: Definition, day: int, answered: list[int] = (), start: date | None = START
) -> list[tuple[int, date, date]]:
    found = q.due([definition], start, d(day), [(definition.id, d(a)) for a in answered])
    return [(x.week, x.scheduled, x.until) for x in found]


@pytest.mark.parametrize(
    ("definition", "day", "answered", "expected"),
    [
        # PEG-3: weekly from the start, each due for 7 days (days 0–6, 7–13, …), up to week 12
        (PEG, 0, [], [(0, d(0), d(6))]),
        (PEG, 6, [], [(0, d(0), d(6))]),
        (PEG, 7, [], [(1, d(7), d(13))]),  # a missed week is not carried over
        (PEG, 3, [2], []),  # answered inside the window
        (PEG, 8, [2], [(1, d(7), d(13))]),  # last week's answer does not count for this one
        (PEG, 9, [7], []),
        (PEG, 84, [], [(12, d(84), d(90))]),  # week 12: the last
        (PEG, 91, [], []),  # week 13: past until_week
        (PEG, -1, [], []),  # before the program start
        # PGIC: weeks 6 and 12 (days 42–48 and 84–90)
        (PGIC, 41, [], []),
        (PGIC, 42, [], [(6, d(42), d(48))]),
        (PGIC, 48, [], [(6, d(42), d(48))]),
        (PGIC, 49, [], []),
        (PGIC, 45, [44], []),
        (PGIC, 45, [41], [(6, d(42), d(48))]),  # the day before the window does not count
        (PGIC, 86, [44], [(12, d(84), d(90))]),
        # PSFS: the start, weeks 6 and 12
        (PSFS, 0, [], [(0, d(0), d(6))]),
        (PSFS, 7, [], []),
        (PSFS, 43, [0], [(6, d(42), d(48))]),
        (PSFS, 90, [0, 42], [(12, d(84), d(90))]),
        (PSFS, 90, [0, 42, 90], []),
    ],
)
def test_due(
    definition: Definition, day: int, answered: list[int], expected: list[tuple[int, date, date]]
) -> None:
    assert due(definition, day, answered) == expected


def test_nothing_is_due_without_a_program_start_and_several_are_sorted_by_id() -> None:
    assert q.due([PEG, PGIC, PSFS], None, d(42), []) == []
    assert q.due([PSFS, PGIC, PEG], START, d(42), [("peg3", d(43))]) == [
        Due("pgic", 6, d(42), d(48)),
        Due("psfs", 6, d(42), d(48)),
    ]


def test_the_example_in_the_module_doc() -> None:
    # program start Mon 2026-09-07, PGIC due 2026-10-19 … 2026-10-25 and 2026-11-30 … 12-06
    assert q.due([PGIC], START, date(2026, 10, 19), []) == [
        Due("pgic", 6, date(2026, 10, 19), date(2026, 10, 25))
    ]
    assert q.due([PGIC], START, date(2026, 12, 6), []) == [
        Due("pgic", 12, date(2026, 11, 30), date(2026, 12, 6))
    ]
    assert q.due([PGIC], START, date(2026, 10, 22), [("pgic", date(2026, 10, 21))]) == []


@given(st.integers(0, 120), st.lists(st.integers(0, 120), max_size=6))
def test_at_most_one_window_per_questionnaire_is_open_and_it_holds_the_day(
    day: int, answered: list[int]
) -> None:
    for definition in (PEG, PGIC, PSFS):
        found = q.due([definition], START, d(day), [(definition.id, d(a)) for a in answered])
        assert len(found) <= 1
        for x in found:
            assert x.scheduled <= d(day) <= x.until
            assert not any(x.scheduled <= d(a) <= x.until for a in answered)


# ----------------------------------------------------------------- change vs the first


def answers(*rows: tuple[str, int, float]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "participant": "p01",
            "questionnaire": [r[0] for r in rows],
            "date": [d(r[1]) for r in rows],
            "score": [r[2] for r in rows],
            "items": "{}",
        }
    )


def test_change_against_the_first_score_of_the_same_questionnaire() -> None:
    frame = answers(("peg3", 14, 5.0), ("pgic", 42, 5), ("peg3", 0, 6.67), ("peg3", 7, 6.33))
    out = q.with_change(frame)
    assert list(zip(out["questionnaire"], out["date"], out["score"], strict=True)) == [
        ("peg3", d(0), 6.67), ("peg3", d(7), 6.33), ("peg3", d(14), 5.0), ("pgic", d(42), 5.0),
    ]  # fmt: skip
    # 6.33 − 6.67 = −0.34; 5.0 − 6.67 = −1.67; first answers: none
    assert out["change"].tolist()[1:3] == [-0.34, -1.67]
    assert pd.isna(out["change"].iloc[0]) and pd.isna(out["change"].iloc[3])
    assert q.latest(frame) == [
        {"id": "peg3", "answers": 3, "first_date": d(0), "first_score": 6.67, "date": d(14),
         "score": 5.0, "change": -1.67},
        {"id": "pgic", "answers": 1, "first_date": d(42), "first_score": 5.0, "date": d(42),
         "score": 5.0, "change": None},
    ]  # fmt: skip


def test_a_new_answer_on_the_same_day_replaces_the_old_one() -> None:
    held = answers(("peg3", 0, 6.0), ("peg3", 7, 5.0))
    new = answers(("peg3", 7, 3.0), ("pgic", 42, 6))
    out = q.apply_answer(held, new)
    assert list(zip(out["questionnaire"], out["date"], out["score"], strict=True)) == [
        ("peg3", d(0), 6.0), ("peg3", d(7), 3.0), ("pgic", d(42), 6.0)
    ]  # fmt: skip


def test_a_row_carries_the_items_as_json() -> None:
    row = q.row("p01", PEG, d(0), {"pain": "7", "enjoyment": 5, "activity": 6})
    assert row == {
        "participant": "p01", "questionnaire": "peg3", "date": d(0), "score": 6.0,
        "items": '{"pain": 7, "enjoyment": 5, "activity": 6}',
    }  # fmt: skip
    assert json.loads(row["items"]) == q.items_of(row["items"])


# ----------------------------------------------------------------------- definitions

VALID = """
id = "clinic"
source = "a source"
licence = "the clinic's licence"
title = { en = "A title", de = "Ein Titel" }
description = { en = "What it measures", de = "Was er misst" }

[[items]]
id = "a"
text = { en = "Question a", de = "Frage a" }
min = 0
max = 4
step = 0.5
anchors = [{ value = 0, en = "none", de = "keine" }, { value = 4, en = "all", de = "alle" }]

[[items]]
id = "b"
text = { en = "Question b", de = "Frage b" }
min = 0
max = 4
step = 0.5
anchors = [{ value = 0, en = "none", de = "keine" }, { value = 4, en = "all", de = "alle" }]

[scoring]
method = "mean"
items = ["a", "b"]
higher_is_better = false

[schedule]
weeks = [0, 12]
"""


def test_the_shipped_definitions() -> None:
    assert [i.id for i in PEG.items] == ["pain", "enjoyment", "activity"]
    assert PEG.schedule.every_weeks == 1 and PEG.schedule.until_week == 12
    assert PGIC.schedule.weeks == (6, 12) and PSFS.schedule.weeks == (0, 6, 12)
    assert [i.kind for i in PSFS.items] == ["text", "scale"] * 3
    assert (PEG.scoring.higher_is_better, PGIC.scoring.higher_is_better,
            PSFS.scoring.higher_is_better) == (False, True, True)  # fmt: skip
    assert "Krebs" in PEG.source and "Hurst" in PGIC.source and "Stratford" in PSFS.source
    assert all(i.text.de and i.text.en for x in (PEG, PGIC, PSFS) for i in x.items)
    assert [a.value for a in PGIC.items[0].anchors] == [1, 2, 3, 4, 5, 6, 7]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (('id = "clinic"', 'id = "Clinic!"'), "id: 'Clinic!' must be lower-case letters"),
        (('id = "clinic"', 'id = "other"'), "id: 'other' must match the file's name (clinic.toml)"),
        (('title = { en = "A title", de = "Ein Titel" }', 'title = { en = "A title" }'),
         "title.de: missing or empty"),
        (('source = "a source"', ""), "source: missing or empty"),
        (('licence = "the clinic\'s licence"', 'licence = ""'), "licence: missing or empty"),
        (("max = 4\nstep = 0.5\nanchors = [{ value = 0, en = \"none\", de = \"keine\" }, "
          "{ value = 4, en = \"all\", de = \"alle\" }]\n\n[scoring]",
          "max = 4\nstep = 0.3\nanchors = []\n\n[scoring]"),
         "items[2] (b).step: 0.3 must be positive and divide max − min (4)"),
        (('id = "b"\ntext = { en = "Question b", de = "Frage b" }\nmin = 0\nmax = 4',
          'id = "b"\ntext = { en = "Question b", de = "Frage b" }\nmin = 4\nmax = 0'),
         "items[2] (b): max 0 must be above min 4"),
        (('id = "b"', 'id = "a"'), "items[2] (a).id: used twice"),
        (('id = "b"\ntext', 'id = "b"\nkind = "choice"\ntext'),
         "items[2] (b).kind: 'choice' must be one of scale, text"),
        (('{ value = 4, en = "all", de = "alle" }]\n\n[scoring]',
          '{ value = 5, en = "all", de = "alle" }]\n\n[scoring]'),
         "items[2] (b).anchors[2].value: 5 is not a value of the scale"),
        (('{ value = 4, en = "all", de = "alle" }]\n\n[scoring]',
          '{ value = 3, en = "all", de = "alle" }]\n\n[scoring]'),
         "items[2] (b).anchors: name at least the lowest (0) and the highest (4) value"),
        (('method = "mean"', 'method = "median"'),
         "scoring.method: 'median' must be one of mean, sum, item"),
        (('method = "mean"', 'method = "item"'),
         "scoring.items: method 'item' scores exactly one item, not 2"),
        (('items = ["a", "b"]', 'items = ["a", "c"]'), "scoring.items: 'c' is not an item"),
        (("higher_is_better = false", ""), "scoring.higher_is_better: true or false is needed"),
        (("weeks = [0, 12]", "weeks = [0, 12]\nevery_weeks = 2"),
         "schedule: give either weeks = [...] or every_weeks = n"),
        (("weeks = [0, 12]", "weeks = [12, 0]"), "schedule.weeks: list each week once, in order"),
        (("weeks = [0, 12]", "weeks = [0, -1]"), "schedule.weeks: [0, -1] must be a list"),
        (("weeks = [0, 12]", "every_weeks = 1\nwindow_days = 8"),
         "schedule.window_days: 8 is longer than the 7 days between two scheduled days"),
        (("weeks = [0, 12]", "weeks = [0, 1]\nwindow_days = 8"),
         "schedule.window_days: 8 days overlap the next scheduled week"),
        (("weeks = [0, 12]", "weeks = [0, 12]\ncolour = 'red'"),
         "schedule: unknown field(s) colour"),
        (("[scoring]", "[scorings]"), "unknown field(s) scorings"),
    ],
)  # fmt: skip
def test_a_wrong_definition_names_its_file_and_field(change: tuple[str, str], message: str) -> None:
    old, new = change
    assert old in VALID
    with pytest.raises(DefinitionError) as caught:
        q.parse_definition("clinic/clinic.toml", VALID.replace(old, new, 1))
    assert str(caught.value).startswith("clinic/clinic.toml: ")
    assert any(p.startswith(message) for p in caught.value.problems), caught.value.problems


def test_not_toml_and_an_id_defined_twice() -> None:
    with pytest.raises(DefinitionError, match=r"^x\.toml: not valid TOML"):
        q.parse_definition("x.toml", "id = ")
    clinic = q.parse_definition("a/peg3.toml", (FOLDER / "peg3.toml").read_text())
    with pytest.raises(DefinitionError, match=r"a/peg3.toml: id: 'peg3' is already defined by"):
        q.check_catalogue([PEG, PGIC, clinic])
    assert list(q.check_catalogue([PEG, PGIC, PSFS])) == ["peg3", "pgic", "psfs"]


@given(st.data())
def test_every_value_on_the_scales_is_accepted_and_scores_inside_the_range(
    drawn: st.DataObject,
) -> None:
    for definition in (PEG, PGIC, PSFS):
        answer: dict[str, object] = {
            i.id: drawn.draw(st.text(min_size=1, max_size=20).filter(str.strip))
            if i.kind == "text"
            else drawn.draw(st.sampled_from(i.values))
            for i in definition.items
        }
        low, high = definition.score_range
        assert low <= q.score(definition, q.check_answer(definition, answer)) <= high


@pytest.mark.parametrize(
    ("change", "problems"),
    [  # every problem of the file, exactly as written (a clinic edits by these messages)
        (("[scoring]", 'colour = "red"\nshape = 1\n[scoring]'),
         ("items[2] (b): unknown field(s) colour, shape",)),
        (('source = "a source"', 'source = "a source"\nzeta = 1\nalpha = 2'),
         ("unknown field(s) alpha, zeta",)),
        (('id = "b"', 'id = "2b"'),
         ("items[2].id: '2b' must start with a lower-case letter, then letters, digits or '_'",
          "scoring.items: 'b' is not an item")),
        (("min = 0\nmax = 4\nstep = 0.5\nanchors = [{ value = 0, en = \"none\", de = \"keine\" }, "
          "{ value = 4, en = \"all\", de = \"alle\" }]\n\n[scoring]",
          "min = \"low\"\nmax = 4\n\n[scoring]"),
         ("items[2] (b).min: 'low' must be a number",)),
        (("step = 0.5\nanchors = [{ value = 0, en = \"none\", de = \"keine\" }, "
          "{ value = 4, en = \"all\", de = \"alle\" }]\n\n[scoring]", "step = 0.5\n\n[scoring]"),
         ("items[2] (b).anchors: name at least the lowest (0) and the highest (4) value",)),
        (('{ value = 4, en = "all", de = "alle" }]\n\n[scoring]',
          '{ value = 4, en = "all", de = "alle" }, { value = "x", en = "?", de = "?" }]'
          "\n\n[scoring]"),
         ("items[2] (b).anchors[3].value: 'x' must be a number",)),
        (("[scoring]\nmethod = \"mean\"\nitems = [\"a\", \"b\"]\nhigher_is_better = false\n", ""),
         ("scoring: missing ([scoring] with method and items)",)),
        (("weeks = [0, 12]", "weeks = [0, 12]\nuntil_week = 12"),
         ("schedule.until_week: only with every_weeks",)),
    ],
)  # fmt: skip
def test_a_wrong_definition_lists_exactly_its_problems(
    change: tuple[str, str], problems: tuple[str, ...]
) -> None:
    old, new = change
    assert old in VALID
    with pytest.raises(DefinitionError) as caught:
        q.parse_definition("clinic/clinic.toml", VALID.replace(old, new, 1))
    assert (caught.value.file, caught.value.problems) == ("clinic/clinic.toml", problems)


def test_a_text_item_and_a_repeating_schedule_with_an_end_are_read_as_written() -> None:
    text = VALID.replace(
        'id = "b"\ntext = { en = "Question b", de = "Frage b" }',
        'id = "note"\ntext = { en = "Anything else?", de = "Sonst noch etwas?" }\nkind = "text"\n'
        "max_length = 80\n[[items]]\n" + 'id = "b"\ntext = { en = "Question b", de = "Frage b" }',
    ).replace("weeks = [0, 12]", "every_weeks = 2\nuntil_week = 8")
    definition = q.parse_definition("clinic.toml", text)
    note = definition.item("note")
    assert note == q.Item(
        "note", q.Text("Anything else?", "Sonst noch etwas?"), "text", max_length=80
    )
    assert definition.schedule == q.Schedule(every_weeks=2, until_week=8, window_days=7)
    assert [i.id for i in definition.items] == ["a", "note", "b"]


MINIMAL = """
id = "clinic"
source = "s"
licence = "l"
title = { en = "T", de = "T" }
description = { en = "D", de = "D" }
ITEMS
[scoring]
method = "item"
items = ["a"]
higher_is_better = true

[schedule]
weeks = [0]
"""
ITEM_A = (
    '{ id = "a", text = { en = "Q", de = "F" }, min = 0, max = 2, anchors = ['
    '{ value = 0, en = "no", de = "nein" }, { value = 2, en = "yes", de = "ja" }] }'
)


@pytest.mark.parametrize(
    ("items", "problems"),
    [
        ("", ("items: at least one [[items]] is needed", "scoring.items: 'a' is not an item")),
        (f"items = [1, {ITEM_A}]", ("items[1]: must be a table ([[items]])",)),
        ('items = [{ id = "a", min = 0, max = 2 }]',
         ("items[1] (a).text: missing (needs items[1] (a).text.en and items[1] (a).text.de)",
          "items[1] (a).anchors: name at least the lowest (0) and the highest (2) value")),
    ],
)  # fmt: skip
def test_the_items_of_a_definition_are_each_checked(items: str, problems: tuple[str, ...]) -> None:
    with pytest.raises(DefinitionError) as caught:
        q.parse_definition("clinic.toml", MINIMAL.replace("ITEMS", items))
    assert caught.value.problems == problems


def test_a_scale_item_as_written_and_its_step_of_one_by_default() -> None:
    definition = q.parse_definition("clinic.toml", MINIMAL.replace("ITEMS", f"items = [{ITEM_A}]"))
    assert definition.items == (
        q.Item(
            "a", q.Text("Q", "F"), "scale", 0, 2, 1,
            (q.Anchor(0, q.Text("no", "nein")), q.Anchor(2, q.Text("yes", "ja"))),
        ),
    )  # fmt: skip
    assert definition.items[0].values == [0, 1, 2]


@pytest.mark.parametrize(
    ("schedule", "expected"),
    [
        ("weeks = [0, 12]\nwindow_days = 3", q.Schedule(weeks=(0, 12), window_days=3)),
        ("weeks = []", "schedule.weeks: [] must be a list of whole numbers ≥ 0"),
        ("weeks = 5", "schedule.weeks: 5 must be a list of whole numbers ≥ 0"),
    ],
)
def test_a_schedule_of_weeks(schedule: str, expected: q.Schedule | str) -> None:
    text = MINIMAL.replace("ITEMS", f"items = [{ITEM_A}]").replace("weeks = [0]", schedule)
    if isinstance(expected, str):
        with pytest.raises(DefinitionError) as caught:
            q.parse_definition("clinic.toml", text)
        assert caught.value.problems == (expected,)
    else:
        assert q.parse_definition("clinic.toml", text).schedule == expected


def test_a_step_must_divide_the_range_to_the_billionth() -> None:
    """(max − min) / step = 1e-9: not a whole number of steps (a difference of exactly
    1e-9 from a whole number is not whole)."""
    item = ITEM_A.replace("max = 2", "max = 1e-9").replace("value = 2", "value = 1e-9")
    with pytest.raises(DefinitionError) as caught:
        q.parse_definition("clinic.toml", MINIMAL.replace("ITEMS", f"items = [{item}]"))
    assert caught.value.problems[0].startswith(
        "items[1] (a).step: 1 must be positive and divide max − min"
    )


def test_an_answer_names_every_problem_and_the_questionnaires_items() -> None:
    with pytest.raises(AnswerError) as caught:
        q.check_answer(PEG, {"enjoyment": 11, "activity": 5, "mood": 2})
    assert [p.message for p in caught.value.problems] == [
        "mood is not an item of peg3 (its items: pain, enjoyment, activity)",
        "item pain is missing",
        "item enjoyment: 11 is above the highest value 10",
    ]


def test_a_definitions_fields_as_written_and_its_lookups() -> None:
    definition = q.parse_definition("clinic.toml", MINIMAL.replace("ITEMS", f"items = [{ITEM_A}]"))
    got = (definition.id, definition.title, definition.description, definition.source)
    assert got == ("clinic", q.Text("T", "T"), q.Text("D", "D"), "s")
    assert (definition.licence, definition.file) == ("l", "clinic.toml")
    assert definition.item("a") is definition.items[0] and definition.item("b") is None
    assert (q.Text("walk", "Gehen").get("en"), q.Text("walk", "Gehen").get("de")) == (
        "walk",
        "Gehen",
    )


@pytest.mark.parametrize(
    ("old", "new", "problem"),
    [
        ("max = 2", 'max = "x"', "items[1] (a).max: 'x' must be a number"),
        # 5 − 1 = 4 does not divide into steps of 3 (the message names the difference)
        ("min = 0, max = 2", "min = 1, max = 5, step = 3",
         "items[1] (a).step: 3 must be positive and divide max − min (4)"),
    ],
)  # fmt: skip
def test_a_scale_items_numbers(old: str, new: str, problem: str) -> None:
    item = ITEM_A.replace(old, new)
    with pytest.raises(DefinitionError) as caught:
        q.parse_definition("clinic.toml", MINIMAL.replace("ITEMS", f"items = [{item}]"))
    assert caught.value.problems == (problem,)


def test_a_repeating_schedule_keeps_its_window() -> None:
    text = MINIMAL.replace("ITEMS", f"items = [{ITEM_A}]").replace(
        "weeks = [0]", "every_weeks = 1\nwindow_days = 5"
    )
    schedule = q.parse_definition("clinic.toml", text).schedule
    assert schedule == q.Schedule(every_weeks=1, until_week=None, window_days=5)


NOT_A_LIST = "scoring.items: a list of the scored items' ids is needed"


@pytest.mark.parametrize(
    ("old", "new", "problem"),
    [
        ("min = 0, max = 2", 'min = 0, max = 2, step = "x"',
         "items[1] (a).step: 'x' must be a number"),
        ('items = ["a"]', 'items = "a"', NOT_A_LIST),
        ('items = ["a"]', "items = []", NOT_A_LIST),
        ("higher_is_better = true", "higher_is_better = true\nweight = 2",
         "scoring: unknown field(s) weight"),
    ],
)  # fmt: skip
def test_more_wrong_definitions(old: str, new: str, problem: str) -> None:
    text = MINIMAL.replace("ITEMS", f"items = [{ITEM_A}]")
    assert old in text
    with pytest.raises(DefinitionError) as caught:
        q.parse_definition("clinic.toml", text.replace(old, new, 1))
    assert caught.value.problems == (problem,)


def test_a_text_item_of_one_character_and_its_answer_kept_readable() -> None:
    note = '{ id = "n", text = { en = "Letter", de = "Buchstabe" }, kind = "text", max_length = 1 }'
    text = MINIMAL.replace("ITEMS", f"items = [{ITEM_A}, {note}]")
    definition = q.parse_definition("clinic.toml", text)
    assert definition.item("n") == q.Item("n", q.Text("Letter", "Buchstabe"), "text", max_length=1)
    row = q.row("p1", PSFS, d(0), {
        "activity_1": "Gärtnern", "rating_1": 3, "activity_2": "b", "rating_2": 5,
        "activity_3": "c", "rating_3": 4,
    })  # fmt: skip
    assert '"activity_1": "Gärtnern"' in row["items"]  # as written, not \\u-escaped
