"""How a check words what it found, in the shape fixed by the course's style guide::

corr2d: wrong output shape for X of shape (5, 7) and K of shape (2, 3)
  expected (4, 5), got (3, 4)
  hint: an input of n rows and a kernel of k rows give n - k + 1 output rows; ...
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from typing import Any

import torch

from convlab.failure import CheckFailure


def message(exercise: str, problem: str, case: str | None, lines: list[str], hint: str) -> str:
    head = f"{exercise}: {problem}" + (f" for {case}" if case else "")
    body = [f"  {line}" for line in lines]
    wrapped = textwrap.wrap(hint, width=88, initial_indent="  hint: ", subsequent_indent=" " * 8)
    return "\n".join([head, *body, *wrapped])


SAME = "<the problem>"  # fail()'s default: the problem, a fixed phrase, names the mistake


def fail(
    exercise: str,
    problem: str,
    case: str | None = None,
    lines: Sequence[str] = (),
    *,
    hint: str,
    mistake: str | None = SAME,
):
    """Raise the failure: ``exercise: problem for case``, the ``lines`` that show it, the hint.
    ``mistake`` is what the class report counts it under: by default the problem itself; a
    fixed phrase where the problem carries numbers or names; ``None`` where the failure names
    no mistake (wrong values, an exception), which the report calls "other"."""
    raise CheckFailure(
        message(exercise, problem, case, list(lines), hint),
        mistake=problem if mistake == SAME else mistake,
        problem=problem,
        hint=hint,
    )


def describe(name: str, t: Any) -> str:
    """``X of shape (5, 7)``, mentioning integer entries, which students often forget."""
    if not isinstance(t, torch.Tensor):
        return f"{name} = {t!r}"
    kind = "" if t.is_floating_point() else f", {str(t.dtype).removeprefix('torch.')} entries"
    return f"{name} of shape {tuple(t.shape)}{kind}"


def describe_all(**tensors: Any) -> str:
    """``X of shape (3, 5, 6) and K of shape (4, 3, 2, 3)``: a case's label from its inputs."""
    return " and ".join(describe(name, t) for name, t in tensors.items())


def fmt(v) -> str:
    v = float(v.detach()) if isinstance(v, torch.Tensor) else float(v)
    return str(int(v)) if v.is_integer() and abs(v) < 1e15 else f"{v:.4g}"


def passed(exercise: str, n: int, what: str = "cases") -> None:
    """The one line a check prints on success."""
    print(f"{exercise}: all {n} {what} passed" if n > 1 else f"{exercise}: passed")
