"""Running a student's function under watch: forbidden PyTorch operators and in-place edits (a leaf).

Exercises rebuild convolution and pooling by hand, so what a student's function may not use
is decided from the operators PyTorch actually executes while it runs: a dispatch mode
(:class:`Operators`) sees ``aten::convolution``, the pooling operators, ``im2col`` and, where
an exercise says so, the padding operators, whatever Python name, alias, ``getattr`` string,
private binding or ``torch.ops`` handle reached them. A profile hook beside it names the call
the student wrote (``F.conv2d``, ``nn.MaxPool2d``) where there was one.

Nothing is exempt but the correct versions of earlier exercises that a check lends the
student's code (while :class:`lending` them): the course's reference is not callable from
inside an exercise. This module decides what an exercise may call; :mod:`convlab.checks`
words it.
"""

from __future__ import annotations

import sys
import warnings
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import torch
import torch._dynamo  # noqa: F401 (a dispatch mode imports it on its first operator: do it now, before

# any student code runs, not in the middle of a check where a memory-starved kernel can fail it)
from torch.utils._python_dispatch import TorchDispatchMode, _get_current_dispatch_mode_stack, _pop_mode

# C functions an exercise may not reach, keyed by where PyTorch defines them, with the
# name a student knows them by.
FORBIDDEN: dict[str, str] = {
    "torch._VariableFunctionsClass.conv1d": "F.conv1d",
    "torch._VariableFunctionsClass.conv2d": "F.conv2d (also behind nn.Conv2d and torch.conv2d)",
    "torch._VariableFunctionsClass.conv3d": "F.conv3d",
    "torch._VariableFunctionsClass.conv_transpose2d": "F.conv_transpose2d",
    "torch._VariableFunctionsClass.convolution": "torch.convolution",
    "torch._VariableFunctionsClass._convolution": "torch._convolution",
    "torch._VariableFunctionsClass.max_pool2d": "F.max_pool2d (also behind nn.MaxPool2d)",
    "torch._C._nn.max_pool2d_with_indices": "F.max_pool2d (also behind nn.MaxPool2d)",
    "torch._C._nn.avg_pool2d": "F.avg_pool2d (also behind nn.AvgPool2d)",
    "torch._C._nn.adaptive_max_pool2d": "F.adaptive_max_pool2d",
    "torch._C._nn.adaptive_avg_pool2d": "F.adaptive_avg_pool2d",
    "torch._C._nn.im2col": "F.unfold (also behind nn.Unfold)",
}

# aten operators an exercise may not execute, by the name a student knows them by.
CONVOLUTION_OPS = {
    name: "F.conv2d"
    for name in (
        "convolution",
        "_convolution",
        "convolution_overrideable",
        "conv2d",
        "conv1d",
        "conv3d",
        "mkldnn_convolution",
        "_slow_conv2d_forward",
        "slow_conv_dilated2d",
        "thnn_conv2d",
        "_conv_depthwise2d",
    )
} | {"conv_transpose2d": "F.conv_transpose2d", "conv_transpose1d": "F.conv_transpose1d"}
POOLING_OPS = {
    "max_pool2d": "F.max_pool2d",
    "max_pool2d_with_indices": "F.max_pool2d",
    "max_pool1d": "F.max_pool1d",
    "max_pool1d_with_indices": "F.max_pool1d",
    "max_pool3d_with_indices": "F.max_pool3d",
    "avg_pool2d": "F.avg_pool2d",
    "avg_pool1d": "F.avg_pool1d",
    "avg_pool3d": "F.avg_pool3d",
    "adaptive_max_pool2d": "F.adaptive_max_pool2d",
    "adaptive_avg_pool2d": "F.adaptive_avg_pool2d",
    "_adaptive_avg_pool2d": "F.adaptive_avg_pool2d",
    "fractional_max_pool2d": "F.fractional_max_pool2d",
    "max_unpool2d": "F.max_unpool2d",
}
UNFOLD_OPS = {"im2col": "F.unfold", "col2im": "F.fold"}
FORBIDDEN_OPS = CONVOLUTION_OPS | POOLING_OPS | UNFOLD_OPS
# Forbidden only in the exercises that would otherwise be done by them (pad2d).
PAD_OPS = {
    name: "F.pad"
    for name in (
        "constant_pad_nd",
        "pad",
        "reflection_pad1d",
        "reflection_pad2d",
        "replication_pad1d",
        "replication_pad2d",
        "_pad_circular",
        "_pad_enum",
    )
}

