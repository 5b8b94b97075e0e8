"""The safety net and the expectations, in German and English: one place for the texts the
Pain page, the My activity page and the clinician PDF show.

Sources (docs/rules.md): the German national care guideline on non-specific low back pain
(Nationale VersorgungsLeitlinie Nicht-spezifischer Kreuzschmerz) and NICE NG59 (low back
pain and sciatica in over 16s) for the red flags; IQWiG, "Warum Bewegung bei
Rückenschmerzen wichtig ist" (2025) for what to expect from exercise. Pure texts plus one
Streamlit renderer (``show``).
"""

from __future__ import annotations

from typing import Final

from dashboards.i18n import register, t

SAFETY_TITLE: Final = "When to seek medical help now"
SAFETY_INTRO: Final = (
    "Do not just exercise through these. See a doctor straight away (or call the emergency "
    "number) if, with your back pain, you notice:"
)
RED_FLAGS: Final = (
    "new weakness or numbness in a leg",
    "numbness around the genitals, the bottom or the inner thighs",
    "new trouble controlling your bladder or bowel",
    "fever, or feeling very unwell",
    "weight loss you cannot explain",
    "pain after a fall or an accident",
    "severe pain at night that does not ease",
)
EXPECTATIONS_TITLE: Final = "What to expect"
EXPECTATIONS: Final = (
    "Sore muscles and a short rise in back pain after exercise are common and not harmful. "
    "Without warning signs there is no reason to fear exercise.",
    "It can take several weeks before the training helps.",
    "In studies, pain fell by about 15 points out of 100 on average. That is an average: "
    "your course may differ.",
    "This page does not replace advice from a doctor or physiotherapist.",
)
SOURCE: Final = (
    "Sources: Nationale VersorgungsLeitlinie Nicht-spezifischer Kreuzschmerz; NICE NG59; IQWiG."
)

register(
    {
        SAFETY_TITLE: "Wann Sie sofort ärztliche Hilfe suchen sollten",
        SAFETY_INTRO: (
            "Trainieren Sie dann nicht einfach weiter. Gehen Sie sofort zu einer Ärztin oder "
            "einem Arzt (oder rufen Sie den Notruf), wenn Sie zu den Rückenschmerzen bemerken:"
        ),
        RED_FLAGS[0]: "neue Schwäche oder Taubheit in einem Bein",
        RED_FLAGS[
            1
        ]: "Taubheit im Genitalbereich, am Gesäß oder an den Innenseiten der Oberschenkel",
        RED_FLAGS[2]: "neue Probleme, Blase oder Darm zu kontrollieren",
        RED_FLAGS[3]: "Fieber oder ein starkes Krankheitsgefühl",
        RED_FLAGS[4]: "Gewichtsverlust ohne erkennbaren Grund",
        RED_FLAGS[5]: "Schmerzen nach einem Sturz oder Unfall",
        RED_FLAGS[6]: "starke Schmerzen in der Nacht, die nicht nachlassen",
        EXPECTATIONS_TITLE: "Was Sie erwarten können",
        EXPECTATIONS[0]: (
            "Muskelkater und ein kurzer Anstieg der Rückenschmerzen nach dem Training sind "
            "häufig und nicht schädlich. Ohne Warnzeichen gibt es keinen Grund, Bewegung zu "
            "fürchten."
        ),
        EXPECTATIONS[1]: "Es kann einige Wochen dauern, bis das Training wirkt.",
        EXPECTATIONS[2]: (
            "In Studien sanken die Schmerzen im Durchschnitt um etwa 15 von 100 Punkten. Das "
            "ist ein Durchschnitt: Ihr Verlauf kann anders sein."
        ),
        EXPECTATIONS[3]: (
            "Diese Seite ersetzt nicht den Rat einer Ärztin, eines Arztes oder Ihrer "
            "Physiotherapie."
        ),
        SOURCE: (
            "Quellen: Nationale VersorgungsLeitlinie Nicht-spezifischer Kreuzschmerz; NICE NG59; "
            "IQWiG."
        ),
    }
)


def safety_lines() -> list[str]:
    """The red flags in the current language: title, intro, one line per flag."""
    return [t(SAFETY_TITLE), t(SAFETY_INTRO), *(t(flag) for flag in RED_FLAGS)]


def expectation_lines() -> list[str]:
    """What to expect, in the current language: title, then one line each."""
    return [t(EXPECTATIONS_TITLE), *(t(text) for text in EXPECTATIONS)]


def show() -> None:
    """Both blocks on a Streamlit page: the red flags as a warning, the expectations below."""
    import streamlit as st

    title, intro, *flags = safety_lines()
    st.warning(f"**{title}**  \n{intro}\n" + "\n".join(f"- {flag}" for flag in flags))
    heading, *points = expectation_lines()
    st.info(f"**{heading}**\n" + "\n".join(f"- {point}" for point in points))
    st.caption(t(SOURCE))
