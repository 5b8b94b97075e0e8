"""The taxonomy's rules at their edges (docs/rules.md, "Activity taxonomy" and "Categories
decided from data"): walking inferred from speed and cadence, which sports a name or the
data may refine, how free-text names are split and searched. Every expected value is worked
out from the rule's text in the comment beside it."""

from __future__ import annotations

import math

import pytest

from pipelines.rules.taxonomy import (
    categorize,
    category_from_names,
    classify,
    looks_like_walking,
    normalise_name,
)

NAN = math.nan

# (distance_m, moving_s, steps) → walking? Speed 0.4–2.0 m/s; cadence 60–140 steps/min when
# steps are known; at least one of them must be known. 1800 s = 30 min.
WALKING = [
    # no moving time: nothing to divide by
    (2500, None, 3000, False),
    (2500, 0, 3000, False),
    (2500, -1800, 3000, False),  # a negative duration is no duration
    # speed only (steps unknown)
    (2500, 1800, None, True),  # 1.39 m/s = 5 km/h
    (720, 1800, None, True),  # 720 / 1800 = 0.4 m/s: the lower bound counts
    (719, 1800, None, False),  # 0.3994 m/s: too slow
    (3600, 1800, None, True),  # 2.0 m/s: the upper bound counts
    (3601, 1800, None, False),  # 2.0006 m/s: too fast
    (12000, 1800, None, False),  # 6.7 m/s = 24 km/h: a bike or a car
    (1, 2, None, True),  # 1 m in 2 s = 0.5 m/s: a metre is a distance
    (0.5, 0.5, None, True),  # half a metre in half a second: 1 m/s
    # cadence only (no distance, or one that says nothing)
    (None, 1800, 3000, True),  # 3000 / 30 min = 100 steps/min
    (None, 1800, 1800, True),  # 60 steps/min: the lower bound counts
    (None, 1800, 1799, False),  # 59.97 steps/min
    (None, 1800, 4200, True),  # 140 steps/min: the upper bound counts
    (None, 1800, 4201, False),  # 140.03 steps/min
    (None, 60, 1, False),  # 1 step in a minute
    (None, 60, 100, True),  # 100 steps in one minute
    (None, 1, 1, True),  # one step in one second: 60 steps/min, a step is a count
    (0, 1800, 3000, True),  # distance 0 is not known: the cadence decides
    (NAN, 1800, 3000, True),  # a missing distance (NaN) likewise
    (NAN, 1800, None, False),  # NaN distance, no steps: nothing known
    (0, 1800, None, False),
    (-100, 1800, None, False),  # a negative distance is not a distance
    # steps that say nothing
    (2500, 1800, 0, True),  # 0 steps: not known, the speed decides
    (2500, 1800, NAN, True),
    (None, 1800, NAN, False),
    (None, 1800, 0, False),
    (None, 1800, None, False),
    # both known: both must be in range
    (2500, 1800, 3000, True),
    (2500, 1800, 1000, False),  # 33 steps/min: a ride with a few steps
    (12000, 1800, 3000, False),  # cadence fine, 24 km/h: a car
    (12000, 1800, 9000, False),  # neither
]


@pytest.mark.parametrize(("distance_m", "moving_s", "steps", "walking"), WALKING)
def test_walking_from_speed_and_cadence(
    distance_m: float | None, moving_s: float | None, steps: float | None, walking: bool
) -> None:
    assert looks_like_walking(distance_m, moving_s, steps) is walking


# classify(sport, sub_sport, *names, distance_m, moving_s, steps) → (category, source).
# A brisk 30-minute walk's figures: 2500 m, 1800 s, 3000 steps (5 km/h, 100 steps/min).
WALK = {"distance_m": 2500.0, "moving_s": 1800.0, "steps": 3000.0}
RIDE = {"distance_m": 12000.0, "moving_s": 1800.0, "steps": None}
CLASSIFY = [
    # no sport and no name: the data decide
    (None, None, (), WALK, ("walking", "inferred")),
    (None, None, (), RIDE, ("other", "unknown")),
    (None, None, (), {}, ("other", "unknown")),  # nothing to go on
    (0, 0, (), WALK, ("walking", "inferred")),  # generic sport: likewise
    (0, 0, (), RIDE, ("other", "unknown")),
    (None, 0, (None, ""), WALK, ("walking", "inferred")),  # names that say nothing
    (None, None, ("Morning activity",), WALK, ("walking", "inferred")),  # no rule matches
    (None, None, ("Morning activity",), RIDE, ("other", "unknown")),
    # a name decides before the data
    (None, None, ("Yoga",), WALK, ("yoga", "name")),
    (0, 0, ("Ride home",), WALK, ("walking", "inferred")),  # "ride" is no rule
    # fitness equipment and training are unspecific for names, but the data never make them
    # a walk: a treadmill's speed is the belt's, a class has no route
    (4, 0, (), WALK, ("other", "device")),
    (10, 0, (), WALK, ("other", "device")),
    (4, None, ("Pilates",), RIDE, ("pilates", "name")),
    # a specific sport is the device's word, names and data aside
    (1, 0, ("Evening walk",), WALK, ("other", "device")),  # running
    (2, 0, (), WALK, ("other", "device")),  # cycling at walking speed
    (11, 0, (), RIDE, ("walking", "device")),  # walking, whatever the speed
    (17, 5, ("Yoga",), {}, ("walking", "device")),  # hiking
    # a sub_sport rule applies with any sport, also a missing one
    (None, 27, (), RIDE, ("walking", "device")),  # indoor walking
    (1, 30, (), {}, ("walking", "device")),  # casual walking
    (None, 31, ("Stretching",), {}, ("other", "name")),  # the name is tried first
    (None, 31, (), {}, ("walking", "device")),  # speed walking
    (4, 44, (), {}, ("pilates", "device")),
    (None, 43, (), WALK, ("yoga", "device")),
    # strength needs its sport too: 10/20 and 4/20 only
    (10, 20, (), {}, ("strength", "device")),
    (4, 20, (), {}, ("strength", "device")),
    (None, 20, (), WALK, ("walking", "inferred")),  # no sport: 20 alone is no rule
    (None, 20, (), {}, ("other", "unknown")),
    (1, 20, (), {}, ("other", "device")),
    (10, 19, (), {}, ("other", "device")),  # flexibility
    (None, 62, (), WALK, ("other", "device")),  # breathwork: a rule, not inferred
]


