"""The activity taxonomy: the one place that decides what kind of training a session was.

Categories follow the exercise guidance backtrack measures against:

==============  =============================================================
category        what counts
==============  =============================================================
``walking``     walking, hiking, indoor / casual / speed walking, Nordic walking;
                German everyday names (Spaziergang, Abendspaziergang, Spazierengehen,
                Wanderung, Gassi gehen)
``strength``    strength training, core / stabilisation, functional strength; the
                physiotherapy exercise forms (Physiotherapie, Krankengymnastik / KG,
                Rehasport, Funktionstraining, Rücken- / Wirbelsäulengymnastik)
``pilates``     Pilates
``yoga``        Yoga
``tai_chi``     Tai-Chi and Qigong (FIT has no code: recognised by name)
``other``       everything else (running, cycling, swimming, ...); also, decided on
                purpose, back school (Rückenschule: knowledge and technique, weaker
                evidence) and stretching / flexibility (not among the options with proven
                benefit on their own)
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


LETTER = "a-zäöüß"  # a word character of the names, German letters included


def _words(*alternatives: str, case: bool = False) -> re.Pattern[str]:  # pragma: no mutate
    """Any of ``alternatives`` as a whole word (not inside a longer word); a compound is
    matched by spelling its letters out (``[a-zäöüß]*spazier[a-zäöüß]*``). Runs only at
    import, to build ``NAME_RULES``: not mutated (docs/testing.md), the name tests cover it."""
    flags, letter = (0, "A-ZÄÖÜ" + LETTER) if case else (re.IGNORECASE, LETTER)  # pragma: no mutate
    words = "|".join(alternatives)  # pragma: no mutate
    return re.compile(rf"(?<![{letter}])(?:{words})(?![{letter}])", flags)  # pragma: no mutate


COMPOUND = f"[{LETTER}]*"

NAME_RULES: Final[tuple[NameRule, ...]] = (
    NameRule(
        _words(r"tai[\s_-]?chi", r"taiji(?:quan)?", r"qi[\s_-]?gong", r"chi[\s_-]?kung"),
        "tai_chi",
        "FIT has no Tai-Chi code; recognised from the name",
    ),
    NameRule(_words(r"pilates"), "pilates", "named Pilates"),
    NameRule(_words(rf"{COMPOUND}yoga"), "yoga", "named Yoga (Hatha-Yoga, Rückenyoga, …)"),
    NameRule(
        _words(r"r(?:ü|ue)cken[\s_-]?schule", r"back[\s_-]?school"),
        "other",
        "back school (Rückenschule): knowledge and technique, weaker evidence than exercise "
        "training (IQWiG 2025) — not counted as strength/stabilisation",
    ),
    NameRule(
        _words(
            r"strength",
            r"kraft(?:training)?",
            r"weight[\s_-]?(?:training|lifting)",
            r"weights",
            r"core",
            r"stabili[sz]ation",
            r"stabilisierung",
            r"functional[\s_-]?strength",
            r"r(?:ü|ue)cken[\s_-]?(?:training|gymnastik|fit)",
            rf"{COMPOUND}wirbels(?:ä|ae)ulen[\s_-]?gymnastik",
            r"krankengymnastik(?:[\s_-]?am[\s_-]?ger(?:ä|ae)t)?",
            r"physiotherap(?:ie|y|ist)",
            r"physio",
            r"physical[\s_-]?therapy",
            r"reha[\s_-]?sport",
            r"funktionstraining",
            r"ger(?:ä|ae)tetraining",
        ),
        "strength",
        "named strength / stabilisation, or a physiotherapy exercise form",
    ),
    NameRule(
        _words(
            r"stretching",
            r"flexibility",
            r"dehn(?:en|(?:ü|ue)bungen|training)",
            r"beweglichkeit(?:straining)?",
            r"mobility",
        ),
        "other",
        "stretching / flexibility: not among the options with proven benefit on its own "
        "(IQWiG 2025); a stretching class that is really Yoga or Pilates is named so",
    ),
    NameRule(
        _words(
            rf"{COMPOUND}walk(?:ing)?",
            r"hike",
            r"hiking",
            rf"{COMPOUND}spazier{COMPOUND}",
            r"gehen",
            rf"{COMPOUND}wander(?:n|ung|ungen|tag)",
            r"nordic[\s_-]?walking",
            r"gassi(?:[\s_-]?gehen)?",
        ),
        "walking",
        "named walk / hike (Spaziergang, Abendspaziergang, Spazierengehen, Wanderung, "
        "Nordic Walking, …)",
    ),
    NameRule(
        _words(r"KGG?", case=True),
        "strength",
        "KG / KGG: Krankengymnastik (am Gerät) — upper case only and tried last, so that "
        "'5 kg' is not one and 'Wandern, 8 KG Rucksack' stays a walk",
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
    CodeRule(None, SUB_FLEXIBILITY, "other", "flexibility training (Apple Flexibility): other"),
    CodeRule(None, SUB_BREATHWORK, "other", "breathwork: other"),
)


CategorySource = Literal["device", "name", "inferred", "unknown", "user"]

# Walking inferred from data (sessions that name no sport): a moving speed a person walks
# at, and a cadence in the walking range when the file has steps.
WALKING_SPEED_MPS: Final = (0.4, 2.0)  # 1.4–7.2 km/h
WALKING_CADENCE_SPM: Final = (60.0, 140.0)


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
    >>> categorize(None, None, "HKWorkoutActivityTypeTraditionalStrengthTraining")
    'strength'
    >>> categorize(1, 0)
    'other'
    """
    return classify(sport, sub_sport, *names)[0]


