"""The transposed convolution, one input cell at a time: each X[i, j] scatters X[i, j]·K into
the output, at a step of the stride; padding cuts rows and columns off the edges. It is also
the gradient of a convolution with respect to its input (notebook 08)."""

from __future__ import annotations

import torch

from convlab.geometry import pair
from convlab.i18n import N_, Msg, translate
from convlab.widgets.controls import geometry_player
from convlab.widgets.drawing import GAP, cell_size, grid, width
from convlab.widgets.player import grading, skipped
from convlab.widgets.svg import COLOURS, STEP, Canvas, number

RANGES = {"stride": (1, 3), "padding": (0, 2)}


def full_size(in_shape, kernel, stride) -> tuple[int, int]:
    """The output before padding is cut: (n − 1)·s + k per axis."""
    return tuple((n - 1) * s + k for n, k, s in zip(in_shape, kernel, stride, strict=True))


def frames_for(X: torch.Tensor, K: torch.Tensor, stride=1, padding=0) -> list[str]:
    """Every frame: after step t, input cells 0..t have scattered their scaled kernels."""
    try:
        (sh, sw), (ph, pw) = pair(stride, "stride", 1), pair(padding, "padding", 0)
        (kh, kw), (h, w) = K.shape, X.shape
        fh, fw = full_size((h, w), (kh, kw), (sh, sw))
        if fh - 2 * ph < 1 or fw - 2 * pw < 1:
            raise ValueError(
                Msg("padding ({ph}, {pw}) cuts away the whole {fh}×{fw} output", ph=ph, pw=pw, fh=fh, fw=fw)
            )
    except ValueError as err:
        canvas = Canvas()
        why = err.args[0] if err.args and isinstance(err.args[0], Msg) else err
        canvas.text(0, 18, Msg("No output: {error}", error=why), 14, "#b91c1c")
        return [canvas.svg()]
    X, K = X.to(torch.float64), K.to(torch.float64)
    frames = []
    for t in range(h * w):
        so_far = X.flatten().clone()
        so_far[t + 1 :] = 0  # the cells that have not scattered yet
        total = scatter(so_far.reshape(h, w), K, (sh, sw))
        frames.append(_frame(X, K, total, t, (sh, sw), (ph, pw)))
    return frames


def scatter(X: torch.Tensor, K: torch.Tensor, stride: tuple[int, int]) -> torch.Tensor:
    """The transposed convolution before padding is cut: X[i, j]·K added at (i·sh, j·sw)."""
    (h, w), (kh, kw), (sh, sw) = X.shape, K.shape, stride
    out = torch.zeros(full_size((h, w), (kh, kw), (sh, sw)), dtype=torch.float64)
    for i in range(h):
        for j in range(w):
            out[i * sh : i * sh + kh, j * sw : j * sw + kw] += X[i, j] * K
    return out


