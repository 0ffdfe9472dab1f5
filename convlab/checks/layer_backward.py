"""Checks for notebook 08's backward passes of a whole layer: ``conv2d_backward`` at stride 1
without padding, and ``conv2d_backward_ext`` with stride and padding (CS231n's
``conv_backward_naive``).

Each returns three gradients, checked one by one against autograd through PyTorch's own
convolution (:func:`convlab.oracle.conv2d_backward`), so that a message names the gradient that
is wrong and the mistake that explains it.
"""

from __future__ import annotations

from collections.abc import Callable

import torch

from convlab import oracle
from convlab.checks.compare import compare_three
from convlab.checks.exercise import Case, Exercise, Hints, Mistake, Part
from convlab.checks.runner import call_watched, check_function
from convlab.checks.wording import describe_all
from convlab.geometry import pair
from convlab.i18n import N_, Msg
from convlab.watch import BACKWARD

PARTS = ("dX", "dK", "db")
# 01's corr2d and 04's pad2d, which the notebook imports from convlab.oracle, and exercise 1
LENT = {"corr2d_input_grad": oracle.corr2d_input_grad, "corr2d": oracle.corr2d, "pad2d": oracle.pad2d}

MistakesFor = Callable[..., dict[str, tuple[Mistake, ...]]]


def _gradients_step(name: str, cases: Callable[[], list[Case]], mistakes_for: MistakesFor, hints: Hints):
    """A step that runs ``name`` on every case and compares its (dX, dK, db) with autograd's,
    each gradient on its own, naming the mistake of that gradient that explains it."""

    def step(fn) -> int:
        for case in cases():
            got = call_watched(name, fn, case, hints.error, (BACKWARD,))
            expected = oracle.conv2d_backward(**case.arguments)
            compare_three(
                name, got, case, PARTS, expected, mistakes_for(**case.arguments), hints, noun=N_("gradients")
            )
        return len(cases())

    return step


# --- conv2d_backward(X, K, dY) -> (dX, dK, db) ----------------------------------------------------

BACKWARD_HINTS = Hints(
    shape=N_(
        "dX has X's shape (c_i, h, w), dK K's (c_o, c_i, kh, kw), db one entry per output channel (c_o,)"
    ),
    value=N_(
        "dX[c] = Σ_o corr2d_input_grad(dY[o], K[o, c], (h, w)); dK[o, c] = corr2d(X[c], dY[o]); "
        "db[o] = dY[o].sum()"
    ),
    error=N_("return the triple (dX, dK, db)"),
)


def _backward_cases() -> list[Case]:
    g = torch.Generator().manual_seed(802)
    cases = []
    for (c_i, h, w), (c_o, kh, kw) in [
        ((1, 4, 4), (1, 2, 2)),
        ((2, 5, 6), (3, 3, 2)),
        ((3, 4, 4), (2, 1, 1)),
        ((2, 6, 5), (1, 3, 3)),
        ((2, 3, 3), (2, 3, 3)),
    ]:
        X, K = torch.randn(c_i, h, w, generator=g), torch.randn(c_o, c_i, kh, kw, generator=g)
        dY = torch.randn(c_o, h - kh + 1, w - kw + 1, generator=g)
        cases.append(Case(describe_all(X=X, K=K, dY=dY), {"X": X, "K": K, "dY": dY}))
    return cases


def _db_mistakes(dY) -> tuple[Mistake, ...]:
    return (
        Mistake(
            N_("db: a mean instead of a sum"),
            N_("each output position adds b[o] once: db[o] = dY[o].sum()"),
            lambda: dY.mean((1, 2)),
        ),
        Mistake(
            N_("db: one number for all channels"),
            N_("one bias per output channel: sum over positions only"),
            lambda: dY.sum(),
        ),
    )


def _backward_mistakes(X, K, dY) -> dict[str, tuple[Mistake, ...]]:
    """Each gradient's mistakes, their predictions computed for this case (stride 1, no padding)."""
    return {
        "dX": (
            Mistake(
                N_("dX: only the first output channel's gradient"),
                N_("every output channel used every input channel: add their gradients, Σ over o"),
                lambda: _scatter(X, K[:1], dY[:1])[0] if K.shape[0] > 1 else None,
            ),
            Mistake(
                N_("dX: kernel not flipped"),
                N_("scatter dY[o, i, j]·K[o, c] as it is (or flip K in the full cross-correlation)"),
                lambda: _scatter(X, K.flip(2, 3), dY)[0],
            ),
        ),
        "dK": (
            Mistake(
                N_("dK: dY flipped (a convolution, not a cross-correlation)"),
                N_("dK[o, c] = corr2d(X[c], dY[o]), dY as it is"),
                lambda: _scatter(X, K, dY.flip(1, 2))[1],
            ),
            Mistake(
                N_("dK: averaged over the positions"),
                N_("dK is a sum over the positions, as in notebook 03"),
                lambda: _scatter(X, K, dY)[1] / (dY.shape[1] * dY.shape[2]),
            ),
        ),
        "db": _db_mistakes(dY),
    }


