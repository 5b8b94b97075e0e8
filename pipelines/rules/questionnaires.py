"""Questionnaires: definitions, answers, scores, and when one is due — pure rules.

A questionnaire is a **definition** (a TOML file: ``pipelines/questionnaires/*.toml`` for the
free instruments backtrack ships, ``<data dir>/questionnaires/*.toml`` for a clinic's own;
docs/questionnaires.md). :func:`parse_definition` turns a file's text into a
:class:`Definition` or raises :class:`DefinitionError` naming the file and every wrong field.

* **Items** are ``scale`` items (``min`` … ``max`` in steps of ``step``, anchors in German and
  English) or ``text`` items (free text, e.g. the activities a person names in the PSFS).
* **Scoring** (``mean``, ``sum`` or ``item``) of the scale items it names, rounded to 2
  decimals. PEG-3: mean of its three 0–10 items, (7 + 5 + 6) ÷ 3 = 6.0; PGIC: the single
  1–7 answer; PSFS: mean of the three activity ratings, (3 + 5 + 4) ÷ 3 = 4.0.
* **Schedule**: scheduled days counted from the program start — ``weeks = [0, 6, 12]``
  (0 = the start day, 6 = 42 days later) or ``every_weeks = 1`` (the start day and every 7 days
  after, optionally ``until_week``). A questionnaire is **due** from a scheduled day for
  ``window_days`` days (default 7) unless it was answered inside that window (:func:`due`).
  Example: program start Mon 2026-09-07, PGIC at weeks 6 and 12 → due 2026-10-19 … 2026-10-25
  and 2026-11-30 … 2026-12-06; answered on 2026-10-21 → not due on 2026-10-22.
* **Answers** are validated item by item (:func:`check_answer`): a missing item, an item the
  questionnaire does not have, a value that is not a number, outside ``min`` … ``max`` or off
  the scale's steps, an empty or too long text — each a :class:`Problem` naming the item and
  the value; every problem is reported at once.
* **Change** (:func:`with_change`): a score minus the person's first score of the same
  questionnaire (``null`` for the first). Whether a rise is good says ``higher_is_better``
  (PEG-3: no, lower is less pain; PGIC and PSFS: yes).
"""

from __future__ import annotations

import itertools
import json
import math
import re
import tomllib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from typing import Any, Final, Literal

import pandas as pd

Kind = Literal["scale", "text"]
Method = Literal["mean", "sum", "item"]
METHODS: Final = ("mean", "sum", "item")
KINDS: Final = ("scale", "text")
LANGS: Final = ("en", "de")
ID_PATTERN: Final = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")
ITEM_PATTERN: Final = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
DEFAULT_WINDOW_DAYS: Final = 7
DEFAULT_TEXT_LENGTH: Final = 200
SCORE_DIGITS: Final = 2
TOP_FIELDS: Final = frozenset(
    {"id", "title", "description", "source", "licence", "items", "scoring", "schedule"}
)


@dataclass(frozen=True, slots=True)
class Text:
    """One text a person reads, in both languages."""

    en: str
    de: str

    def get(self, lang: str) -> str:
        return self.de if lang == "de" else self.en


@dataclass(frozen=True, slots=True)
class Anchor:
    value: float
    label: Text


@dataclass(frozen=True, slots=True)
class Item:
    id: str
    text: Text
    kind: Kind = "scale"
    min: float = 0
    max: float = 10
    step: float = 1
    anchors: tuple[Anchor, ...] = ()
    max_length: int = DEFAULT_TEXT_LENGTH  # text items

    @property
    def values(self) -> list[float]:
        """Every value the scale allows, lowest first."""
        n = round((self.max - self.min) / self.step)
        return [_number(self.min + k * self.step) for k in range(n + 1)]


@dataclass(frozen=True, slots=True)
class Scoring:
    method: Method
    items: tuple[str, ...]
    higher_is_better: bool


