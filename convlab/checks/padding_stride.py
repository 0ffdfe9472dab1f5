"""Checks for notebook 04: output size, padding, stride and dilation."""

from __future__ import annotations

import math

import torch

from convlab import oracle
from convlab.checks.guards import PAD, stand_ins
from convlab.checks.report import (
    Case,
    Hints,
    Mistake,
    call,
    compare_all,
    describe,
    expect_value_error,
    fail,
    passed,
    public_check,
    run_cases,
)


def _pair(v) -> tuple[int, int]:
    return (v, v) if isinstance(v, int) else tuple(v)


# --- conv_output_shape -----------------------------------------------------------------------
# The notes' four shape examples on an 8×8 input, then combinations with dilation.
SHAPE_CASES = [
    (8, 3, 1, 1, 1),
    (8, (5, 3), (2, 1), 1, 1),
    (8, 3, 1, 2, 1),
    (8, (3, 5), (0, 1), (3, 4), 1),
    ((7, 10), (3, 2), (1, 0), (2, 3), 1),
    (9, 3, 0, 1, 2),
    ((12, 9), (3, 3), (2, 1), (1, 2), (2, 3)),
    ((5, 11), (1, 4), 0, (1, 2), (1, 2)),
    (6, 6, 0, 1, 1),
    ((10, 10), 4, 3, 3, 2),
]


def _size_variant(formula):
    """A whole-shape predictor from a per-axis formula f(n, k, p, s, d)."""

    def predict(input_size, kernel_size, padding=0, stride=1, dilation=1):
        axes = zip(*map(_pair, (input_size, kernel_size, padding, stride, dilation)), strict=True)
        return torch.tensor([formula(*axis) for axis in axes], dtype=torch.float64)

    return predict


