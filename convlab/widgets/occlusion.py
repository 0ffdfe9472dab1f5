"""Occlusion: a square of zeros slides over a digit like a window, and each position's drop in
the probability of the right class fills in a map of what the network needed (notebook 10)."""

from __future__ import annotations

import torch

from convlab.i18n import N_, Msg, translate
from convlab.widgets.drawing import GAP, grid, output_so_far, width
from convlab.widgets.player import FramePlayer, grading, skipped
from convlab.widgets.svg import STEP, Canvas


def _occlusion_frame(
    x: torch.Tensor, drops: torch.Tensor, base: float, label: int, patch: int, t: int
) -> str:
    h, w = x.shape
    oh, ow = drops.shape
    i, j = divmod(t, ow)
    size = 32.0
    canvas = Canvas()
    y = 30.0
    covered = {(i + a, j + b) for a in range(patch) for b in range(patch)}
    shown = x.clone()
    for r, c in covered:
        shown[r, c] = 0.0
    grid(
        canvas,
        0,
        y,
        size,
        shown,
        lambda r, c: "window" if (r, c) in covered else "input",
        N_("the digit, patch set to 0"),
        1,
    )
    x0 = width(w, size, N_("the digit, patch set to 0")) + GAP / 2
    title = Msg("drop in P({label}) per patch position", label=label)
    output_so_far(canvas, x0, y, size, (oh, ow), [float(v) for v in drops.flatten()], t, title)
    y += h * size + 28
    hidden = base - float(drops[i, j])
    line = Msg(
        "P({label}) = {base:.2f} on the whole digit, {hidden:.2f} with the patch at ({i}, {j})",
        label=label,
        base=base,
        hidden=hidden,
        i=i,
        j=j,
    )
    canvas.text(0, y, line, 13, weight="bold")
    needed = translate(N_("a large drop: the network needed these pixels"))
    canvas.text(0, y + 20, translate(Msg(STEP, step=t + 1, steps=oh * ow)) + " · " + needed, 12, "#4b5563")
    return canvas.svg()


def occlusion_view(model: torch.nn.Module, x: torch.Tensor, label: int, patch: int = 2) -> FramePlayer:
    """Animate occlusion on one digit ``x`` (8×8): a patch×patch square of zeros slides over it and
    each position's drop in the probability of ``label`` fills in a map."""
    x = torch.as_tensor(x).detach().to(torch.float32).reshape(x.shape[-2:])
    if grading():
        return skipped(N_("occlusion"))
    h, w = x.shape
    model.eval()
    with torch.no_grad():
        base = float(model(x[None, None]).softmax(1)[0, label])
        drops = torch.zeros(h - patch + 1, w - patch + 1, dtype=torch.float64)
        for i in range(drops.shape[0]):
            for j in range(drops.shape[1]):
                hidden = x.clone()
                hidden[i : i + patch, j : j + patch] = 0
                drops[i, j] = base - float(model(hidden[None, None]).softmax(1)[0, label])
    frames = [_occlusion_frame(x.double(), drops, base, label, patch, t) for t in range(drops.numel())]
    return FramePlayer(frames, N_("occlusion"), interval_ms=400)
