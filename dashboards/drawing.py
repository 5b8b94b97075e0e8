"""One page drawn once, rendered twice: a list of shapes in millimetres (origin top left, y
down) that becomes an fpdf2 page (vector: lines, rectangles, text — the clinician PDF) or a
Pillow image (the preview PNG the Clinician report page shows). Pure: no Streamlit, no I/O
besides reading a system font for the preview.

Text is set in PDF's core font Helvetica, which is latin-1 (``latin1`` below): widths come
from fpdf2's Helvetica metrics, so the layout wraps and aligns the same in both renderers.
The preview uses Liberation Sans (metric-compatible with Helvetica) when the system has it,
else Pillow's built-in font — a picture of the page, not a second layout.
"""

from __future__ import annotations

import io
import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Final, Literal

from fpdf import FPDF
from fpdf.fonts import CORE_FONTS_CHARWIDTHS
from PIL import Image, ImageDraw, ImageFont

Color = tuple[int, int, int]
Align = Literal["left", "right", "center"]
BLACK: Final[Color] = (0, 0, 0)
A4_MM: Final = (210.0, 297.0)
MM_PER_PT: Final = 25.4 / 72
SANS_DIRS: Final = (
    Path("/usr/share/fonts/truetype/liberation"),
    Path("/usr/share/fonts/liberation"),
    Path("/usr/share/fonts/truetype/liberation2"),
)
SANS_FILES: Final = {
    "": "LiberationSans-Regular.ttf",
    "B": "LiberationSans-Bold.ttf",
    "I": "LiberationSans-Italic.ttf",
    "BI": "LiberationSans-BoldItalic.ttf",
}
ASCII: Final = {
    "–": "-",
    "—": "-",
    "−": "-",
    "≥": ">=",
    "≤": "<=",
    "Δ": "delta ",
    "…": "...",
    "→": "->",
    "↑": "+",
    "↓": "-",
    "“": '"',
    "”": '"',
    "„": '"',
    "’": "'",
    "⌀": "mean",
    "\u202f": " ",
}


def latin1(text: str) -> str:
    """``text`` in what a core PDF font can show (latin-1); anything else becomes "?"."""
    for char, plain in ASCII.items():
        text = text.replace(char, plain)
    return text.encode("latin-1", "replace").decode("latin-1")


@dataclass(frozen=True, slots=True)
class Text:
    """One line of text; ``y`` is its baseline, ``size`` in points."""

    x: float
    y: float
    text: str
    size: float
    style: str = ""  # "", "B", "I" or "BI"
    color: Color = BLACK
    align: Align = "left"


@dataclass(frozen=True, slots=True)
class Line:
    x1: float
    y1: float
    x2: float
    y2: float
    color: Color = BLACK
    width: float = 0.2
    dash: float | None = None  # dash and gap length in mm; None: solid


@dataclass(frozen=True, slots=True)
class Rect:
    x: float
    y: float
    w: float
    h: float
    fill: Color | None = None
    stroke: Color | None = None
    width: float = 0.2


@dataclass(frozen=True, slots=True)
class Polyline:
    points: tuple[tuple[float, float], ...]
    color: Color = BLACK
    width: float = 0.3


@dataclass(frozen=True, slots=True)
class Dot:
    x: float
    y: float
    r: float
    fill: Color = BLACK


Shape = Text | Line | Rect | Polyline | Dot


@dataclass(slots=True)
class Page:
    """The shapes of one page, in drawing order."""

    width: float = A4_MM[0]
    height: float = A4_MM[1]
    shapes: list[Shape] = field(default_factory=list)

    def add(self, *shapes: Shape) -> None:
        self.shapes.extend(shapes)


def text_width(text: str, size: float, style: str = "") -> float:
    """Width in mm of ``text`` (after ``latin1``) in Helvetica of ``size`` points."""
    widths = CORE_FONTS_CHARWIDTHS["helvetica" + style]
    return sum(widths.get(c, 556) for c in latin1(text)) * size / 1000 * MM_PER_PT


def wrap(text: str, width: float, size: float, style: str = "") -> list[str]:
    """``text`` broken at spaces into lines no wider than ``width`` mm (a single word wider
    than that stays on its own line; a "%" stays with its number)."""
    lines: list[str] = []
    current = ""
    words: list[str] = []
    for word in text.split():
        if words and word[:1] in "%)":  # "67 %" and "(a b )" stay together
            words[-1] += " " + word
        else:
            words.append(word)
    for word in words:
        candidate = f"{current} {word}" if current else word
        if current and text_width(candidate, size, style) > width:
            lines.append(current)
            current = word
        else:
            current = candidate
    if current:
        lines.append(current)
    return lines


def line_height(size: float) -> float:
    """Baseline-to-baseline distance in mm for text of ``size`` points."""
    return size * MM_PER_PT * 1.22


# ------------------------------------------------------------------------------- PDF


