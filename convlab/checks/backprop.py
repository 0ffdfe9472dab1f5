"""Checks for notebook 08's backward passes by hand: the input gradient of a convolution (a
transposed convolution) and pooling's backward. (The notebook's other checks: the numerical
gradient check, :mod:`convlab.checks.gradient_check`; im2col, :mod:`convlab.checks.im2col`; a
layer's whole backward pass, :mod:`convlab.checks.layer_backward`.)

Every reference is PyTorch's own: autograd through ``F.conv2d`` and the pooling operators
(:mod:`convlab.oracle`). The backward operators themselves are forbidden in these exercises
(:data:`convlab.watch.BACKWARD`), as the forward ones are everywhere.
"""

from __future__ import annotations

import torch

from convlab import oracle
from convlab.checks.exercise import Case, Exercise, Hints, Mistake, Part
from convlab.checks.runner import check_function
from convlab.checks.wording import describe_all
from convlab.geometry import pair
from convlab.i18n import N_, Msg
from convlab.watch import BACKWARD

# 01's corr2d and 04's pad2d, which the notebook imports from convlab.oracle: lent to every check
LENT = {"corr2d": oracle.corr2d, "pad2d": oracle.pad2d}

# --- corr2d_input_grad(dY, K, input_size, stride=1, padding=0) ---------------------------------


def _scatter(dY, K, input_size, stride=1, padding=0, step=None, crop=True):
    """dX by scattering: dY[i, j]·K added into the padded input at (i·sh, j·sw), the padding
    then cut off. ``step`` and ``crop`` model mistakes (None when the mistake cannot happen)."""
    (sh, sw), (ph, pw) = pair(step or stride), pair(padding)
    (h, w), (kh, kw) = input_size, K.shape
    out = torch.zeros(h + 2 * ph, w + 2 * pw, dtype=torch.float64)
    for i in range(dY.shape[0]):
        for j in range(dY.shape[1]):
            if i * sh + kh > out.shape[0] or j * sw + kw > out.shape[1]:
                return None
            out[i * sh : i * sh + kh, j * sw : j * sw + kw] += float(dY[i, j]) * K.to(torch.float64)
    return out[ph : ph + h, pw : pw + w] if crop else out


def _reached(dY, K, input_size, stride=1, padding=0):
    """The mistake of a full cross-correlation that stops where the last window ends: the rows
    (columns) a stride never reaches are missing from dX."""
    full = _scatter(dY, K, input_size, stride, padding, crop=False)
    (sh, sw), (ph, pw), (kh, kw) = pair(stride), pair(padding), K.shape
    rows, cols = (dY.shape[0] - 1) * sh + kh - ph, (dY.shape[1] - 1) * sw + kw - pw
    if (rows, cols) == tuple(input_size):
        return None
    return full[ph:rows, pw:cols]


def _input_grad_cases() -> list[Case]:
    g = torch.Generator().manual_seed(801)
    K = torch.tensor([[0.0, 1.0], [2.0, 3.0]])
    cases = [
        Case(
            N_("the notes' 2×2 kernel on a 3×3 input, dY of ones"),
            {"dY": torch.ones(2, 2), "K": K, "input_size": (3, 3)},
        )
    ]
    for (h, w), (kh, kw), s, p in [
        ((4, 5), (2, 3), 1, 0),
        ((5, 5), (3, 3), 1, 1),
        ((5, 5), (3, 3), 2, 0),
        ((6, 6), (3, 3), 2, 0),  # the stride never reaches the last row and column
        ((7, 8), (3, 2), (2, 3), (1, 0)),
        ((5, 4), (1, 1), 2, 0),
    ]:
        out = oracle.conv_output_shape((h, w), (kh, kw), p, s)
        dY, K = torch.randn(out, generator=g), torch.randn(kh, kw, generator=g)
        options = {"stride": s, "padding": p}
        label = Msg(
            "{inputs}, input_size=({h}, {w}), stride={s}, padding={p}",
            inputs=describe_all(dY=dY, K=K),
            h=h,
            w=w,
            s=s,
            p=p,
        )
        cases.append(Case(label, {"dY": dY, "K": K, "input_size": (h, w)}, options))
    return cases


