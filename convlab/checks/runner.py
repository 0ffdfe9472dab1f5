"""The one runner: checks a student's function against its :class:`~convlab.checks.exercise.Exercise`.

:func:`check_function` turns a declaration into the ``check_<exercise>`` a test cell calls. It

1. refuses to run if the notebook replaced what the checks rely on, or PyTorch's kernels no
   longer compute the course's worked examples (:mod:`convlab.checks.integrity`);
2. runs every case of the chosen part under watch (:mod:`convlab.watch`), with correct
   versions of earlier exercises standing in for the student's, and compares the results
   with the reference, naming a mistake when one explains every wrong result;
3. runs the part's other steps, then the arguments it must refuse;
4. prints one line on success; on failure raises :class:`~convlab.failure.CheckFailure` with
   a message that names the mistake, the input and a hint.
"""

from __future__ import annotations

import contextlib
import inspect
from collections.abc import Callable
from typing import Any

import torch

from convlab.checks import integrity
from convlab.checks.compare import compare, explain, is_wrong
from convlab.checks.exercise import Case, CaseRun, Exercise, Part, Refusal
from convlab.checks.wording import fail, passed
from convlab.failure import NOT_ATTEMPTED, CheckFailure, announce
from convlab.i18n import N_, Msg, translate
from convlab.watch import Call, Forbidden, lending, run_watched


def check_function(exercise: Exercise) -> Callable:
    """The public ``check_<name>(<name>, <selector>="all")`` of ``exercise``."""
    signature = inspect.Signature(
        [
            inspect.Parameter(exercise.name, inspect.Parameter.POSITIONAL_OR_KEYWORD),
            inspect.Parameter(exercise.selector, inspect.Parameter.POSITIONAL_OR_KEYWORD, default="all"),
        ]
    )

    def check(*args, **kwargs) -> None:
        bound = signature.bind(*args, **kwargs)
        fn, part = bound.arguments[exercise.name], bound.arguments.get(exercise.selector, "all")
        integrity.verify(exercise.name)
        _warned.clear()
        try:
            n = run(exercise, fn, exercise.part(part))
        except CheckFailure as failure:
            announce(failure.record(exercise.name, part))  # for the class report, not shown
            raise CheckFailure(str(failure)) from None  # a short traceback, the message first
        passed(exercise.name, n, exercise.unit)
        for warning in list(dict.fromkeys(_warned))[:3]:
            print(
                translate(Msg("  note: your code warned {warning} (no points lost)", warning=warning[:300]))
            )

    check.__name__ = check.__qualname__ = f"check_{exercise.name}"
    check.__module__ = "convlab.checks"
    check.__signature__ = signature
    parts = " or ".join(repr(p) for p in exercise.parts) if len(exercise.parts) > 1 else ""
    check.__doc__ = f"Check ``{exercise.name}`` against the reference" + (
        f"; {exercise.selector} is {parts} (one test cell each) or 'all'." if parts else "."
    )
    return check


_warned: list[str] = []  # warnings the student's code raised during the current check


def run(exercise: Exercise, fn: Any, part: Part) -> int:
    """Check ``fn`` on one part; returns how many things were checked."""
    keep = torch.random.fork_rng() if exercise.keeps_random_state else contextlib.nullcontext()
    with keep, stand_ins(fn, exercise.stand_ins):
        n = compare_cases(exercise, fn, part.cases()) if part.cases else 0
        n += sum(step(fn) for step in part.steps)
    for refusal in part.refusals:
        expect_value_error(exercise.name, fn, refusal)
    return n + len(part.refusals)


def compare_cases(exercise: Exercise, fn: Any, cases: list[Case]) -> int:
    """Run ``fn`` on every case, then compare each result with the reference.

    A mistake is named only when it explains all the wrong results, and a case that names one
    is reported first; otherwise the first failure in case order (an exception or a wrong
    result) is.
    """
    results, first_error = [], None
    for case in cases:
        try:
            got = call(exercise, fn, case)
            if exercise.answer:
                got = exercise.answer(got, case)
            results.append(CaseRun(case, got, exercise.reference(**case.arguments)))
        except CheckFailure as failure:
            first_error = first_error or (len(results), failure)
    named = [explain(r, exercise.mistakes, results) if is_wrong(r) else None for r in results]

    def report(i: int) -> None:
        compare(exercise.name, results[i], named[i], exercise.hints, exercise.float_output)

    explained = [i for i, mistake in enumerate(named) if mistake]
    if explained:
        report(explained[0])
    if first_error:
        index, failure = first_error
        for i in range(index):
            report(i)
        raise failure
    for i in range(len(results)):
        report(i)
    return len(cases)