def _frame(X, K, total, t, stride, padding) -> str:
    """Step ``t``: input cell (i, j) current, its scaled kernel outlined in the output so far."""
    (h, w), (kh, kw), (fh, fw) = X.shape, K.shape, total.shape
    (sh, sw), (ph, pw) = stride, padding
    i, j = divmod(t, w)
    r0, c0 = i * sh, j * sw
    size = cell_size((h, w), (kh, kw), (fh, fw))

    def cut(r: int, c: int) -> bool:
        return not (ph <= r < fh - ph and pw <= c < fw - pw)

    def kind(r: int, c: int) -> str:
        if r0 <= r < r0 + kh and c0 <= c < c0 + kw:
            return "window-padding" if cut(r, c) else "window"
        return "padding" if cut(r, c) else "done"

    def input_kind(r: int, c: int) -> str:
        return "current" if (r, c) == (i, j) else "done" if r * w + c < t else "input"

    canvas = Canvas()
    top = 30.0
    grid(canvas, 0, top, size, X, input_kind, N_("input X"))
    x_k = width(w, size, N_("input X")) + GAP
    grid(canvas, x_k, top, size, K, "kernel", N_("kernel K"))
    x_o = x_k + width(kw, size, N_("kernel K")) + GAP
    title = N_("output (grey: cut off by padding)") if ph or pw else N_("output")
    grid(canvas, x_o, top, size, total, kind, title, dashed=cut)
    canvas.outline(x_o + c0 * size, top + r0 * size, kw * size, kh * size, COLOURS["window"][1])
    y = top + max(h, kh, fh) * size + 26
    v = number(X[i, j])
    lines = [
        (
            Msg(
                "X[{i}, {j}] = {v}: adds {v} × K at rows {r0}–{r1}, columns {c0}–{c1}",
                i=i,
                j=j,
                v=v,
                r0=r0,
                r1=r0 + kh - 1,
                c0=c0,
                c1=c0 + kw - 1,
            ),
            14,
        ),
        (
            " · ".join(
                translate(m)
                for m in (
                    Msg(STEP, step=t + 1, steps=h * w),
                    Msg("stride ({sh}, {sw})", sh=sh, sw=sw),
                    Msg("padding ({ph}, {pw})", ph=ph, pw=pw),
                )
            ),
            12,
        ),
        (
            f"{translate(N_('output size'))}  {translate(N_('rows'))}: ({h} − 1)·{sh} − 2·{ph} + {kh} = "
            f"{fh - 2 * ph}   {translate(N_('columns'))}: ({w} − 1)·{sw} − 2·{pw} + {kw} = {fw - 2 * pw}",
            12,
        ),
        (_undoes(X.shape, (fh - 2 * ph, fw - 2 * pw), (sh, sw)), 12),
        (
            Msg(
                "the same numbers as the gradient, with respect to its input, of a convolution with this "
                "kernel, stride ({sh}, {sw}), padding ({ph}, {pw}), whose output gradient is X",
                sh=sh,
                sw=sw,
                ph=ph,
                pw=pw,
            ),
            12,
        ),
    ]
    for k, (text, font) in enumerate(lines):
        canvas.text(
            0,
            y + 21 * k,
            text,
            font,
            "#111827" if k == 0 else "#4b5563",
            weight="bold" if k == 0 else "normal",
        )
    return canvas.svg()


def _undoes(in_shape, out_shape, stride) -> str:
    """When this size undoes a convolution's: only if s divides n + 2p − k (PyTorch's output_padding)."""
    (h, w), (H, W), (sh, sw) = in_shape, out_shape, stride
    if (sh, sw) == (1, 1):
        return Msg(
            "at stride 1 this undoes the convolution's size exactly: {H}×{W} convolves back to {h}×{w}",
            H=H,
            W=W,
            h=h,
            w=w,
        )
    return Msg(
        "inputs of {H}–{H_last} rows and {W}–{W_last} columns all convolve to {h}×{w}: this size "
        "undoes only {H}×{W}, where s divides n + 2p − k; output_padding = r adds the r rows (columns) more",
        H=H,
        H_last=H + sh - 1,
        W=W,
        W_last=W + sw - 1,
        h=h,
        w=w,
    )


def transposed_view(X: torch.Tensor, K: torch.Tensor, stride=1, padding=0, controls: tuple[str, ...] = ()):
    """Animate the transposed convolution of a 2-D ``X`` with ``K``: one frame per input cell,
    its scaled kernel added into the output. ``controls`` may name ``"stride"`` and
    ``"padding"``: two sliders each, one per axis (↓ rows, → columns)."""
    X, K = torch.as_tensor(X), torch.as_tensor(K)
    if X.dim() != 2 or K.dim() != 2:
        raise ValueError(f"transposed_view takes 2-D X and K, got shapes {tuple(X.shape)}, {tuple(K.shape)}")
    if grading():
        return skipped(N_("Transposed convolution"))
    settings = {"stride": stride, "padding": padding}
    return geometry_player(
        lambda **now: frames_for(X, K, **now), settings, controls, RANGES, N_("Transposed convolution")
    )