CONV2D_BACKWARD = Exercise(
    "conv2d_backward",
    parts={
        "all": Part(
            3,
            steps=(_gradients_step("conv2d_backward", _backward_cases, _backward_mistakes, BACKWARD_HINTS),),
        )
    },
    hints=BACKWARD_HINTS,
    stand_ins=LENT,
)
check_conv2d_backward = check_function(CONV2D_BACKWARD)


# --- conv2d_backward_ext(X, K, dY, stride=1, padding=0) -> (dX, dK, db) ---------------------------


def _scatter(X, K, dY, stride=1, padding=0, dx_step=None, dk_step=None, dk_padding=None, crop=True):
    """(dX, dK) by CS231n's naive loops, in float64: window (i, j) of the padded input starts at
    (i·sh, j·sw); dY[o, i, j]·K[o] is added into it (dX) and dY[o, i, j] times it into dK[o].
    ``dx_step``, ``dk_step``, ``dk_padding`` and ``crop`` model mistakes; None where the mistaken
    windows do not fit the input (the mistake cannot happen there)."""
    X, K, dY = (t.detach().to(torch.float64) for t in (X, K, dY))
    (ph, pw), (kh, kw), (h, w) = pair(padding), K.shape[2:], X.shape[1:]
    Xp = torch.stack([oracle.pad2d(x, pair(padding if dk_padding is None else dk_padding)) for x in X])
    dXp = torch.zeros(X.shape[0], h + 2 * ph, w + 2 * pw, dtype=torch.float64)
    dK = torch.zeros(K.shape, dtype=torch.float64)
    (ah, aw), (bh, bw) = pair(dx_step or stride), pair(dk_step or stride)
    for i in range(dY.shape[1]):
        for j in range(dY.shape[2]):
            if i * ah + kh > dXp.shape[1] or j * aw + kw > dXp.shape[2]:
                return None
            if i * bh + kh > Xp.shape[1] or j * bw + kw > Xp.shape[2]:
                return None
            dXp[:, i * ah : i * ah + kh, j * aw : j * aw + kw] += torch.einsum("o,ocab->cab", dY[:, i, j], K)
            dK += dY[:, i, j, None, None, None] * Xp[None, :, i * bh : i * bh + kh, j * bw : j * bw + kw]
    return (dXp[:, ph : ph + h, pw : pw + w] if crop else dXp), dK


def _part(which: int, *args, **kwargs):
    """One of :func:`_scatter`'s gradients, or None where the mistake cannot happen."""
    both = _scatter(*args, **kwargs)
    return None if both is None else both[which]


def _reached(X, K, dY, stride, padding):
    """dX cut to the rows and columns the windows reached (the last ones a stride skips missing)."""
    (sh, sw), (ph, pw), (kh, kw) = pair(stride), pair(padding), K.shape[2:]
    rows, cols = (dY.shape[1] - 1) * sh + kh - ph, (dY.shape[2] - 1) * sw + kw - pw
    if (rows, cols) == tuple(X.shape[1:]):
        return None
    return _scatter(X, K, dY, stride, padding, crop=False)[0][:, ph:rows, pw:cols]


ONE_STRIDE = (
    N_("one stride for both axes, stride[0] for the columns too"),
    N_("a stride pair is (rows, columns): sh, sw = stride, and window (i, j) starts at (i·sh, j·sw)"),
)


