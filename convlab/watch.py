"""Running a student's function under watch: forbidden PyTorch calls and in-place edits (a leaf).

Exercises rebuild convolution and pooling by hand, so a check runs the student's code with a
profile hook that notices PyTorch's own convolution, pooling and unfold, however they are
reached (``F.conv2d``, ``torch.conv2d``, ``nn.Conv2d``, an alias imported under another
name). The reference computations (:mod:`convlab.oracle`, marked with :func:`oracle_call`)
are exempt. This module decides what an exercise may call; :mod:`convlab.checks` words it.
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import torch

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

_suspended = 0  # > 0 while a reference computation runs
_setprofile, _getprofile = sys.setprofile, sys.getprofile  # bound before any notebook code runs


def oracle_call(fn: Callable) -> Callable:
    """Mark ``fn`` as a reference computation: forbidden calls inside it are not counted."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        global _suspended
        _suspended += 1
        try:
            return fn(*args, **kwargs)
        finally:
            _suspended -= 1

    return wrapper


def _c_name(func: Any) -> str:
    return f"{getattr(func, '__module__', None)}.{getattr(func, '__qualname__', '')}"


@dataclass
class Call:
    """What happened when a check called the student's code."""

    value: Any = None
    error: Exception | None = None
    forbidden: list[str] = field(default_factory=list)
    mutated: list[str] = field(default_factory=list)


# Calls forbidden only in some exercises (where they would do the whole exercise).
PAD = {
    "torch._C._nn.pad": "F.pad",
    "torch._VariableFunctionsClass.constant_pad_nd": "F.pad (torch.constant_pad_nd)",
}


def _copy(value: Any) -> Any:
    return value.detach().clone() if isinstance(value, torch.Tensor) else value


def run_watched(
    fn: Callable,
    *args: Any,
    names: tuple[str, ...] = (),
    kwargs: dict[str, Any] | None = None,
    also_forbidden: dict[str, str] | None = None,
    allow_convolution: bool = False,
) -> Call:
    """Call ``fn(*args, **kwargs)`` on copies of the tensors, recording exceptions,
    forbidden calls and in-place edits.

    ``names`` names the positional arguments for messages (e.g. ``("X", "K")``); a tensor
    argument the call modifies in place is reported under its name. The caller's tensors
    are never handed to the student's code, so a modification cannot leak into later cases.
    ``also_forbidden`` adds calls this exercise may not make (e.g. :data:`PAD`);
    ``allow_convolution`` lifts the ban for the one exercise that may use ``nn.Conv2d``.
    """
    labels = [names[i] if i < len(names) else f"argument {i + 1}" for i in range(len(args))]
    originals = dict(zip(labels, args, strict=True)) | dict(kwargs or {})
    copies = {k: _copy(v) for k, v in originals.items()}
    positional, keywords = (
        list(copies.values())[: len(args)],
        dict(list(copies.items())[len(args) :]),
    )
    forbidden = {**({} if allow_convolution else FORBIDDEN), **(also_forbidden or {})}
    outcome = Call()

    def hook(frame, event, arg):
        if event == "c_call" and not _suspended:
            name = forbidden.get(_c_name(arg))
            if name and name not in outcome.forbidden:
                outcome.forbidden.append(name)

    previous = _getprofile()
    _setprofile(hook)
    try:
        outcome.value = fn(*positional, **keywords)
    except Exception as exc:  # the student's code may raise anything; report it
        outcome.error = exc
    finally:
        if _getprofile() is not hook:  # the code under watch switched the watch off
            outcome.forbidden.append("sys.setprofile (switching off the check's watch)")
        _setprofile(previous)
    for name, old in originals.items():
        new = copies[name]
        if isinstance(old, torch.Tensor) and (
            new.shape != old.shape or new.dtype != old.dtype or not torch.equal(new, old)
        ):
            outcome.mutated.append(name)
    return outcome