@dataclass(frozen=True, slots=True)
class Schedule:
    weeks: tuple[int, ...] = ()  # scheduled weeks after the program start (0 = the start day)
    every_weeks: int | None = None  # or: every n weeks from the start day
    until_week: int | None = None  # the last scheduled week of ``every_weeks`` (None: open)
    window_days: int = DEFAULT_WINDOW_DAYS

    def scheduled_days(self, start: date, until: date) -> list[date]:
        """The scheduled days from ``start`` up to ``until`` (inclusive)."""
        if self.every_weeks is not None:
            last = (until - start).days // 7 if until >= start else -1
            if self.until_week is not None:
                last = min(last, self.until_week)
            weeks: Iterable[int] = range(0, last + 1, self.every_weeks)
        else:
            weeks = self.weeks
        days = [start + timedelta(weeks=w) for w in weeks]
        return [d for d in days if d <= until]


@dataclass(frozen=True, slots=True)
class Definition:
    id: str
    title: Text
    description: Text
    items: tuple[Item, ...]
    scoring: Scoring
    schedule: Schedule
    source: str
    licence: str
    file: str = ""  # where it was read from, for messages

    def item(self, item_id: str) -> Item | None:
        return next((i for i in self.items if i.id == item_id), None)

    @property
    def score_range(self) -> tuple[float, float]:
        scored = [i for i in self.items if i.id in self.scoring.items]
        if self.scoring.method == "sum":
            return sum(i.min for i in scored), sum(i.max for i in scored)
        return min(i.min for i in scored), max(i.max for i in scored)


class DefinitionError(ValueError):
    """A definition file that cannot be used: names the file and every wrong field."""

    def __init__(self, file: str, problems: Sequence[str]) -> None:
        self.file = file
        self.problems = tuple(problems)
        super().__init__(f"{file}: " + "; ".join(problems))


# ------------------------------------------------------------------------ definitions


def parse_definition(file: str, text: str) -> Definition:
    """The definition in the TOML ``text`` of ``file`` (its name, for messages; its stem must
    be the questionnaire's id). Every problem is collected into one ``DefinitionError``."""
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise DefinitionError(file, [f"not valid TOML: {exc}"]) from exc
    problems: list[str] = []
    definition = _definition(file, raw, problems)
    if problems or definition is None:
        raise DefinitionError(file, problems)
    return definition


def _definition(file: str, raw: Mapping[str, Any], problems: list[str]) -> Definition | None:
    unknown = sorted(set(raw) - TOP_FIELDS)
    if unknown:
        problems.append(f"unknown field(s) {', '.join(unknown)}")
    qid = raw.get("id")
    if not isinstance(qid, str) or not ID_PATTERN.match(qid):
        problems.append(f"id: {qid!r} must be lower-case letters, digits, '-' or '_' (at most 40)")
        qid = ""
    stem = re.split(r"[\\/]", file)[-1].removesuffix(".toml")
    if qid and stem != qid:
        problems.append(f"id: {qid!r} must match the file's name ({stem}.toml)")
    title = _text(raw.get("title"), "title", problems)
    description = _text(raw.get("description"), "description", problems)
    source = _string(raw.get("source"), "source", problems)
    licence = _string(raw.get("licence"), "licence", problems)
    declared: set[str] = set()  # item ids, of broken items too (reported once, there)
    items = _items(raw.get("items"), problems, declared)
    scoring = _scoring(raw.get("scoring"), items, declared, problems)
    schedule = _schedule(raw.get("schedule"), problems)
    if problems or title is None or description is None or scoring is None or schedule is None:
        return None
    return Definition(
        qid, title, description, tuple(items), scoring, schedule, source, licence, file
    )


def _string(value: object, where: str, problems: list[str]) -> str:
    if not isinstance(value, str) or not value.strip():
        problems.append(f"{where}: missing or empty (a text is needed)")
        return ""
    return value.strip()


def _text(value: object, where: str, problems: list[str]) -> Text | None:
    if not isinstance(value, Mapping):
        problems.append(f"{where}: missing (needs {where}.en and {where}.de)")
        return None
    texts = {lang: _string(value.get(lang), f"{where}.{lang}", problems) for lang in LANGS}
    unknown = sorted(set(value) - set(LANGS))
    if unknown:
        problems.append(f"{where}: unknown language(s) {', '.join(unknown)} (en, de)")
    return Text(texts["en"], texts["de"])


def _number_field(raw: Mapping[str, Any], name: str, where: str, problems: list[str]) -> float:
    value = raw.get(name)
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        problems.append(f"{where}.{name}: {value!r} must be a number")
        return math.nan
    return float(value)


