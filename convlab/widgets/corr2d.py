"""The sliding-window view of 2-D cross-correlation, with padding, stride and dilation."""

from __future__ import annotations

import torch

from convlab.geometry import Window
from convlab.i18n import N_, Msg, translate
from convlab.widgets.controls import geometry_player
from convlab.widgets.drawing import GAP, cell_size, grid, input_with_window, output_so_far, padded, width
from convlab.widgets.player import grading, skipped
from convlab.widgets.svg import STEP, Canvas, number

MAX_TERMS = 9  # products written out in the arithmetic line before it is shortened
RANGES = {"padding": (0, 3), "stride": (1, 3), "dilation": (1, 3)}  # each slider's min and max


def steps(X: torch.Tensor, K: torch.Tensor, window: Window) -> list[dict]:
    """Every window position in order: its output index, cells, products and sum."""
    Xp, Kd = padded(X, window), K.detach().to(torch.float64)
    out = []
    for i in range(window.out_shape[0]):
        for j in range(window.out_shape[1]):
            cells = window.cells(i, j)
            terms = [(float(Xp[r, c]), float(Kd[a, b])) for (a, b), (r, c) in cells]
            out.append(
                {
                    "out": (i, j),
                    "cells": cells,
                    "terms": terms,
                    "value": sum(x * k for x, k in terms),
                }
            )
    return out


def arithmetic(step: dict) -> str:
    """``Y[0, 1] = 1×0 + 2×1 + 4×2 + 5×3 = 25``, shortened for large kernels."""
    products = [f"{number(x)}×{number(k)}" for x, k in step["terms"]]
    if len(products) > MAX_TERMS:
        products = [*products[:5], "…", *products[-2:]]
    i, j = step["out"]
    n = len(step["terms"])
    total = f" = {number(step['value'])}"
    suffix = "   " + translate(Msg("({n} products)", n=n)) if n > MAX_TERMS else ""
    return f"Y[{i}, {j}] = " + " + ".join(products) + total + suffix


def frame(X: torch.Tensor, K: torch.Tensor, window: Window, all_steps: list[dict], t: int) -> str:
    """The picture at step ``t``: input with window, kernel, output filled up to ``t``."""
    step = all_steps[t]
    (ph, pw), (kh, kw), (oh, ow) = window.padded_shape, window.kernel, window.out_shape
    size = cell_size((ph, pw), (kh, kw), (oh, ow))
    canvas = Canvas()
    top = 30.0
    title = N_("input X (grey: zero padding)") if any(window.padding) else N_("input X")
    cells = [rc for _, rc in step["cells"]]
    input_with_window(canvas, 0, top, size, padded(X, window), window, cells, title)
    x_k = width(pw, size, title) + GAP
    grid(canvas, x_k, top, size, K.detach(), "kernel", N_("kernel K"))
    x_o = x_k + width(kw, size, N_("kernel K")) + GAP
    output_so_far(canvas, x_o, top, size, (oh, ow), [s["value"] for s in all_steps], t, N_("output Y"))
    y_text = top + max(ph, kh, oh) * size + 26
    canvas.text(0, y_text, arithmetic(step), 14, weight="bold")
    canvas.text(0, y_text + 22, caption(window, t, len(all_steps)), 12, "#4b5563")
    if window.padding != (0, 0, 0, 0) or window.stride != (1, 1) or window.dilation != (1, 1):
        canvas.text(0, y_text + 42, formula(window), 12, "#4b5563")
    return canvas.svg()


def formula(window: Window) -> str:
    """The output size worked out for these settings, one dimension after the other."""
    top, bottom, left, right = window.padding
    parts = []
    for axis, name, (p1, p2) in [(0, N_("rows"), (top, bottom)), (1, N_("columns"), (left, right))]:
        n, k = window.in_shape[axis], window.kernel[axis]
        s, d = window.stride[axis], window.dilation[axis]
        size = window.out_shape[axis]
        parts.append(f"{translate(name)}: ⌊({n} + {p1} + {p2} − {d}·({k} − 1) − 1) / {s}⌋ + 1 = {size}")
    return translate(N_("output size")) + "  " + "   ".join(parts)


def caption(window: Window, t: int, n: int) -> str:
    parts = [Msg(STEP, step=t + 1, steps=n), Msg("kernel {h}×{w}", h=window.kernel[0], w=window.kernel[1])]
    if any(window.padding):
        parts.append(Msg("padding (top, bottom, left, right) = {padding}", padding=str(window.padding)))
    if window.stride != (1, 1):
        parts.append(Msg("stride {stride}", stride=window.stride))
    if window.dilation != (1, 1):
        parts.append(Msg("dilation {dilation}", dilation=window.dilation))
    return " · ".join(translate(p) for p in parts)


def frames_for(X, K, padding=0, stride=1, dilation=1) -> list[str]:
    """All frames of the animation, or one frame explaining why these settings don't fit."""
    try:
        window = Window.of(tuple(X.shape), tuple(K.shape), padding, stride, dilation)
    except ValueError as err:
        canvas = Canvas()
        canvas.text(0, 18, Msg("No output: {error}", error=err), 14, "#b91c1c")
        return [canvas.svg()]
    all_steps = steps(X, K, window)
    return [frame(X, K, window, all_steps, t) for t in range(len(all_steps))]


def corr2d_view(
    X: torch.Tensor,
    K: torch.Tensor,
    padding: int | tuple[int, ...] = 0,
    stride: int | tuple[int, int] = 1,
    dilation: int | tuple[int, int] = 1,
    controls: tuple[str, ...] = (),
):
    """Animate the kernel ``K`` sliding over ``X``: the window, the output filling in and
    the sum of products at every step.

    ``controls`` may name ``"padding"``, ``"stride"`` and ``"dilation"`` to add two sliders
    for each, one per axis (↓ rows, → columns; 0–3, 1–3, 1–3); the frames are rendered again
    when a slider moves.
    """
    X, K = torch.as_tensor(X), torch.as_tensor(K)
    if X.dim() != 2 or K.dim() != 2:
        raise ValueError(f"corr2d_view takes 2-D X and K, got shapes {tuple(X.shape)}, {tuple(K.shape)}")
    title = N_("Cross-correlation")
    if grading():
        return skipped(title)
    settings = {"padding": padding, "stride": stride, "dilation": dilation}
    return geometry_player(lambda **now: frames_for(X, K, **now), settings, controls, RANGES, title)
