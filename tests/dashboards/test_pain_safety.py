"""The safety net, the expectations and the pain page's new parts in AppTest, in English and
German (issue 16 items 5–9)."""

from __future__ import annotations

import shutil
from datetime import date, timedelta
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from dashboards import pdf_report
from dashboards.i18n import use
from pipelines.config import Target
from pipelines.rules import joined
from pipelines.rules import report as report_mod
from pipelines.rules.participants import Participant
from pipelines.schemas import DIARY
from pipelines.store.storage import Store
from tests.support.rules import activity_days, diary_days
from tests.support.signin import TOKEN_KEY, token_for

APP = Path(__file__).resolve().parents[2] / "dashboards" / "app.py"
TIMEOUT_S = 60

# written out here, not taken from the module: the test fails when a text goes missing
SAFETY = {
    "en": ("When to seek medical help now", "new weakness or numbness in a leg",
           "new trouble controlling your bladder or bowel", "NICE NG59"),
    "de": ("Wann Sie sofort ärztliche Hilfe suchen sollten",
           "neue Schwäche oder Taubheit in einem Bein",
           "neue Probleme, Blase oder Darm zu kontrollieren", "NICE NG59"),
}  # fmt: skip
EXPECTATIONS = {
    "en": ("What to expect", "not harmful", "several weeks", "about 15 points",
           "does not replace advice from a doctor or physiotherapist"),
    "de": ("Was Sie erwarten können", "nicht schädlich", "einige Wochen", "etwa 15 von 100",
           "ersetzt nicht den Rat einer Ärztin, eines Arztes oder Ihrer Physiotherapie"),
}  # fmt: skip


def open_page(
    monkeypatch: pytest.MonkeyPatch, root: Path, page: str, lang: str, **who: str
) -> AppTest:
    monkeypatch.setenv("BACKTRACK_DATA_DIR", str(root))
    at = AppTest.from_file(APP, default_timeout=TIMEOUT_S)
    at.session_state[TOKEN_KEY] = token_for(root, **who)
    at.session_state["lang"] = lang
    at.run()
    return at.switch_page(page).run()


def shown(at: AppTest) -> str:
    parts = [w.value for w in at.warning] + [i.value for i in at.info]
    parts += [c.value for c in at.caption] + [m.value for m in at.markdown]
    return "\n".join(str(p) for p in parts)


@pytest.mark.parametrize("lang", ["en", "de"])
@pytest.mark.parametrize("page", ["pages/pain.py", "pages/my_activity.py"])
def test_safety_net_and_expectations_on_the_patient_pages(
    monkeypatch: pytest.MonkeyPatch, data_dir: Path, page: str, lang: str
) -> None:
    at = open_page(monkeypatch, data_dir, page, lang, participant="p01")
    assert not at.exception
    text = shown(at)
    for phrase in SAFETY[lang] + EXPECTATIONS[lang]:
        assert phrase in text, phrase


def test_the_painkiller_warning_sends_people_to_a_doctor_or_pharmacist(
    monkeypatch: pytest.MonkeyPatch, data_dir: Path, tmp_path: Path
) -> None:
    # the 16 calendar days up to p01's last diary day rewritten (import rule): painkillers
    root = Path(shutil.copytree(data_dir, tmp_path / "data"))
    end = max(Store(root).read(DIARY, ["p01"])["date"])
    last = [end - timedelta(days=i) for i in range(15, -1, -1)]
    csv = "date,pain,painkiller\n" + "".join(f"{d.isoformat()},50,yes\n" for d in last)
    at = open_page(monkeypatch, root, "pages/pain.py", "en", participant="p01")
    at.file_uploader[0].set_value(("pk.csv", csv.encode(), "text/csv"))
    [submit] = [b for b in at.button if b.label == "Import diary"]
    submit.click().run()
    assert not at.exception
    at = open_page(monkeypatch, root, "pages/pain.py", "en", participant="p01")
    [warning] = [w.value for w in at.warning if "Painkillers" in w.value]
    assert "doctor or pharmacist" in warning and "physiotherapist" not in warning
    at = open_page(monkeypatch, root, "pages/pain.py", "de", participant="p01")
    [warning] = [w.value for w in at.warning if "Schmerzmittel" in w.value]
    assert "Apotheke" in warning and "Physiotherapie" not in warning


