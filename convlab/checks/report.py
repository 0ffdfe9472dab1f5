"""How a check compares a student's answer with the reference and words what is wrong.

Every failure is a :class:`CheckFailure` (an ``AssertionError``) whose message has the
shape fixed by the course's style guide::

    corr2d: wrong output shape for X of shape (5, 7) and K of shape (2, 3)
      expected (4, 5), got (3, 4)
      hint: an input of n rows and a kernel of k rows give n - k + 1 output rows; ...

A check first asks whether the answer matches a known mistake (a :class:`Mistake`
predicts what that mistake returns on the same inputs) and names it; only otherwise does
it report the first differing position.
"""

from __future__ import annotations

import functools
import textwrap
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import torch

from convlab.checks.guards import Outcome, run_watched

# Bound when convlab is imported: a notebook that later replaces torch.allclose changes nothing here.
_allclose, _isclose = torch.allclose, torch.isclose


class CheckFailure(AssertionError):
    """A check found a mistake. The message names it, the input, and gives a hint."""


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
    ``predict`` receives both as keyword arguments.
    """

    label: str
    inputs: dict[str, Any]
    options: dict[str, Any] = field(default_factory=dict)

    @property
    def arguments(self) -> dict[str, Any]:
        return {**self.inputs, **self.options}


@dataclass(frozen=True)
class Hints:
    """What to tell a student whose output has the wrong shape, wrong values, or raised."""

    shape: str
    value: str
    error: str
    dtype: str = (
        "integer inputs must still give a float result: create the output with "
        "torch.zeros(shape) (float32), not torch.zeros_like(X), which copies X's dtype"
    )


def public_check(check: Callable) -> Callable:
    """Raise a check's failure from the check itself: a short traceback, the message first."""

    @functools.wraps(check)
    def wrapper(*args, **kwargs):
        from convlab.checks import integrity  # noqa: PLC0415 (integrity imports this module)

        integrity.verify(check.__name__.removeprefix("check_"))
        try:
            return check(*args, **kwargs)
        except CheckFailure as failure:
            raise CheckFailure(str(failure)) from None

    return wrapper


def call(
    exercise: str,
    fn: Callable,
    case: Case,
    error_hint: str,
    also_forbidden: dict[str, str] | None = None,
    allow_convolution: bool = False,
) -> Any:
    """Run the student's ``fn`` on ``case`` under watch; fail on an exception, a forbidden
    call or an edited input, else return what it returned."""
    outcome = run_watched(
        fn,
        *case.inputs.values(),
        names=tuple(case.inputs),
        kwargs=case.options,
        also_forbidden=also_forbidden,
        allow_convolution=allow_convolution,
    )
    return check_outcome(exercise, outcome, case, error_hint)


def run_cases(
    exercise: str,
    fn: Callable,
    cases: list[Case],
    reference: Callable[..., torch.Tensor],
    mistakes: list[Mistake],
    hints: Hints,
    float_output: bool = True,
    also_forbidden: dict[str, str] | None = None,
) -> int:
    """Check ``fn`` against ``reference`` on every case; returns the number of cases.

    Every case runs first. A mistake is named only when it explains all the wrong results,
    and a case that names one is reported first; otherwise the first failure in case order
    (an exception or a wrong result) is.
    """
    results, first_error = [], None
    for case in cases:
        try:
            results.append(
                (case, call(exercise, fn, case, hints.error, also_forbidden), reference(**case.arguments))
            )
        except CheckFailure as failure:
            first_error = first_error or (len(results), failure)
    named = [r for r in results if _wrong(r) and named_mistake(r[1], r[2], mistakes, r[0].arguments, results)]
    if named:
        compare_all(exercise, named[:1], mistakes, hints, float_output, evidence=results)
    if first_error:
        index, failure = first_error
        compare_all(exercise, results[:index], mistakes, hints, float_output, evidence=results)
        raise failure
    compare_all(exercise, results, mistakes, hints, float_output)
    return len(cases)


