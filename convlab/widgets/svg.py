"""Drawing the course's pictures as SVG: grids of numbers with the course's colours.

The same colour always means the same thing (see the course's style guide): input cells,
padding cells, the window, and the output cell being written.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from html import escape, unescape

from convlab.columns import extent
from convlab.i18n import N_, language, translate

COLOURS = {
    # fills chosen to stay apart for protanopia, deuteranopia and tritanopia as well as for normal
    # vision: CIEDE2000 of at least 10 between the window, the input, padding, the window over
    # padding, and the output cells written, being written and still to come (tests/test_colours.py)
    "input": ("#c7ddfd", "#93c5fd", "#1e3a8a"),  # fill, stroke, text
    "padding": ("#f3f4f6", "#9ca3af", "#6b7280"),
    "window": ("#fcd34d", "#b45309", "#451a03"),
    "window-padding": ("#fdecb0", "#b45309", "#6b7280"),  # the window over a padding cell
    "kernel": ("#fef3c7", "#d97706", "#451a03"),
    "done": ("#b4efc8", "#86efac", "#14532d"),
    "current": ("#16a34a", "#14532d", "#ffffff"),
    "todo": ("#ffffff", "#d1d5db", "#ffffff"),
    "faded": ("#f9fafb", "#e5e7eb", "#d1d5db"),  # an input the current output does not see
}
FONT = "font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace"
STEP = N_("step {step} of {steps}")  # a caption's count of the steps, in every view
LIVE = re.compile(r'data-live="([^"]*)"')


@functools.cache
def step_pattern(lang: str) -> re.Pattern:
    """``step 3 of 9`` in ``lang``: what marks the step's caption (for the live region)."""
    said = re.escape(translate(STEP, lang))
    return re.compile(said.replace(re.escape("{step}"), r"\d+").replace(re.escape("{steps}"), r"\d+"))


def number(v: float) -> str:
    """Short, readable numbers: 3, -1, 0.25, 1.3e+02."""
    v = float(v)
    if v == int(v) and abs(v) < 1e4:
        return str(int(v))
    return f"{v:.2f}" if abs(v) < 100 else f"{v:.2g}"


@dataclass
class Canvas:
    """Collects SVG elements; :meth:`svg` wraps them at the size they need."""

    width: float = 0
    height: float = 0
    parts: list[str] = field(default_factory=list)
    # what the picture says in words, in order (titles, the arithmetic, the caption), without the
    # numbers in the cells: the picture's text alternative, and what a screen reader announces
    words: list[tuple[str, bool]] = field(default_factory=list)  # (text, is it the step's arithmetic)

    def _grow(self, x: float, y: float) -> None:
        self.width, self.height = max(self.width, x), max(self.height, y)

    def text(self, x, y, s, size=14, colour="#111827", anchor="start", weight="normal", spoken=True):
        s = translate(s)
        step = bool(step_pattern(language()).search(s))
        if spoken and s.strip():
            self.words.append((s.strip(), weight == "bold" or step))
        self.parts.append(
            f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" fill="{colour}" '
            f'text-anchor="{anchor}" font-weight="{weight}" style="{FONT}">{escape(s)}</text>'
        )
        self._grow(x + (extent(s) * size * 0.62 if anchor == "start" else 0), y + size * 0.4)

    def cell(self, x, y, size, kind, label="", css="", dashed=False, stroke_width=1.0):
        fill, stroke, ink = COLOURS[kind]
        dash = ' stroke-dasharray="3 2"' if dashed else ""
        classes = f"{kind} {css}".strip()
        self.parts.append(
            f'<rect class="{classes}" x="{x:.1f}" y="{y:.1f}" width="{size:.1f}" '
            f'height="{size:.1f}" fill="{fill}" stroke="{stroke}" stroke-width="{stroke_width}"'
            f"{dash}/>"
        )
        if label:
            font = max(9.0, min(14.0, size * 0.42 * min(1.0, 4 / max(len(label), 1))))
            self.text(x + size / 2, y + size / 2 + font * 0.36, label, font, ink, "middle", spoken=False)
        self._grow(x + size, y + size)

    def outline(self, x, y, w, h, colour, width=3.0, dashed=False):
        dash = ' stroke-dasharray="6 4"' if dashed else ""
        self.parts.append(
            f'<rect x="{x:.1f}" y="{y:.1f}" width="{w:.1f}" height="{h:.1f}" fill="none" '
            f'stroke="{colour}" stroke-width="{width}"{dash}/>'
        )
        self._grow(x + w, y + h)

    def alt(self) -> str:
        """The picture in words: every title, line and caption it writes, in order."""
        return ". ".join(text for text, _ in self.words)

    def live(self) -> str:
        """What changes from one step to the next: the arithmetic and the step's caption."""
        return ". ".join(text for text, step in self.words if step) or self.alt()

    def svg(self, margin: float = 8) -> str:
        """The picture as an image with its text alternative: ``role="img"`` and a ``<title>``, so a
        screen reader reads the words, not every number of the grids. The title, last, carries the
        step's words in ``data-live`` for a player's live region (:func:`announced`)."""
        w, h = self.width + margin, self.height + margin
        return (
            f'<svg xmlns="http://www.w3.org/2000/svg" width="{w:.0f}" height="{h:.0f}" '
            f'viewBox="0 0 {w:.0f} {h:.0f}" role="img">'
            + "".join(self.parts)
            + f'<title data-live="{escape(self.live())}">{escape(self.alt())}</title></svg>'
        )


def announced(frame: str) -> str:
    """The words a frame drawn by :class:`Canvas` announces (its ``data-live``), '' for another."""
    found = LIVE.search(frame)
    return unescape(found.group(1)) if found else ""
