"""Checks for notebook 07: max and average pooling, with stride, padding and ceil_mode (the
receptive field's check: :mod:`convlab.checks.receptive_field`)."""

from __future__ import annotations

import torch

from convlab import oracle
from convlab.checks.exercise import Case, Exercise, Hints, Mistake, Part, Refusal
from convlab.checks.runner import check_function
from convlab.checks.wording import describe
from convlab.i18n import N_, Msg


def _pool(X, size, mode, **kw):
    try:
        return oracle.pool2d(X, size, **kw, mode=mode)
    except RuntimeError:  # the setting is impossible for PyTorch: not a prediction
        return None


def _swapped_window(X, pool_size, mode):
    """The course notes' slip: the output sized (p_h, p_w) but each window sliced (p_w, p_h)."""
    p_h, p_w = (pool_size, pool_size) if isinstance(pool_size, int) else pool_size
    if p_h == p_w:
        return None
    X = X.to(torch.float64)
    Y = torch.zeros(X.shape[0] - p_h + 1, X.shape[1] - p_w + 1, dtype=torch.float64)
    for i in range(Y.shape[0]):
        for j in range(Y.shape[1]):
            window = X[i : i + p_w, j : j + p_h]
            Y[i, j] = window.max() if mode == "max" else window.mean()
    return Y


X_NOTES = torch.arange(9.0).reshape(3, 3)


def _pool_cases() -> list[Case]:
    g = torch.Generator().manual_seed(707)
    cases = [
        Case(
            N_("the worked example X = 0..8 (3×3), pool (2, 2), max"),
            {"X": X_NOTES, "pool_size": (2, 2), "mode": "max"},
        ),
        Case(
            N_("the worked example X = 0..8 (3×3), pool (2, 2), avg"),
            {"X": X_NOTES, "pool_size": (2, 2), "mode": "avg"},
        ),
    ]
    for shape, size, mode in [
        ((5, 7), (2, 3), "max"),
        ((6, 4), (3, 1), "avg"),
        ((4, 6), 3, "max"),
        ((7, 5), (1, 4), "avg"),
    ]:
        Xr = torch.randn(shape, generator=g)
        cases.append(
            Case(
                Msg("{describe}, pool {size}, {mode}", describe=describe("X", Xr), size=size, mode=mode),
                {"X": Xr, "pool_size": size, "mode": mode},
            )
        )
    Xi = torch.randint(-5, 6, (5, 5), generator=g)
    cases.append(
        Case(
            Msg("{describe}, pool (2, 2), avg", describe=describe("X", Xi)),
            {"X": Xi, "pool_size": (2, 2), "mode": "avg"},
        )
    )
    return cases


# pool2d(X, pool_size, mode): stride 1, no padding, as in the course notes.
POOL2D = Exercise(
    "pool2d",
    parts={
        "values": Part(2, cases=_pool_cases),
        "refusals": Part(
            1,
            refusals=(
                Refusal(
                    Case("mode='min'", {"X": X_NOTES, "pool_size": (2, 2), "mode": "min"}),
                    N_("mode must be 'max' or 'avg'"),
                ),
            ),
        ),
    },
    reference=lambda X, pool_size, mode: oracle.pool2d(X, pool_size, 1, 0, mode),
    mistakes=(
        Mistake(
            N_("pool height and width swapped"),
            N_("pool_size is (p_h, p_w): rows first, so the window is X[i:i + p_h, j:j + p_w]"),
            _swapped_window,
        ),
        Mistake(
            N_("max and average swapped"),
            N_("mode 'max' takes the largest value of the window, 'avg' its mean"),
            lambda X, pool_size, mode: _pool(X, pool_size, "avg" if mode == "max" else "max", stride=1),
        ),
        Mistake(
            N_("summed instead of averaged"),
            N_("average pooling divides the window's sum by its size: .mean()"),
            lambda X, pool_size, mode: (
                _pool(X, pool_size, "avg", stride=1)
                * (pool_size * pool_size if isinstance(pool_size, int) else pool_size[0] * pool_size[1])
                if mode == "avg"
                else None
            ),
        ),
    ),
    hints=Hints(
        shape=N_("stride 1, no padding: (h - p_h + 1, w - p_w + 1), as for corr2d"),
        value=N_("Y[i, j] is X[i:i + p_h, j:j + p_w].max() (or .mean() for 'avg')"),
        error=N_("accept pool_size as a pair (p_h, p_w) or an int; mode is 'max' or 'avg'"),
    ),
)
check_pool2d = check_function(POOL2D)


SETTINGS = ("kernel_size", "stride", "padding", "mode", "ceil_mode", "count_include_pad")


def _ext_reference(
    X, kernel_size, stride=None, padding=0, mode="max", ceil_mode=False, count_include_pad=True
):
    return oracle.pool2d(X, kernel_size, stride, padding, mode, ceil_mode, count_include_pad)


