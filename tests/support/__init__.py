"""Builders shared by the tests: the one place a test imports a helper from.

A test module (``test_*.py``) imports from here, never from another test module or a
``conftest.py``, and never a ``_private`` name of another module (tests/test_layering_tests.py
enforces it). Fixtures stay in the ``conftest.py`` files; what they build comes from here.

* :mod:`~tests.support.paths` - where the shared sample corpus is;
* :mod:`~tests.support.rules` - sessions, step minutes and days straight into the pure rules;
* :mod:`~tests.support.archives`, :mod:`~tests.support.gpx_files`,
  :mod:`~tests.support.tcx_files`, :mod:`~tests.support.workbooks`,
  :mod:`~tests.support.xml_attacks`, :mod:`~tests.support.exports` - file contents written in
  code (zips, GPX, TCX, Excel, hostile XML, vendor exports);
* :mod:`~tests.support.uploads` - uploads of several files and formats in a folder;
* :mod:`~tests.support.tracks`, :mod:`~tests.support.positions`,
  :mod:`~tests.support.cli_runs` - GPS-rich files, the scanner that looks for their positions,
  and ``backtrack ingest`` with every text it produced;
* :mod:`~tests.support.hostile` - the hostile-upload corpus;
* :mod:`~tests.support.cohort` - a demo cohort ingested into a data dir;
* :mod:`~tests.support.realistic` - one realistic participant's FIT files (walks, training,
  Garmin monitoring with heart rate, a charger day) and their ingest;
* :mod:`~tests.support.signin`, :mod:`~tests.support.browser` - signed-in dashboard sessions
  (AppTest) and the dashboard in a real browser;
* :mod:`~tests.support.vega` - the charts a page drew (AppTest), read back as Vega-Lite specs
  with their data; :mod:`~tests.support.pdf` - the text a PDF shows.
"""