# The backward operators of convolution and pooling: forbidden where the exercise is the backward.
BACKWARD_OPS = {
    "convolution_backward": "F.conv2d's backward (autograd through PyTorch's convolution)",
    "max_pool2d_with_indices_backward": "F.max_pool2d's backward (autograd through PyTorch's pooling)",
    "avg_pool2d_backward": "F.avg_pool2d's backward (autograd through PyTorch's pooling)",
}

REFERENCE = "convlab.oracle"  # the course's reference: no exercise may call it
_equal, _allclose = torch.equal, torch.allclose  # bound before any notebook code runs
_setprofile, _getprofile = sys.setprofile, sys.getprofile  # bound before any notebook code runs
_dispatch_stack, _pop = _get_current_dispatch_mode_stack, _pop_mode  # bound before notebook code runs


class Operators(TorchDispatchMode):
    """Records the forbidden aten operators executed while it is active, outside ``lent`` calls."""

    def __init__(self, forbidden: dict[str, str]):
        super().__init__()
        self.forbidden = forbidden
        self.lent: list = []  # the frames of correct earlier exercises lent by the check, running now
        self.seen: dict[str, str] = {}  # aten name -> the student's name for it

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        name = getattr(getattr(func, "overloadpacket", None), "__name__", str(func))
        if not self.lent and name in self.forbidden:
            transposed = name == "convolution" and len(args) > 6 and args[6]
            self.seen.setdefault(name, "F.conv_transpose2d" if transposed else self.forbidden[name])
        return func(*args, **(kwargs or {}))


def _c_name(func: Any) -> str:
    return f"{getattr(func, '__module__', None)}.{getattr(func, '__qualname__', '')}"


@dataclass(frozen=True)
class Forbidden:
    """What an exercise may not use: C functions as the profile hook sees them (to name the
    call the student wrote) and the aten operators they execute (to catch every route)."""

    names: dict[str, str]
    ops: dict[str, str]


CONVOLUTION_AND_POOLING = Forbidden(FORBIDDEN, FORBIDDEN_OPS)
BACKWARD = Forbidden({}, BACKWARD_OPS)
# Batch normalization's operators (and the normalizations that would compute it): forbidden
# where the exercise is batch norm itself, its forward or its backward (notebook 10).
NORM_OPS = {
    name: "F.batch_norm (also behind nn.BatchNorm2d)"
    for name in (
        "batch_norm",
        "native_batch_norm",
        "_native_batch_norm_legit",
        "_native_batch_norm_legit_no_training",
        "_native_batch_norm_legit_functional",
        "_batch_norm_impl_index",
        "_batch_norm_with_update",
        "_batch_norm_with_update_functional",
        "_batch_norm_no_update",
        "native_batch_norm_backward",
        "batch_norm_backward",
        "_batch_norm_impl_index_backward",
        "batch_norm_stats",
        "batch_norm_elemt",
    )
} | {
    name: "F.instance_norm, F.layer_norm or F.group_norm"
    for name in ("instance_norm", "layer_norm", "native_layer_norm", "group_norm", "native_group_norm")
}
NORM = Forbidden(
    {
        "torch._VariableFunctionsClass.batch_norm": "F.batch_norm (also behind nn.BatchNorm2d)",
        "torch._VariableFunctionsClass.native_batch_norm": "F.batch_norm (torch.native_batch_norm)",
    },
    NORM_OPS,
)
PAD = Forbidden(
    {
        "torch._C._nn.pad": "F.pad",
        "torch._VariableFunctionsClass.constant_pad_nd": "F.pad (torch.constant_pad_nd)",
    },
    PAD_OPS,
)


@dataclass
class Call:
    """What happened when a check called the student's code."""

    value: Any = None
    error: Exception | None = None
    forbidden: list[str] = field(default_factory=list)
    mutated: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)  # warnings the call raised, never shown on stderr


_lent: frozenset = frozenset()  # the correct earlier exercises a check lends the student's code


class lending:  # noqa: N801 (used as a context manager, like a function)
    """While a check runs, these functions (correct versions of earlier exercises) may use
    what the exercise may not: their frames are not watched."""

    def __init__(self, functions: Iterable[Callable]):
        self.codes = frozenset(f.__code__ for f in functions if hasattr(f, "__code__"))

    def __enter__(self):
        global _lent
        self.saved, _lent = _lent, self.codes

    def __exit__(self, *exc):
        global _lent
        _lent = self.saved


