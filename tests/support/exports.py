"""Contents of vendor exports shared by the reader tests and the fuzz seeds: a Suunto app
JSON device log, a Strava API activity, a Fitbit step series."""

from __future__ import annotations

import json

# ---------------------------------------------------------------- Suunto app JSON


def event_sample(time: str, event: dict[str, object]) -> dict[str, object]:
    return {"Events": [{"ArrayBegin": 0, **event}], "TimeISO8601": time}


def window(kind: str, activity_id: int, duration: float, distance: float) -> dict[str, object]:
    return {"Window": {"Type": kind, "ActivityId": activity_id, "Duration": duration,
                       "Distance": distance}}  # fmt: skip


def device_log(samples: list[dict[str, object]], windows: list[dict[str, object]]) -> bytes:
    log = {
        "DeviceLog": {
            "Header": {
                "Activity": "Multisport",
                "ActivityType": 2,
                "DateTime": "2018-04-09T11:00:00.000+02:00",
                "Duration": 3000.0,
                "PauseDuration": 60.0,
                "Distance": 5000,
            },
            "Device": {"Name": "Amsterdam", "SerialNumber": "1234"},
            "Samples": samples,
            "Windows": windows,
        }
    }
    return json.dumps(log, indent=2).encode()


LEGS = [
    event_sample("2018-04-09T11:00:00.000+02:00", {"Lap": {"Type": "Start"}}),
    event_sample("2018-04-09T11:00:00.000+02:00", {"Activity": {"ActivityType": 12}}),
    {"HR": 1.5, "TimeISO8601": "2018-04-09T11:10:00.000+02:00"},
    event_sample("2018-04-09T11:20:00.000+02:00", {"Activity": {"ActivityType": 23}}),
    event_sample("2018-04-09T11:40:00.000+02:00", {"Pause": {"State": True}}),
    event_sample("2018-04-09T11:41:00.000+02:00", {"Pause": {"State": False}}),
    event_sample("2018-04-09T11:51:00.000+02:00", {"Lap": {"Type": "Stop"}}),
]


# ---------------------------------------------------------------- Strava API

API_ACTIVITY = {
    "resource_state": 3,
    "name": "Lunch Pilates",
    "distance": 0.0,
    "moving_time": 2400,
    "elapsed_time": 2700,
    "type": "Workout",
    "sport_type": "Pilates",
    "id": 123,
    "start_date": "2026-03-02T11:00:00Z",
    "start_date_local": "2026-03-02T12:00:00Z",
    "timezone": "(GMT+01:00) Europe/Berlin",
    "utc_offset": 3600.0,
    "device_name": "Garmin Forerunner 255",
}


# ---------------------------------------------------------------- Fitbit

STEPS_SERIES = json.dumps(
    [
        {"dateTime": "04/12/16 07:00:00", "value": "12"},
        {"dateTime": "04/12/16 07:01:00", "value": "0"},
        {"dateTime": "04/12/16 07:02:00", "value": "104"},
    ],
    indent=2,
).encode()