CORR2D_INPUT_GRAD = Exercise(
    "corr2d_input_grad",
    parts={"all": Part(3, cases=_input_grad_cases)},
    reference=oracle.corr2d_input_grad,
    mistakes=(
        Mistake(
            N_("kernel not flipped"),
            N_(
                "in dX as a full cross-correlation, the kernel is flipped: dX = corr2d(dY padded by k − 1, "
                "K.flip(0, 1)); or scatter: dX[i·s + a, j·s + b] += dY[i, j] · K[a, b], K as it is"
            ),
            lambda dY, K, input_size, stride=1, padding=0: _scatter(
                dY, K.flip(0, 1), input_size, stride, padding
            ),
        ),
        Mistake(
            N_("the padding is not cut off"),
            N_(
                "the forward pass padded X; the padded cells are not part of X: return only the middle "
                "input_size part of the padded gradient"
            ),
            lambda dY, K, input_size, stride=1, padding=0: (
                _scatter(dY, K, input_size, stride, padding, crop=False) if pair(padding) != (0, 0) else None
            ),
        ),
        Mistake(
            N_("stride ignored: the gaps between dY's entries are missing"),
            N_(
                "with stride s, output (i, j) read the window at (i·s, j·s): insert s − 1 zeros between dY's "
                "entries (or scatter at i·s, j·s)"
            ),
            lambda dY, K, input_size, stride=1, padding=0: (
                _scatter(dY, K, input_size, stride, padding, step=1) if pair(stride) != (1, 1) else None
            ),
        ),
        Mistake(
            N_("dY ignored: every window gets the whole kernel"),
            N_("each window's share of the gradient is dY[i, j] · K, not K"),
            lambda dY, K, input_size, stride=1, padding=0: _scatter(
                torch.ones_like(dY), K, input_size, stride, padding
            ),
        ),
        Mistake(
            N_("rows the stride never reaches are missing"),
            N_("dX has the input's shape: the rows and columns no window reached get a gradient of 0"),
            _reached,
        ),
    ),
    hints=Hints(
        shape=N_("dX has the input's shape, input_size"),
        value=N_(
            "start from zeros of the padded input's shape; for every (i, j) add dY[i, j] * K at rows "
            "i·sh…i·sh + kh − 1 and columns j·sw…j·sw + kw − 1; cut the padding off"
        ),
        error=N_(
            "corr2d_input_grad(dY, K, input_size, stride=1, padding=0): stride and padding are ints or pairs"
        ),
    ),
    forbidden=(BACKWARD,),
    stand_ins=LENT,
)
check_corr2d_input_grad = check_function(CORR2D_INPUT_GRAD)


# --- pool2d_backward(X, dY, kernel_size, stride=None, mode="max") -----------------------------


def _pool_back(X, dY, kernel_size, stride=None, mode="max", rule="first", add=True, divide=True):
    """Pooling's backward by hand; ``rule``, ``add`` and ``divide`` model the mistakes."""
    (kh, kw) = pair(kernel_size)
    sh, sw = pair(stride if stride is not None else kernel_size)
    X = X.to(torch.float64)
    out = torch.zeros_like(X)
    for i in range(dY.shape[0]):
        for j in range(dY.shape[1]):
            window = X[i * sh : i * sh + kh, j * sw : j * sw + kw]
            g = float(dY[i, j])
            if mode == "avg" or rule == "spread":
                share = torch.full_like(window, g / (kh * kw) if divide else g)
            elif rule == "every":
                share = (window == window.max()).to(torch.float64) * g
            else:
                flat = window.flatten()
                k = int(flat.argmax()) if rule == "first" else int(len(flat) - 1 - flat.flip(0).argmax())
                share = torch.zeros_like(flat)
                share[k] = g
                share = share.reshape(window.shape)
            region = out[i * sh : i * sh + kh, j * sw : j * sw + kw]
            if add:
                region += share
            else:
                region.copy_(share)
    return out


