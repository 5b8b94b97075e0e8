"""German and English for the dashboard: one switch, strings keyed by their English text.

Pages register their German strings next to the code that shows them::

    from dashboards.i18n import register, t
    register({"My activity": "Meine Aktivität", "{n} blocks": "{n} Blöcke"})
    st.title(t("My activity"))
    st.caption(t("{n} blocks", n=3))

A string without a German entry is shown in English (and listed by ``missing()`` for tests).
Numbers and dates are formatted per language with ``fmt_number``, ``fmt_percent`` and
``fmt_date``. The language lives in the session (``st.session_state["lang"]``), chosen with
``language_switch()``; outside Streamlit (tests, scripts) it is English unless ``use()`` says
otherwise.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Final, Literal

Lang = Literal["en", "de"]
LANGUAGES: Final[dict[Lang, str]] = {"en": "English", "de": "Deutsch"}
_GERMAN: dict[str, str] = {}
_fallback: Lang = "en"


# The session categories (``pipelines.rules.taxonomy.CATEGORIES``) as a person reads them,
# the one place their words come from: charts, tables, pickers and the PDF ask
# ``category_label``, never ``t`` with the key (which would show ``tai_chi``).
CATEGORY_LABELS: Final[Mapping[str, str]] = {
    "walking": "walking",
    "strength": "strength",
    "pilates": "Pilates",
    "yoga": "Yoga",
    "tai_chi": "Tai-Chi",
    "other": "other",
}


def register(german: dict[str, str]) -> None:
    """Add German translations (English text → German text). One English text has one
    German text: registering another for it is an error (which one a page showed would
    depend on which module was imported last)."""
    clash = {k: (_GERMAN[k], v) for k, v in german.items() if _GERMAN.get(k, v) != v}
    if clash:
        raise ValueError(f"two German texts for the same English text: {clash}")
    _GERMAN.update(german)


def use(lang: Lang) -> None:
    """Set the language outside a Streamlit session (tests, scripts)."""
    global _fallback
    _fallback = lang


def current() -> Lang:
    try:
        import streamlit as st

        lang = st.session_state.get("lang")
    except Exception:  # no Streamlit session (tests, scripts)
        lang = None
    return lang if lang in LANGUAGES else _fallback


def t(text: str, **values: object) -> str:
    """``text`` in the current language, with ``{placeholders}`` filled in."""
    chosen = _GERMAN.get(text, text) if current() == "de" else text
    return chosen.format(**values) if values else chosen


def category_label(category: str) -> str:
    """A session category key in the current language: ``tai_chi`` → "Tai-Chi" (en and de),
    ``walking`` → "walking" / "Gehen". A key that is not a category (``auto``) is passed to
    ``t`` as it is."""
    return t(CATEGORY_LABELS.get(category, category))


def missing(texts: list[str]) -> list[str]:
    """Texts without a German translation."""
    return [text for text in texts if text not in _GERMAN]


def fmt_number(value: float | None, digits: int = 0) -> str:
    """1234.5 → "1,234.5" (en) / "1.234,5" (de); None → "–"."""
    if value is None or value != value:
        return "–"
    text = f"{value:,.{digits}f}"
    if current() == "de":
        text = text.replace(",", "\u0000").replace(".", ",").replace("\u0000", ".")
    return text


def fmt_percent(ratio: float | None, digits: int = 0) -> str:
    """0.8095 → "81%" (en) / "81 %" (de)."""
    if ratio is None or ratio != ratio:
        return "–"
    number = fmt_number(ratio * 100, digits)
    return f"{number} %" if current() == "de" else f"{number}%"


def fmt_bytes(size: int) -> str:
    """A file size in binary units, as a limit is shown: 4294967296 → "4 GiB",
    209715200 → "200 MiB", 1610612736 → "1.5 GiB" (en) / "1,5 GiB" (de)."""
    for unit, factor in (("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if size >= factor:
            value = size / factor
            return f"{fmt_number(value, 0 if value == int(value) else 1)} {unit}"
    return f"{fmt_number(size)} bytes"


def fmt_date(day: date | None) -> str:
    """ISO-like in English (2026-09-01), 01.09.2026 in German."""
    if day is None:
        return "–"
    return day.strftime("%d.%m.%Y") if current() == "de" else day.isoformat()


def language_switch() -> Lang:
    """The language selector (sidebar); returns the chosen language."""
    import streamlit as st

    if "lang" not in st.session_state:
        st.session_state["lang"] = "en"
    st.sidebar.radio(
        "Language / Sprache",
        options=list(LANGUAGES),
        format_func=lambda code: LANGUAGES[code],
        key="lang",
        horizontal=True,
    )
    return current()


register(
    {
        "walking": "Gehen",
        "strength": "Kraft",
        "Pilates": "Pilates",
        "Yoga": "Yoga",
        "Tai-Chi": "Tai-Chi",
        "other": "Sonstige",
    }
)