def classify(
    sport: int | None,
    sub_sport: int | None,
    *names: str | None,
    distance_m: float | None = None,
    moving_s: float | None = None,
    steps: float | None = None,
) -> tuple[Category, CategorySource]:
    """The category and how it was decided: ``device`` (FIT codes), ``name`` (a name rule),
    ``inferred`` (walking recognised from speed and cadence in a session whose sport is
    missing or generic and whose names say nothing known, e.g. a GPX track without
    ``<type>`` or TCX ``Sport="Other"``) or ``unknown`` (nothing to go on: ``other``)."""
    if sport in UNSPECIFIC_SPORTS:
        by_name = category_from_names(*names)
        if by_name is not None:
            return by_name, "name"
    for rule in CODE_RULES:
        if (rule.sport is None or rule.sport == sport) and (
            rule.sub_sport is None or rule.sub_sport == sub_sport
        ):
            return rule.category, "device"
    if sport in (None, SPORT_GENERIC):  # no sport, and no name said what it was
        if looks_like_walking(distance_m, moving_s, steps):
            return "walking", "inferred"
        return "other", "unknown"
    return "other", "device"


def looks_like_walking(
    distance_m: float | None, moving_s: float | None, steps: float | None
) -> bool:
    """Moving speed in walking range and, when steps are known, a walking cadence.

    >>> looks_like_walking(2500, 1800, None)   # 5 km/h
    True
    >>> looks_like_walking(12000, 1800, None)  # 24 km/h: a bike or a car
    False
    >>> looks_like_walking(None, 1800, 3000)   # 100 steps/min, no distance
    True
    """
    if not moving_s or moving_s <= 0:
        return False
    speed_ok = cadence_ok = None
    if distance_m is not None and distance_m == distance_m and distance_m > 0:
        speed = distance_m / moving_s
        speed_ok = WALKING_SPEED_MPS[0] <= speed <= WALKING_SPEED_MPS[1]
    if steps is not None and steps == steps and steps > 0:
        cadence = steps / (moving_s / 60)
        cadence_ok = WALKING_CADENCE_SPM[0] <= cadence <= WALKING_CADENCE_SPM[1]
    if speed_ok is None and cadence_ok is None:
        return False
    return speed_ok is not False and cadence_ok is not False


def normalise_name(name: str) -> str:
    """Split CamelCase and identifiers into words: ``HKWorkoutActivityTypeTaiChi`` →
    ``Tai Chi``, ``weight_training`` → ``weight training``."""
    name = name.removeprefix("HKWorkoutActivityType")
    name = re.sub(r"(?<=[a-z])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", " ", name)
    return re.sub(r"[_]+", " ", name)


def category_from_names(*names: str | None) -> Category | None:
    """The category the first matching name rule gives, or ``None``."""
    for name in names:
        if not name:
            continue
        words = normalise_name(name)
        for rule in NAME_RULES:
            if rule.pattern.search(words):
                return rule.category
    return None
