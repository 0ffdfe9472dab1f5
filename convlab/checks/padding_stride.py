"""Checks for notebook 04: padding, stride and dilation (the output size's check:
:mod:`convlab.checks.output_shape`)."""

from __future__ import annotations

import torch

from convlab import oracle
from convlab.checks.exercise import Case, Exercise, Hints, Mistake, Part, Refusal
from convlab.checks.runner import call_watched, check_function
from convlab.checks.wording import describe, fail
from convlab.geometry import pair, sides
from convlab.i18n import N_, Msg
from convlab.watch import PAD

# --- pad2d -----------------------------------------------------------------------------------
PAD_MISTAKES = (
    Mistake(
        N_("4-tuple read in F.pad's order"),
        N_(
            "here a 4-tuple is (top, bottom, left, right); "
            "F.pad's own order is (left, right, top, bottom), so don't pass it through unchanged"
        ),
        lambda X, padding: (
            oracle.pad2d(X, (padding[2], padding[3], padding[0], padding[1]))
            if not isinstance(padding, int) and len(padding) == 4
            else None
        ),
    ),
    Mistake(
        N_("pair read as (pw, ph)"),
        N_("a pair is (ph, pw): rows first, like every shape in PyTorch"),
        lambda X, padding: (
            oracle.pad2d(X, (padding[1], padding[0]))
            if not isinstance(padding, int) and len(padding) == 2
            else None
        ),
    ),
    Mistake(
        N_("padding applied to one side only"),
        N_("padding is per side: p rows on top AND p below, p columns left AND p right"),
        lambda X, padding: oracle.pad2d(X, (sides(padding)[0], 0, sides(padding)[2], 0)),
    ),
)


def _pad_cases() -> list[Case]:
    g = torch.Generator().manual_seed(404)
    examples = [
        (torch.randn(shape, generator=g), padding)
        for shape, padding in [
            ((3, 3), 1),
            ((4, 6), (2, 1)),
            ((5, 3), (1, 0, 2, 3)),
            ((2, 7), 0),
            ((3, 4), (0, 2)),
            ((6, 2), (0, 1, 1, 0)),
        ]
    ]
    examples.append((torch.randint(-5, 5, (3, 5), generator=g), (1, 2)))
    return [
        Case(Msg("{describe} and padding={p}", describe=describe("X", X), p=p), {"X": X, "padding": p})
        for X, p in examples
    ]


# pad2d(X, padding): zeros per side; an int, (ph, pw) or (top, bottom, left, right).
PAD2D = Exercise(
    "pad2d",
    parts={"all": Part(1, cases=_pad_cases)},
    reference=oracle.pad2d,
    mistakes=PAD_MISTAKES,
    hints=Hints(
        shape=N_(
            "(top, bottom, left, right) padding makes an h×w input (top + h + bottom)×(left + w + right)"
        ),
        value=N_("zeros around, X unchanged in the middle: Y[top:top + h, left:left + w] = X"),
        error=N_("build torch.zeros of the padded shape and copy X into its middle"),
    ),
    float_output=False,
    forbidden=(PAD,),
)
check_pad2d = check_function(PAD2D)


# --- corr2d_ext ------------------------------------------------------------------------------
def _ext(X, K, padding=0, stride=1, dilation=1, **change):
    """oracle.corr2d with one setting replaced: how a mistake would compute."""
    settings = {"padding": padding, "stride": stride, "dilation": dilation} | change
    try:
        return oracle.corr2d(X, K, **settings)
    except RuntimeError:
        return None


EXT_MISTAKES = (
    Mistake(
        N_("stride applied to the rows only"),
        N_("stride (sh, sw) moves the window sh rows down and sw columns right: step both loops"),
        lambda X, K, padding=0, stride=1, dilation=1: (
            _ext(X, K, padding, (pair(stride)[0], 1), dilation) if pair(stride)[1] > 1 else None
        ),
    ),
    Mistake(
        N_("stride applied to the columns only"),
        N_("stride (sh, sw) moves the window sh rows down and sw columns right: step both loops"),
        lambda X, K, padding=0, stride=1, dilation=1: (
            _ext(X, K, padding, (1, pair(stride)[1]), dilation) if pair(stride)[0] > 1 else None
        ),
    ),
    Mistake(
        N_("dilation off by one"),
        N_(
            "kernel element (a, b) sits at X[i*s + a*d, j*s + b*d]: with "
            "d = 1 the taps are adjacent, d = 2 leaves one gap"
        ),
        lambda X, K, padding=0, stride=1, dilation=1: _ext(
            X, K, padding, stride, tuple(d + 1 for d in pair(dilation))
        ),
    ),
    Mistake(
        N_("padding counted in total, not per side"),
        N_("padding p adds p zeros on EACH side; pad before sliding, with your pad2d"),
        lambda X, K, padding=0, stride=1, dilation=1: (
            _ext(X, K, (sides(padding)[0], 0, sides(padding)[2], 0), stride, dilation) if padding else None
        ),
    ),
    Mistake(
        N_("kernel flipped: this is convolution"),
        N_("multiply X[...] by K[a, b], not a flipped K"),
        lambda X, K, padding=0, stride=1, dilation=1: _ext(
            X.flip(0, 1) * 0 + X, K.flip(0, 1), padding, stride, dilation
        ),
    ),
)