def _pool_cases() -> list[Case]:
    g = torch.Generator().manual_seed(805)
    cases = []
    for shape, k, s, ties in [
        ((4, 4), 2, None, True),
        ((5, 5), 2, 1, True),
        ((6, 5), 3, 2, False),
        ((4, 6), (2, 3), None, True),
        ((5, 6), 2, 1, False),
        ((6, 7), (3, 2), (1, 2), True),  # a stride per axis
    ]:
        X = torch.randint(0, 3, shape, generator=g).float() if ties else torch.randn(shape, generator=g)
        for mode in ("max", "avg"):
            out = tuple(oracle.pool2d(X, k, s, mode=mode).shape)
            dY = torch.randn(out, generator=g)
            options = {"kernel_size": k, "stride": s, "mode": mode}
            label = Msg(
                "{inputs}, kernel_size={k}, stride={s}, mode={mode!r}",
                inputs=describe_all(X=X, dY=dY),
                k=k,
                s=s,
                mode=mode,
            )
            cases.append(
                Case(label + (N_(" (ties in the windows)") if ties else ""), {"X": X, "dY": dY}, options)
            )
    return cases


def _when(wanted: str, rule: str = "first", **changes):
    """A mistake that happens in one mode only (None in the other)."""

    def prediction(X, dY, kernel_size, stride=None, mode="max"):
        return _pool_back(X, dY, kernel_size, stride, mode, rule, **changes) if mode == wanted else None

    return prediction


POOL2D_BACKWARD = Exercise(
    "pool2d_backward",
    parts={"all": Part(3, cases=_pool_cases)},
    reference=oracle.pool2d_backward,
    mistakes=(
        Mistake(
            N_("max: the gradient went to every maximum of a window"),
            N_(
                "a window with a tie passes its gradient to one cell, the first maximum (row by row), as "
                "PyTorch's argmax and return_indices do"
            ),
            _when("max", "every"),
        ),
        Mistake(
            N_("max: the gradient went to the last maximum, not the first"),
            N_("on a tie PyTorch keeps the first maximum, reading the window row by row"),
            _when("max", "last"),
        ),
        Mistake(
            N_("max: the gradient spread over the window like an average"),
            N_("only the maximum influenced the output: it alone gets dY[i, j]"),
            _when("max", "spread"),
        ),
        Mistake(
            N_("overlapping windows overwrite each other instead of adding up"),
            N_(
                "with a stride smaller than the window, a cell belongs to several windows: add (+=) "
                "every share"
            ),
            lambda X, dY, kernel_size, stride=None, mode="max": (
                _pool_back(X, dY, kernel_size, stride, mode, add=False)
                if stride is not None and min(pair(stride)) < min(pair(kernel_size))
                else None
            ),
        ),
        Mistake(
            N_("one stride for both axes: stride[0] used for the columns too"),
            N_("a stride pair is (rows, columns): window (i, j) starts at (i·sh, j·sw) with sh, sw = stride"),
            lambda X, dY, kernel_size, stride=None, mode="max": (
                _pool_back(X, dY, kernel_size, (pair(stride)[0],) * 2, mode)
                if stride is not None and pair(stride)[0] != pair(stride)[1]
                else None
            ),
        ),
        Mistake(
            N_("mode ignored: max pooling's gradient for mode='avg'"),
            N_(
                "mode='avg' spreads dY[i, j] / (kh·kw) over the whole window; only mode='max' sends "
                "it to the "
                "maximum"
            ),
            lambda X, dY, kernel_size, stride=None, mode="max": (
                _pool_back(X, dY, kernel_size, stride, "max") if mode == "avg" else None
            ),
        ),
        Mistake(
            N_("avg: not divided by the window's size"),
            N_("each of the kh·kw cells contributed 1/(kh·kw) of the mean: it gets dY[i, j] / (kh·kw)"),
            _when("avg", divide=False),
        ),
        Mistake(
            N_("stride taken as 1 instead of the window size"),
            N_("stride=None means the window size, as in nn.MaxPool2d (notebook 07)"),
            lambda X, dY, kernel_size, stride=None, mode="max": (
                _pool_back(X, dY, kernel_size, 1, mode)
                if stride is None and pair(kernel_size) != (1, 1)
                else None
            ),
        ),
    ),
    hints=Hints(
        shape=N_("dX has X's shape"),
        value=N_(
            "for every output (i, j): max pooling adds dY[i, j] to the first maximum of its window; "
            "average pooling adds dY[i, j] / (kh·kw) to every cell of it"
        ),
        error=N_("pool2d_backward(X, dY, kernel_size, stride=None, mode='max') for a 2-D X, no padding"),
    ),
    forbidden=(BACKWARD,),
)
check_pool2d_backward = check_function(POOL2D_BACKWARD)
