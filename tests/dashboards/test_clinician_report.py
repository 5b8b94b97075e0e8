"""The clinician report page beyond its figures (issue 17 item 2): it fits one A4 page for
programs of 4, 12 and 26 weeks in both languages with every alert and questionnaire; the
questionnaire section; the PNG preview is the same page; the completeness and band rules."""

from __future__ import annotations

import doctest
import io
from collections.abc import Iterator
from datetime import date

import pytest
from PIL import Image

from dashboards import drawing, pdf_report, report_figures
from dashboards.i18n import use
from pipelines.rules.alerts import Alert
from tests.support.clinician import program_report
from tests.support.pdf import pdf_shapes, pdf_text

GENERATED = date(2024, 12, 2)
EVERY_ALERT = [
    Alert("no_data", 5, 3),
    Alert("low_adherence", 0.25, 0.5, "not_worn"),
    Alert("pain_up", 17.5, 15),
    Alert("painkiller_run", 20, 14),
    Alert("painkiller_diary_stopped", 4, 2),
]
SCORES = [("PEG-3", 5.3, -1.7), ("PGIC", 6.0, None), ("PSFS", 4.7, 2.0)]


@pytest.fixture
def lang(request: pytest.FixtureRequest) -> Iterator[str]:
    use(request.param)
    try:
        yield str(request.param)
    finally:
        use("en")


@pytest.mark.parametrize("lang", ["en", "de"], indirect=True)
@pytest.mark.parametrize("weeks", [4, 12, 26])
def test_every_program_length_fits_one_page(lang: str, weeks: int) -> None:
    report = program_report(weeks)
    assert len(report["weeks"]) == weeks
    page = pdf_report.layout(report, EVERY_ALERT, GENERATED, SCORES * 2)
    for shape in page.shapes:
        if isinstance(shape, drawing.Text):
            width = drawing.text_width(shape.text, shape.size, shape.style)
            left = {"left": shape.x, "right": shape.x - width, "center": shape.x - width / 2}
            x = left[shape.align]
            assert x >= 11.9 and x + width <= 198.6, shape  # inside the 12 mm margins
            assert 12 <= shape.y <= 290, shape
        elif isinstance(shape, drawing.Rect):
            assert shape.x >= 11.9 and shape.x + shape.w <= 198.1, shape
            assert shape.y >= 11.9 and shape.y + shape.h <= 290, shape
    data = pdf_report.build(report, EVERY_ALERT, GENERATED, SCORES * 2)
    assert data.count(b"/Type /Page\n") + data.count(b"/Type /Page ") == 1
    drawn = pdf_shapes(data)
    # a bar per week with walking: every fifth week the watch stayed in the drawer
    with_data = sum(1 for w in report["weeks"] if w["has_data"])
    assert with_data == weeks - weeks // 5
    walking_title = drawn.texts[[s.text for s in drawn.texts].index(
        {"en": "Walking minutes per week", "de": "Gehminuten pro Woche"}[lang])]  # fmt: skip
    bars = [
        r for r in drawn.rects
        if r.fill in (pdf_report.GREEN, pdf_report.ORANGE, pdf_report.GREY)
        and walking_title.y + 12 < r.y < walking_title.y + 56 and r.x < 105
    ]  # fmt: skip
    assert len(bars) == with_data


def test_too_much_for_one_page_is_refused() -> None:
    with pytest.raises(ValueError, match="one page"):
        pdf_report.build(program_report(4), EVERY_ALERT, GENERATED, SCORES * 12)


@pytest.mark.parametrize(
    ("lang", "shown"),
    [
        ("en", "Questionnaires Questionnaire Latest score Change PEG-3 5.3 -1.7 PGIC 6 - "
               "PSFS 4.7 +2"),
        ("de", "Fragebögen Fragebogen Letzter Wert Veränderung PEG-3 5,3 -1,7 PGIC 6 - "
               "PSFS 4,7 +2"),
    ],
    indirect=["lang"],
)  # fmt: skip
def test_questionnaire_scores_have_their_own_section(lang: str, shown: str) -> None:
    text = pdf_text(pdf_report.build(program_report(4), [], GENERATED, SCORES))
    assert shown in text
    assert {"en": "None recorded.", "de": "Keine erfasst."}[lang] not in text


