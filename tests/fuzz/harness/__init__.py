"""Fuzzing every reader: the targets, their seeds, the mutators and the verdict on one input.

The targets come from the reader registry, so a reader added there is fuzzed (and
``tests/fuzz/test_seeds.py`` fails until it has a seed here):

* one target per format of :data:`ingest.read.READERS`, called as :func:`ingest.read.read_leaf`
  calls it (with the file's name for :data:`ingest.read.NAMED_READERS`);
* one per :data:`ingest.read.STREAM_READERS` entry (``"<format> (stream)"``), fed a stream;
* ``diary`` (:func:`ingest.diary.parse_diary`, CSV and XLSX);
* ``upload``: what :func:`ingest.read.read_upload` does (zip and gzip expansion, detection,
  then :func:`ingest.read.read_leaf` on every file found), a bug in the expansion raised.

An input is made from a valid seed by one or more mutations - generic ones (bit flips,
interesting bytes and words, insertions, deletions, truncation, chunk duplication, splicing
with a seed of any format) and ones aware of the seed's structure: XML elements deleted,
duplicated, swapped or nested; JSON values replaced by huge, negative, NaN or mistyped
ones; CSV lines and cells; numbers and dates replaced by impossible ones; FIT bodies
mutated behind a header whose size and CRCs are fixed up; zip members mutated, renamed,
nested or recompressed, then the archive rebuilt. Choices come from a :class:`Chooser`:
a seeded :class:`random.Random` for the long run (``tests/fuzz/run.py``), Hypothesis draws
for the short run in ``make test`` (so a failure shrinks).

The verdict (:func:`run_input`): a reader may return, or raise :class:`UnusableFile`
(skipped / rejected). Anything else escaping is a crash. So is a *hidden* crash: a
rejection that only wraps an unforeseen exception - a reader's "never escape" safety net
(its reason names the exception type, e.g. "unreadable Polar HRM file (IndexError: ...)"),
or :mod:`ingest.read`'s "... please report this file". Handlers that deliberately turn a
third-party library's errors into a rejection (fitparse, lxml, openpyxl) count as handled,
unless the exception was raised by our own code under them.

The package, by concern:

* :mod:`~tests.fuzz.harness.seeds` - the valid inputs of every format (one builder each);
* :mod:`~tests.fuzz.harness.targets` - the readers to fuzz, taken from the registry;
* :mod:`~tests.fuzz.harness.verdict` - what one input did: ok, skipped, rejected or a crash;
* :mod:`~tests.fuzz.harness.choosers` - where the mutators' choices come from;
* :mod:`~tests.fuzz.harness.dictionary` - interesting values to put into an input;
* :mod:`~tests.fuzz.harness.mutators` - the mutations, generic and aware of a seed's structure;
* :mod:`~tests.fuzz.harness.inputs` - one input for a target (the long run's input *i*);
* :mod:`~tests.fuzz.harness.short_run` - the short run in ``make test``.

The names below are the harness's face for ``tests/fuzz/run.py`` and the tests.
"""

from tests.fuzz.harness.choosers import Chooser, DrawChooser, RandomChooser
from tests.fuzz.harness.inputs import make_input, nth_input
from tests.fuzz.harness.seeds import DIARY, UPLOAD, Seed, seeded_formats, seeds_of
from tests.fuzz.harness.short_run import assert_survives, short_run_settings, targets_in
from tests.fuzz.harness.targets import Target, registered_formats, targets
from tests.fuzz.harness.verdict import SLOW_S, Outcome, run_input

__all__ = [
    "DIARY",
    "SLOW_S",
    "UPLOAD",
    "Chooser",
    "DrawChooser",
    "Outcome",
    "RandomChooser",
    "Seed",
    "Target",
    "assert_survives",
    "make_input",
    "nth_input",
    "registered_formats",
    "run_input",
    "seeded_formats",
    "seeds_of",
    "short_run_settings",
    "targets",
    "targets_in",
]
