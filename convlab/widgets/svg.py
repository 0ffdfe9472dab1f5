"""Drawing the course's pictures as SVG: grids of numbers with the course's colours.

The same colour always means the same thing (see the course's style guide): input cells,
padding cells, the window, and the output cell being written.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from html import escape

COLOURS = {
    "input": ("#dbeafe", "#93c5fd", "#1e3a8a"),  # fill, stroke, text
    "padding": ("#f3f4f6", "#9ca3af", "#9ca3af"),
    "window": ("#fcd34d", "#b45309", "#451a03"),
    "window-padding": ("#fef3c7", "#b45309", "#9ca3af"),  # the window over a padding cell
    "kernel": ("#fef3c7", "#d97706", "#451a03"),
    "done": ("#dcfce7", "#86efac", "#14532d"),
    "current": ("#16a34a", "#14532d", "#ffffff"),
    "todo": ("#ffffff", "#d1d5db", "#ffffff"),
    "faded": ("#f9fafb", "#e5e7eb", "#d1d5db"),  # an input the current output does not see
}
FONT = "font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace"


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

    def _grow(self, x: float, y: float) -> None:
        self.width, self.height = max(self.width, x), max(self.height, y)

    def text(self, x, y, s, size=14, colour="#111827", anchor="start", weight="normal"):
        self.parts.append(
            f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" fill="{colour}" '
            f'text-anchor="{anchor}" font-weight="{weight}" style="{FONT}">{escape(s)}</text>'
        )
        self._grow(x + (len(s) * size * 0.62 if anchor == "start" else 0), y + size * 0.4)

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
            self.text(x + size / 2, y + size / 2 + font * 0.36, label, font, ink, "middle")
        self._grow(x + size, y + size)

    def outline(self, x, y, w, h, colour, width=3.0, dashed=False):
        dash = ' stroke-dasharray="6 4"' if dashed else ""
        self.parts.append(
            f'<rect x="{x:.1f}" y="{y:.1f}" width="{w:.1f}" height="{h:.1f}" fill="none" '
            f'stroke="{colour}" stroke-width="{width}"{dash}/>'
        )
        self._grow(x + w, y + h)

    def svg(self, margin: float = 8) -> str:
        w, h = self.width + margin, self.height + margin
        return (
            f'<svg xmlns="http://www.w3.org/2000/svg" width="{w:.0f}" height="{h:.0f}" '
            f'viewBox="0 0 {w:.0f} {h:.0f}">' + "".join(self.parts) + "</svg>"
        )
