"""Watching a kernel learn: one frame per training step."""

from __future__ import annotations

import torch

from convlab import oracle
from convlab.i18n import N_, Msg, translate
from convlab.widgets.drawing import GAP, cell_size, grid
from convlab.widgets.player import FramePlayer, grading, skipped
from convlab.widgets.svg import COLOURS, STEP, Canvas


def _sparkline(canvas: Canvas, x0: float, y0: float, losses: list[float], t: int) -> None:
    width, height = 220.0, 70.0
    top = max(losses) or 1.0
    canvas.text(x0, y0 - 12, N_("loss before each update (sum of squared errors)"), 13)
    canvas.outline(x0, y0, width, height, "#d1d5db", 1.0)
    step = width / max(len(losses) - 1, 1)
    points = [(x0 + i * step, y0 + height - height * v / top) for i, v in enumerate(losses[: t + 1])]
    path = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
    canvas.parts.append(f'<polyline points="{path}" fill="none" stroke="#16a34a" stroke-width="2"/>')
    x, y = points[-1]
    canvas.parts.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="4" fill="#16a34a"/>')


def training_frame(X, Y, weight, losses, t, steps) -> str:
    """Step ``t``: the kernel, Ŷ = corr2d(X, kernel) beside Y, and the loss so far."""
    Y_hat = oracle.corr2d(X, weight)
    worst = divmod(int((Y_hat - Y).abs().argmax()), Y.shape[1])
    size = max(cell_size(X.shape, Y.shape, Y.shape), 36.0)  # room for "-0.97"
    canvas = Canvas()
    top = 48.0
    kh, kw = weight.shape
    # X with the window where the current kernel is furthest from the target
    caption = translate(Msg(STEP, step=t, steps=steps))
    caption += "  " + translate(N_("(trained)")) if t == steps else ""
    canvas.text(0, 16, caption, 14, weight="bold")
    grid(canvas, 0, top, size, X, "input", N_("input X"), 0)
    i, j = worst
    canvas.outline(j * size, top + i * size, kw * size, kh * size, COLOURS["window"][1])
    x = X.shape[1] * size + GAP
    grid(canvas, x, top, size * 1.4, weight, "kernel", N_("kernel"))
    x += kw * size * 1.4 + GAP
    marked = lambda r, c: "current" if (r, c) == worst else "done"  # noqa: E731
    grid(canvas, x, top, size, Y_hat, marked, N_("Ŷ = X ⋆ kernel"), 2)
    x += Y.shape[1] * size + GAP
    grid(canvas, x, top, size, Y, marked, N_("target Y"), 0)
    y = top + max(X.shape[0], kh) * size + 40
    loss = losses[t] if t < len(losses) else float(((Y_hat - Y) ** 2).sum())
    which = N_("after the last update") if t == steps else Msg("before update {n}", n=t + 1)
    said = Msg(
        "loss {loss:.3f} ({which})   kernel {kernel}   worst position {worst}: Ŷ {y_hat:.2f} vs Y {y:.0f}",
        loss=loss,
        which=which,
        kernel=[round(v, 3) for v in weight.flatten().tolist()],
        worst=worst,
        y_hat=float(Y_hat[worst]),
        y=float(Y[worst]),
    )
    canvas.text(0, y, said, 13)
    _sparkline(canvas, 0, y + 34, losses + ([loss] if t == len(losses) else []), t)
    return canvas.svg()


def training_view(X: torch.Tensor, Y: torch.Tensor, weights: list[torch.Tensor], losses: list[float]):
    """Step through training: ``weights[t]`` is the kernel before update ``t`` (the last one
    after the final update), ``losses[t]`` the loss before update ``t``."""
    if grading():
        return skipped(N_("Training"))
    if len(weights) not in (len(losses), len(losses) + 1):
        raise ValueError(
            f"need one weight per loss, plus the final one: {len(weights)} weights, {len(losses)} losses"
        )
    X, Y = torch.as_tensor(X).float(), torch.as_tensor(Y).float()
    steps = len(weights) - 1
    frames = [training_frame(X, Y, w.detach().float(), list(losses), t, steps) for t, w in enumerate(weights)]
    return FramePlayer(frames, N_("Training"), interval_ms=700)
