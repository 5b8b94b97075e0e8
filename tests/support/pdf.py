"""What a PDF shows, read back without a PDF library (pypdf is not installed).

fpdf2 writes each page's content as a deflated stream of operators: the shown strings are the
literals before ``Tj`` (``pdf_text``); rectangles (``re``), lines and curves (``m``, ``l``,
``c``), their colours (``rg``, ``RG``) and dashes (``d``) are the drawing (``pdf_shapes``).
Good enough for the one-page clinician report, whose core font (latin-1) keeps the strings as
they are.
"""

from __future__ import annotations

import re
import zlib
from dataclasses import dataclass, field


def pdf_text(data: bytes) -> str:
    """The text shown on the PDF's pages: the strings of its (deflated) content streams,
    joined by single spaces."""
    shown: list[str] = []
    for stream in re.findall(rb"stream\r?\n(.*?)\r?\nendstream", data, re.DOTALL):
        try:
            content = zlib.decompress(stream)
        except zlib.error:
            content = stream
        for literal in re.findall(rb"\(((?:[^()\\]|\\.)*)\)\s*Tj", content, re.DOTALL):
            unescaped = re.sub(rb"\\(.)", rb"\1", literal)
            shown.append(unescaped.decode("latin-1"))
    return re.sub(r"\s+", " ", " ".join(shown))


# ------------------------------------------------------------------ the drawn shapes

PT_TO_MM = 25.4 / 72
A4_HEIGHT_PT = 297 / PT_TO_MM
TOKEN = re.compile(
    rb"\((?:[^()\\]|\\.)*\)"  # a string literal
    rb"|\[[^\]]*\]"  # an array (the dash pattern)
    rb"|/[^\s/\[\]()<>]+"  # a name
    rb"|[-+]?(?:\d+\.?\d*|\.\d+)"  # a number
    rb"|[A-Za-z'\"*]+",  # an operator
    re.DOTALL,
)
Rgb = tuple[int, int, int]


@dataclass(frozen=True)
class DrawnRect:
    """A rectangle painted on the page (mm, top left origin, y down)."""

    x: float
    y: float
    w: float
    h: float
    fill: Rgb | None
    stroke: Rgb | None


@dataclass(frozen=True)
class DrawnPath:
    """A stroked or filled path: its points (mm, top left origin), colour and dash."""

    points: tuple[tuple[float, float], ...]
    stroke: Rgb | None
    fill: Rgb | None
    dashed: bool
    curved: bool


@dataclass(frozen=True)
class ShownText:
    x: float
    y: float  # baseline, mm from the top
    text: str
    size: float


@dataclass
class PageShapes:
    rects: list[DrawnRect] = field(default_factory=list)
    paths: list[DrawnPath] = field(default_factory=list)
    texts: list[ShownText] = field(default_factory=list)
    images: int = 0  # image XObjects painted (``Do``)

    def text_at(self, text: str) -> ShownText:
        """The one shown string equal to ``text``."""
        found = [s for s in self.texts if s.text == text]
        assert len(found) == 1, f"{text!r} shown {len(found)} times"
        return found[0]


def _rgb(values: list[float]) -> Rgb:
    if len(values) == 1:
        values = values * 3
    r, g, b = (round(v * 255) for v in values)
    return (r, g, b)


def pdf_shapes(data: bytes) -> PageShapes:
    """Every rectangle, path, text and image of the PDF's content streams, read from the
    drawing operators themselves (``re``, ``m``/``l``/``c``, ``S``/``f``/``B``, ``rg``/``RG``,
    ``d``, ``Tf``, ``Td``/``Tj``, ``Do``) — what a viewer would paint, in mm from the top
    left."""
    out = PageShapes()
    for stream in re.findall(rb"stream\r?\n(.*?)\r?\nendstream", data, re.DOTALL):
        try:
            content = zlib.decompress(stream)
        except zlib.error:
            content = stream
        _read_content(content, out)
    return out


def _read_content(content: bytes, out: PageShapes) -> None:
    state: dict[str, object] = {"fill": (0, 0, 0), "stroke": (0, 0, 0), "dashed": False}
    saved: list[dict[str, object]] = []
    operands: list[bytes] = []
    path: list[tuple[float, float]] = []
    curved = False
    rects: list[tuple[float, float, float, float]] = []
    size = 0.0
    at = (0.0, 0.0)

    def mm(x: bytes, y: bytes) -> tuple[float, float]:
        return float(x) * PT_TO_MM, (A4_HEIGHT_PT - float(y)) * PT_TO_MM

    for token in TOKEN.findall(content):
        if token[:1] in b"([/" or re.fullmatch(rb"[-+]?(?:\d+\.?\d*|\.\d+)", token):
            operands.append(token)
            continue
        op = token.decode("latin-1")
        if op == "q":
            saved.append(dict(state))
        elif op == "Q":
            state = saved.pop()
        elif op in ("rg", "g"):
            state["fill"] = _rgb([float(v) for v in operands])
        elif op in ("RG", "G"):
            state["stroke"] = _rgb([float(v) for v in operands])
        elif op == "d":
            state["dashed"] = operands[0].strip(b"[] ") != b""
        elif op == "Tf":
            size = float(operands[-1])
        elif op == "Td":
            at = mm(operands[0], operands[1])
        elif op == "Tj":
            literal = re.sub(rb"\\(.)", rb"\1", operands[-1][1:-1]).decode("latin-1")
            out.texts.append(ShownText(at[0], at[1], literal, size))
        elif op == "Do":
            out.images += 1
        elif op == "re":
            x, y = mm(operands[0], operands[1])
            w, h = float(operands[2]) * PT_TO_MM, -float(operands[3]) * PT_TO_MM
            rects.append((x, y, w, h) if h >= 0 else (x, y + h, w, -h))
        elif op == "m":
            path = [mm(operands[0], operands[1])]
            curved = False
        elif op == "l":
            path.append(mm(operands[0], operands[1]))
        elif op == "c":
            path.append(mm(operands[4], operands[5]))
            curved = True
        elif op in ("S", "s", "f", "F", "f*", "B", "B*", "b", "b*", "n"):
            fill = state["fill"] if op[0] in "fFBb" else None
            stroke = state["stroke"] if op[0] in "SsBb" else None
            for x, y, w, h in rects:
                out.rects.append(DrawnRect(x, y, w, h, fill, stroke))  # type: ignore[arg-type]
            if path and op != "n":
                out.paths.append(
                    DrawnPath(tuple(path), stroke, fill, bool(state["dashed"]), curved)  # type: ignore[arg-type]
                )
            rects, path = [], []
        operands = []
