"""Checks for notebook 06: the 1×1 convolution as one matrix product, and parameter counts."""

from __future__ import annotations

import torch

from convlab import oracle
from convlab.checks.exercise import Case, Exercise, Hints, Mistake, Part, Refusal
from convlab.checks.products import exactly_one_product
from convlab.checks.runner import call_watched, check_function
from convlab.checks.wording import describe_all, fail
from convlab.i18n import N_, Msg


def _one_product(fn) -> int:
    """The second case again, counting its matrix products: exactly one."""
    case = _cases()[1]
    c_i, h, w = case.inputs["X"].shape
    return exactly_one_product(
        "corr2d_multi_in_out_1x1",
        fn,
        case,
        error_hint=CORR2D_MULTI_IN_OUT_1X1.hints.error,
        none_hint=N_(
            "the point of this exercise: reshape X to (c_i, h * w) and K to (c_o, c_i), then ONE "
            "product K2 @ X2 computes every pixel at once"
        ),
        hint=N_("one product handles all pixels: (c_o, c_i) @ (c_i, h * w); no loop over pixels or channels"),
        counted=lambda count: [Msg("{pixels} pixels, {count} products", pixels=h * w, count=count)],
    )


class LoopNotAllowed(RuntimeError):
    """Raised when the 1×1 exercise calls a loop-based helper instead of one matmul."""


def _no_loops(*_args, **_kwargs):
    raise LoopNotAllowed(
        N_(
            "corr2d_multi_in_out_1x1 must not call corr2d / corr2d_multi_in / corr2d_multi_in_out: "
            "reshape X to (c_i, h * w), K to (c_o, c_i) and multiply once"
        )
    )


def _cases() -> list[Case]:
    g = torch.Generator().manual_seed(606)
    shapes = [((3, 3, 3), 2), ((4, 5, 6), 3), ((1, 4, 4), 5), ((6, 2, 7), 1), ((5, 6, 4), 5)]
    pairs = [
        (torch.randn(c_i, h, w, generator=g), torch.randn(c_o, c_i, 1, 1, generator=g))
        for (c_i, h, w), c_o in shapes
    ]
    return [Case(describe_all(X=X, K=K), {"X": X, "K": K}) for X, K in pairs]


# corr2d_multi_in_out_1x1(X, K), K (c_o, c_i, 1, 1): one matmul, equal to F.conv2d; the loops
# of 05 stand in as functions that refuse to run.
CORR2D_MULTI_IN_OUT_1X1 = Exercise(
    "corr2d_multi_in_out_1x1",
    parts={"all": Part(2, cases=_cases, steps=(_one_product,))},
    reference=oracle.corr2d_multi_in_out,
    mistakes=(
        Mistake(
            N_("weights scrambled: K reshaped as (c_i, c_o)"),
            N_(
                "K is (c_o, c_i, 1, 1): "
                "K.reshape(c_o, c_i) keeps each output's weights in its row; K.reshape(c_i, c_o).T "
                "mixes them up"
            ),
            lambda X, K: (
                oracle.corr2d_multi_in_out(X, K.reshape(K.shape[1], K.shape[0]).T.reshape(K.shape))
                if min(K.shape[:2]) > 1
                else None
            ),
        ),
        Mistake(
            N_("pixels scrambled: X reshaped without keeping channels first"),
            N_(
                "X is (c_i, h, w): "
                "X.reshape(c_i, h * w) gives one column per pixel; X.reshape(h * w, c_i) mixes "
                "channels and pixels"
            ),
            lambda X, K: (
                (K.reshape(K.shape[0], -1) @ X.reshape(-1, X.shape[0]).T).reshape(K.shape[0], *X.shape[1:])
                if X.shape[0] > 1
                else None
            ),
        ),
        Mistake(
            N_("output reshaped as (c_o, w, h)"),
            N_("reshape the product back to (c_o, h, w)"),
            lambda X, K: (
                oracle.corr2d_multi_in_out(X, K).transpose(1, 2).reshape(K.shape[0], *X.shape[1:])
                if X.shape[1] != X.shape[2]
                else None
            ),
        ),
    ),
    hints=Hints(
        shape=N_("the output is (c_o, h, w): a 1×1 kernel keeps the height and width"),
        value=N_("Y[:, i, j] = K.reshape(c_o, c_i) @ X[:, i, j] at every pixel: (c_o, c_i) @ (c_i, h * w)"),
        error=N_("reshape X to (c_i, h * w) and K to (c_o, c_i), multiply with @, reshape to (c_o, h, w)"),
    ),
    stand_ins={"corr2d": _no_loops, "corr2d_multi_in": _no_loops, "corr2d_multi_in_out": _no_loops},
)
check_corr2d_multi_in_out_1x1 = check_function(CORR2D_MULTI_IN_OUT_1X1)


