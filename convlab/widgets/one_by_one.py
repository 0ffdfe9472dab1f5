"""The 1×1 convolution: at every pixel, the weight matrix times the pixel's channel vector."""

from __future__ import annotations

import torch

from convlab.i18n import N_, Msg, translate
from convlab.widgets.drawing import GAP, grid, output_so_far, width
from convlab.widgets.player import FramePlayer, grading, skipped
from convlab.widgets.svg import STEP, Canvas, number


def _frame(X, W, Y, t) -> str:
    c_i, h, w = X.shape
    c_o = W.shape[0]
    i, j = divmod(t, w)
    size = 36.0
    canvas = Canvas()
    y, x = 30.0, 0.0
    for c in range(c_i):
        title = Msg("X channel {c}", c=c)
        grid(canvas, x, y, size, X[c], lambda r, q: "window" if (r, q) == (i, j) else "input", title)
        x += width(w, size, title) + GAP / 2
    y2 = y + h * size + 50
    vector = X[:, i, j].reshape(c_i, 1)
    x = 0.0
    parts = [
        (W, "kernel", Msg("weights {c_o}×{c_i}", c_o=c_o, c_i=c_i), "·"),
        (vector, "window", Msg("pixel ({i}, {j})", i=i, j=j), "="),
        (Y[:, i, j].reshape(c_o, 1), "current", N_("output"), ""),
    ]
    for values, kind, title, sign in parts:
        grid(canvas, x, y2, size, values, kind, title)
        x += width(values.shape[1], size, title) + 14
        if sign:
            canvas.text(x, y2 + min(c_i, c_o) * size / 2 + 6, sign, 20)
            x += 30
    y3 = y2 + max(c_i, c_o) * size + 50
    x = 0.0
    for o in range(c_o):
        title = Msg("Y channel {o}", o=o)
        output_so_far(canvas, x, y3, size, (h, w), [float(v) for v in Y[o].flatten()], t, title)
        x += width(w, size, title) + GAP / 2
    for o in range(c_o):
        products = " + ".join(f"{number(W[o, c])}×{number(vector[c, 0])}" for c in range(c_i))
        line = f"Y[{o}, {i}, {j}] = {products} = {number(Y[o, i, j])}"
        canvas.text(0, y3 + h * size + 28 + 20 * o, line, 13, weight="bold")
    same = Msg("the same {c_o}×{c_i} weights at every pixel", c_o=c_o, c_i=c_i)
    note = translate(Msg(STEP, step=t + 1, steps=h * w)) + " · " + translate(same)
    canvas.text(0, y3 + h * size + 28 + 20 * c_o, note, 12, "#4b5563")
    return canvas.svg()


def one_by_one_view(X: torch.Tensor, K: torch.Tensor):
    """Animate a 1×1 convolution, X (c_i, h, w), K (c_o, c_i, 1, 1): the window is one pixel,
    its channel vector is multiplied by the (c_o × c_i) weight matrix into the output channels."""
    X, K = torch.as_tensor(X).to(torch.float64), torch.as_tensor(K).to(torch.float64)
    if X.dim() != 3 or K.dim() != 4 or K.shape[2:] != (1, 1) or K.shape[1] != X.shape[0]:
        raise ValueError(
            f"one_by_one_view takes X (c_i, h, w) and K (c_o, c_i, 1, 1), got {tuple(X.shape)}, "
            f"{tuple(K.shape)}"
        )
    if grading():
        return skipped(N_("1×1 convolution"))
    W = K[:, :, 0, 0]
    Y = torch.einsum("oc,chw->ohw", W, X)
    frames = [_frame(X, W, Y, t) for t in range(X.shape[1] * X.shape[2])]
    return FramePlayer(frames, N_("1×1 convolution"))