SHAPE_MISTAKES = [
    Mistake(
        "padding counted once: it is per side",
        "padding p adds p rows at the top AND p at the bottom: n + 2p",
        _size_variant(lambda n, k, p, s, d: (n + p - d * (k - 1) - 1) // s + 1),
    ),
    Mistake(
        "dilation off by one",
        "a dilated kernel spans d(k - 1) + 1 cells: d = 1 is an "
        "ordinary kernel, d = 2 leaves one gap between taps",
        _size_variant(lambda n, k, p, s, d: (n + 2 * p - d * k) // s + 1),
    ),
    Mistake(
        "dilation off by one (d = 0 taken as the ordinary kernel)",
        "in PyTorch the ordinary kernel has dilation 1, not 0: the span is d(k - 1) + 1",
        _size_variant(lambda n, k, p, s, d: (n + 2 * p - (d + 1) * (k - 1) - 1) // s + 1),
    ),
    Mistake(
        "rounded up instead of down",
        "a window that does not fit is not counted: use floor division //",
        _size_variant(lambda n, k, p, s, d: math.ceil((n + 2 * p - d * (k - 1) - 1) / s) + 1),
    ),
    Mistake(
        "the first position not counted (+ 1 missing)",
        "the window fits once before it starts stepping: ⌊(n + 2p − d(k − 1) − 1)/s⌋ + 1",
        _size_variant(lambda n, k, p, s, d: (n + 2 * p - d * (k - 1) - 1) // s),
    ),
]


def _shape_reference(input_size, kernel_size, padding=0, stride=1, dilation=1):
    return torch.tensor(
        oracle.conv_output_shape(input_size, kernel_size, padding, stride, dilation),
        dtype=torch.float64,
    )


@public_check
def check_conv_output_shape(conv_output_shape) -> None:
    """``conv_output_shape(input_size, kernel_size, padding, stride, dilation)`` -> (h, w)."""
    ex = "conv_output_shape"
    hints = Hints(
        shape="return a pair (h, w)",
        value="per dimension: (n + 2p - d(k - 1) - 1) // s + 1",
        error="accept ints or pairs for every argument, like PyTorch",
    )
    results = []
    for n_, k, p, s, d in SHAPE_CASES:
        opts = {"padding": p, "stride": s, "dilation": d}
        case = Case(
            f"input {n_}, kernel {k}, padding {p}, stride {s}, dilation {d}",
            {"input_size": n_, "kernel_size": k},
            opts,
        )
        got = call(ex, conv_output_shape, case, hints.error)
        if not isinstance(got, tuple | list | torch.Size) or len(got) != 2:
            fail(
                ex,
                "did not return a pair (h, w)",
                case.label,
                [f"got {got!r}"],
                "return a tuple of two ints: (h, w)",
            )
        if not all(isinstance(v, int) for v in got):
            fail(
                ex,
                "returned numbers that are not ints",
                case.label,
                [f"got {got!r}"],
                "use floor division // so that the sizes stay ints",
            )
        results.append((case, torch.tensor(got, dtype=torch.float64), _shape_reference(**case.arguments)))
    compare_all(ex, results, SHAPE_MISTAKES, hints)
    n = len(results)
    for args, why in [
        ((8, 3, 0, 0), "a stride of 0 never moves"),
        ((4, 7, 1, 1), "a 7-wide kernel does not fit 4 + 2 padded cells"),
        ((5, 3, 0, 1, 0), "dilation must be ≥ 1"),
    ]:
        names = ["input_size", "kernel_size", "padding", "stride", "dilation"]
        expect_value_error(
            ex,
            conv_output_shape,
            Case(
                ", ".join(f"{a}={v}" for a, v in zip(names, args, strict=False)),
                dict(zip(names, args, strict=False)),
            ),
            why,
        )
        n += 1
    passed(ex, n)


# --- pad2d -----------------------------------------------------------------------------------
def _sides(padding) -> tuple[int, int, int, int]:
    if isinstance(padding, int):
        return (padding,) * 4
    if len(padding) == 4:
        return tuple(padding)
    return padding[0], padding[0], padding[1], padding[1]


PAD_MISTAKES = [
    Mistake(
        "4-tuple read in F.pad's order",
        "here a 4-tuple is (top, bottom, left, right); "
        "F.pad's own order is (left, right, top, bottom), so don't pass it through unchanged",
        lambda X, padding: (
            oracle.pad2d(X, (padding[2], padding[3], padding[0], padding[1]))
            if not isinstance(padding, int) and len(padding) == 4
            else None
        ),
    ),
    Mistake(
        "pair read as (pw, ph)",
        "a pair is (ph, pw): rows first, like every shape in PyTorch",
        lambda X, padding: (
            oracle.pad2d(X, (padding[1], padding[0]))
            if not isinstance(padding, int) and len(padding) == 2
            else None
        ),
    ),
    Mistake(
        "padding applied to one side only",
        "padding is per side: p rows on top AND p below, p columns left AND p right",
        lambda X, padding: oracle.pad2d(X, (_sides(padding)[0], 0, _sides(padding)[2], 0)),
    ),
]


@public_check
def check_pad2d(pad2d) -> None:
    """``pad2d(X, padding)``: zeros per side; an int, (ph, pw) or (top, bottom, left, right)."""
    g = torch.Generator().manual_seed(404)
    cases = []
    for shape, padding in [
        ((3, 3), 1),
        ((4, 6), (2, 1)),
        ((5, 3), (1, 0, 2, 3)),
        ((2, 7), 0),
        ((3, 4), (0, 2)),
        ((6, 2), (0, 1, 1, 0)),
    ]:
        X = torch.randn(shape, generator=g)
        cases.append(Case(f"{describe('X', X)} and padding={padding}", {"X": X, "padding": padding}))
    X = torch.randint(-5, 5, (3, 5), generator=g)
    cases.append(Case(f"{describe('X', X)} and padding=(1, 2)", {"X": X, "padding": (1, 2)}))
    hints = Hints(
        shape="(top, bottom, left, right) padding makes an h×w input (top + h + bottom)×(left + w + right)",
        value="zeros around, X unchanged in the middle: Y[top:top + h, left:left + w] = X",
        error="build torch.zeros of the padded shape and copy X into its middle",
    )
    n = run_cases(
        "pad2d",
        pad2d,
        cases,
        oracle.pad2d,
        PAD_MISTAKES,
        hints,
        float_output=False,
        also_forbidden=PAD,
    )
    passed("pad2d", n)


# --- corr2d_ext ------------------------------------------------------------------------------
def _ext(X, K, padding=0, stride=1, dilation=1, **change):
    """oracle.corr2d with one setting replaced: how a mistake would compute."""
    settings = {"padding": padding, "stride": stride, "dilation": dilation} | change
    try:
        return oracle.corr2d(X, K, **settings)
    except RuntimeError:
        return None


EXT_MISTAKES = [
    Mistake(
        "stride applied to the rows only",
        "stride (sh, sw) moves the window sh rows down and sw columns right: step both loops",
        lambda X, K, padding=0, stride=1, dilation=1: (
            _ext(X, K, padding, (_pair(stride)[0], 1), dilation) if _pair(stride)[1] > 1 else None
        ),
    ),
    Mistake(
        "stride applied to the columns only",
        "stride (sh, sw) moves the window sh rows down and sw columns right: step both loops",
        lambda X, K, padding=0, stride=1, dilation=1: (
            _ext(X, K, padding, (1, _pair(stride)[1]), dilation) if _pair(stride)[0] > 1 else None
        ),
    ),
    Mistake(
        "dilation off by one",
        "kernel element (a, b) sits at X[i*s + a*d, j*s + b*d]: with "
        "d = 1 the taps are adjacent, d = 2 leaves one gap",
        lambda X, K, padding=0, stride=1, dilation=1: _ext(
            X, K, padding, stride, tuple(d + 1 for d in _pair(dilation))
        ),
    ),
    Mistake(
        "padding counted in total, not per side",
        "padding p adds p zeros on EACH side; pad before sliding, with your pad2d",
        lambda X, K, padding=0, stride=1, dilation=1: (
            _ext(X, K, (_sides(padding)[0], 0, _sides(padding)[2], 0), stride, dilation) if padding else None
        ),
    ),
    Mistake(
        "kernel flipped: this is convolution",
        "multiply X[...] by K[a, b], not a flipped K",
        lambda X, K, padding=0, stride=1, dilation=1: _ext(
            X.flip(0, 1) * 0 + X, K.flip(0, 1), padding, stride, dilation
        ),
    ),
]


@public_check
def check_corr2d_ext(corr2d_ext) -> None:
    """``corr2d_ext(X, K, padding, stride, dilation)`` against ``F.conv2d``."""
    g = torch.Generator().manual_seed(414)
    settings = [
        ((8, 8), (3, 3), 1, 2, 1),
        ((5, 5), (3, 3), 1, 2, 1),
        ((8, 8), (3, 5), (0, 1), (3, 4), 1),
        ((7, 9), (2, 3), (1, 0, 2, 1), 1, 1),
        ((9, 8), (3, 2), 0, 1, 2),
        ((10, 7), (2, 2), 2, (3, 1), (2, 1)),
        ((6, 6), (3, 3), (1, 2), (1, 2), (1, 2)),
        ((4, 4), (4, 4), 0, 1, 1),
    ]
    cases = []
    for shape, kshape, p, s, d in settings:
        X, K = torch.randn(shape, generator=g), torch.randn(kshape, generator=g)
        cases.append(
            Case(
                f"{describe('X', X)}, {describe('K', K)}, padding={p}, stride={s}, dilation={d}",
                {"X": X, "K": K},
                {"padding": p, "stride": s, "dilation": d},
            )
        )
    X, K = torch.randint(-3, 4, (6, 7), generator=g), torch.randint(-2, 3, (3, 2), generator=g)
    cases.append(
        Case(
            f"{describe('X', X)}, {describe('K', K)}, padding=1, stride=2, dilation=1",
            {"X": X, "K": K},
            {"padding": 1, "stride": 2, "dilation": 1},
        )
    )
    hints = Hints(
        shape="per dimension the output has (n + top + bottom − d(k − 1) − 1) // s + 1 entries "
        "(your conv_output_shape): pad first, then start a window every s cells while it fits",
        value="Y[i, j] = sum over a, b of Xp[i*sh + a*dh, j*sw + b*dw] * K[a, b], with Xp the padded X",
        error="pad X with pad2d, then slide: row i starts at i*sh, column j at j*sw, and kernel "
        "element (a, b) reads Xp[i*sh + a*dh, j*sw + b*dw]",
    )
    with stand_ins(corr2d_ext, {"pad2d": oracle.pad2d}):
        n = run_cases("corr2d_ext", corr2d_ext, cases, oracle.corr2d, EXT_MISTAKES, hints)
    X, K = torch.ones(4, 4), torch.ones(3, 3)
    refusals = [
        ({"stride": 0}, "the stride must be positive"),
        ({"stride": (1, -1)}, "the stride must be positive"),
        (
            {"dilation": 3},
            "a 3×3 kernel with dilation 3 spans 7 cells, more than the 4 of the input",
        ),
        ({"padding": -1}, "padding must not be negative"),
    ]
    for opts, why in refusals:
        settings = ", ".join(f"{k}={v}" for k, v in opts.items())
        label = f"X of shape (4, 4), K of shape (3, 3), {settings}"
        expect_value_error("corr2d_ext", corr2d_ext, Case(label, {"X": X, "K": K}, opts), why)
        n += 1
    passed("corr2d_ext", n)


# --- same_padding ----------------------------------------------------------------------------
@public_check
def check_same_padding(same_padding) -> None:
    """``same_padding(kernel_size, dilation)`` -> (top, bottom, left, right) keeping the size.

    Checked by what it does: padding a random input with the result and cross-correlating at
    stride 1 (``F.conv2d``) must give the input's size, with the extra row or column (even
    kernels) on the top and the left.
    """
    ex = "same_padding"
    g = torch.Generator().manual_seed(424)
    n = 0
    for k, d in [
        (3, 1),
        (5, 1),
        ((3, 5), 1),
        (2, 1),
        (4, 1),
        ((2, 3), 1),
        (3, 2),
        (2, 3),
        ((4, 1), (1, 2)),
    ]:
        case = Case(f"kernel_size={k}, dilation={d}", {"kernel_size": k, "dilation": d})
        got = call(ex, same_padding, case, "return a 4-tuple (top, bottom, left, right)")
        if not isinstance(got, tuple | list) or len(got) != 4 or not all(isinstance(v, int) for v in got):
            fail(
                ex,
                "did not return (top, bottom, left, right)",
                case.label,
                [f"got {got!r}"],
                "return four ints: the padding of each side, top and bottom first",
            )
        top, bottom, left, right = got
        kh, kw = _pair(k)
        X = torch.randn(7, 8, generator=g)
        Y = (
            oracle.corr2d(X, torch.randn(kh, kw, generator=g), padding=got, dilation=d)
            if min(got) >= 0
            and top + bottom + 7 >= _pair(d)[0] * (kh - 1) + 1
            and left + right + 8 >= _pair(d)[1] * (kw - 1) + 1
            else None
        )
        total = [dd * (kk - 1) for dd, kk in zip(_pair(d), (kh, kw), strict=True)]
        shape = tuple(Y.shape) if Y is not None else "no output"
        if shape != (7, 8):
            ignored = total != [kh - 1, kw - 1] and [top + bottom, left + right] == [kh - 1, kw - 1]
            hint = (
                "the dilated kernel spans d(k − 1) + 1 cells, so the total padding is d(k − 1)"
                if ignored
                else "the total padding per dimension is d(k − 1) (the span minus "
                "one), split over the two sides"
            )
            fail(
                ex,
                "does not keep the size" + (": dilation ignored" if ignored else ""),
                case.label,
                [f"a 7×8 input padded by {tuple(got)} gives {shape}, expected (7, 8)"],
                hint,
            )
        if not (0 <= top - bottom <= 1 and 0 <= left - right <= 1):
            fail(
                ex,
                "puts the extra row or column on the wrong side",
                case.label,
                [f"got {tuple(got)}"],
                "with an odd total, the top and left get ⌈p/2⌉ and the bottom and right ⌊p/2⌋, "
                "as in the course notes",
            )
        n += 1
    passed(ex, n)
