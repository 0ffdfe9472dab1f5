"""Tensors as pictures: annotated heat-maps side by side, with the course's colours.

Introduced in notebook 01 (``heatmaps``); ``curve`` in 03; ``picture`` and ``png`` draw the
kernel explorer's photo and response in 02; ``loglog`` plots 08's timings;
``digit_grid`` and ``confusion`` show 09's digits, filters and mistakes; ``on_digits`` draws 10's
saliency and occlusion maps over the digits.

Every word a figure writes (titles, axis labels, legends) is shown in the student's language
(:func:`convlab.i18n.translate`: a :class:`~convlab.i18n.Msg` is translated when the figure is
drawn, any other text stays as it is), in a font that has its characters (:mod:`convlab.fonts`).
"""

from __future__ import annotations

import io

import matplotlib.pyplot as plt
import torch

from convlab import fonts
from convlab.i18n import N_, Msg, translate

fonts.register()  # before any figure is made: a text takes its fonts when it is created


def heatmaps(tensors: dict[str, torch.Tensor], annotate: bool | None = None, cmap: str | None = None):
    """Draw 2-D tensors side by side, titled by their names, values written in the cells.

    Each tensor gets the course's colours (see :func:`colours`): an image (no negative value)
    in grey, black = 0 and white = its largest value (1 for a black-and-white image); a signed
    result in a diverging map centred on 0, red positive and blue negative. ``cmap`` forces
    one map for all. ``annotate`` defaults to writing values when a tensor has at most
    12×12 cells. Returns the matplotlib figure (shown by the notebook).
    """
    fig, axes = plt.subplots(
        1, len(tensors), figsize=(3.2 * len(tensors), 3.2), squeeze=False, layout="constrained"
    )
    for ax, (name, t) in zip(axes[0], tensors.items(), strict=True):
        values = torch.as_tensor(t).detach().to(torch.float64)
        if values.dim() != 2:
            raise ValueError(f"{name} must be 2-D to draw, got shape {tuple(values.shape)}")
        image = ax.imshow(values.numpy(), **colours(values, cmap))
        ax.set_title(f"{translate(name)}  {tuple(values.shape)}")
        ax.set_xticks([])
        ax.set_yticks([])
        write = annotate if annotate is not None else max(values.shape) <= 12
        if write:
            for (r, c), v in _cells(values):
                red, green, blue, _ = image.cmap(image.norm(v))
                dark = 0.299 * red + 0.587 * green + 0.114 * blue < 0.5
                ax.text(
                    c,
                    r,
                    f"{v:g}",
                    ha="center",
                    va="center",
                    fontsize=10,
                    color="white" if dark else "#111827",
                )
    plt.close(fig)  # the notebook displays the returned figure once
    return fig


def colours(values: torch.Tensor, cmap: str | None = None, signed: bool | None = None) -> dict:
    """``imshow`` arguments in the course's colours: grey from 0 (black) to the largest value
    (white) when nothing is negative, else ``RdBu_r`` centred on 0 (white), red positive.
    ``signed`` decides instead of ``values``, so that maps shown side by side are drawn alike."""
    low, high = float(values.min()), float(values.max())
    if not (low < 0 if signed is None else signed):
        return {"cmap": cmap or "gray", "vmin": 0.0, "vmax": high or 1.0}
    limit = max(-low, high) or 1.0
    return {"cmap": cmap or "RdBu_r", "vmin": -limit, "vmax": limit}


def _cells(values: torch.Tensor):
    for r in range(values.shape[0]):
        for c in range(values.shape[1]):
            yield (r, c), round(float(values[r, c]), 3)


def curve(values: list[float], title: str, xlabel: str = N_("step"), ylabel: str = N_("loss")):
    """A line with a dot per value, e.g. the loss at every training step."""
    fig, ax = plt.subplots(figsize=(4.8, 2.8), layout="constrained")
    ax.plot(range(len(values)), values, marker="o", color="#16a34a")
    ax.set(title=translate(title), xlabel=translate(xlabel), ylabel=translate(ylabel))
    ax.grid(alpha=0.3)
    plt.close(fig)
    return fig


def loglog(
    sizes, curves: dict[str, list[float | None]], title: str, xlabel: str, ylabel: str = N_("seconds")
):
    """Lines on log-log axes, one per curve (``None`` entries left out): how a cost grows with size."""
    fig, ax = plt.subplots(figsize=(5.4, 3.6), layout="constrained")
    for name, values in curves.items():
        points = [(n, v) for n, v in zip(sizes, values, strict=True) if v is not None]
        if points:
            ax.plot(*zip(*points, strict=True), marker="o", label=translate(name))
    words = {"title": translate(title), "xlabel": translate(xlabel), "ylabel": translate(ylabel)}
    ax.set(xscale="log", yscale="log", **words)
    ax.grid(alpha=0.3, which="both")
    ax.legend()
    plt.close(fig)
    return fig