def _items(value: object, problems: list[str], declared: set[str]) -> list[Item]:
    if not isinstance(value, list) or not value:
        problems.append("items: at least one [[items]] is needed")
        return []
    items: list[Item] = []
    seen: set[str] = set()
    for n, raw in enumerate(value, start=1):
        where = f"items[{n}]"
        if not isinstance(raw, Mapping):
            problems.append(f"{where}: must be a table ([[items]])")
            continue
        item_id = raw.get("id")
        if not isinstance(item_id, str) or not ITEM_PATTERN.match(item_id):
            problems.append(
                f"{where}.id: {item_id!r} must start with a lower-case letter, then letters, "
                "digits or '_'"
            )
            continue
        where = f"items[{n}] ({item_id})"
        if item_id in seen:
            problems.append(f"{where}.id: used twice")
        seen.add(item_id)
        declared.add(item_id)
        unknown = sorted(
            set(raw) - {"id", "text", "kind", "min", "max", "step", "anchors", "max_length"}
        )
        if unknown:
            problems.append(f"{where}: unknown field(s) {', '.join(unknown)}")
        text = _text(raw.get("text"), f"{where}.text", problems)
        kind = raw.get("kind", "scale")
        if kind not in KINDS:
            problems.append(f"{where}.kind: {kind!r} must be one of {', '.join(KINDS)}")
            continue
        if kind == "text":
            length = raw.get("max_length", DEFAULT_TEXT_LENGTH)
            if isinstance(length, bool) or not isinstance(length, int) or length < 1:
                problems.append(f"{where}.max_length: {length!r} must be a whole number ≥ 1")
                length = DEFAULT_TEXT_LENGTH
            if text is not None:
                items.append(Item(item_id, text, "text", max_length=length))
            continue
        item = _scale_item(item_id, raw, where, problems)
        if text is not None and item is not None:
            items.append(replace(item, text=text))
    return items


def _scale_item(
    item_id: str, raw: Mapping[str, Any], where: str, problems: list[str]
) -> Item | None:
    before = len(problems)
    low = _number_field(raw, "min", where, problems)
    high = _number_field(raw, "max", where, problems)
    step = _number_field(raw, "step", where, problems) if "step" in raw else 1.0
    if len(problems) > before:
        return None
    if high <= low:
        problems.append(f"{where}: max {_number(high)} must be above min {_number(low)}")
        return None
    if step <= 0 or not _whole((high - low) / step):
        problems.append(
            f"{where}.step: {_number(step)} must be positive and divide max − min "
            f"({_number(high - low)})"
        )
        return None
    anchors: list[Anchor] = []
    raw_anchors = raw.get("anchors", [])
    if not isinstance(raw_anchors, list):
        problems.append(f"{where}.anchors: must be a list of {{value, en, de}}")
        raw_anchors = []
    item = Item(item_id, Text("", ""), "scale", _number(low), _number(high), _number(step))
    for k, anchor in enumerate(raw_anchors, start=1):
        at = f"{where}.anchors[{k}]"
        if not isinstance(anchor, Mapping):
            problems.append(f"{at}: must be {{value = …, en = …, de = …}}")
            continue
        value = _number_field(anchor, "value", at, problems)
        label = _text({lang: anchor.get(lang) for lang in LANGS}, at, problems)
        if math.isnan(value):
            continue
        if not _on_scale(item, value):
            problems.append(f"{at}.value: {_number(value)} is not a value of the scale")
        elif label is not None:
            anchors.append(Anchor(_number(value), label))
    named = {a.value for a in anchors}
    if item.min not in named or item.max not in named:
        problems.append(
            f"{where}.anchors: name at least the lowest ({_number(low)}) and the highest "
            f"({_number(high)}) value"
        )
    return Item(item_id, Text("", ""), "scale", item.min, item.max, item.step, tuple(anchors))


