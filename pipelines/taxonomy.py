"""The activity taxonomy: the one place that decides what kind of training a session was.

Categories follow the exercise guidance backtrack measures against:

==============  =============================================================
category        what counts
==============  =============================================================
``walking``     walking, hiking, indoor / casual / speed walking, Nordic walking
``strength``    strength training, core / stabilisation, functional strength
``pilates``     Pilates
``yoga``        Yoga
``tai_chi``     Tai-Chi and Qigong (FIT has no code: recognised by name)
``other``       everything else (running, cycling, swimming, ...)
==============  =============================================================

Two rule tables, each tried in order (first match wins):

* ``CODE_RULES`` match the raw FIT ``(sport, sub_sport)`` integers (``None`` = any).
* ``NAME_RULES`` match a word in the session's free-text names (activity name, sport name
  from a GPX ``<type>``, an Apple workout type, ...).

A name refines an *unspecific* sport: when the sport is missing, generic (0), training (10)
or fitness equipment (4), a matching name decides ("Tai Chi" recorded as training/yoga
becomes ``tai_chi``). A specific sport is never overridden by a name (a run called
"walk to work" stays ``other``). Extend the tables to teach backtrack new devices or apps.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final, Literal

Category = Literal["walking", "strength", "pilates", "yoga", "tai_chi", "other"]
CATEGORIES: Final[tuple[Category, ...]] = (
    "walking",
    "strength",
    "pilates",
    "yoga",
    "tai_chi",
    "other",
)

# FIT profile codes used below (sport / sub_sport), kept as integers so that codes newer
# than a decoder's built-in profile still map.
SPORT_GENERIC, SPORT_FITNESS_EQUIPMENT, SPORT_TRAINING = 0, 4, 10
SPORT_WALKING, SPORT_HIKING = 11, 17
SUB_FLEXIBILITY, SUB_STRENGTH, SUB_CARDIO = 19, 20, 26
SUB_INDOOR_WALKING, SUB_CASUAL_WALKING, SUB_SPEED_WALKING = 27, 30, 31
SUB_YOGA, SUB_PILATES = 43, 44
SUB_BREATHWORK = 62

# Sports that say little about what was done: a name may refine them.
UNSPECIFIC_SPORTS: Final[frozenset[int | None]] = frozenset(
    {None, SPORT_GENERIC, SPORT_FITNESS_EQUIPMENT, SPORT_TRAINING}
)


@dataclass(frozen=True, slots=True)
class CodeRule:
    sport: int | None
    sub_sport: int | None
    category: Category
    note: str


@dataclass(frozen=True, slots=True)
class NameRule:
    pattern: re.Pattern[str]
    category: Category
    note: str


def _words(*alternatives: str) -> re.Pattern[str]:
    return re.compile(r"(?<![a-z])(?:" + "|".join(alternatives) + r")(?![a-z])", re.IGNORECASE)


NAME_RULES: Final[tuple[NameRule, ...]] = (
    NameRule(
        _words(r"tai[\s_-]?chi", r"taiji(?:quan)?", r"qi[\s_-]?gong", r"chi[\s_-]?kung"),
        "tai_chi",
        "FIT has no Tai-Chi code; recognised from the name",
    ),
    NameRule(_words(r"pilates"), "pilates", "named Pilates"),
    NameRule(_words(r"yoga"), "yoga", "named Yoga"),
    NameRule(
        _words(
            r"strength",
            r"kraft(?:training)?",
            r"weight[\s_-]?training",
            r"core",
            r"stabili[sz]ation",
            r"stabilisierung",
            r"functional[\s_-]?strength",
            r"r(?:ü|ue)cken(?:training|gymnastik)",
        ),
        "strength",
        "named strength / stabilisation",
    ),
    NameRule(
        _words(
            r"walk(?:ing)?",
            r"hike",
            r"hiking",
            r"spaziergang",
            r"gehen",
            r"wandern",
            r"wanderung",
            r"nordic[\s_-]?walking",
        ),
        "walking",
        "named walk / hike",
    ),
)

CODE_RULES: Final[tuple[CodeRule, ...]] = (
    CodeRule(SPORT_WALKING, None, "walking", "walking (any sub_sport: indoor, casual, speed)"),
    CodeRule(SPORT_HIKING, None, "walking", "hiking"),
    CodeRule(None, SUB_INDOOR_WALKING, "walking", "indoor walking"),
    CodeRule(None, SUB_CASUAL_WALKING, "walking", "casual walking"),
    CodeRule(None, SUB_SPEED_WALKING, "walking", "speed walking"),
    CodeRule(None, SUB_PILATES, "pilates", "Pilates (Garmin writes fitness_equipment/44)"),
    CodeRule(None, SUB_YOGA, "yoga", "Yoga (training/43)"),
    CodeRule(SPORT_TRAINING, SUB_STRENGTH, "strength", "strength training"),
    CodeRule(SPORT_FITNESS_EQUIPMENT, SUB_STRENGTH, "strength", "strength on equipment"),
)


def categorize(
    sport: int | None,
    sub_sport: int | None,
    *names: str | None,
) -> Category:
    """The category of a session from its FIT codes and any free-text names it carries.

    >>> categorize(4, 44)
    'pilates'
    >>> categorize(10, 0, "Tai Chi am Morgen")
    'tai_chi'
    >>> categorize(1, 0)
    'other'
    """
    if sport in UNSPECIFIC_SPORTS:
        by_name = category_from_names(*names)
        if by_name is not None:
            return by_name
    for rule in CODE_RULES:
        if (rule.sport is None or rule.sport == sport) and (
            rule.sub_sport is None or rule.sub_sport == sub_sport
        ):
            return rule.category
    return "other"


def category_from_names(*names: str | None) -> Category | None:
    """The category the first matching name rule gives, or ``None``."""
    for name in names:
        if not name:
            continue
        for rule in NAME_RULES:
            if rule.pattern.search(name):
                return rule.category
    return None