def compare_all(
    exercise,
    results: list,
    mistakes: list[Mistake],
    hints: Hints,
    float_output: bool = True,
    evidence: list | None = None,
) -> None:
    """Compare every (case, got, expected); report a named mistake first if any case shows one."""
    evidence = results if evidence is None else evidence
    named = [
        r for r in results if _wrong(r) and named_mistake(r[1], r[2], mistakes, r[0].arguments, evidence)
    ]
    for case, got, expected in named[:1] + results:
        compare_tensor(exercise, got, expected, case, mistakes, hints, float_output, evidence=evidence)


def _wrong(result) -> bool:
    _, got, expected = result
    return not (isinstance(got, torch.Tensor) and got.shape == expected.shape and close(got, expected))


def expect_value_error(exercise: str, fn: Callable, case: Case, why: str) -> None:
    """``fn`` must refuse ``case`` with a ValueError, as PyTorch refuses such arguments."""
    outcome = run_watched(fn, *case.inputs.values(), names=tuple(case.inputs), kwargs=case.options)
    err = outcome.error
    if isinstance(err, NotImplementedError):
        check_outcome(exercise, outcome, case, "")
    if err is None:
        fail(
            exercise,
            "accepted bad arguments",
            case.label,
            [f"expected ValueError: {why}"],
            "check the arguments first and raise ValueError with a message that names the "
            "problem, e.g. raise ValueError(f'stride must be positive, got {stride}')",
        )
    if not isinstance(err, ValueError):
        fail(
            exercise,
            f"raised {type(err).__name__} instead of ValueError",
            case.label,
            [f"{type(err).__name__}: {err}"],
            f"refuse these arguments explicitly with ValueError ({why})",
        )


def message(exercise: str, problem: str, case: str | None, lines: list[str], hint: str) -> str:
    head = f"{exercise}: {problem}" + (f" for {case}" if case else "")
    body = [f"  {line}" for line in lines]
    wrapped = textwrap.wrap(hint, width=88, initial_indent="  hint: ", subsequent_indent=" " * 8)
    return "\n".join([head, *body, *wrapped])


def fail(exercise: str, problem: str, case: str | None, lines: list[str], hint: str):
    raise CheckFailure(message(exercise, problem, case, lines, hint))


def describe(name: str, t: Any) -> str:
    """``X of shape (5, 7)``, mentioning integer entries, which students often forget."""
    if not isinstance(t, torch.Tensor):
        return f"{name} = {t!r}"
    kind = "" if t.is_floating_point() else f", {str(t.dtype).removeprefix('torch.')} entries"
    return f"{name} of shape {tuple(t.shape)}{kind}"


def fmt(v) -> str:
    v = float(v.detach()) if isinstance(v, torch.Tensor) else float(v)
    return str(int(v)) if v.is_integer() and abs(v) < 1e15 else f"{v:.4g}"


def close(a: torch.Tensor, b: torch.Tensor) -> bool:
    a, b = a.detach().to(torch.float64), b.detach().to(torch.float64)
    if a.shape != b.shape:
        return False
    scale = max(1.0, float(b.abs().max())) if b.numel() else 1.0
    return bool(_allclose(a, b, rtol=1e-4, atol=1e-5 * scale))


def relative_error(a: torch.Tensor, b: torch.Tensor) -> float:
    """CS231n's relative error max |a - b| / max(|a| + |b|), 0 for two zero tensors."""
    a, b = a.detach().to(torch.float64), b.detach().to(torch.float64)
    denom = float((a.abs() + b.abs()).max()) if a.numel() else 0.0
    return 0.0 if denom == 0 else float((a - b).abs().max()) / denom


def first_difference(got: torch.Tensor, expected: torch.Tensor) -> tuple[int, ...]:
    g, e = got.detach().to(torch.float64), expected.detach().to(torch.float64)
    scale = max(1.0, float(e.abs().max())) if e.numel() else 1.0
    bad = ~_isclose(g, e, rtol=1e-4, atol=1e-5 * scale)
    return tuple(int(i) for i in bad.nonzero()[0])