def _ext_cases() -> list[Case]:
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
    examples = [
        (torch.randn(shape, generator=g), torch.randn(kshape, generator=g), p, s, d)
        for shape, kshape, p, s, d in settings
    ]
    integers = torch.randint(-3, 4, (6, 7), generator=g), torch.randint(-2, 3, (3, 2), generator=g)
    examples.append((*integers, 1, 2, 1))
    return [
        Case(
            Msg(
                "{describe}, {describe2}, padding={p}, stride={s}, dilation={d}",
                describe=describe("X", X),
                describe2=describe("K", K),
                p=p,
                s=s,
                d=d,
            ),
            {"X": X, "K": K},
            {"padding": p, "stride": s, "dilation": d},
        )
        for X, K, p, s, d in examples
    ]


def _ext_refusal(why: str, **options) -> Refusal:
    settings = ", ".join(f"{k}={v}" for k, v in options.items())
    label = Msg("X of shape (4, 4), K of shape (3, 3), {settings}", settings=settings)
    return Refusal(Case(label, {"X": torch.ones(4, 4), "K": torch.ones(3, 3)}, options), why)


# corr2d_ext(X, K, padding, stride, dilation) against F.conv2d; a correct pad2d stands in.
CORR2D_EXT = Exercise(
    "corr2d_ext",
    parts={
        "values": Part(3, cases=_ext_cases),
        "refusals": Part(
            1,
            refusals=(
                _ext_refusal(N_("the stride must be positive"), stride=0),
                _ext_refusal(N_("the stride must be positive"), stride=(1, -1)),
                _ext_refusal(
                    N_("a 3×3 kernel with dilation 3 spans 7 cells, more than the 4 of the input"), dilation=3
                ),
                _ext_refusal(N_("padding must not be negative"), padding=-1),
                _ext_refusal(
                    N_("dilation must be at least 1: dilation 1 is the ordinary kernel"), dilation=0
                ),
            ),
        ),
    },
    reference=oracle.corr2d,
    mistakes=EXT_MISTAKES,
    hints=Hints(
        shape=N_(
            "per dimension the output has (n + top + bottom − d(k − 1) − 1) // s + 1 entries "
            "(your conv_output_shape): pad first, then start a window every s cells while it fits"
        ),
        value=N_("Y[i, j] = sum over a, b of Xp[i*sh + a*dh, j*sw + b*dw] * K[a, b], with Xp the padded X"),
        error=N_(
            "pad X with pad2d, then slide: row i starts at i*sh, column j at j*sw, and kernel "
            "element (a, b) reads Xp[i*sh + a*dh, j*sw + b*dw]"
        ),
    ),
    stand_ins={"pad2d": oracle.pad2d},
)
check_corr2d_ext = check_function(CORR2D_EXT)


# --- same_padding ----------------------------------------------------------------------------
def _keeps_the_size(same_padding) -> int:
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
        (2, 2),  # an even kernel whose dilated total d(k − 1) = 2 is even: split evenly
        ((4, 1), (1, 2)),
        ((3, 3), (1, 2)),  # a dilation per axis: the columns' differs from the rows'
    ]:
        case = Case(Msg("kernel_size={k}, dilation={d}", k=k, d=d), {"kernel_size": k, "dilation": d})
        got = call_watched(ex, same_padding, case, N_("return a 4-tuple (top, bottom, left, right)"))
        if not isinstance(got, tuple | list) or len(got) != 4 or not all(isinstance(v, int) for v in got):
            fail(
                ex,
                N_("did not return (top, bottom, left, right)"),
                case.label,
                [Msg("got {got!r}", got=got)],
                hint=N_("return four ints: the padding of each side, top and bottom first"),
            )
        top, bottom, left, right = got
        kh, kw = pair(k)
        X = torch.randn(7, 8, generator=g)
        Y = (
            oracle.corr2d(X, torch.randn(kh, kw, generator=g), padding=got, dilation=d)
            if min(got) >= 0
            and top + bottom + 7 >= pair(d)[0] * (kh - 1) + 1
            and left + right + 8 >= pair(d)[1] * (kw - 1) + 1
            else None
        )
        total = [dd * (kk - 1) for dd, kk in zip(pair(d), (kh, kw), strict=True)]
        shape = tuple(Y.shape) if Y is not None else N_("no output")
        if shape != (7, 8):
            ignored = total != [kh - 1, kw - 1] and [top + bottom, left + right] == [kh - 1, kw - 1]
            hint = (
                N_("the dilated kernel spans d(k − 1) + 1 cells, so the total padding is d(k − 1)")
                if ignored
                else N_(
                    "the total padding per dimension is d(k − 1) (the span minus "
                    "one), split over the two sides"
                )
            )
            fail(
                ex,
                N_("does not keep the size: dilation ignored") if ignored else N_("does not keep the size"),
                case.label,
                [
                    Msg(
                        "a 7×8 input padded by {tuple} gives {shape}, expected (7, 8)",
                        tuple=tuple(got),
                        shape=shape,
                    )
                ],
                hint=hint,
            )
        if not (0 <= top - bottom <= 1 and 0 <= left - right <= 1):
            fail(
                ex,
                N_("puts the extra row or column on the wrong side"),
                case.label,
                [Msg("got {tuple}", tuple=tuple(got))],
                hint=N_(
                    "with an odd total, the top and left get ⌈p/2⌉ and the bottom and right ⌊p/2⌋, "
                    "as in the course notes"
                ),
            )
        n += 1
    return n


SAME_PADDING = Exercise(
    "same_padding",
    parts={"all": Part(1, steps=(_keeps_the_size,))},
    hints=Hints(
        shape=N_("return (top, bottom, left, right)"),
        value=N_("the total padding per dimension is d(k − 1), split over the two sides"),
        error=N_("return a 4-tuple (top, bottom, left, right)"),
    ),
)
check_same_padding = check_function(SAME_PADDING)