def _variant(**change):
    """What pool2d_ext gives with some settings changed (``None`` where that changes nothing)."""

    def predict(X, kernel_size, stride=None, padding=0, mode="max", ceil_mode=False, count_include_pad=True):
        given = dict(
            zip(SETTINGS, (kernel_size, stride, padding, mode, ceil_mode, count_include_pad), strict=True)
        )
        if given | change == given:
            return None
        try:
            return oracle.pool2d(X, **(given | change))
        except RuntimeError:
            return None

    return predict


def _zero_padded_max(
    X, kernel_size, stride=None, padding=0, mode="max", ceil_mode=False, count_include_pad=True
):
    if mode != "max" or not padding or ceil_mode:  # ceil_mode's edge rule differs once padding is explicit
        return None
    p = (padding, padding) if isinstance(padding, int) else padding
    padded = torch.nn.functional.pad(X.to(torch.float64), (p[1], p[1], p[0], p[0]))
    return oracle.pool2d(padded, kernel_size, stride, 0, "max", ceil_mode)


def _avg_count_switched(
    X, kernel_size, stride=None, padding=0, mode="max", ceil_mode=False, count_include_pad=True
):
    if mode != "avg" or not padding:
        return None
    return oracle.pool2d(X, kernel_size, stride, padding, "avg", ceil_mode, not count_include_pad)


def _full_window(X, kernel_size, stride=None, padding=0, mode="max", ceil_mode=False, count_include_pad=True):
    """Every window's sum divided by kh × kw, even one that overhangs the padded input."""
    if mode != "avg" or not ceil_mode or not count_include_pad:
        return None
    kh, kw = (kernel_size, kernel_size) if isinstance(kernel_size, int) else kernel_size
    out = torch.nn.functional.avg_pool2d(
        X[None].to(torch.float64),
        kernel_size,
        stride,
        padding,
        ceil_mode=True,
        count_include_pad=True,
        divisor_override=kh * kw,
    )
    return out[0].to(torch.float32)


def _modes_swapped(**arguments):
    if arguments.get("ceil_mode"):
        return None
    return _variant(mode="avg" if arguments.get("mode", "max") == "max" else "max")(**arguments)


def _across_channels(
    X, kernel_size, stride=None, padding=0, mode="max", ceil_mode=False, count_include_pad=True
):
    if X.shape[0] < 2:
        return None
    pooled = oracle.pool2d(X, kernel_size, stride, padding, mode, ceil_mode, count_include_pad)
    merged = pooled.amax(0) if mode == "max" else pooled.mean(0)
    return merged.expand_as(pooled).clone()


def _ext_cases() -> list[Case]:
    g = torch.Generator().manual_seed(717)
    X16 = torch.arange(16.0).reshape(1, 4, 4)
    cases = [
        Case(N_("the worked example X = 0..15 (1×4×4), MaxPool2d(3)"), {"X": X16, "kernel_size": 3}),
        Case(
            N_("X = 0..15 (1×4×4), kernel 3, padding 1, stride 2"),
            {"X": X16, "kernel_size": 3},
            {"padding": 1, "stride": 2},
        ),
        Case(
            N_("X = 0..15 (1×4×4), kernel (2, 3), stride (2, 3), padding (0, 1)"),
            {"X": X16, "kernel_size": (2, 3)},
            {"stride": (2, 3), "padding": (0, 1)},
        ),
        Case(
            N_("two channels X and X + 1, kernel 3, padding 1, stride 2"),
            {"X": torch.cat([X16, X16 + 1]), "kernel_size": 3},
            {"padding": 1, "stride": 2},
        ),
    ]
    X25 = torch.arange(25.0).reshape(1, 5, 5)
    cases.append(
        Case(
            N_("X = 0..24 (1×5×5), kernel 2, ceil_mode=True, avg: the last windows overhang the input"),
            {"X": X25, "kernel_size": 2},
            {"mode": "avg", "ceil_mode": True},
        )
    )
    settings = [
        ((2, 5, 7), 2, None, 1, "max", False),
        ((3, 6, 6), 3, 2, 1, "avg", False),
        ((2, 7, 5), (3, 2), (2, 1), (1, 1), "max", True),
        ((1, 5, 5), 2, None, 0, "max", True),
        ((3, 6, 7), (2, 3), 1, (1, 1), "avg", False),
        ((2, 8, 6), 3, 3, 1, "max", True),
        ((2, 7, 6), 3, 2, 1, "avg", True),
    ]
    for shape, k, s, p, mode, ceil in settings:
        X = torch.randn(shape, generator=g) - 1.0  # mostly negative: zero padding would show
        cases.append(
            Case(
                Msg(
                    "{describe}, kernel {k}, stride {s}, padding {p}, {mode}, ceil_mode={ceil}",
                    describe=describe("X", X),
                    k=k,
                    s=s,
                    p=p,
                    mode=mode,
                    ceil=ceil,
                ),
                {"X": X, "kernel_size": k},
                {"stride": s, "padding": p, "mode": mode, "ceil_mode": ceil},
            )
        )
    for shape, k, s, p, ceil in [((2, 6, 7), 3, 2, 1, False), ((1, 7, 5), (2, 3), 2, (1, 1), True)]:
        X = torch.randn(shape, generator=g) - 1.0
        cases.append(
            Case(
                Msg(
                    "{describe}, kernel {k}, stride {s}, padding {p}, avg, ceil_mode={ceil}, "
                    "count_include_pad=False",
                    describe=describe("X", X),
                    k=k,
                    s=s,
                    p=p,
                    ceil=ceil,
                ),
                {"X": X, "kernel_size": k},
                {"stride": s, "padding": p, "mode": "avg", "ceil_mode": ceil, "count_include_pad": False},
            )
        )
    return cases


