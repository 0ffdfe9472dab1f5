"""Checks for notebook 04's output size: ``conv_output_shape`` with padding, stride and dilation."""

from __future__ import annotations

import math

import torch

from convlab import oracle
from convlab.checks.exercise import Case, Exercise, Hints, Mistake, Part, Refusal
from convlab.checks.runner import check_function
from convlab.checks.wording import fail
from convlab.geometry import pair
from convlab.i18n import N_, Msg

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
        axes = zip(*map(pair, (input_size, kernel_size, padding, stride, dilation)), strict=True)
        return torch.tensor([formula(*axis) for axis in axes], dtype=torch.float64)

    return predict


SHAPE_MISTAKES = (
    Mistake(
        N_("padding counted once: it is per side"),
        N_("padding p adds p rows at the top AND p at the bottom: n + 2p"),
        _size_variant(lambda n, k, p, s, d: (n + p - d * (k - 1) - 1) // s + 1),
    ),
    Mistake(
        N_("dilation off by one"),
        N_(
            "a dilated kernel spans d(k - 1) + 1 cells: d = 1 is an "
            "ordinary kernel, d = 2 leaves one gap between taps"
        ),
        _size_variant(lambda n, k, p, s, d: (n + 2 * p - d * k) // s + 1),
    ),
    Mistake(
        N_("dilation off by one (d = 0 taken as the ordinary kernel)"),
        N_("in PyTorch the ordinary kernel has dilation 1, not 0: the span is d(k - 1) + 1"),
        _size_variant(lambda n, k, p, s, d: (n + 2 * p - (d + 1) * (k - 1) - 1) // s + 1),
    ),
    Mistake(
        N_("rounded up instead of down"),
        N_("a window that does not fit is not counted: use floor division //"),
        _size_variant(lambda n, k, p, s, d: math.ceil((n + 2 * p - d * (k - 1) - 1) / s) + 1),
    ),
    Mistake(
        N_("the first position not counted (+ 1 missing)"),
        N_("the window fits once before it starts stepping: ⌊(n + 2p − d(k − 1) − 1)/s⌋ + 1"),
        _size_variant(lambda n, k, p, s, d: (n + 2 * p - d * (k - 1) - 1) // s),
    ),
)


def _shape_reference(input_size, kernel_size, padding=0, stride=1, dilation=1):
    return torch.tensor(
        oracle.conv_output_shape(input_size, kernel_size, padding, stride, dilation),
        dtype=torch.float64,
    )


def _shape_cases() -> list[Case]:
    return [
        Case(
            Msg("input {n}, kernel {k}, padding {p}, stride {s}, dilation {d}", n=n, k=k, p=p, s=s, d=d),
            {"input_size": n, "kernel_size": k},
            {"padding": p, "stride": s, "dilation": d},
        )
        for n, k, p, s, d in SHAPE_CASES
    ]


def _shape_answer(got, case: Case) -> torch.Tensor:
    """A pair of ints (h, w), as a tensor to compare."""
    if not isinstance(got, tuple | list | torch.Size) or len(got) != 2:
        fail(
            "conv_output_shape",
            N_("did not return a pair (h, w)"),
            case.label,
            [Msg("got {got!r}", got=got)],
            hint=N_("return a tuple of two ints: (h, w)"),
        )
    if not all(isinstance(v, int) for v in got):
        fail(
            "conv_output_shape",
            N_("returned numbers that are not ints"),
            case.label,
            [Msg("got {got!r}", got=got)],
            hint=N_("use floor division // so that the sizes stay ints"),
        )
    return torch.tensor(got, dtype=torch.float64)


def _shape_refusal(why: str, *args) -> Refusal:
    names = ["input_size", "kernel_size", "padding", "stride", "dilation"]
    arguments = dict(zip(names, args, strict=False))
    return Refusal(Case(", ".join(f"{a}={v}" for a, v in arguments.items()), arguments), why)


# conv_output_shape(input_size, kernel_size, padding, stride, dilation) -> (h, w)
CONV_OUTPUT_SHAPE = Exercise(
    "conv_output_shape",
    parts={
        "values": Part(2, cases=_shape_cases),
        "refusals": Part(
            1,
            refusals=(
                _shape_refusal(N_("a stride of 0 never moves"), 8, 3, 0, 0),
                _shape_refusal(N_("a 7-wide kernel does not fit 4 + 2 padded cells"), 4, 7, 1, 1),
                _shape_refusal(N_("dilation must be ≥ 1"), 5, 3, 0, 1, 0),
            ),
        ),
    },
    reference=_shape_reference,
    mistakes=SHAPE_MISTAKES,
    hints=Hints(
        shape=N_("return a pair (h, w)"),
        value=N_("per dimension: (n + 2p - d(k - 1) - 1) // s + 1"),
        error=N_("accept ints or pairs for every argument, like PyTorch"),
    ),
    answer=_shape_answer,
)
check_conv_output_shape = check_function(CONV_OUTPUT_SHAPE)
