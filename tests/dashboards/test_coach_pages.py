"""The coach pages in AppTest: group overview with alerts and thresholds, the drill-down,
prescriptions and the clinician PDF — figures from pipelines.rules.report /
pipelines.rules.adherence."""

from __future__ import annotations

import io
import shutil
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from PIL import Image
from streamlit.testing.v1 import AppTest

from dashboards import data, pdf_report
from pipelines.app import participants as settings
from pipelines.rules import participants
from pipelines.rules import report as report_mod
from pipelines.rules.alerts import Thresholds
from pipelines.schemas import DAYS, PARTICIPANTS, SESSIONS
from pipelines.store.storage import Store
from tests.support.signin import TOKEN_KEY, token_for, token_for_viewer

ROOT = Path(__file__).resolve().parents[2] / "dashboards"
APP = ROOT / "app.py"
TIMEOUT_S = 30
P01 = data.Viewer("participant", participant="p01")
COACH_A = data.Viewer("coach", groups=frozenset({"group-a"}))


@pytest.fixture
def writable(data_dir: Path, tmp_path: Path) -> Path:
    """A copy of the demo data dir for tests that write."""
    return Path(shutil.copytree(data_dir, tmp_path / "data"))


def last_day(data_dir: Path) -> date:
    days = Store(data_dir).read(DAYS, ["p01", "p03"])
    return max(days.loc[days["has_data"].astype(bool), "date"])


def app(monkeypatch: pytest.MonkeyPatch, data_dir: Path, **query: str) -> AppTest:
    monkeypatch.setenv("BACKTRACK_DATA_DIR", str(data_dir))
    at = AppTest.from_file(APP, default_timeout=TIMEOUT_S)
    if query:
        at.session_state[TOKEN_KEY] = token_for(data_dir, **query)
    return at.run()


def page(
    monkeypatch: pytest.MonkeyPatch, data_dir: Path, name: str, viewer: data.Viewer
) -> AppTest:
    """A page the navigation does not list yet, run on its own with the viewer in session."""
    monkeypatch.setenv("BACKTRACK_DATA_DIR", str(data_dir))
    at = AppTest.from_file(ROOT / "pages" / name, default_timeout=TIMEOUT_S)
    at.session_state[TOKEN_KEY] = token_for_viewer(data_dir, viewer)
    return at.run()


def group_page(monkeypatch: pytest.MonkeyPatch, data_dir: Path, as_of: date) -> AppTest:
    at = app(monkeypatch, data_dir, coach="group-a")
    at.date_input(key="group_as_of").set_value(as_of).run()
    assert not at.exception
    return at


def test_group_table_equals_the_report_for_each_window(
    monkeypatch: pytest.MonkeyPatch, data_dir: Path
) -> None:
    as_of = last_day(data_dir)
    at = group_page(monkeypatch, data_dir, as_of)
    assert list(at.selectbox(key="group_choice").options) == ["group-a"]
    [table] = at.dataframe
    frame = table.value.set_index("participant")
    assert list(frame.index) == ["p01", "p03"]  # only their group
    store = Store(data_dir)
    for pid in ("p01", "p03"):
        p, days = settings.load_participant(store, pid), store.read(DAYS, [pid])
        for window in (14, 28):
            start = as_of - timedelta(days=window - 1)
            expected = report_mod.build(p, days, start, as_of)["adherence"]["ratio"]
            assert frame.loc[pid, f"adherence_{window}d"] == pytest.approx(expected)
        pain = report_mod.build(p, days, None, as_of).get("pain") or {}
        shown = frame.loc[pid, "pain_change_vs_baseline"]
        change = pain.get("change_vs_baseline")
        assert (change is None and shown != shown) or shown == pytest.approx(change)
    assert len(at.get("vega_lite_chart")) == 1  # the participants × days heatmap
    assert any(str(b.label) == "Download CSV" for b in at.get("download_button"))


