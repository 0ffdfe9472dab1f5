"""Refusing to grade a notebook that replaced what the checks rely on.

When ``convlab.checks`` is imported (the notebook's first cell) this module records the
functions the checks use: their own helpers, the reference computations, PyTorch's
comparison, convolution and pooling functions and the profiler hook. Nothing the checks use
imports ``convlab.checks`` back, so every module recorded is complete whatever a notebook
imported first. Every public check first verifies that none was replaced since (PyTorch
wrapping its own functions on a lazy import does not count) and that PyTorch's kernels still
compute the course's worked examples; otherwise it fails with a message saying which, so a
patched check can not quietly pass a wrong answer. What a notebook can do without touching these (rebind a
check's name in its own namespace, say) is caught by the review scan,
:mod:`convlab.grading.results.review`.
"""

from __future__ import annotations

import builtins
import os
import sys
from types import ModuleType

import torch
import torch.nn.functional as F

from convlab import oracle
from convlab.failure import CheckFailure
from convlab.i18n import N_, Msg

_equal, _tensor = torch.equal, torch.tensor  # bound before any notebook code runs

_recorded: dict[str, tuple[object, str, object]] = {}


def _watch(owner: object, label: str, names: list[str]) -> None:
    for name in names:
        _recorded[f"{label}.{name}"] = (owner, name, getattr(owner, name))


def remember(*modules: ModuleType) -> None:
    """Remember the current functions of ``modules`` and of the library functions they use."""
    _watch(torch, "torch", ["allclose", "isclose", "equal", "as_tensor", "stack", "zeros", "manual_seed"])
    # PyTorch's own convolution and pooling: the reference bound them at import, and a notebook
    # that replaces them is told so instead of being compared with something else
    _watch(torch, "torch", ["conv2d", "convolution", "max_pool2d", "batch_norm"])
    _watch(
        F,
        "torch.nn.functional",
        ["conv2d", "conv_transpose2d", "pad", "unfold", "max_pool2d", "avg_pool2d", "batch_norm"],
    )
    _watch(torch.nn, "torch.nn", ["Conv2d", "MaxPool2d", "AvgPool2d", "BatchNorm2d"])
    _watch(torch.testing, "torch.testing", ["assert_close"])
    _watch(torch.Tensor, "torch.Tensor", ["__eq__", "allclose", "equal", "clone", "detach"])
    _watch(builtins, "builtins", ["isinstance", "len", "float", "abs", "max", "min", "sum", "range", "zip"])
    _watch(sys, "sys", ["setprofile", "getprofile"])
    for module in modules:
        names = [
            n
            for n, v in vars(module).items()
            if callable(v) and getattr(v, "__module__", "").startswith("convlab")
        ]
        _watch(module, module.__name__, names)


TORCH = os.path.dirname(torch.__file__) + os.sep


def _torch_wrapped(current: object, original: object) -> bool:
    """PyTorch's own doing: a wrapper defined inside torch whose ``__wrapped__`` chain reaches
    the original. PyTorch wraps some of its functions when a submodule is first imported
    (``torch._dynamo``, imported by ``torch.optim``, ``torch.func`` or a dispatch mode, wraps
    ``torch.manual_seed``); that is never the notebook's tampering."""
    for _ in range(8):
        code = getattr(current, "__code__", None)
        if code is None or not code.co_filename.startswith(TORCH):
            return False
        current = getattr(current, "__wrapped__", None)
        if current is original:
            return True
    return False


def replaced() -> list[str]:
    """Everything recorded that the notebook has replaced since (not PyTorch itself)."""
    changed = []
    for label, (owner, name, original) in _recorded.items():
        current = getattr(owner, name, None)
        if current is not original and not _torch_wrapped(current, original):
            changed.append(label)
    return changed


# The reference on the course's worked examples, as the notes print them: if PyTorch's own
# kernels were replaced below Python (torch.library), the reference gives something else.
WORKED = [
    (
        "convolution",
        lambda: oracle.corr2d(torch.arange(9.0).reshape(3, 3), torch.tensor([[0.0, 1], [2, 3]])),
        [[19.0, 25], [37, 43]],
    ),
    (N_("max pooling"), lambda: oracle.pool2d(torch.arange(9.0).reshape(3, 3), 2, 1), [[4.0, 5], [7, 8]]),
    (
        N_("average pooling"),
        lambda: oracle.pool2d(torch.arange(9.0).reshape(3, 3), 2, 1, mode="avg"),
        [[2.0, 3], [5, 6]],
    ),
    ("padding", lambda: oracle.pad2d(torch.ones(1, 1), (1, 0, 0, 1)), [[0.0, 0], [1, 0]]),
    (
        N_("batch normalization"),
        lambda: (
            oracle.batch_norm(
                torch.tensor([-1.0, 1.0]).reshape(2, 1, 1, 1),
                torch.ones(1),
                torch.ones(1),
                torch.zeros(1),
                torch.ones(1),
                True,
                0.1,
                0.0,
            )[0]
            .reshape(2)
            .float()
        ),
        [0.0, 2.0],
    ),
]


def broken_reference() -> list[str]:
    """PyTorch operations that no longer compute the course's worked examples."""
    broken = []
    for name, compute, expected in WORKED:
        try:
            ok = _equal(compute(), _tensor(expected))
        except Exception:  # noqa: BLE001 (whatever replaced the kernel, it is broken)
            ok = False
        if not ok:
            broken.append(name)
    return broken


def verify(exercise: str) -> None:
    """Fail the check if the notebook replaced a function the checks rely on, or PyTorch's own
    kernels no longer compute the course's worked examples."""
    changed = replaced()
    if changed:
        raise CheckFailure(
            Msg(
                "{exercise}: not checked, because the notebook replaced functions the checks rely "
                "on\n  replaced: {items}\n  hint: a notebook must not assign to convlab's, PyTorch's "
                "or Python's own functions; remove that code, restart the kernel and run all cells",
                exercise=exercise,
                items=", ".join(changed),
            )
        )
    broken = broken_reference()
    if broken:
        raise CheckFailure(
            Msg(
                "{exercise}: not checked, because PyTorch's own {items} no longer gives the course's "
                "worked examples in this notebook\n  hint: something replaced PyTorch's kernels "
                "(e.g. with torch.library); remove that code, restart the kernel and run all cells",
                exercise=exercise,
                items=", ".join(broken),
            )
        )
