"""FIT reader: bytes of one ``.fit`` file → :class:`~ingest.records.ParsedFile`.

The package, one module per concern, imported in this order (none imports a later one):
:mod:`~ingest.fit.profile` (FIT numbers, file-type and sport tables, how values read),
:mod:`~ingest.fit.decode` (fitparse decoding into segments, CRCs, chained files),
:mod:`~ingest.fit.fast` (the optional fitfast path into the same segments),
:mod:`~ingest.fit.activity` (sessions), :mod:`~ingest.fit.monitoring` (step counters →
step intervals) and :mod:`~ingest.fit.reader` (:func:`parse_fit`: decode, then interpret).

Built on fitparse 1.2.0 (the reference decoder; its FIT profile dates from 2019). What
this package adds on top, and the decisions behind it:

Speed
    fitparse decodes ≈ 0.3 MB/s because it fully renders every field of every message.
    We need a handful of message types (file_id, sport, workout, session, activity,
    monitoring_info, monitoring, and the developer-data descriptions), so
    :class:`_SegmentDecoder` fully decodes only those and skips every other message by
    size, taking from it only the timestamp (compressed-timestamp headers need it, and
    ``record`` timestamps are kept to reconstruct a missing session). fitparse's own CRC
    check (a pure-Python nibble loop) is off; :func:`fit_crc` computes it once per segment.

Chained files
    Several FIT files may follow each other, each with its own header and CRC (Garmin
    swim files, SDK samples). fitparse 1.2.0 does read past the first segment, but we walk
    the headers ourselves (``data_size`` gives each segment's length) so that errors name a
    byte offset and the CRC of every segment is checked. Segments without a ``file_id``
    continue the previous segment's file type and device. Sessions come from activity
    segments; a settings segment chained after an activity is simply ignored. Zero bytes
    after the last segment are ignored (with a warning); more than ``MAX_SEGMENTS``
    segments is rejected (no device writes that many; it would only cost time).

File CRC
    A CRC mismatch alone does not reject a file: if every segment decodes completely
    (no unexpected end of file, no parse error), its data is ingested and the result
    carries the warning "file CRC mismatch (computed 0x…, stored 0x…): data decoded
    completely and was ingested; the file may be corrupt". A file that does not decode
    completely is rejected whatever its CRC. The same applies to a header CRC.

Rejections (:class:`RejectedFile`, each reason names the problem and, where one exists,
the byte offset): empty file; not a FIT file; bad header; truncated / unexpected end of
file (including a last message that runs over the CRC); data message with an undefined
local message type; other decoding errors; and device-relative timestamps (FIT
``date_time`` values below 0x10000000 count seconds since the device powered on, not since
1989 - the device clock was never set, so no date is known). Two defects fitparse 1.2.0
rejects are tolerated, as its development version and fitdecode do: a field whose
declared size is not a multiple of its type's size (COROS firmware) is read as raw bytes,
with a warning; a developer field without a description is read as raw bytes. (In the
corpus, the misaligned field is ``event.data``, which this reader does not use.)

Skips (:class:`SkippedFile`): valid FIT files that hold no recorded activity - settings,
workouts, courses, weight, totals, goals, schedules, ... - and activity files with neither
sessions nor usable records.

Activity files
    One :class:`SessionRecord` per ``session`` message. Sport and sub_sport are always the
    raw FIT integers (fitparse names the codes its 2019 profile knows and leaves newer
    ones, e.g. sub_sport 62 breathwork, as integers; we read ``raw_value``). Steps: FIT's
    session ``total_cycles`` (``total_strides``) counts *strides* for the foot sports
    running, walking and hiking - one cycle of one foot, the unit of the cadence field - so
    ``steps`` is ``2 × total_strides`` (checked on Garmin files: a Fenix 5 run with 78
    strides covers 157.56 m at a 0.9717 m average step length, i.e. ≈ 162 steps; an FR955
    walk's cadence integrates to its 66 strides). Other sports' cycles (strokes, pedal
    revolutions) are not steps. ``activity_name`` is the ``sport`` message's name (paired
    with sessions by position when the counts match, else by sport code), else the
    ``workout`` name, else the session's ``sport_profile_name`` (field 110).

    A file with ``record`` messages but no ``session`` gets one session reconstructed from
    the first and last record timestamps (elapsed = moving = their span, sport from a
    ``sport`` message if any) and the warning "no session message; session reconstructed
    from N records". Records at a single instant, or without timestamps, give nothing.

Monitoring files
    See :func:`step_intervals` for how cumulative Garmin counters become
    :class:`StepInterval` records (including the 60-minute cap on an interval). Only
    ``cycles`` of activity types walking (6) and running (1) are steps (fitparse names
    them ``steps``; other types count strokes or revolutions). A message with only
    ``timestamp_16`` gets its time from the previous resolved time (a full timestamp or
    an earlier ``timestamp_16``): ``t + ((ts16 − (t & 0xFFFF)) & 0xFFFF)``. End-of-day
    messages with ``duration_min`` ≥ 1440 restate the day's totals: they are not
    differenced, and become one interval only for a counter without intraday readings.
    When a file starts at a local time other than midnight, the first reading of each
    counter may include steps taken before the file began; a warning says so.

    Heart rate: Garmin's all-day heart rate comes as monitoring messages with
    ``heart_rate`` (field 27, bpm; mostly only a ``timestamp_16`` besides). A value of
    1–254 is a reading; each marks its minute as worn, and readings at most 5 minutes apart
    become one :class:`~ingest.records.WearSpan` (:mod:`ingest.wear`). The values
    themselves are not kept. A monitoring file with heart rate but no step counters is
    read (wear time only); one with neither is skipped.

Local offset
    ``utc_offset_s`` is ``activity.local_timestamp − activity.timestamp`` (or the same on
    ``monitoring_info``), rounded to the nearest 15 minutes and dropped when beyond ±14 h.
    ``device_settings.time_offset`` is never used.

Fast path
    When the optional ``fitfast`` decoder is installed (the ``fast`` extra) and
    ``BACKTRACK_FIT_DECODER`` is not ``fitparse``, :mod:`ingest.fit.fast` decodes the file
    instead, into the same segments; it declines (and the fitparse decoder reads
    the file) whenever the result could differ, and any error on that path - a Rust panic
    included - re-reads the file with fitparse. See docs/fit-decoder.md.

fitparse keeps developer-field descriptions in a module-global dict; this reader never
touches it (descriptions live on the decoder of the file being read), so results depend
only on the bytes given and decoding is safe from several threads.
"""

from __future__ import annotations

from ingest.fit.decode import fit_crc, sniff
from ingest.fit.monitoring import MONITORING_INTERVAL_CAP, CounterReading, step_intervals
from ingest.fit.profile import FIT_EPOCH, FORMAT, local_offset_s
from ingest.fit.reader import parse_fit

__all__ = [
    "FIT_EPOCH",
    "FORMAT",
    "MONITORING_INTERVAL_CAP",
    "CounterReading",
    "fit_crc",
    "local_offset_s",
    "parse_fit",
    "sniff",
    "step_intervals",
]