def test_the_preview_is_the_same_page() -> None:
    report = program_report(4)
    png = pdf_report.preview(report, [], GENERATED)
    image = Image.open(io.BytesIO(png)).convert("RGB")
    dpi = pdf_report.PREVIEW_DPI
    assert image.size == (round(210 / 25.4 * dpi), round(297 / 25.4 * dpi))

    def pixel(x_mm: float, y_mm: float) -> tuple[int, int, int]:
        r, g, b = image.getpixel((round(x_mm / 25.4 * dpi), round(y_mm / 25.4 * dpi)))
        return (r, g, b)

    drawn = pdf_shapes(pdf_report.build(report, [], GENERATED))
    coloured = [
        r for r in drawn.rects
        if r.fill in (pdf_report.GREEN, pdf_report.ORANGE) and r.w > 3 and r.h > 3
    ]  # fmt: skip
    assert len(coloured) >= 6  # 4 walking weeks, 4 training weeks, and the legends' keys
    for rect in coloured:  # the centre of every bar of the PDF has the bar's colour
        seen = pixel(rect.x + rect.w / 2, rect.y + rect.h / 2)
        assert max(abs(a - b) for a, b in zip(seen, rect.fill or (), strict=True)) <= 12
    white = pixel(5, 5)
    assert white == (255, 255, 255)


def test_the_figure_rules_hold_their_worked_examples() -> None:
    result = doctest.testmod(report_figures)
    assert result.attempted >= 5 and result.failed == 0


@pytest.mark.parametrize(
    ("status", "entries", "worn", "diary"),
    [
        ("met", 0, True, False),
        ("below", 1, True, True),
        ("low_wear", 2, False, True),  # two entries: one day with a diary entry
        ("no_data", 0, False, False),
    ],
)
def test_a_day_counts_as_worn_and_written(
    status: str, entries: int, worn: bool, diary: bool
) -> None:
    """The PDF counts a day as the Group page does (``pipelines.rules.completeness``)."""
    day = {"date": "2026-09-01", "status": status, "pain_entries": entries}
    found = report_figures.completeness([day])
    assert (found.days, found.worn_days, found.diary_days) == (1, int(worn), int(diary))


def test_the_walking_band_follows_the_target() -> None:
    # every 3 days 20–40 minutes: ⌊7 / 3⌋ = 2 days a week → 40 to 80 minutes
    report = {
        "target": {"min_minutes": 20, "max_minutes": 40},
        "adherence": {"weekly_target_days": 2},
    }
    assert report_figures.walking_band(report) == (40.0, 80.0)


@pytest.mark.parametrize(
    ("complete", "met_days", "sessions", "walking_met", "training_met"),
    [
        (True, 3, 2, True, True),  # exactly the targets (3 met days, 2 sessions) meet them
        (True, 2, 1, False, False),
        (True, 7, 5, True, True),
        (False, 3, 2, None, None),  # a week in progress is neither met nor missed
    ],
)
def test_a_week_meets_the_target_from_the_target_on(
    complete: bool, met_days: int, sessions: int, walking_met: bool | None,
    training_met: bool | None,
) -> None:  # fmt: skip
    week = {"week": 1, "start": "2024-05-06", "complete": complete, "has_data": True,
            "walking_minutes": 100.0, "met_days": met_days,
            "training_sessions": sessions}  # fmt: skip
    report = {"adherence": {"weekly_target_days": 3},
              "training": {"target_sessions_per_week": 2}, "weeks": [week]}  # fmt: skip
    [shown] = report_figures.weeks(report)
    assert (shown.walking_met, shown.training_met) == (walking_met, training_met)
