"""How a check words what it found, in the shape fixed by the course's style guide::

corr2d: wrong output shape for X of shape (5, 7) and K of shape (2, 3)
  expected (4, 5), got (3, 4)
  hint: an input of n rows and a kernel of k rows give n - k + 1 output rows; ...
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import torch

from convlab.columns import wrap
from convlab.failure import CheckFailure
from convlab.i18n import N_, Msg, as_data, translate

HINT = N_("hint: ")  # the label of a message's last lines


def message(exercise: str, problem: str, case: str | None, lines: list[str], hint: str) -> str:
    """The message in the student's language (:mod:`convlab.i18n`); English: the msgids."""
    if case:
        head = Msg("{exercise}: {problem} for {case}", exercise=exercise, problem=problem, case=case)
    else:
        head = Msg("{exercise}: {problem}", exercise=exercise, problem=problem)
    body = [f"  {translate(line)}" for line in lines]
    label = "  " + translate(HINT)
    # by columns: a Chinese character is two wide, and a Chinese hint has no spaces to break at
    wrapped = wrap(translate(hint), width=88, initial_indent=label, subsequent_indent=" " * 8)
    return "\n".join([translate(head), *body, *wrapped])


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
    no mistake (wrong values, an exception), which the report calls "other". The message, the
    problem and the hint are in the student's language; ``mistake`` stays the English msgid, so
    that a class's submissions count in one report whatever language each student chose."""
    raise CheckFailure(
        message(exercise, problem, case, list(lines), hint),
        mistake=str(problem) if mistake == SAME else (None if mistake is None else str(mistake)),
        problem=translate(problem),
        hint=translate(hint),
        hint_data=as_data(hint),
    )


def describe(name: str, t: Any) -> str:
    """``X of shape (5, 7)``, mentioning integer entries, which students often forget."""
    if not isinstance(t, torch.Tensor):
        return f"{name} = {t!r}"
    shape = tuple(t.shape)
    if t.is_floating_point():
        return Msg("{name} of shape {shape}", name=name, shape=shape)
    dtype = str(t.dtype).removeprefix("torch.")
    return Msg("{name} of shape {shape}, {dtype} entries", name=name, shape=shape, dtype=dtype)


def conv_settings(c_in, c_out, kernel, padding, stride) -> Msg:
    """``in 1, out 16, kernel (3, 3), padding (1, 1), stride (1, 1)``: what an ``nn.Conv2d`` is."""
    return Msg(
        "in {c_in}, out {c_out}, kernel {kernel}, padding {padding}, stride {stride}",
        c_in=c_in,
        c_out=c_out,
        kernel=kernel,
        padding=padding,
        stride=stride,
    )


def both(first: str, second: str) -> Msg:
    """``first and second``, in the student's language."""
    return Msg("{first} and {second}", first=first, second=second)


def describe_all(**tensors: Any) -> str:
    """``X of shape (3, 5, 6) and K of shape (4, 3, 2, 3)``: a case's label from its inputs."""
    described = [describe(name, t) for name, t in tensors.items()]
    label = described[0]
    for more in described[1:]:
        label = both(label, more)
    return label


def fmt(v) -> str:
    v = float(v.detach()) if isinstance(v, torch.Tensor) else float(v)
    return str(int(v)) if v.is_integer() and abs(v) < 1e15 else f"{v:.4g}"


def passed(exercise: str, n: int, what: str = "cases") -> None:
    """The one line a check prints on success."""
    if n > 1:
        line = Msg("{exercise}: all {n} {what} passed", exercise=exercise, n=n, what=what)
    else:
        line = Msg("{exercise}: passed", exercise=exercise)
    print(translate(line))
