"""Batch normalization, one batch at a time: one channel's values, their mean and variance, the
normalized values, and the running statistics that eval mode will use (notebook 10)."""

from __future__ import annotations

import ipywidgets as widgets
import torch

from convlab.i18n import N_, Msg, translate
from convlab.widgets.drawing import GAP, grid, width
from convlab.widgets.player import FramePlayer, grading, skipped
from convlab.widgets.svg import STEP, Canvas, number


def _fixed(v: float) -> str:
    return f"{v:.2f}"


def _frame(batches: list[torch.Tensor], channel: int, momentum: float, eps: float, t: int) -> str:
    means, variances, running = [], [], [(0.0, 1.0)]  # PyTorch's start: mean 0, variance 1
    for X in batches[: t + 1]:
        values = X[:, channel].reshape(-1)
        mean, var = float(values.mean()), float(values.var(unbiased=False))
        m = values.numel()
        means.append(mean)
        variances.append(var)
        old_mean, old_var = running[-1]
        unbiased = var * m / (m - 1)
        running.append(
            ((1 - momentum) * old_mean + momentum * mean, (1 - momentum) * old_var + momentum * unbiased)
        )
    X = batches[t][:, channel].reshape(batches[t].shape[0], -1)
    mean, var = means[-1], variances[-1]
    Y = (X - mean) / (var + eps) ** 0.5
    n, m = X.shape
    size = max(24.0, min(40.0, 400 / max(m, 1)))  # two grids side by side fit a notebook
    canvas = Canvas()
    y = 30.0
    title = Msg(
        "batch {b}: channel {channel} of {n} images, {m} positions each", b=t + 1, channel=channel, n=n, m=m
    )
    grid(canvas, 0, y, size, X.round(decimals=1), "input", title, digits=1)  # 1.0 drawn as 1, not "1."
    x = width(m, size, title) + GAP / 2
    grid(canvas, x, y, size, Y.round(decimals=1), "done", N_("normalized: (x − μ) / √(σ² + ε)"), digits=1)
    y += n * size + 30
    lines = [
        Msg("μ = mean of these {count} values = {mean}", count=n * m, mean=_fixed(mean)),
        Msg("σ² = mean of (x − μ)² = {var}   (the normalized values: mean 0, variance 1)", var=_fixed(var)),
        f"running_mean = {1 - momentum:.2f} × {_fixed(running[-2][0])} + {momentum:.2f} × {_fixed(mean)} "
        f"= {_fixed(running[-1][0])}",
        f"running_var  = {1 - momentum:.2f} × {_fixed(running[-2][1])} + {momentum:.2f} × {_fixed(var)}"
        f" × {n * m}/{n * m - 1} = {_fixed(running[-1][1])}",
    ]
    for k, line in enumerate(lines):
        canvas.text(0, y + 20 * k, line, 13, weight="bold" if k >= 2 else "normal")
    y += 20 * len(lines) + 20
    # the batch means so far (dots) and the running mean (line) that eval mode will use
    plot_w, plot_h = 420.0, 110.0
    all_means = [float(B[:, channel].mean()) for B in batches]
    low, high = min([*all_means, 0.0]) - 0.2, max([*all_means, 0.0]) + 0.2

    def to_xy(k: int, v: float) -> tuple[float, float]:
        return 40 + k * plot_w / max(len(batches), 1), y + plot_h - (v - low) / (high - low) * plot_h

    canvas.text(0, y - 6, N_("batch means (dots) and running_mean (line) after each batch"), 12, "#4b5563")
    canvas.outline(40, y, plot_w + 10, plot_h, "#d1d5db", width=1.0)
    points = [to_xy(k, r[0]) for k, r in enumerate(running)]
    canvas.parts.append(
        '<polyline fill="none" stroke="#16a34a" stroke-width="2" points="'
        + " ".join(f"{a:.1f},{b:.1f}" for a, b in points)
        + '"/>'
    )
    for k, v in enumerate(means):
        a, b = to_xy(k + 1, v)
        canvas.parts.append(f'<circle cx="{a:.1f}" cy="{b:.1f}" r="4" fill="#b45309"/>')
    canvas.text(0, y + 6, number(round(high, 1)), 11, "#4b5563")
    canvas.text(0, y + plot_h, number(round(low, 1)), 11, "#4b5563")
    y += plot_h + 24
    moves = Msg("momentum {momentum:.2f}: how far each batch moves the running mean", momentum=momentum)
    note = translate(Msg(STEP, step=t + 1, steps=len(batches))) + " · " + translate(moves)
    canvas.text(0, y, note, 12, "#4b5563")
    return canvas.svg()


def batch_norm_view(batches, channel: int = 0, momentum: float = 0.1, eps: float = 1e-5) -> FramePlayer:
    """Animate batch norm's statistics for one channel as ``batches`` (a list of (n, c, h, w)
    tensors) flow through in train mode: each frame is one batch, its values, its mean and
    variance, the normalized values and the running statistics' update. A slider sets momentum."""
    batches = [torch.as_tensor(B).detach().to(torch.float64) for B in batches]
    if not batches or any(B.dim() != 4 or B.shape[1] <= channel for B in batches):
        raise ValueError("batch_norm_view takes a list of (n, c, h, w) batches and a channel they have")
    if grading():
        return skipped(N_("batch normalization"))
    slider = widgets.FloatSlider(
        value=momentum,
        min=0.05,
        max=0.95,
        step=0.05,
        description=translate(N_("momentum")),
        continuous_update=False,
        style={"description_width": "80px"},
        layout=widgets.Layout(width="300px"),
    )

    def draw() -> list[str]:
        return [_frame(batches, channel, slider.value, eps, t) for t in range(len(batches))]

    player = FramePlayer(draw(), N_("batch normalization"), [slider])
    slider.observe(lambda _change: player.show(draw()), names="value")
    return player