def _ext_refusal(why: str, **options) -> Refusal:
    label = Msg(
        "X of shape (1, 4, 4), kernel 3, {items}", items=", ".join(f"{k}={v!r}" for k, v in options.items())
    )
    return Refusal(Case(label, {"X": torch.zeros(1, 4, 4), "kernel_size": 3}, options), why)


# pool2d_ext(X, kernel_size, stride, padding, mode, ceil_mode, count_include_pad) as
# nn.MaxPool2d / nn.AvgPool2d on (c, h, w), each channel alone.
POOL2D_EXT = Exercise(
    "pool2d_ext",
    parts={
        "values": Part(3, cases=_ext_cases),
        "refusals": Part(
            1,
            refusals=(
                _ext_refusal(N_("mode must be 'max' or 'avg'"), mode="median"),
                _ext_refusal(
                    N_("padding must be at most half the kernel size, as PyTorch requires"), padding=2
                ),
                _ext_refusal(N_("the stride must be positive"), stride=0),
            ),
        ),
    },
    reference=_ext_reference,
    mistakes=(
        Mistake(
            N_("stride defaults to 1"),
            N_(
                "like nn.MaxPool2d, stride=None means stride = kernel_size: "
                "windows side by side, not overlapping"
            ),
            _variant(stride=1),
        ),
        Mistake(
            N_("max pooling padded with zeros"),
            N_(
                "max pooling pads with −∞ so that padding never wins "
                "the max: a window of negative values next to the border must keep its negative max"
            ),
            _zero_padded_max,
        ),
        Mistake(
            N_("average pooling ignores the padding"),
            N_(
                "nn.AvgPool2d counts the zero padding in the "
                "average (count_include_pad=True): divide by the full window size"
            ),
            lambda **a: _avg_count_switched(**a) if a.get("count_include_pad", True) else None,
        ),
        Mistake(
            N_("padding counted although count_include_pad=False"),
            N_(
                "with count_include_pad=False an average divides by the window's cells that lie in the "
                "input itself, not the padding"
            ),
            lambda **a: None if a.get("count_include_pad", True) else _avg_count_switched(**a),
        ),
        Mistake(
            N_("an overhanging window divided by the full window"),
            N_(
                "with ceil_mode a last window can run past the padded input; PyTorch divides its sum by "
                "the cells it covers there, not by kh × kw (a 2×2 window over the last column of a 5×5 "
                "input averages 2 cells)"
            ),
            _full_window,
        ),
        Mistake(
            N_("ceil_mode ignored"),
            N_(
                "with ceil_mode=True the output size rounds up: a last window that "
                "starts inside the input (or the left padding) is kept even if it runs past the edge"
            ),
            _variant(ceil_mode=False),
        ),
        Mistake(
            N_("pooled across channels"),
            N_("pooling treats each channel alone: the output has as many channels as the input"),
            _across_channels,
        ),
        Mistake(
            N_("max and average swapped"),
            N_("mode 'max' takes the largest value, 'avg' the mean"),
            _modes_swapped,
        ),
    ),
    hints=Hints(
        shape=N_(
            "per dimension: (n + 2p - k) // s + 1 (rounded up with ceil_mode, dropping a last window "
            "that would start in the right padding); the channels stay"
        ),
        value=N_(
            "pad each channel (−∞ for max, 0 for avg), then Y[c, i, j] = the max or mean of the window "
            "starting at (i*s_h, j*s_w); a mean divides by the window's cells inside the padded input "
            "(inside X itself with count_include_pad=False)"
        ),
        error=N_("X is (c, h, w): pool each channel; stride None means stride = kernel_size"),
    ),
)
check_pool2d_ext = check_function(POOL2D_EXT)
