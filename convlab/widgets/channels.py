"""Multiple channels: the window moves through every input channel at once."""

from __future__ import annotations

import torch

from convlab.geometry import Window
from convlab.i18n import N_, Msg, translate
from convlab.widgets.drawing import GAP, cell_size, grid, input_with_window, output_so_far, padded, width
from convlab.widgets.player import FramePlayer, grading, skipped
from convlab.widgets.svg import STEP, Canvas, number


def _channel_steps(X, K, groups, window, bias):
    """(o, i, j, seen channels, per-channel sums, value) for every output channel and position;
    the value adds output channel o's bias to the sums."""
    c_i, c_o = X.shape[0], K.shape[0]
    per_in, per_out = c_i // groups, c_o // groups
    out = []
    for o in range(c_o):
        seen = list(range((o // per_out) * per_in, (o // per_out + 1) * per_in))
        for i in range(window.out_shape[0]):
            for j in range(window.out_shape[1]):
                cells = window.cells(i, j)
                sums = [
                    sum(float(X[c, r, q]) * float(K[o, c - seen[0], a, b]) for (a, b), (r, q) in cells)
                    for c in seen
                ]
                out.append(
                    {
                        "o": o,
                        "out": (i, j),
                        "cells": [rc for _, rc in cells],
                        "seen": seen,
                        "sums": sums,
                        "value": sum(sums) + float(bias[o]),
                    }
                )
    return out


def _frame(X, K, groups, window, steps, t, bias) -> str:
    step = steps[t]
    c_i, c_o = X.shape[0], K.shape[0]
    (h, w), kh, (oh, ow) = window.padded_shape, window.kernel[0], window.out_shape
    size = min(cell_size(*[(h, w)] * c_i), 34.0)
    canvas = Canvas()
    y, x = 30.0, 0.0
    positions = oh * ow
    o = step["o"]
    for c in range(c_i):
        faded = c not in step["seen"]
        title = Msg("channel {c} (not seen)", c=c) if faded else Msg("channel {c}", c=c)
        input_with_window(canvas, x, y, size, padded(X[c], window), window, step["cells"], title, faded=faded)
        if not faded:
            k = step["seen"].index(c)
            grid(canvas, x, y + h * size + 40, size, K[o, k], "kernel", f"K[{o}, {k}]")
        x += width(w, size, title) + GAP / 2
    y_out = y + (h + kh) * size + 80
    x = 0.0
    for q in range(c_o):
        title = Msg("output {q}", q=q)
        values = [s["value"] for s in steps[q * positions : (q + 1) * positions]]
        output_so_far(canvas, x, y_out, size, (oh, ow), values, t, title, offset=q * positions)
        x += width(ow, size, title) + GAP / 2
    i, j = step["out"]
    terms = " + ".join(
        translate(Msg("{value} (channel {c})", value=number(v), c=c))
        for c, v in zip(step["seen"], step["sums"], strict=True)
    )
    if bias is not None:
        terms += " + " + translate(Msg("{value} (bias b[{o}])", value=number(float(bias[o])), o=o))
    y_text = y_out + oh * size + 28
    canvas.text(0, y_text, f"Y[{o}, {i}, {j}] = {terms} = {number(step['value'])}", 14, weight="bold")
    note = translate(Msg(STEP, step=t + 1, steps=len(steps))) + " · "
    note += translate(Msg("output channel {o} of {c_o}", o=o, c_o=c_o))
    if groups > 1:
        seen = Msg(
            "groups = {groups}: output {o} sees input channels {first}–{last}",
            groups=groups,
            o=o,
            first=step["seen"][0],
            last=step["seen"][-1],
        )
        note += " · " + translate(seen)
    canvas.text(0, y_text + 22, note, 12, "#4b5563")
    return canvas.svg()


def channels_view(X: torch.Tensor, K: torch.Tensor, groups: int = 1, bias: torch.Tensor | None = None):
    """Animate multi-channel cross-correlation: X (c_i, h, w), K (c_o, c_i / groups, kh, kw),
    and optionally a bias (c_o,), one number per output channel, as ``nn.Conv2d`` adds it.

    Each frame shows the window in every input channel at once, the per-channel sums (and the
    bias) that make the output value, and the output channels filling one after another.
    """
    X, K = torch.as_tensor(X).to(torch.float64), torch.as_tensor(K).to(torch.float64)
    if X.dim() != 3 or K.dim() != 4:
        raise ValueError(
            f"channels_view takes X (c_i, h, w) and K (c_o, c_i, kh, kw), got {tuple(X.shape)}, "
            f"{tuple(K.shape)}"
        )
    if X.shape[0] % groups or K.shape[0] % groups or K.shape[1] != X.shape[0] // groups:
        raise ValueError(
            f"{X.shape[0]} input and {K.shape[0]} output channels do not fit {groups} groups "
            f"with K of shape {tuple(K.shape)}"
        )
    if bias is not None:
        bias = torch.as_tensor(bias).to(torch.float64)
        if bias.shape != (K.shape[0],):
            raise ValueError(
                f"bias must have one value per output channel, shape ({K.shape[0]},), got {tuple(bias.shape)}"
            )
    if grading():
        return skipped(N_("Channels"))
    window = Window.of(tuple(X.shape[1:]), tuple(K.shape[2:]))
    steps = _channel_steps(X, K, groups, window, torch.zeros(K.shape[0]) if bias is None else bias)
    frames = [_frame(X, K, groups, window, steps, t, bias) for t in range(len(steps))]
    return FramePlayer(frames, N_("Channels"))