def test_an_as_of_after_the_data_says_so_and_raises_no_data_alerts(
    monkeypatch: pytest.MonkeyPatch, data_dir: Path
) -> None:
    as_of = last_day(data_dir) + timedelta(days=30)
    at = group_page(monkeypatch, data_dir, as_of)
    assert any("latest day with data" in c.value for c in at.caption)
    alerts = at.dataframe[0].value["alerts"]
    assert all(text.startswith("No data for") for text in alerts)


def test_changing_a_threshold_changes_the_alerts(
    monkeypatch: pytest.MonkeyPatch, writable: Path
) -> None:
    as_of = last_day(writable)
    expected = data.coach_overview(
        COACH_A, "group-a", data.StoreTables(Store(writable)), as_of=as_of
    )
    ratio = float(expected.set_index("participant").loc["p01", "adherence_14d"])
    assert 0.1 < ratio < 0.9  # the demo's p01 misses some walks: room on both sides
    at = group_page(monkeypatch, writable, as_of)

    def save(percent: float) -> Any:
        at.number_input(key="th_adherence").set_value(percent)
        at.button[0].click().run()  # the form's submit button
        assert not at.exception
        assert [s.value for s in at.success] == ["Thresholds saved."]
        return at.dataframe[0].value.set_index("participant")["alerts"]

    above = save(round(ratio * 100) + 5.0)  # the threshold above p01's 14-day adherence
    assert "Adherence over 14 days" in above["p01"]
    below = save(round(ratio * 100) - 5.0)
    assert data.group_thresholds(COACH_A, "group-a", data.StoreTables(Store(writable))) == (
        Thresholds(min_adherence_14d=round(ratio - 0.05, 2))
    )
    assert "Adherence over 14 days" not in below["p01"]


def test_drill_down_opens_the_participants_activity(
    monkeypatch: pytest.MonkeyPatch, data_dir: Path
) -> None:
    at = group_page(monkeypatch, data_dir, last_day(data_dir))
    at.selectbox(key="group_drill_down").set_value("p03")
    at.button(key="group_open").click().run()
    assert not at.exception
    assert at.selectbox(key="participant_choice").value == "p03"
    assert any("p03" in t.value for t in at.title)


def test_a_prescription_change_updates_the_report_target(
    monkeypatch: pytest.MonkeyPatch, writable: Path
) -> None:
    at = page(monkeypatch, writable, "prescription.py", COACH_A)
    assert not at.exception
    at.selectbox(key="participant_choice").set_value("p03").run()
    at.number_input(key="rx_min").set_value(45)
    at.number_input(key="rx_max").set_value(75)
    at.number_input(key="rx_training_sessions").set_value(3)
    at.number_input(key="rx_training_minutes").set_value(40)
    at.button[0].click().run()
    assert not at.exception
    assert at.success and not at.error
    tables = data.StoreTables(Store(writable))
    report = data.report(COACH_A, "p03", tables)
    target = report["target"]
    assert (target["min_minutes"], target["max_minutes"]) == (45, 75)
    assert (target["training_sessions_per_week"], target["min_training_minutes"]) == (3, 40)
    assert report["training"]["target_sessions_per_week"] == 3
    days = Store(writable).read(DAYS, ["p03"])
    assert list(days["met"]) == list(days["walking_minutes"] >= 45)  # recomputed
    # p03 is the demo's studio profile: its classes of ≥ 40 moving minutes, once each
    sessions = Store(writable).read(SESSIONS, ["p03"])
    classes = sessions[
        sessions["duplicate_of"].isna()
        & sessions["category"].isin(["strength", "pilates", "yoga", "tai_chi"])
    ]
    training = classes[classes["moving_s"] >= 40 * 60]
    per_day = dict(training.groupby("local_date").size())
    assert 0 < len(training) < len(classes)  # some classes are long enough, some are not
    counted = zip(days["date"], days["training_sessions"], strict=True)
    assert {d: n for d, n in counted if n} == per_day