def _scoring(
    value: object, items: Sequence[Item], declared: set[str], problems: list[str]
) -> Scoring | None:
    if not isinstance(value, Mapping):
        problems.append("scoring: missing ([scoring] with method and items)")
        return None
    method = value.get("method")
    if method not in METHODS:
        problems.append(f"scoring.method: {method!r} must be one of {', '.join(METHODS)}")
        return None
    names = value.get("items")
    if not isinstance(names, list) or not names or not all(isinstance(n, str) for n in names):
        problems.append("scoring.items: a list of the scored items' ids is needed")
        return None
    if method == "item" and len(names) != 1:
        problems.append(f"scoring.items: method 'item' scores exactly one item, not {len(names)}")
    by_id = {i.id: i for i in items}
    for name in names:
        if name not in declared:
            problems.append(f"scoring.items: {name!r} is not an item")
        elif name not in by_id:
            continue  # a broken item: its problem is named already
        elif by_id[name].kind != "scale":
            problems.append(f"scoring.items: {name!r} is a text item and cannot be scored")
    better = value.get("higher_is_better")
    if not isinstance(better, bool):
        problems.append("scoring.higher_is_better: true or false is needed")
        better = False
    unknown = sorted(set(value) - {"method", "items", "higher_is_better"})
    if unknown:
        problems.append(f"scoring: unknown field(s) {', '.join(unknown)}")
    return Scoring(method, tuple(names), better)


def _schedule(value: object, problems: list[str]) -> Schedule | None:
    if not isinstance(value, Mapping):
        problems.append("schedule: missing ([schedule] with weeks or every_weeks)")
        return None
    unknown = sorted(set(value) - {"weeks", "every_weeks", "until_week", "window_days"})
    if unknown:
        problems.append(f"schedule: unknown field(s) {', '.join(unknown)}")
    window = value.get("window_days", DEFAULT_WINDOW_DAYS)
    if not _count(window, 1):
        problems.append(f"schedule.window_days: {window!r} must be a whole number ≥ 1")
        return None
    weeks, every = value.get("weeks"), value.get("every_weeks")
    if (weeks is None) == (every is None):
        problems.append("schedule: give either weeks = [...] or every_weeks = n")
        return None
    if every is not None:
        until = value.get("until_week")
        if not _count(every, 1):
            problems.append(f"schedule.every_weeks: {every!r} must be a whole number ≥ 1")
            return None
        if until is not None and not _count(until, 0):
            problems.append(f"schedule.until_week: {until!r} must be a whole number ≥ 0")
            return None
        if window > 7 * every:
            problems.append(
                f"schedule.window_days: {window} is longer than the {7 * every} days between "
                "two scheduled days"
            )
            return None
        return Schedule(every_weeks=every, until_week=until, window_days=window)
    if "until_week" in value:
        problems.append("schedule.until_week: only with every_weeks")
    if not isinstance(weeks, list) or not weeks or not all(_count(w, 0) for w in weeks):
        problems.append(f"schedule.weeks: {weeks!r} must be a list of whole numbers ≥ 0")
        return None
    ordered = sorted(set(weeks))
    if ordered != weeks:
        problems.append("schedule.weeks: list each week once, in order")
        return None
    if any(7 * (b - a) < window for a, b in itertools.pairwise(ordered)):
        problems.append(f"schedule.window_days: {window} days overlap the next scheduled week")
        return None
    return Schedule(weeks=tuple(ordered), window_days=window)