@pytest.mark.parametrize(("sport", "sub_sport", "names", "data", "expected"), CLASSIFY)
def test_classify(
    sport: int | None,
    sub_sport: int | None,
    names: tuple[str | None, ...],
    data: dict[str, float | None],
    expected: tuple[str, str],
) -> None:
    assert classify(sport, sub_sport, *names, **data) == expected


@pytest.mark.parametrize(
    ("distance_m", "moving_s", "steps", "expected"),
    [
        (2500.0, 1800.0, None, ("walking", "inferred")),  # speed alone
        (None, 1800.0, 3000.0, ("walking", "inferred")),  # cadence alone
        (2500.0, 1800.0, 1000.0, ("other", "unknown")),  # the cadence says no
        (12000.0, 1800.0, 3000.0, ("other", "unknown")),  # the speed says no
        (2500.0, None, 3000.0, ("other", "unknown")),  # no moving time
    ],
)
def test_classify_passes_each_figure_on(
    distance_m: float | None, moving_s: float | None, steps: float | None, expected: tuple
) -> None:
    got = classify(None, None, distance_m=distance_m, moving_s=moving_s, steps=steps)
    assert got == expected


@pytest.mark.parametrize(
    ("sport", "sub_sport", "names", "category"),
    [
        (4, 44, (), "pilates"),
        (10, 0, ("Tai Chi am Morgen",), "tai_chi"),
        (None, None, ("HKWorkoutActivityTypeTraditionalStrengthTraining",), "strength"),
        (1, 0, (), "other"),
        (None, None, (), "other"),  # categorize has no data: never inferred walking
        (None, None, (None, "Qigong"), "tai_chi"),
    ],
)
def test_categorize(
    sport: int | None, sub_sport: int | None, names: tuple[str | None, ...], category: str
) -> None:
    assert categorize(sport, sub_sport, *names) == category


# The first name a rule matches decides; names that are missing or empty are skipped, not
# the end of the search. Within one name the rule tried first wins (tables' order).
NAMES = [
    ((), None),
    ((None,), None),
    (("",), None),
    (("", "Yoga"), "yoga"),  # an empty first name does not stop the search
    ((None, "Walk"), "walking"),
    ((None, "", None, "Pilates"), "pilates"),
    (("Morning activity", "Hike"), "walking"),  # a name no rule matches: the next one
    (("Yoga", "Walk"), "yoga"),  # the first matching name decides
    (("Walk", "Yoga"), "walking"),
    (("Walking and Yoga",), "yoga"),  # one name: Yoga's rule comes before walking's
    (("Stretching with Pilates",), "pilates"),
    (("Wandern, 8 KG Rucksack",), "walking"),  # KG is tried last
    (("KG",), "strength"),
    (("kg",), None),  # lower case: a weight
    (("HKWorkoutActivityTypeTaiChi",), "tai_chi"),  # split before matching
    (("weight_training",), "strength"),
    (("NordicWalking",), "walking"),
    (("Morning activity",), None),
]


@pytest.mark.parametrize(("names", "category"), NAMES)
def test_category_from_names(names: tuple[str | None, ...], category: str | None) -> None:
    assert category_from_names(*names) == category


@pytest.mark.parametrize(
    ("name", "words"),
    [
        ("HKWorkoutActivityTypeTaiChi", "Tai Chi"),  # Apple's prefix dropped, camel case split
        ("HKWorkoutActivityTypeWalking", "Walking"),
        ("TraditionalStrengthTraining", "Traditional Strength Training"),
        ("HIITWorkout", "HIIT Workout"),  # an acronym, then a word
        ("weight_training", "weight training"),
        ("weight__lifting_", "weight lifting "),  # a run of underscores is one space
        ("Nordic Walking", "Nordic Walking"),  # already words
        ("KGG", "KGG"),
        ("yoga", "yoga"),
        ("ActivityTypeWalking", "Activity Type Walking"),  # only the whole prefix is dropped
        ("xHKWorkoutActivityTypeYoga", "x HK Workout Activity Type Yoga"),  # only in front
    ],
)
def test_normalise_name(name: str, words: str) -> None:
    assert normalise_name(name) == words
