"""The taxonomy with everyday German and English names and the codes of Apple, Garmin and
Fitbit, as their readers hand them over (issue 15, item 6; docs/rules.md)."""

from __future__ import annotations

import pytest

from pipelines.rules.taxonomy import classify

# (sport, sub_sport, name) → (category, how it was decided). Names arrive with sport None
# (GPX/TCX/CSV types, a user's title) or an unspecific sport (0, 4, 10): they decide there.
NAMES = [
    # walks: compounds and German verbs
    (None, None, "Spaziergang", "walking", "name"),
    (None, None, "Abendspaziergang", "walking", "name"),
    (None, None, "Spazierengehen", "walking", "name"),
    (None, None, "spazieren mit dem Hund", "walking", "name"),
    (None, None, "Sonntagsspaziergang", "walking", "name"),
    (None, None, "Wanderung", "walking", "name"),
    (None, None, "Bergwandern", "walking", "name"),
    (None, None, "Nordic Walking", "walking", "name"),
    (None, None, "Nordic-Walking", "walking", "name"),
    (None, None, "Powerwalking", "walking", "name"),
    (None, None, "Gassi gehen", "walking", "name"),
    (0, 0, "Evening walk", "walking", "name"),
    (None, None, "Wandern, 8 KG Rucksack", "walking", "name"),  # a weight, not KG
    # physiotherapy exercise forms → strength / stabilisation
    (None, None, "Physiotherapie", "strength", "name"),
    (None, None, "Physio", "strength", "name"),
    (None, None, "Physical therapy", "strength", "name"),
    (None, None, "Krankengymnastik", "strength", "name"),
    (None, None, "Krankengymnastik am Gerät", "strength", "name"),
    (None, None, "KG", "strength", "name"),
    (None, None, "KGG Dienstag", "strength", "name"),
    (None, None, "Rehasport", "strength", "name"),
    (None, None, "Reha-Sport", "strength", "name"),
    (None, None, "Funktionstraining", "strength", "name"),
    (None, None, "Rückengymnastik", "strength", "name"),
    (None, None, "Rücken-Gymnastik", "strength", "name"),
    (None, None, "Ruecken Training", "strength", "name"),
    (None, None, "Wirbelsäulengymnastik", "strength", "name"),
    (None, None, "Rücken- und Wirbelsäulengymnastik", "strength", "name"),
    (None, None, "Weight lifting", "strength", "name"),
    (10, 0, "Stabilisation", "strength", "name"),
    # decided on purpose: back school and stretching are not strength/stabilisation
    (None, None, "Rückenschule", "other", "name"),
    (None, None, "Back school", "other", "name"),
    (None, None, "Stretching", "other", "name"),
    (None, None, "Dehnen", "other", "name"),
    (None, None, "Dehnübungen", "other", "name"),
    (None, None, "Mobility", "other", "name"),
    (None, None, "Rücken-Yoga", "yoga", "name"),  # the Yoga word decides
    (None, None, "Hanteln 5 kg", "other", "unknown"),  # lower-case kg: a weight, no rule
    # a specific sport is never overridden by a name
    (1, 0, "Abendspaziergang", "other", "device"),
    (11, 0, "Rückenschule", "walking", "device"),
]

# What the readers hand over for the vendors' own types (ingest/apple_health.py SPORTS,
# ingest/fitbit.py SPORT_CODES, ingest/garmin_connect_csv.py GARMIN_TYPES, FIT codes).
VENDOR_CODES = [
    # Apple Health workoutActivityType (codes from the reader; the type travels as the name)
    (11, 0, "HKWorkoutActivityTypeWalking", "walking", "device"),
    (17, 0, "HKWorkoutActivityTypeHiking", "walking", "device"),
    (10, 20, "HKWorkoutActivityTypeTraditionalStrengthTraining", "strength", "name"),
    (10, 20, "HKWorkoutActivityTypeFunctionalStrengthTraining", "strength", "name"),
    (10, 20, "HKWorkoutActivityTypeCoreTraining", "strength", "name"),
    (10, 44, "HKWorkoutActivityTypePilates", "pilates", "name"),
    (10, 43, "HKWorkoutActivityTypeYoga", "yoga", "name"),
    (None, None, "HKWorkoutActivityTypeTaiChi", "tai_chi", "name"),
    (10, 19, "HKWorkoutActivityTypeFlexibility", "other", "name"),
    (None, None, "HKWorkoutActivityTypeMindAndBody", "other", "unknown"),
    # Garmin FIT (sport / sub_sport), no name
    (11, 0, None, "walking", "device"),
    (11, 30, None, "walking", "device"),
    (17, 0, None, "walking", "device"),
    (10, 20, None, "strength", "device"),
    (4, 20, None, "strength", "device"),
    (4, 44, None, "pilates", "device"),
    (10, 43, None, "yoga", "device"),
    (10, 19, None, "other", "device"),  # flexibility training
    (10, 62, None, "other", "device"),  # breathwork
    (10, 26, None, "other", "device"),  # cardio
    # Garmin Connect CSV activity types (English / German)
    (10, 20, "Krafttraining", "strength", "name"),
    (11, 0, "Gehen", "walking", "device"),
    (17, 0, "Wandern", "walking", "device"),
    (None, None, "Atemübungen", "other", "unknown"),
    # Fitbit activityName
    (11, 0, "Walk", "walking", "device"),
    (17, 0, "Hike", "walking", "device"),
    (10, 20, "Weights", "strength", "name"),
    (None, None, "Tai Chi", "tai_chi", "name"),
    (10, 0, "Workout", "other", "device"),
]


@pytest.mark.parametrize(("sport", "sub_sport", "name", "category", "source"), NAMES)
def test_everyday_names(
    sport: int | None, sub_sport: int | None, name: str, category: str, source: str
) -> None:
    assert classify(sport, sub_sport, name) == (category, source)


@pytest.mark.parametrize(("sport", "sub_sport", "name", "category", "source"), VENDOR_CODES)
def test_vendor_codes(
    sport: int | None, sub_sport: int | None, name: str | None, category: str, source: str
) -> None:
    assert classify(sport, sub_sport, name) == (category, source)