def _copy(value: Any) -> Any:
    return value.detach().clone() if isinstance(value, torch.Tensor) else value


def run_watched(
    fn: Callable,
    *args: Any,
    names: tuple[str, ...] = (),
    kwargs: dict[str, Any] | None = None,
    also_forbidden: tuple[Forbidden, ...] = (),
    allow_convolution: bool = False,
) -> Call:
    """Call ``fn(*args, **kwargs)`` on copies of the tensors, recording exceptions, forbidden
    operators, in-place edits and warnings.

    ``names`` names the positional arguments for messages (e.g. ``("X", "K")``); a tensor
    argument the call modifies in place is reported under its name. The caller's tensors
    are never handed to the student's code, so a modification cannot leak into later cases.
    ``also_forbidden`` adds what this exercise may not use (e.g. :data:`PAD`);
    ``allow_convolution`` lifts the ban for the one exercise that may use ``nn.Conv2d``.
    Warnings are recorded, not printed: nbgrader fails a test cell that wrote to stderr.
    """
    labels = [names[i] if i < len(names) else f"argument {i + 1}" for i in range(len(args))]
    originals = dict(zip(labels, args, strict=True)) | dict(kwargs or {})
    copies = {k: _copy(v) for k, v in originals.items()}
    positional, keywords = (
        list(copies.values())[: len(args)],
        dict(list(copies.items())[len(args) :]),
    )
    rules = (() if allow_convolution else (CONVOLUTION_AND_POOLING,)) + tuple(also_forbidden)
    named = {k: v for rule in rules for k, v in rule.names.items()}
    operators = Operators({k: v for rule in rules for k, v in rule.ops.items()})
    lent, frames = _lent, operators.lent
    outcome = Call()

    def note(name: str | None) -> None:
        if name and name not in outcome.forbidden:
            outcome.forbidden.append(name)

    def hook(frame, event, arg):
        if event == "call" and frame.f_code in lent:
            frames.append(frame)
        elif event == "return" and frames and frame is frames[-1]:
            frames.pop()
        elif frames:
            return  # inside a lent function: what it does is not the exercise's
        elif (
            event == "call"
            and frame.f_globals.get("__name__") == REFERENCE
            and not frame.f_code.co_name.startswith("_")
        ):
            note(f"{REFERENCE}.{frame.f_code.co_name} (the course's reference)")
        elif event == "c_call":
            note(named.get(_c_name(arg)))

    previous, depth = _getprofile(), len(_dispatch_stack())
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        _setprofile(hook)
        operators.__enter__()
        try:
            outcome.value = fn(*positional, **keywords)
        except Exception as exc:  # the student's code may raise anything; report it
            outcome.error = exc
        finally:
            stack = _dispatch_stack()
            intact = len(stack) == depth + 1 and stack[-1] is operators and _lent is lent
            while len(_dispatch_stack()) > depth:  # ours, and whatever the code left pushed
                _pop()
            if _getprofile() is not hook:  # the code under watch switched the watch off
                outcome.forbidden.append("sys.setprofile (switching off the check's watch)")
            _setprofile(previous)
    if not intact:
        outcome.forbidden.append("torch's dispatch modes (switching off the check's watch)")
    if not outcome.forbidden:
        reached = {name: op for op, name in reversed(operators.seen.items())}  # the first op per name
        outcome.forbidden = [
            f"{name} (PyTorch's {op} operator, however it was reached)" for name, op in reached.items()
        ]
    outcome.warnings = [f"{w.category.__name__}: {w.message}" for w in caught]
    for name, old in originals.items():
        if isinstance(old, torch.Tensor) and not _unchanged(copies[name], old):
            outcome.mutated.append(name)
    return outcome


def _unchanged(new: torch.Tensor, old: torch.Tensor) -> bool:
    """Bit for bit, or for floats within rounding: ``x[i] += h; ...; x[i] -= h`` (a numerical
    gradient that puts x back) leaves a few units in the last place behind, not an edit."""
    if new.shape != old.shape or new.dtype != old.dtype:
        return False
    return _equal(new, old) or (new.is_floating_point() and _allclose(new, old, rtol=1e-12, atol=1e-12))