PARAM_CASES = [
    (1, 1, (1, 2), 1, False),
    (3, 8, 3, 1, True),
    (16, 33, (3, 5), 1, True),
    (4, 6, 3, 2, True),
    (8, 8, 3, 8, False),
    (6, 9, (2, 2), 3, True),
    (64, 128, 1, 1, True),
    (12, 12, 5, 4, False),
]


def _count(formula):
    return lambda in_channels, out_channels, kernel_size, groups=1, bias=True: formula(
        in_channels,
        out_channels,
        *((kernel_size,) * 2 if isinstance(kernel_size, int) else kernel_size),
        groups,
        bias,
    )


PARAM_MISTAKES = [
    (
        N_("the bias not counted"),
        N_("nn.Conv2d has one bias per output channel when bias=True"),
        _count(lambda i, o, kh, kw, g, b: o * (i // g) * kh * kw),
    ),
    (
        N_("a bias counted although bias=False"),
        N_("with bias=False the layer has only its weights"),
        _count(lambda i, o, kh, kw, g, b: o * (i // g) * kh * kw + o),
    ),
    (
        N_("groups ignored: weights not divided by groups"),
        N_(
            "with groups each kernel sees only "
            "in_channels / groups channels: the weight is (out, in / groups, kh, kw)"
        ),
        _count(lambda i, o, kh, kw, g, b: o * i * kh * kw + (o if b else 0)),
    ),
    (
        N_("one bias per input channel"),
        N_("the bias is one number per OUTPUT channel"),
        _count(lambda i, o, kh, kw, g, b: o * (i // g) * kh * kw + (i if b else 0)),
    ),
    (
        N_("an int kernel_size counted as k, not k × k"),
        N_("kernel_size=3 means a 3×3 kernel: 9 weights per channel pair"),
        lambda in_channels, out_channels, kernel_size, groups=1, bias=True: (
            (out_channels * (in_channels // groups) * kernel_size + (out_channels if bias else 0))
            if isinstance(kernel_size, int) and kernel_size > 1
            else None
        ),
    ),
]


def _counts(conv_param_count) -> int:
    """``conv_param_count(in, out, kernel_size, groups, bias)`` against ``nn.Conv2d``'s parameters."""
    ex = "conv_param_count"
    n = 0
    for i, o, k, g, b in PARAM_CASES:
        options = {"groups": g, "bias": b}
        case = Case(
            Msg("nn.Conv2d({i}, {o}, {k}, groups={g}, bias={b})", i=i, o=o, k=k, g=g, b=b),
            {"in_channels": i, "out_channels": o, "kernel_size": k},
            options,
        )
        got = call_watched(ex, conv_param_count, case, PARAM_HINTS.error)
        if isinstance(got, torch.Tensor) and got.numel() == 1:
            got = got.item()
        if not isinstance(got, int) or isinstance(got, bool):
            fail(
                ex,
                Msg("returned a {type}, not an int", type=type(got).__name__),
                case.label,
                [Msg("got {got!r}", got=got)],
                hint=N_("count with integer arithmetic (//, *) and return an int"),
                mistake=N_("did not return an int"),
            )
        expected = oracle.conv_param_count(i, o, k, g, b)
        if got == expected:
            n += 1
            continue
        for name, hint, predict in PARAM_MISTAKES:
            wrong = predict(i, o, k, g, b)
            if wrong is not None and wrong != expected and got == wrong:
                fail(
                    ex,
                    name,
                    case.label,
                    [Msg("expected {expected}, got {got}", expected=expected, got=got)],
                    hint=hint,
                )
        fail(
            ex,
            N_("wrong count"),
            case.label,
            [Msg("expected {expected}, got {got}", expected=expected, got=got)],
            hint=PARAM_HINTS.value,
            mistake=None,
        )
    return n


PARAM_HINTS = Hints(
    shape=N_("return an int"),
    value=N_("out_channels × (in_channels / groups) × kh × kw weights, plus out_channels biases if bias"),
    error=N_("return an int: weights plus biases"),
)

CONV_PARAM_COUNT = Exercise(
    "conv_param_count",
    parts={
        "values": Part(2, steps=(_counts,)),
        "refusals": Part(
            1,
            refusals=(
                Refusal(
                    Case(
                        N_("nn.Conv2d(6, 4, 3, groups=4)"),
                        {"in_channels": 6, "out_channels": 4, "kernel_size": 3},
                        {"groups": 4},
                    ),
                    N_("6 input channels do not split into 4 groups"),
                ),
            ),
        ),
    },
    hints=PARAM_HINTS,
)
check_conv_param_count = check_function(CONV_PARAM_COUNT)
