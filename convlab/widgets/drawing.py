"""The pieces every view draws: a grid of numbers, an input with its window, an output filling in."""

from __future__ import annotations

from collections.abc import Callable

import torch

from convlab.geometry import Window
from convlab.i18n import translate
from convlab.widgets.svg import COLOURS, Canvas, extent, number

GAP = 44  # space between two grids


def cell_size(*shapes: tuple[int, int]) -> float:
    """Large enough to read a number, small enough that the picture fits a notebook."""
    widest = sum(s[1] for s in shapes)
    return max(24.0, min(40.0, 720 / max(widest, 1)))


def width(cols: int, size: float, title: str = "", font: float = 13) -> float:
    """How far a titled grid reaches to the right: its cells or its title, whichever is wider."""
    return max(cols * size, extent(translate(title)) * font * 0.62)


def padded(X: torch.Tensor, window: Window, fill: float = 0.0) -> torch.Tensor:
    """``X`` inside its padding, in float64 (``fill`` is -inf for max pooling)."""
    top, _, left, _ = window.padding
    out = torch.full(window.padded_shape, fill, dtype=torch.float64)
    out[top : top + X.shape[0], left : left + X.shape[1]] = X.to(torch.float64)
    return out


def label(v: float, digits: int = 2) -> str:
    if v == float("-inf"):
        return "−∞"
    return number(v) if v == int(v) else f"{v:.{digits}f}".rstrip("0")


def grid(
    canvas: Canvas,
    x0: float,
    y0: float,
    size: float,
    values: torch.Tensor,
    kind: str | Callable[[int, int], str],
    title: str = "",
    digits: int = 2,
    dashed: Callable[[int, int], bool] = lambda r, c: False,
) -> None:
    """A grid of numbers; ``kind`` names the colour of every cell, or of each (r, c)."""
    if title:
        canvas.text(x0, y0 - 12, title, 13)
    for r in range(values.shape[0]):
        for c in range(values.shape[1]):
            k = kind(r, c) if callable(kind) else kind
            text = label(float(values[r, c]), digits)
            canvas.cell(x0 + c * size, y0 + r * size, size, k, text, dashed=dashed(r, c))


def input_with_window(
    canvas: Canvas,
    x0: float,
    y0: float,
    size: float,
    Xp: torch.Tensor,
    window: Window,
    cells: list[tuple[int, int]],
    title: str,
    faded: bool = False,
    mark: tuple[int, int] | None = None,
) -> None:
    """The padded input (padding dashed and grey), the window's cells and its outline.

    ``mark`` highlights one cell of the window (the max of a pooling window); ``faded``
    draws an input the current output does not see (another group's channel).
    """
    under = set(cells)

    def kind(r: int, c: int) -> str:
        if faded:
            return "faded"
        if (r, c) == mark:
            return "current"
        pad = window.is_padding(r, c)
        if (r, c) in under:
            return "window-padding" if pad else "window"
        return "padding" if pad else "input"

    grid(canvas, x0, y0, size, Xp, kind, title, dashed=window.is_padding)
    if not faded:
        r0, c0 = cells[0]
        sh, sw = window.span
        canvas.outline(x0 + c0 * size, y0 + r0 * size, sw * size, sh * size, COLOURS["window"][1])


def output_so_far(
    canvas: Canvas,
    x0: float,
    y0: float,
    size: float,
    shape: tuple[int, int],
    values: list[float],
    t: int,
    title: str,
    offset: int = 0,
) -> None:
    """An output grid whose first ``t - offset`` cells are written, cell ``t - offset`` now."""
    done = torch.zeros(shape, dtype=torch.float64)
    k = t - offset

    def kind(r: int, c: int) -> str:
        s = r * shape[1] + c
        return "current" if s == k else "done" if s < k else "todo"

    canvas.text(x0, y0 - 12, title, 13)
    for s, v in enumerate(values):
        r, c = divmod(s, shape[1])
        done[r, c] = v
        text = label(v) if s <= k else ""
        canvas.cell(x0 + c * size, y0 + r * size, size, kind(r, c), text)
