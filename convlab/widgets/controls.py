"""Sliders for the geometry of a window, one per axis: ``stride ↓`` moves the window down,
``stride →`` across. Introduced in notebook 04 (``corr2d_view``), used again in 07."""

from __future__ import annotations

import ipywidgets as widgets

from convlab.geometry import pair, sides

AXES = ("↓", "→")  # rows (down), columns (across)


def axis_sliders(name: str, value, low: int, high: int) -> tuple[widgets.IntSlider, widgets.IntSlider]:
    """Two sliders for ``name``, rows then columns, starting at ``value`` (an int, a pair or,
    for padding, a 4-tuple whose top and left are taken)."""
    if name == "padding":
        top, _, left, _ = sides(value)
        start = (top, left)
    else:
        start = pair(value, name, low)
    return tuple(
        widgets.IntSlider(
            value=min(max(v, low), high),
            min=low,
            max=high,
            description=f"{name} {arrow}",
            continuous_update=False,
            style={"description_width": "80px"},
            layout=widgets.Layout(width="250px"),
        )
        for v, arrow in zip(start, AXES, strict=True)
    )


def read(sliders: tuple[widgets.IntSlider, widgets.IntSlider]) -> tuple[int, int]:
    """The pair (rows, columns) two axis sliders show."""
    return sliders[0].value, sliders[1].value