def test_patients_see_the_next_day_only_and_clinicians_every_lag(
    monkeypatch: pytest.MonkeyPatch, data_dir: Path
) -> None:
    at = open_page(monkeypatch, data_dir, "pages/pain.py", "en", participant="p01")
    assert any("On the next day after more walking:" in str(m.value) for m in at.markdown)
    assert not [d for d in at.dataframe if "interval" in d.value.columns]
    coach = open_page(monkeypatch, data_dir, "pages/pain.py", "en", coach="group-a")
    [lags] = [d.value for d in coach.dataframe if "interval" in d.value.columns]
    assert list(lags["pain … days after walking"]) == [0, 1, 2, 3]
    assert set(lags["reading"]) <= {
        "no clear link",
        "more walking went with less pain",
        "more walking went with more pain",
        "too few paired days",
    }


def test_the_person_flags_and_the_detected_days_are_named_apart(
    monkeypatch: pytest.MonkeyPatch, data_dir: Path
) -> None:
    at = open_page(monkeypatch, data_dir, "pages/pain.py", "en", participant="p01")
    text = "\n".join(str(m.value) for m in at.markdown)
    assert "You marked" in text and "Pain clearly above your usual level" in text
    assert "flare-up day(s)" not in text  # the old wording mixed both
    de = open_page(monkeypatch, data_dir, "pages/pain.py", "de", participant="p01")
    text = "\n".join(str(m.value) for m in de.markdown)
    assert "Schmerz deutlich über Ihrem üblichen Niveau" in text


def test_soreness_can_be_recorded_as_no(
    monkeypatch: pytest.MonkeyPatch, data_dir: Path, tmp_path: Path
) -> None:
    root = Path(shutil.copytree(data_dir, tmp_path / "data"))
    at = open_page(monkeypatch, root, "pages/pain.py", "en", participant="p01")
    day = date(2025, 6, 2)
    at.date_input[0].set_value(day)
    at.number_input[0].set_value(30)
    at.radio(key="diary_exercise_pain").set_value("no")
    [save] = [b for b in at.button if b.label == "Save entry"]
    save.click().run()
    assert not at.exception and not at.error
    entry = Store(root).read(DIARY, ["p01"]).set_index("date").loc[day]
    assert entry["exercise_pain"] is not None and not bool(entry["exercise_pain"])


@pytest.mark.parametrize("lang", ["en", "de"])
def test_the_pdf_carries_the_safety_net(lang: str) -> None:
    use(lang)  # type: ignore[arg-type]
    try:
        # a diary-only participant's real report: 20 days of pain 50 from 2024-05-01
        pain = {date(2024, 5, 1) + timedelta(days=i): 50.0 for i in range(20)}
        days = joined.join("p01", activity_days({}, "p01"), diary_days(pain, "p01"), None)
        report = report_mod.build(Participant("p01", "Europe/Berlin", Target()), days)
        pdf = pdf_report.document(report, [], date(2024, 5, 21))
        assert pdf.page_no() == 1
        pdf.compress = False  # the page's text readable in the bytes
        raw = bytes(pdf.output())
        for phrase in (SAFETY[lang][0], SAFETY[lang][3], EXPECTATIONS[lang][0]):
            assert phrase.encode("latin-1") in raw, phrase
        heading = {"en": "Clinician report", "de": "Bericht für Behandelnde"}[lang]
        assert heading.encode("latin-1") in raw
    finally:
        use("en")
