"""Checks for notebook 07's receptive field of a stack of layers (measured by back-propagation)."""

from __future__ import annotations

import math

import torch

from convlab.checks.exercise import Case, Exercise, Hints, Mistake, Part
from convlab.checks.runner import check_function
from convlab.checks.wording import fail
from convlab.i18n import N_, Msg

# --- receptive_field(layers): how many input pixels one output of a stack sees -----------------


def _measured_field(layers) -> torch.Tensor:
    """The receptive field of a stack of (kernel_size, stride) layers, measured, not computed:
    back-propagate from the top-left output of the stack (all-ones kernels, so no path cancels)
    and count the input rows that receive a gradient."""
    n = 1 + sum(k * s for k, s in layers) * max([1, *(s for _, s in layers)]) ** len(layers)
    x = torch.zeros(1, 1, n, 1, dtype=torch.float64, requires_grad=True)
    y = x
    for k, s in layers:
        y = torch.nn.functional.conv2d(y, torch.ones(1, 1, k, 1, dtype=torch.float64), stride=(s, 1))
    y[0, 0, 0, 0].backward()
    return (x.grad[0, 0, :, 0] != 0).sum()


def _field_cases() -> list[Case]:
    stacks = [
        (N_("no layer at all"), []),
        (N_("one 3×3 convolution"), [(3, 1)]),
        (N_("two 3×3 convolutions"), [(3, 1), (3, 1)]),
        (N_("one 5×5 convolution"), [(5, 1)]),
        (
            N_("the notes' CNN: conv 3, pool 2 stride 1, conv 3, pool 2 stride 1"),
            [(3, 1), (2, 1), (3, 1), (2, 1)],
        ),
        (N_("conv 3, pool 2 stride 2, conv 3, pool 2 stride 2"), [(3, 1), (2, 2), (3, 1), (2, 2)]),
        (N_("conv 7 stride 2, pool 3 stride 2, conv 3"), [(7, 2), (3, 2), (3, 1)]),
        (N_("three 3×3 convolutions at stride 2"), [(3, 2), (3, 2), (3, 2)]),
        (N_("four 2×2 poolings at stride 2"), [(2, 2)] * 4),
        (N_("a 1×1 convolution after a stride-3 one"), [(4, 3), (1, 1)]),
    ]
    return [
        Case(Msg("layers = {layers} ({what})", layers=layers, what=what), {"layers": layers})
        for what, layers in stacks
    ]


def _field_answer(got, case: Case) -> torch.Tensor:
    """An int, as a tensor to compare."""
    if isinstance(got, bool) or not isinstance(got, int):
        fail(
            "receptive_field",
            Msg("returned a {type}, not an int", type=type(got).__name__),
            case.label,
            [f"got {got!r}"[:200]],
            hint=N_("the receptive field is a whole number of pixels: return an int (int(r) if needed)"),
            mistake=N_("did not return an int"),
        )
    return torch.tensor(got)


def _formula(layers, before=lambda i: range(i), size=lambda k: k - 1, first: int = 1) -> torch.Tensor:
    """r = first + Σ size(k_i) · Π_{j in before(i)} s_j: the right formula and its slips."""
    strides = [s for _, s in layers]
    total = first
    for i, (k, _) in enumerate(layers):
        jump = 1
        for j in before(i):
            jump *= strides[j]
        total += size(k) * jump
    return torch.tensor(total)


RECEPTIVE_FIELD = Exercise(
    "receptive_field",
    parts={"all": Part(2, cases=_field_cases)},
    reference=_measured_field,
    mistakes=(
        Mistake(
            N_("strides ignored"),
            N_(
                "a stride spreads the next layer's taps apart: layer i's k_i − 1 extra taps are "
                "s_1·…·s_(i−1) input pixels apart"
            ),
            lambda layers: _formula(layers, before=lambda i: ()),
        ),
        Mistake(
            N_("each layer's own stride counted too"),
            N_(
                "a layer's own stride moves its outputs, not its window: multiply by the strides of the "
                "layers *before* it only (Π over j < i)"
            ),
            lambda layers: _formula(layers, before=lambda i: range(i + 1)),
        ),
        Mistake(
            N_("strides taken from the layers after, not before"),
            N_(
                "layer 1 is the one next to the input: its taps are 1 pixel apart, layer 2's are s_1 apart, …"
            ),
            lambda layers: _formula(layers, before=lambda i: range(i + 1, len(layers))),
        ),
        Mistake(
            N_("kernel sizes added instead of k − 1"),
            N_("a k-pixel window sees k − 1 pixels more than one pixel does: r = 1 + Σ (k_i − 1)·Π s_j"),
            lambda layers: _formula(layers, size=lambda k: k, first=0),
        ),
        Mistake(
            N_("the 1 is missing"),
            N_("with no layer at all an output sees 1 pixel, itself: r starts at 1"),
            lambda layers: _formula(layers, first=0),
        ),
        Mistake(
            N_("kernel sizes multiplied"),
            N_("stacked windows overlap, they do not multiply: each layer adds (k_i − 1)·Π s_j pixels"),
            lambda layers: torch.tensor(math.prod(k for k, _ in layers)),
        ),
    ),
    hints=Hints(
        shape=N_("return one int"),
        value=N_("r = 1; jump = 1; for each layer from the input up: r += (k - 1) * jump; jump *= s"),
        error=N_("layers is a list of (kernel_size, stride) pairs of ints, first layer first; return an int"),
    ),
    answer=_field_answer,
    float_output=False,
    unit=N_("stacks"),
)
check_receptive_field = check_function(RECEPTIVE_FIELD)