def blank(ax) -> None:
    """An axes that shows only its image: no axis, no ticks. (An axis turned off still lays out
    its ticks each time its title is placed: cleared, a grid of 20 digits draws in half the time,
    the same pixels.) Used by every grid of small images here and in ``convlab.widgets.network``."""
    ax.set(xticks=[], yticks=[])
    ax.axis("off")


def digit_grid(images: torch.Tensor, titles: list[str], columns: int = 10, signed: bool = False):
    """Small images side by side, a title over each: digits in grey, or (``signed``) learned
    filters in the diverging map, each centred on 0."""
    rows = max(1, -(-len(images) // columns))
    fig, axes = plt.subplots(
        rows, columns, figsize=(columns * 0.9, rows * 1.05), squeeze=False, layout="constrained"
    )
    for ax in axes.flat:
        blank(ax)
    for ax, image, title in zip(axes.flat, images, titles, strict=False):
        values = torch.as_tensor(image).detach().to(torch.float64).reshape(image.shape[-2:])
        ax.imshow(values.numpy(), **colours(values if signed else values.clamp(min=0)))
        ax.set_title(translate(title), fontsize=8)
    plt.close(fig)
    return fig


def on_digits(images: torch.Tensor, maps: torch.Tensor, titles: list[str], columns: int = 10):
    """Signed maps (saliency, occlusion) drawn over the digits they explain: each digit in grey,
    its map on top in the diverging colours (red positive, blue negative, each centred on 0), as
    opaque as the value is large; a smaller map (one value per position of a patch) is drawn with
    each cell over the centre of its patch."""
    rows = max(1, -(-len(images) // columns))
    fig, axes = plt.subplots(
        rows, columns, figsize=(columns * 0.9, rows * 1.05), squeeze=False, layout="constrained"
    )
    for ax in axes.flat:
        blank(ax)
    for ax, image, values, title in zip(axes.flat, images, maps, titles, strict=False):
        digit = torch.as_tensor(image).detach().to(torch.float64).reshape(image.shape[-2:])
        values = torch.as_tensor(values).detach().to(torch.float64)
        (h, w), (mh, mw) = digit.shape, values.shape
        oy, ox = (h - mh) / 2, (w - mw) / 2  # a smaller map's cells centred on their patches
        ax.imshow(digit.numpy(), cmap="gray", vmin=0, vmax=1, extent=(0, w, h, 0))
        limit = float(values.abs().max()) or 1.0
        strength = (values.abs() / limit).numpy()
        ax.imshow(
            values.numpy(),
            cmap="RdBu_r",
            vmin=-limit,
            vmax=limit,
            alpha=strength,
            extent=(ox, w - ox, h - oy, oy),
        )
        ax.set_title(translate(title), fontsize=8)
    plt.close(fig)
    return fig


def confusion(y_true: torch.Tensor, y_pred: torch.Tensor, classes: int = 10):
    """The confusion matrix: row = the true class, column = the predicted one, counts written."""
    counts = torch.zeros(classes, classes, dtype=torch.int64)
    for t, p in zip(y_true.tolist(), y_pred.tolist(), strict=True):
        counts[t, p] += 1
    fig, ax = plt.subplots(figsize=(4.6, 4.2), layout="constrained")
    ax.imshow(counts.numpy(), cmap="Blues")
    for (r, c), v in _cells(counts.to(torch.float64)):
        if v:
            ax.text(
                c,
                r,
                f"{v:g}",
                ha="center",
                va="center",
                fontsize=8,
                color="white" if v > counts.max() / 2 else "#111827",
            )
    labels = {"xlabel": translate(N_("predicted")), "ylabel": translate(N_("true"))}
    ax.set(**labels, xticks=range(classes), yticks=range(classes))
    ax.set_title(translate(Msg("{right} of {total} right", right=int(counts.trace()), total=len(y_true))))
    plt.close(fig)
    return fig


def picture(image: torch.Tensor, title: str):
    """One 2-D tensor as an image in the course's colours (:func:`colours`): grey for a photo,
    a diverging map centred on 0 for a signed response."""
    values = torch.as_tensor(image).detach().to(torch.float64)
    fig, ax = plt.subplots(figsize=(3.6, 4.0), layout="constrained")
    ax.imshow(values.numpy(), **colours(values))
    ax.set_title(translate(title), fontsize=10)
    blank(ax)
    plt.close(fig)
    return fig


def png(fig, dpi: int = 90) -> bytes:
    """A figure as PNG bytes, for an image widget."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi)
    return buffer.getvalue()
