"""Sliders for the geometry of a window, one per axis: ``stride ↓`` moves the window down,
``stride →`` across. Introduced in notebook 04 (``corr2d_view``), used again in 07 and 08."""

from __future__ import annotations

from collections.abc import Callable

import ipywidgets as widgets

from convlab.geometry import pair, sides
from convlab.i18n import N_, translate
from convlab.widgets.player import FramePlayer

AXES = ("↓", "→")  # rows (down), columns (across)
NAMES = {"padding": N_("padding"), "stride": N_("stride"), "dilation": N_("dilation")}  # the sliders' words


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
            description=f"{translate(NAMES.get(name, name))} {arrow}",
            continuous_update=False,
            style={"description_width": "80px"},
            layout=widgets.Layout(width="250px"),
        )
        for v, arrow in zip(start, AXES, strict=True)
    )


def read(sliders: tuple[widgets.IntSlider, widgets.IntSlider]) -> tuple[int, int]:
    """The pair (rows, columns) two axis sliders show."""
    return sliders[0].value, sliders[1].value


def geometry_player(
    draw: Callable[..., list[str]],
    settings: dict,
    controls: tuple[str, ...],
    ranges: dict[str, tuple[int, int]],
    title: str,
) -> FramePlayer:
    """A player of the frames ``draw(**settings)``, with two sliders (↓, →) for each setting
    named in ``controls`` (its min and max from ``ranges``); a slider's move draws them again."""
    unknown = set(controls) - set(ranges)
    if unknown:
        raise ValueError(f"unknown controls {sorted(unknown)}; use {', '.join(ranges)}")
    sliders = {name: axis_sliders(name, settings[name], *ranges[name]) for name in controls}
    player = FramePlayer(draw(**settings), title, [s for both in sliders.values() for s in both])

    def redraw(_change=None):
        settings.update({name: read(both) for name, both in sliders.items()})
        player.show(draw(**settings))

    for both in sliders.values():
        for slider in both:
            slider.observe(redraw, names="value")
    return player