def _count(value: object, least: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= least


def check_catalogue(definitions: Iterable[Definition]) -> dict[str, Definition]:
    """The definitions by id; an id defined by two files is a ``DefinitionError``."""
    found: dict[str, Definition] = {}
    for d in definitions:
        if d.id in found:
            raise DefinitionError(
                d.file, [f"id: {d.id!r} is already defined by {found[d.id].file}"]
            )
        found[d.id] = d
    return found


# ----------------------------------------------------------------------------- answers


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with an answer: ``template`` (English, ``{item}`` / ``{value}`` …
    placeholders; the dashboard translates it) and its ``values``."""

    template: str
    values: Mapping[str, object] = field(default_factory=dict)

    @property
    def message(self) -> str:
        return self.template.format(**self.values)


MISSING: Final = "item {item} is missing"
UNKNOWN: Final = "{item} is not an item of {questionnaire} (its items: {items})"
NOT_A_NUMBER: Final = "item {item}: {value} is not a number"
BELOW: Final = "item {item}: {value} is below the lowest value {min}"
ABOVE: Final = "item {item}: {value} is above the highest value {max}"
OFF_STEP: Final = "item {item}: {value} is not on the scale (steps of {step} from {min})"
EMPTY_TEXT: Final = "item {item}: the text is empty"
LONG_TEXT: Final = "item {item}: the text is longer than {max_length} characters"
PROBLEM_TEMPLATES: Final = (
    MISSING, UNKNOWN, NOT_A_NUMBER, BELOW, ABOVE, OFF_STEP, EMPTY_TEXT, LONG_TEXT
)  # fmt: skip


class AnswerError(ValueError):
    """An answer that cannot be stored: every problem (``problems``), each naming its item."""

    def __init__(self, questionnaire: str, problems: Sequence[Problem]) -> None:
        self.questionnaire = questionnaire
        self.problems = tuple(problems)
        super().__init__("; ".join(p.message for p in problems))


Value = float | str


def check_answer(definition: Definition, answer: Mapping[str, object]) -> dict[str, Value]:
    """``answer`` (item id → value as typed: a number or its text) as stored — scale values
    as numbers (whole numbers as ``int``), texts stripped — in the definition's item order;
    or an ``AnswerError`` with every problem."""
    problems: list[Problem] = []
    known = [i.id for i in definition.items]
    for name in answer:
        if name not in known:
            problems.append(
                Problem(
                    UNKNOWN,
                    {"item": name, "questionnaire": definition.id, "items": ", ".join(known)},
                )
            )
    clean: dict[str, Value] = {}
    for item in definition.items:
        raw = answer.get(item.id)
        if raw is None or (isinstance(raw, str) and not raw.strip() and item.kind == "scale"):
            problems.append(Problem(MISSING, {"item": item.id}))
            continue
        value = _checked_value(item, raw, problems)
        if value is not None:
            clean[item.id] = value
    if problems:
        raise AnswerError(definition.id, problems)
    return clean


def _checked_value(item: Item, raw: object, problems: list[Problem]) -> Value | None:
    if item.kind == "text":
        text = str(raw).strip()
        if not text:
            problems.append(Problem(EMPTY_TEXT, {"item": item.id}))
            return None
        if len(text) > item.max_length:
            problems.append(Problem(LONG_TEXT, {"item": item.id, "max_length": item.max_length}))
            return None
        return text
    number = _as_number(raw)
    shown = str(raw).strip() if isinstance(raw, str) else _shown(raw)
    limits = {"item": item.id, "value": shown, "min": _shown(item.min), "max": _shown(item.max)}
    if number is None:
        problems.append(Problem(NOT_A_NUMBER, {"item": item.id, "value": shown}))
    elif number < item.min:
        problems.append(Problem(BELOW, limits))
    elif number > item.max:
        problems.append(Problem(ABOVE, limits))
    elif not _on_scale(item, number):
        problems.append(Problem(OFF_STEP, {**limits, "step": _shown(item.step)}))
    else:
        return _number(number)
    return None


def _as_number(raw: object) -> float | None:
    if isinstance(raw, bool):
        return None
    if isinstance(raw, int | float):
        number = float(raw)
    elif isinstance(raw, str):
        try:
            number = float(raw.strip().replace(",", "."))
        except ValueError:
            return None
    else:
        return None
    return number if math.isfinite(number) else None


def _on_scale(item: Item, value: float) -> bool:
    return item.min <= value <= item.max and _whole((value - item.min) / item.step)


def _whole(x: float) -> bool:
    return abs(x - round(x)) < 1e-9


def _number(x: float) -> float:
    """``x`` as an ``int`` when it is whole (3.0 → 3), else rounded off float noise."""
    rounded = round(x, 9)
    return int(rounded) if rounded == int(rounded) else rounded


def _shown(x: object) -> str:
    if isinstance(x, bool) or not isinstance(x, int | float):
        return str(x)
    return str(_number(float(x))) if math.isfinite(x) else str(x)


# ------------------------------------------------------------------------------ scores


def score(definition: Definition, items: Mapping[str, Value]) -> float:
    """The score of checked ``items`` (:func:`check_answer`), rounded to 2 decimals."""
    values = [float(items[name]) for name in definition.scoring.items]
    total = sum(values) if definition.scoring.method == "sum" else sum(values) / len(values)
    return round(total, SCORE_DIGITS)


def row(
    participant: str, definition: Definition, day: date, answer: Mapping[str, object]
) -> dict[str, Any]:
    """One ``questionnaires`` table row (without ``answered_at`` and ``source``) for a
    validated answer; ``AnswerError`` for one that is not."""
    items = check_answer(definition, answer)
    return {
        "participant": participant,
        "questionnaire": definition.id,
        "date": day,
        "score": score(definition, items),
        "items": json.dumps(items, ensure_ascii=False),
    }


def apply_answer(table: pd.DataFrame, new: pd.DataFrame) -> pd.DataFrame:
    """``table`` with ``new``'s rows added; an answer to the same questionnaire on the same
    date replaces the old one. Sorted by questionnaire and date."""
    key = ["participant", "questionnaire", "date"]
    kept = table.loc[~table.set_index(key).index.isin(new.set_index(key).index)]
    parts = [f for f in (kept, new) if len(f)]
    combined = pd.concat(parts, ignore_index=True) if parts else table.iloc[0:0]
    return combined.sort_values(["questionnaire", "date"], kind="stable").reset_index(drop=True)


def with_change(answers: pd.DataFrame) -> pd.DataFrame:
    """``answers`` (one participant's ``questionnaires`` rows) sorted by questionnaire and
    date, with ``change``: the score minus the first score of the same questionnaire
    (NaN for the first), rounded to 2 decimals."""
    ordered = answers.sort_values(["questionnaire", "date"], kind="stable").reset_index(drop=True)
    scores = pd.to_numeric(ordered["score"]).astype(float)
    first = scores.groupby(ordered["questionnaire"].to_numpy()).transform("first")
    change = (scores - first).round(SCORE_DIGITS)
    is_first = ~ordered["questionnaire"].duplicated()
    ordered["change"] = change.mask(is_first.to_numpy())
    return ordered


def latest(answers: pd.DataFrame) -> list[dict[str, Any]]:
    """Per questionnaire (sorted by id): the first and the latest answer's date and score and
    the change between them (``None`` with one answer)."""
    out = []
    for qid, rows in with_change(answers).groupby("questionnaire", sort=True):
        first, last = rows.iloc[0], rows.iloc[-1]
        out.append(
            {
                "id": str(qid),
                "answers": len(rows),
                "first_date": first["date"],
                "first_score": float(first["score"]),
                "date": last["date"],
                "score": float(last["score"]),
                "change": None if len(rows) == 1 else float(last["change"]),
            }
        )
    return out


def items_of(row_items: str) -> dict[str, Value]:
    """A stored row's ``items`` (JSON text) back as item id → value."""
    parsed = json.loads(row_items)
    assert isinstance(parsed, dict)
    return parsed


# ------------------------------------------------------------------------------- due


@dataclass(frozen=True, slots=True)
class Due:
    """A questionnaire to answer: scheduled on ``scheduled`` (``week`` weeks after the program
    start), open until ``until`` (inclusive)."""

    questionnaire: str
    week: int
    scheduled: date
    until: date


def due(
    definitions: Iterable[Definition],
    program_start: date | None,
    day: date,
    answered: Iterable[tuple[str, date]],
) -> list[Due]:
    """The questionnaires due on ``day``: a scheduled day ``s`` with ``s ≤ day ≤ s +
    window_days − 1`` and no answer (``answered``: questionnaire id, date) dated inside that
    window. Nothing is due without a program start or before it. Sorted by id."""
    if program_start is None or day < program_start:
        return []
    dates: dict[str, list[date]] = {}
    for qid, when in answered:
        dates.setdefault(qid, []).append(when)
    out = []
    for d in sorted(definitions, key=lambda d: d.id):
        window = timedelta(days=d.schedule.window_days - 1)
        for scheduled in d.schedule.scheduled_days(program_start, day):
            until = scheduled + window
            if day > until:
                continue
            if any(scheduled <= w <= until for w in dates.get(d.id, [])):
                continue
            week = (scheduled - program_start).days // 7
            out.append(Due(d.id, week, scheduled, until))
    return out