def _ext_mistakes(X, K, dY, stride=1, padding=0) -> dict[str, tuple[Mistake, ...]]:
    strided, padded = pair(stride) != (1, 1), pair(padding) != (0, 0)
    (sh, sw), one_stride = pair(stride), ONE_STRIDE

    def rows_stride(which: int):
        return _part(which, X, K, dY, sh, padding) if sh != sw else None

    return {
        "dX": (
            Mistake(Msg("dX: {mistake}", mistake=one_stride[0]), one_stride[1], lambda: rows_stride(0)),
            Mistake(
                N_("dX: the padding is not cut off"),
                N_(
                    "the gradient of the padded input has the padding's rows and columns too: return "
                    "only its "
                    "middle, dXp[:, ph : ph + h, pw : pw + w]"
                ),
                lambda: _part(0, X, K, dY, stride, padding, crop=False) if padded else None,
            ),
            Mistake(
                N_("dX: stride ignored, windows scattered one cell apart"),
                N_("window (i, j) of the padded input starts at (i·sh, j·sw): add dY[o, i, j]·K[o] there"),
                lambda: _part(0, X, K, dY, stride, padding, dx_step=1) if strided else None,
            ),
            Mistake(
                N_("dX: kernel flipped"),
                N_(
                    "scatter dY[o, i, j]·K[o] as it is: the forward pass multiplied X's window by K unflipped"
                ),
                lambda: _part(0, X, K.flip(2, 3), dY, stride, padding),
            ),
            Mistake(
                N_("dX: only the first output channel's gradient"),
                N_("every output channel used every input channel: add the gradients of all c_o of them"),
                lambda: _part(0, X, K[:1], dY[:1], stride, padding) if K.shape[0] > 1 else None,
            ),
            Mistake(
                N_("dX: the rows the stride never reaches are missing"),
                N_(
                    "dX has X's shape: start from zeros of the padded input's shape; the rows and columns no "
                    "window reached keep a gradient of 0"
                ),
                lambda: _reached(X, K, dY, stride, padding),
            ),
        ),
        "dK": (
            Mistake(Msg("dK: {mistake}", mistake=one_stride[0]), one_stride[1], lambda: rows_stride(1)),
            Mistake(
                N_("dK: stride ignored, windows read one cell apart"),
                N_(
                    "dK[o] += dY[o, i, j] · the padded input's window at (i·sh, j·sw), the one "
                    "output (i, j) saw"
                ),
                lambda: _part(1, X, K, dY, stride, padding, dk_step=1) if strided else None,
            ),
            Mistake(
                N_("dK: padding ignored, windows read from X unpadded"),
                N_(
                    "the forward pass slid K over the PADDED input: read dK's windows from X padded "
                    "by (ph, pw)"
                ),
                lambda: _part(1, X, K, dY, stride, padding, dk_padding=0) if padded else None,
            ),
            Mistake(
                N_("dK: averaged over the positions"),
                N_("dK is a sum over the positions, as in notebook 03"),
                lambda: _part(1, X, K, dY, stride, padding) / (dY.shape[1] * dY.shape[2]),
            ),
        ),
        "db": _db_mistakes(dY),
    }


def _ext_cases() -> list[Case]:
    """The worked example of the notes (X = 0..8, K = [[0, 1], [2, 3]], dY of ones) at stride 1
    and, on X = 0..15, at stride 2 with padding 1; then seeded random layers."""
    K = torch.tensor([[[[0.0, 1.0], [2.0, 3.0]]]])
    cases = [
        Case(
            N_("the worked example X = 0..8 (1×3×3), K = [[0, 1], [2, 3]], dY of ones, stride=1, padding=0"),
            {"X": torch.arange(9.0).reshape(1, 3, 3), "K": K, "dY": torch.ones(1, 2, 2)},
            {"stride": 1, "padding": 0},
        ),
        Case(
            N_("X = 0..15 (1×4×4), K = [[0, 1], [2, 3]], dY of ones, stride=2, padding=1"),
            {"X": torch.arange(16.0).reshape(1, 4, 4), "K": K, "dY": torch.ones(1, 3, 3)},
            {"stride": 2, "padding": 1},
        ),
    ]
    g = torch.Generator().manual_seed(808)
    for (c_i, h, w), (c_o, kh, kw), s, p in [
        ((2, 5, 5), (3, 3, 3), 2, 1),
        ((1, 6, 6), (2, 3, 3), 2, 0),  # the stride never reaches the last row and column
        ((3, 7, 8), (2, 3, 2), (2, 3), (1, 0)),
        ((2, 5, 4), (2, 1, 1), 2, 0),
        ((2, 5, 6), (3, 3, 2), 1, (2, 1)),
        ((1, 4, 4), (1, 3, 3), 3, 2),
    ]:
        out = oracle.conv_output_shape((h, w), (kh, kw), p, s)
        X, K = torch.randn(c_i, h, w, generator=g), torch.randn(c_o, c_i, kh, kw, generator=g)
        dY = torch.randn(c_o, *out, generator=g)
        cases.append(
            Case(
                Msg("{inputs}, stride={s}, padding={p}", inputs=describe_all(X=X, K=K, dY=dY), s=s, p=p),
                {"X": X, "K": K, "dY": dY},
                {"stride": s, "padding": p},
            )
        )
    return cases


EXT_HINTS = Hints(
    shape=N_(
        "dX has X's shape (c_i, h, w), dK K's (c_o, c_i, kh, kw), db one entry per output channel (c_o,)"
    ),
    value=N_(
        "pad X; for every o, i, j take the window of the padded input at (i·sh, j·sw): dXp[:, window] "
        "+= dY[o, i, j] · K[o] and dK[o] += dY[o, i, j] · window; cut the padding off dXp; db[o] = "
        "dY[o].sum()"
    ),
    error=N_(
        "conv2d_backward_ext(X, K, dY, stride=1, padding=0): X (c_i, h, w), K (c_o, c_i, kh, kw), "
        "dY (c_o, h', w'); stride and padding ints or pairs; return the triple (dX, dK, db)"
    ),
)

CONV2D_BACKWARD_EXT = Exercise(
    "conv2d_backward_ext",
    parts={
        "all": Part(3, steps=(_gradients_step("conv2d_backward_ext", _ext_cases, _ext_mistakes, EXT_HINTS),))
    },
    hints=EXT_HINTS,
    stand_ins=LENT,
)
check_conv2d_backward_ext = check_function(CONV2D_BACKWARD_EXT)