def named_mistake(got, expected, mistakes, inputs, evidence: list | None = None) -> Mistake | None:
    """The first mistake that explains ``got`` (and differs from ``expected``) and is not
    contradicted by the other results in ``evidence``, a list of (case, got, expected).

    A mistake is contradicted where it predicts something other than what the student's
    function returned on a case it got wrong.
    """
    if not isinstance(got, torch.Tensor):
        return None
    for mistake in mistakes:
        predicted = mistake.predict(**inputs)
        if predicted is None or close(predicted, expected) or not close(got, predicted):
            continue
        if all(_consistent(mistake, *result) for result in evidence or []):
            return mistake
    return None


def _consistent(mistake: Mistake, case: Case, got, expected) -> bool:
    if not isinstance(got, torch.Tensor) or close(got, expected):
        return True  # a right answer neither supports nor contradicts a mistake
    predicted = mistake.predict(**case.arguments)
    return predicted is None or close(predicted, expected) or close(got, predicted)


def check_outcome(exercise: str, outcome: Outcome, case: Case, error_hint: str) -> Any:
    """Fail on an exception, a forbidden call or an edited input; else return the value."""
    if outcome.forbidden:
        fail(
            exercise,
            "calls a PyTorch function that does the work for you",
            case.label,
            [f"not allowed here: {', '.join(outcome.forbidden)}"],
            "this exercise is about writing the operation yourself with loops, slicing, "
            "sum and matmul; the notebook's demos may use PyTorch's version, your answer may not",
        )
    if outcome.error is not None:
        err = outcome.error
        if isinstance(err, NotImplementedError):
            fail(
                exercise,
                "is not implemented yet",
                None,
                [],
                "replace `raise NotImplementedError()` with your code, run the cell, then this one",
            )
        fail(
            exercise,
            f"raised {type(err).__name__}",
            case.label,
            [f"{type(err).__name__}: {err}"],
            error_hint,
        )
    if outcome.mutated:
        fail(
            exercise,
            f"modified its input {', '.join(outcome.mutated)} in place",
            case.label,
            [],
            "an operation must leave its inputs as they were: work on a copy (x.clone()) or a "
            "new tensor (torch.zeros(...)) instead of writing into the input or a view of it",
        )
    return outcome.value


def compare_tensor(
    exercise: str,
    got: Any,
    expected: torch.Tensor,
    case: Case,
    mistakes: list[Mistake],
    hints: Hints,
    float_output: bool = True,
    evidence: list | None = None,
) -> None:
    """Compare ``got`` with ``expected``: type, known mistakes, shape, dtype, then values.

    ``evidence`` (every case's (case, got, expected)) keeps a mistake from being named where
    another case contradicts it.
    """
    if not isinstance(got, torch.Tensor):
        fail(
            exercise,
            f"returned a {type(got).__name__}, not a torch.Tensor",
            case.label,
            [f"got {got!r}"[:200]],
            "build the result as a tensor (e.g. Y = torch.zeros(...)) and return it",
        )
    mistake = named_mistake(got, expected, mistakes, case.arguments, evidence)
    if got.shape != expected.shape:
        if mistake:
            fail(exercise, mistake.name, case.label, _shapes(expected, got), mistake.hint)
        fail(exercise, "wrong output shape", case.label, _shapes(expected, got), hints.shape)
    if float_output and not got.is_floating_point():
        fail(
            exercise,
            f"returned a tensor of dtype {str(got.dtype).removeprefix('torch.')}",
            case.label,
            ["expected a float tensor"],
            hints.dtype,
        )
    if close(got, expected):
        return
    if mistake:
        fail(exercise, mistake.name, case.label, _first(got, expected), mistake.hint)
    fail(exercise, "wrong values", case.label, _first(got, expected), hints.value)


def _shapes(expected: torch.Tensor, got: torch.Tensor) -> list[str]:
    return [f"expected shape {tuple(expected.shape)}, got {tuple(got.shape)}"]


def _first(got: torch.Tensor, expected: torch.Tensor) -> list[str]:
    pos = first_difference(got, expected)
    return [
        f"first difference at {pos}: expected {fmt(expected[pos])}, got {fmt(got[pos])}",
        f"relative error {relative_error(got, expected):.1e}",
    ]


def passed(exercise: str, n: int, what: str = "cases") -> None:
    """The one line a check prints on success."""
    print(f"{exercise}: all {n} {what} passed" if n > 1 else f"{exercise}: passed")
