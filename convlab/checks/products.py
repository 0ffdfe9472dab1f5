"""Counting matrix products: the step of the exercises whose point is exactly one product
(notebook 06's 1×1 convolution, notebook 08's im2col), run under the watch like every call."""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch.overrides import TorchFunctionMode

from convlab.checks.exercise import Case
from convlab.checks.runner import call_watched
from convlab.checks.wording import fail
from convlab.i18n import N_, Msg

# Everything that multiplies matrices, the @ operator included (it reaches __torch_function__).
PRODUCTS = {
    torch.Tensor.__matmul__,
    torch.Tensor.__rmatmul__,
    torch.matmul,
    torch.Tensor.matmul,
    torch.mm,
    torch.Tensor.mm,
    torch.bmm,
    torch.Tensor.bmm,
    torch.mv,
    torch.Tensor.mv,
    torch.einsum,
    torch.tensordot,
    torch.dot,
    torch.Tensor.dot,
}
MANY = N_("more than one matrix multiplication")  # what the class report counts such a failure under


class CountProducts(TorchFunctionMode):
    """Counts the matrix products a piece of code makes, however it writes them."""

    def __init__(self):
        super().__init__()
        self.count = 0

    def __torch_function__(self, func, types, args=(), kwargs=None):
        if func in PRODUCTS:
            self.count += 1
        return func(*args, **(kwargs or {}))


def exactly_one_product(
    exercise: str,
    fn: Callable,
    case: Case,
    *,
    error_hint: str,
    hint: str,
    none_hint: str | None = None,
    counted: Callable[[int], list[str]] = lambda _count: [],
) -> int:
    """Run ``fn`` on ``case`` under the watch, counting its matrix products: fail unless exactly
    one. ``none_hint``: what to say when there is none (else it fails as "uses 0"); ``counted``:
    the message's lines for a count other than one."""
    with CountProducts() as counter:
        call_watched(exercise, fn, case, error_hint)
    if counter.count == 0 and none_hint is not None:
        fail(exercise, N_("computed without a matrix multiplication"), case.label, hint=none_hint)
    if counter.count != 1:
        fail(
            exercise,
            Msg("uses {count} matrix multiplications", count=counter.count),
            case.label,
            counted(counter.count),
            hint=hint,
            mistake=MANY,
        )
    return 1