def draw_pdf(page: Page, pdf: FPDF) -> None:
    """Every shape onto ``pdf``'s current page (units: mm)."""
    for shape in page.shapes:
        if isinstance(shape, Text):
            pdf.set_font("Helvetica", shape.style, shape.size)
            pdf.set_text_color(*shape.color)
            shown = latin1(shape.text)
            x = _aligned_x(shape.x, text_width(shown, shape.size, shape.style), shape.align)
            pdf.text(x, shape.y, shown)
        elif isinstance(shape, Line):
            _stroke(pdf, shape.color, shape.width, shape.dash)
            pdf.line(shape.x1, shape.y1, shape.x2, shape.y2)
        elif isinstance(shape, Rect):
            if shape.fill is not None:
                pdf.set_fill_color(*shape.fill)
            if shape.stroke is not None:
                _stroke(pdf, shape.stroke, shape.width, None)
            style = ("D" if shape.stroke is not None else "") + ("F" if shape.fill else "")
            if style:
                pdf.rect(shape.x, shape.y, shape.w, shape.h, style=style)
        elif isinstance(shape, Polyline):
            if len(shape.points) >= 2:
                _stroke(pdf, shape.color, shape.width, None)
                pdf.polyline(list(shape.points), style="D")
        else:
            pdf.set_fill_color(*shape.fill)
            pdf.circle(shape.x, shape.y, shape.r, style="F")
    pdf.set_dash_pattern()
    pdf.set_text_color(*BLACK)


def _stroke(pdf: FPDF, color: Color, width: float, dash: float | None) -> None:
    pdf.set_draw_color(*color)
    pdf.set_line_width(width)
    if dash is None:
        pdf.set_dash_pattern()
    else:
        # fpdf2 draws with projecting square caps, which lengthen every dash by the line's
        # width (half at each end): shorten the dash and widen the gap by that much so the
        # PDF shows what the preview does — ``dash`` on, ``dash`` off
        pdf.set_dash_pattern(max(dash - width, 0.01), dash + width)


def _aligned_x(x: float, width: float, align: Align) -> float:
    if align == "right":
        return x - width
    if align == "center":
        return x - width / 2
    return x


# ------------------------------------------------------------------------------- PNG


def render_png(page: Page, dpi: float = 110, oversample: int = 2) -> bytes:
    """The page as a PNG of ``dpi`` dots per inch (white background), drawn at
    ``oversample`` times the size and scaled down for smooth lines and text."""
    final = (round(page.width * dpi / 25.4), round(page.height * dpi / 25.4))
    scale = dpi / 25.4 * oversample  # pixels per mm
    size = (final[0] * oversample, final[1] * oversample)
    image = Image.new("RGB", size, "white")
    canvas = ImageDraw.Draw(image)
    for shape in page.shapes:
        if isinstance(shape, Text):
            font = _font(shape.style, round(shape.size * MM_PER_PT * scale))
            anchor = {"left": "ls", "right": "rs", "center": "ms"}[shape.align]
            xy = (shape.x * scale, shape.y * scale)
            canvas.text(xy, latin1(shape.text), font=font, fill=shape.color, anchor=anchor)
        elif isinstance(shape, Line):
            width = max(1, round(shape.width * scale))
            ends = ((shape.x1, shape.y1), (shape.x2, shape.y2))
            for a, b in _dashes(ends, shape.dash):
                canvas.line(
                    (a[0] * scale, a[1] * scale, b[0] * scale, b[1] * scale),
                    fill=shape.color,
                    width=width,
                )
        elif isinstance(shape, Rect):
            box = (
                shape.x * scale,
                shape.y * scale,
                (shape.x + shape.w) * scale,
                (shape.y + shape.h) * scale,
            )
            canvas.rectangle(
                box,
                fill=shape.fill,
                outline=shape.stroke,
                width=max(1, round(shape.width * scale)) if shape.stroke else 0,
            )
        elif isinstance(shape, Polyline):
            if len(shape.points) >= 2:
                canvas.line(
                    [(x * scale, y * scale) for x, y in shape.points],
                    fill=shape.color,
                    width=max(1, round(shape.width * scale)),
                    joint="curve",
                )
        else:
            r = shape.r * scale
            cx, cy = shape.x * scale, shape.y * scale
            canvas.ellipse((cx - r, cy - r, cx + r, cy + r), fill=shape.fill)
    if oversample > 1:
        image = image.resize(final, Image.Resampling.LANCZOS)
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


Point = tuple[float, float]


def _dashes(ends: tuple[Point, Point], dash: float | None) -> Iterable[tuple[Point, Point]]:
    """The drawn pieces of a line: itself, or its dashes (``dash`` mm on, ``dash`` off)."""
    (x1, y1), (x2, y2) = ends
    length = math.hypot(x2 - x1, y2 - y1)
    if dash is None or length == 0:
        yield ends
        return
    dx, dy = (x2 - x1) / length, (y2 - y1) / length
    at = 0.0
    while at < length:
        stop = min(at + dash, length)
        yield (x1 + dx * at, y1 + dy * at), (x1 + dx * stop, y1 + dy * stop)
        at += 2 * dash


@cache
def _font(style: str, pixels: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    for folder in SANS_DIRS:
        path = folder / SANS_FILES.get(style, SANS_FILES[""])
        if path.is_file():
            return ImageFont.truetype(str(path), max(1, pixels))
    return ImageFont.load_default(size=max(1, pixels))