def test_a_prescription_change_moves_the_program_start_only_when_asked(
    monkeypatch: pytest.MonkeyPatch, writable: Path
) -> None:
    tables = data.StoreTables(Store(writable))
    before = data.settings(COACH_A, "p03", tables).target.program_start
    at = page(monkeypatch, writable, "prescription.py", COACH_A)
    at.selectbox(key="participant_choice").set_value("p03").run()
    at.number_input(key="rx_min").set_value(40)
    at.date_input(key="rx_start").set_value(date(2026, 1, 5))  # not ticked: ignored
    at.button[0].click().run()
    assert not at.exception and at.success
    tables = data.StoreTables(Store(writable))
    target = data.settings(COACH_A, "p03", tables).target
    assert (target.min_minutes, target.program_start) == (40, before)
    at.checkbox(key="rx_change_start").check()
    at.date_input(key="rx_start").set_value(date(2026, 1, 5))
    at.button[0].click().run()
    assert not at.exception and at.success
    target = data.settings(COACH_A, "p03", data.StoreTables(Store(writable))).target
    assert target.program_start == date(2026, 1, 5)


def unset_program_start(data_dir: Path, participant: str) -> None:
    """Store ``participant``'s settings without a program start (the demo sets one)."""
    store = Store(data_dir)
    p = settings.load_participant(store, participant)
    unset = participants.Participant(p.id, p.tz, p.target.with_changes(program_start=None), p.group)
    store.write(PARTICIPANTS, participant, participants.to_frame(unset, datetime.now(UTC)))


@pytest.mark.parametrize(
    ("lang", "note", "how", "date_format"),
    [
        ("en", "No program start is set. Until one is set, the first diary day ({date}) stands "
         "in", "tick “Set or change the program start” below", "%Y-%m-%d"),
        ("de", "Es ist kein Programmstart festgelegt. Bis er festgelegt ist, gilt ersatzweise "
         "der erste Tagebuchtag ({date})", "„Programmstart festlegen oder ändern“ ankreuzen",
         "%d.%m.%Y"),
    ],
)  # fmt: skip
def test_the_prescription_page_says_what_stands_in_for_a_missing_program_start(
    monkeypatch: pytest.MonkeyPatch,
    writable: Path,
    lang: str,
    note: str,
    how: str,
    date_format: str,
) -> None:
    unset_program_start(writable, "p03")
    days = Store(writable).read(DAYS, ["p03"])
    first_diary_day = min(days.loc[days["pain_entries"] > 0, "date"])  # the demo keeps one
    monkeypatch.setenv("BACKTRACK_DATA_DIR", str(writable))
    at = AppTest.from_file(ROOT / "pages" / "prescription.py", default_timeout=TIMEOUT_S)
    at.session_state[TOKEN_KEY] = token_for_viewer(writable, COACH_A)
    at.session_state["lang"] = lang
    at.run()
    at.selectbox(key="participant_choice").set_value("p03").run()
    assert not at.exception
    shown = [i.value for i in at.info]
    expected = note.format(date=first_diary_day.strftime(date_format))
    assert any(expected in text and how in text for text in shown), shown
    # p01 keeps the demo's program start: no note
    at.selectbox(key="participant_choice").set_value("p01").run()
    assert not any("program start" in str(i.value).lower() for i in at.info)
    assert not any("Programmstart" in str(i.value) for i in at.info)


def test_a_bad_prescription_is_refused_with_a_message(
    monkeypatch: pytest.MonkeyPatch, writable: Path
) -> None:
    at = page(monkeypatch, writable, "prescription.py", COACH_A)
    at.number_input(key="rx_min").set_value(90)  # above the maximum of 60
    at.button[0].click().run()
    assert not at.exception
    assert at.error and "min ≤ max" in at.error[0].value
    assert data.settings(COACH_A, "p01", data.StoreTables(Store(writable))).target.min_minutes == 30


