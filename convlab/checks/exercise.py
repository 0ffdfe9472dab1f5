"""What a check is made of, declared once per exercise: cases, mistakes, refusals, points.

An exercise's check is data: an :class:`Exercise` names the function it checks, the reference
it is compared with, the plausible mistakes it recognises (each with a hint), the words for a
wrong shape, wrong values or an exception, and its :class:`Part` s, one per test cell, each
with its points, its cases and the arguments it must refuse. One runner
(:mod:`convlab.checks.runner`) runs every exercise and words every result.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import torch

from convlab.i18n import N_, Msg
from convlab.watch import Forbidden


@dataclass(frozen=True)
class Mistake:
    """A plausible wrong answer: its name, a hint, and what it would return.

    ``predict`` gets the case's inputs as keyword arguments and returns the tensor this
    mistake produces on them, or ``None`` where the mistake cannot be told apart.
    """

    name: str
    hint: str
    predict: Callable[..., torch.Tensor | None]


@dataclass(frozen=True)
class Case:
    """One input to check, with the words that describe it in a message.

    ``inputs`` are passed positionally, in order, ``options`` by keyword; a mistake's
    ``predict`` and the reference receive both as keyword arguments.
    """

    label: str
    inputs: dict[str, Any]
    options: dict[str, Any] = field(default_factory=dict)

    @property
    def arguments(self) -> dict[str, Any]:
        return {**self.inputs, **self.options}


@dataclass(frozen=True)
class Refusal:
    """Arguments the exercise must refuse with ``ValueError``, as PyTorch refuses them."""

    case: Case
    why: str


class CaseRun(NamedTuple):
    """One case run: what the student's function returned and what the reference did."""

    case: Case
    got: Any
    expected: torch.Tensor


@dataclass(frozen=True)
class Hints:
    """What to tell a student whose output has the wrong shape, wrong values, or raised."""

    shape: str
    value: str
    error: str
    dtype: str = N_(
        "integer inputs must still give a float result: create the output with "
        "torch.zeros(shape) (float32), not torch.zeros_like(X), which copies X's dtype"
    )


Step = Callable[[Any], int]  # a check that is no comparison: gets the student's function, returns a count


@dataclass(frozen=True)
class Part:
    """What one test cell checks, and its points.

    ``cases`` builds the inputs compared with the reference (seeded, so every run sees the
    same ones); ``steps`` check what a comparison cannot (a layer's parameters, exactly one
    matrix product, a training loop); ``refusals`` must raise ``ValueError``.
    """

    points: int
    cases: Callable[[], list[Case]] | None = None
    steps: tuple[Step, ...] = ()
    refusals: tuple[Refusal, ...] = ()


@dataclass(frozen=True)
class Exercise:
    """An exercise's check, declared once.

    ``parts`` maps a part's name to what its test cell checks; an exercise checked by one
    test cell (``test_<name>``) has the single part ``"all"``, one checked by several
    (``test_<name>_<part>``) names each, and ``"all"`` then runs them together. ``selector``
    is the keyword a test cell names its part with, e.g. ``check_corr2d(corr2d, cases="random")``.
    """

    name: str
    parts: dict[str, Part]
    hints: Hints
    reference: Callable[..., torch.Tensor] | None = None
    mistakes: tuple[Mistake, ...] = ()
    # turns what the student returned into what is compared (a shape tuple into a tensor), or fails
    answer: Callable[[Any, Case], Any] | None = None
    float_output: bool = True
    forbidden: tuple[Forbidden, ...] = ()  # beyond convolution, pooling and unfold (e.g. watch.PAD)
    allow_convolution: bool = False  # the one exercise that may use nn.Conv2d
    # earlier exercises the student's code may call, replaced by correct versions while it is checked
    stand_ins: dict[str, Callable] = field(default_factory=dict)
    selector: str = "part"
    unit: str = N_("cases")  # what the success line counts: "all 8 cases passed"
    keeps_random_state: bool = False  # the check draws random numbers: leave the notebook's stream alone

    @property
    def points(self) -> int:
        return sum(part.points for part in self.parts.values())

    def test_cells(self) -> dict[str, int]:
        """The grade_id of each test cell of this exercise -> its points."""
        if list(self.parts) == ["all"]:
            return {f"test_{self.name}": self.parts["all"].points}
        return {f"test_{self.name}_{name}": part.points for name, part in self.parts.items()}

    def part(self, name: str) -> Part:
        """One part, or ``"all"``: every part's cases, steps and refusals together."""
        if name in self.parts:
            return self.parts[name]
        choices = [*self.parts, *(["all"] if "all" not in self.parts else [])]
        if name != "all":
            quoted = [repr(c) for c in choices]
            raise ValueError(
                Msg(
                    "{selector} must be {items} or {last}, not {name!r}",
                    selector=self.selector,
                    items=", ".join(quoted[:-1]),
                    last=quoted[-1],
                    name=name,
                )
            )
        parts = list(self.parts.values())
        builders = [p.cases for p in parts if p.cases]
        return Part(
            points=self.points,
            cases=(lambda: [case for build in builders for case in build()]) if builders else None,
            steps=tuple(step for p in parts for step in p.steps),
            refusals=tuple(r for p in parts for r in p.refusals),
        )