def call(exercise: Exercise, fn: Any, case: Case) -> Any:
    """Run the student's ``fn`` on ``case`` under the exercise's watch; fail on an exception,
    a forbidden call or an edited input, else return what it returned."""
    return call_watched(
        exercise.name,
        fn,
        case,
        exercise.hints.error,
        also_forbidden=exercise.forbidden,
        allow_convolution=exercise.allow_convolution,
    )


def call_watched(
    name: str,
    fn: Any,
    case: Case,
    error_hint: str,
    also_forbidden: tuple[Forbidden, ...] = (),
    allow_convolution: bool = False,
) -> Any:
    """:func:`call` for a step, which words its own errors."""
    outcome = run_watched(
        fn,
        *case.inputs.values(),
        names=tuple(case.inputs),
        kwargs=case.options,
        also_forbidden=also_forbidden,
        allow_convolution=allow_convolution,
    )
    _warned.extend(outcome.warnings)
    return check_outcome(name, outcome, case, error_hint)


def check_outcome(exercise: str, outcome: Call, case: Case, error_hint: str) -> Any:
    """Fail on an exception, a forbidden call or an edited input; else return the value."""
    if outcome.forbidden:
        fail(
            exercise,
            N_("calls a PyTorch function that does the work for you"),
            case.label,
            [Msg("not allowed here: {items}", items=", ".join(outcome.forbidden))],
            hint=N_(
                "this exercise is about writing the operation yourself with loops, slicing, "
                "sum and matmul; the notebook's demos may use PyTorch's version, your answer may not"
            ),
        )
    if outcome.error is not None:
        err = outcome.error
        if isinstance(err, NotImplementedError):
            fail(
                exercise,
                N_("is not implemented yet"),
                hint=N_("replace `raise NotImplementedError()` with your code, run the cell, then this one"),
                mistake=NOT_ATTEMPTED,
            )
        fail(
            exercise,
            Msg("raised {type}", type=type(err).__name__),
            case.label,
            [f"{type(err).__name__}: {err}"],
            hint=error_hint,
            mistake=None,
        )
    if outcome.mutated:
        fail(
            exercise,
            Msg("modified its input {items} in place", items=", ".join(outcome.mutated)),
            case.label,
            hint=N_(
                "an operation must leave its inputs as they were: work on a copy (x.clone()) or a "
                "new tensor (torch.zeros(...)) instead of writing into the input or a view of it"
            ),
            mistake=N_("modified its input in place"),
        )
    return outcome.value


def expect_value_error(exercise: str, fn: Any, refusal: Refusal) -> None:
    """``fn`` must refuse the refusal's arguments with a ValueError, as PyTorch refuses them."""
    case, why = refusal.case, refusal.why
    outcome = run_watched(fn, *case.inputs.values(), names=tuple(case.inputs), kwargs=case.options)
    err = outcome.error
    if isinstance(err, NotImplementedError):
        check_outcome(exercise, outcome, case, "")
    if err is None:
        fail(
            exercise,
            N_("accepted bad arguments"),
            case.label,
            [Msg("expected ValueError: {why}", why=why)],
            hint=N_(
                "check the arguments first and raise ValueError with a message that names the "
                "problem, e.g. raise ValueError(f'stride must be positive, got {stride}')"
            ),
        )
    if not isinstance(err, ValueError):
        fail(
            exercise,
            Msg("raised {type} instead of ValueError", type=type(err).__name__),
            case.label,
            [f"{type(err).__name__}: {err}"],
            hint=Msg("refuse these arguments explicitly with ValueError ({why})", why=why),
            mistake=N_("raised the wrong exception for bad arguments"),
        )


@contextlib.contextmanager
def stand_ins(fn: Any, references: dict[str, Callable]):
    """While a check runs, let ``fn`` find correct versions of the earlier exercises it calls.

    The names are replaced in the notebook namespace ``fn`` was defined in (for a class, its
    ``forward``'s), then restored: a mistake in one exercise costs only that exercise's points.
    What these lent functions do is not held against the exercise (:class:`convlab.watch.lending`).
    """
    target = fn.forward if isinstance(fn, type) and hasattr(fn, "forward") else fn
    namespace = getattr(target, "__globals__", {})
    saved = {name: namespace[name] for name in references if name in namespace}
    namespace.update({name: references[name] for name in saved})
    try:
        with lending(references.values()):
            yield
    finally:
        namespace.update(saved)