def test_the_clinician_report_is_one_pdf_page(
    monkeypatch: pytest.MonkeyPatch, data_dir: Path, tables: data.StoreTables
) -> None:
    previews: list[bytes] = []
    real_preview = pdf_report.preview

    def recorded(*args: Any, **kwargs: Any) -> bytes:
        previews.append(real_preview(*args, **kwargs))
        return previews[-1]

    monkeypatch.setattr(pdf_report, "preview", recorded)
    at = page(monkeypatch, data_dir, "clinician_report.py", COACH_A)
    assert not at.exception and not at.error
    assert any(str(b.label) == "Download PDF" for b in at.get("download_button"))
    # the preview: a picture of the page (an A4 PNG), shown above the download button
    kinds = [element.type for element in at.main]
    assert "image" in kinds and kinds.index("image") < kinds.index("download_button")
    [shown] = at.get("image")
    assert [img.caption for img in shown.proto.imgs] == ["Preview of the PDF page"]
    assert [img.url.rsplit(".", 1)[-1] for img in shown.proto.imgs] == ["png"]
    [png] = previews
    width, height = Image.open(io.BytesIO(png)).size
    assert png.startswith(b"\x89PNG") and height / width == pytest.approx(297 / 210, rel=0.01)
    report = data.report(COACH_A, "p01", tables)
    alerts = data.participant_alerts(COACH_A, "p01", tables, as_of=last_day(tables.store.root))
    pdf = pdf_report.document(report, alerts, date(2026, 10, 1))
    assert pdf.page_no() == 1
    content = pdf_report.build(report, alerts, date(2026, 10, 1))
    assert content.startswith(b"%PDF")


def test_a_participant_cannot_reach_the_coach_pages_or_write(
    monkeypatch: pytest.MonkeyPatch, writable: Path
) -> None:
    at = app(monkeypatch, writable, participant="p01")
    with pytest.raises(ValueError, match="navigation page"):
        at.switch_page("pages/group.py")
    for name in ("prescription.py", "clinician_report.py"):
        alone = page(monkeypatch, writable, name, P01)
        assert alone.error and not alone.get("download_button") and not alone.button
    tables = data.StoreTables(Store(writable))
    with pytest.raises(PermissionError):
        data.set_prescription(
            P01,
            "p01",
            tables,
            min_minutes=10,
            max_minutes=20,
            every_n_days=1,
            min_bout_minutes=1,
            program_start=None,
        )
    with pytest.raises(PermissionError):
        data.set_group_thresholds(P01, "group-a", Thresholds(), tables)
    with pytest.raises(PermissionError):
        data.set_group_thresholds(COACH_A, "group-b", Thresholds(), tables)
    with pytest.raises(PermissionError):
        data.group_thresholds(P01, "group-a", tables)


def test_the_clinician_report_shows_the_questionnaire_scores_of_its_period(
    monkeypatch: pytest.MonkeyPatch, writable: Path
) -> None:
    """p01 answers PEG-3 on the period's first day (7, 7, 7 → 7.0) and its last (5, 4, 3 →
    4.0, change −3.0), and once more after it (ignored): the PDF and its preview get
    ("PEG-3: …", 4.0, −3.0)."""
    from pipelines.app import questionnaires

    store = Store(writable)
    whole = data.report(COACH_A, "p01", data.StoreTables(store))
    first, last = (date.fromisoformat(whole["range"][k]) for k in ("start", "end"))
    for day, values in (
        (first, ("7", "7", "7")),
        (last, ("5", "4", "3")),
        (last + timedelta(days=1), ("1", "1", "1")),
    ):
        items = dict(zip(("pain", "enjoyment", "activity"), values, strict=True))
        questionnaires.answer(store, "p01", "peg3", day, items)
    seen: list[Any] = []
    real_build = pdf_report.build

    def recorded(*args: Any, **kwargs: Any) -> bytes:
        seen.append(args[3] if len(args) > 3 else kwargs.get("questionnaires"))
        return real_build(*args, **kwargs)

    monkeypatch.setattr(pdf_report, "build", recorded)
    at = page(monkeypatch, writable, "clinician_report.py", COACH_A)
    assert not at.exception and not at.error
    assert seen == [[("PEG-3: pain and how it interferes", 4.0, -3.0)]]
