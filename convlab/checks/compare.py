"""Comparing a student's answer with the reference, and naming the mistake that explains it.

A mistake is named only when it explains a wrong result and no other result contradicts it;
otherwise the first differing position is reported, with the relative error notebook 08 teaches
(CS231n's, :func:`convlab.oracle.relative_error`).
"""

from __future__ import annotations

import torch

from convlab.checks.exercise import Case, CaseRun, Hints, Mistake
from convlab.checks.wording import fail, fmt
from convlab.i18n import N_, Msg
from convlab.oracle import relative_error  # bound at import, as the rest of the reference

# Bound when convlab is imported: a notebook that later replaces torch.allclose changes nothing here.
_allclose, _isclose = torch.allclose, torch.isclose


def close(a: torch.Tensor, b: torch.Tensor) -> bool:
    a, b = a.detach().to(torch.float64), b.detach().to(torch.float64)
    if a.shape != b.shape:
        return False
    scale = max(1.0, float(b.abs().max())) if b.numel() else 1.0
    return bool(_allclose(a, b, rtol=1e-4, atol=1e-5 * scale))


def first_difference(got: torch.Tensor, expected: torch.Tensor) -> tuple[int, ...]:
    g, e = got.detach().to(torch.float64), expected.detach().to(torch.float64)
    scale = max(1.0, float(e.abs().max())) if e.numel() else 1.0
    bad = ~_isclose(g, e, rtol=1e-4, atol=1e-5 * scale)
    return tuple(int(i) for i in bad.nonzero()[0])


def is_wrong(result: CaseRun) -> bool:
    return not (
        isinstance(result.got, torch.Tensor)
        and result.got.shape == result.expected.shape
        and close(result.got, result.expected)
    )


def explain(result: CaseRun, mistakes: tuple[Mistake, ...], evidence: list[CaseRun] = ()) -> Mistake | None:
    """The first mistake that explains ``result`` (and differs from what was expected) and is
    not contradicted by the other results in ``evidence``.

    A mistake is contradicted where it predicts something other than what the student's
    function returned on a case it got wrong.
    """
    if not isinstance(result.got, torch.Tensor):
        return None
    for mistake in mistakes:
        predicted = mistake.predict(**result.case.arguments)
        if predicted is None or close(predicted, result.expected) or not close(result.got, predicted):
            continue
        if all(_consistent(mistake, other) for other in evidence):
            return mistake
    return None


def _consistent(mistake: Mistake, result: CaseRun) -> bool:
    if not isinstance(result.got, torch.Tensor) or close(result.got, result.expected):
        return True  # a right answer neither supports nor contradicts a mistake
    predicted = mistake.predict(**result.case.arguments)
    return predicted is None or close(predicted, result.expected) or close(result.got, predicted)


def compare(
    exercise: str, result: CaseRun, mistake: Mistake | None, hints: Hints, float_output: bool = True
) -> None:
    """Fail unless ``result`` is right: type, then shape, dtype and values; a wrong result that
    ``mistake`` explains (see :func:`explain`) is reported as that mistake."""
    case, got, expected = result
    if not isinstance(got, torch.Tensor):
        fail(
            exercise,
            Msg("returned a {type}, not a torch.Tensor", type=type(got).__name__),
            case.label,
            [f"got {got!r}"[:200]],
            hint=N_("build the result as a tensor (e.g. Y = torch.zeros(...)) and return it"),
            mistake=N_("did not return a tensor"),
        )
    if got.shape != expected.shape:
        if mistake:
            fail(exercise, mistake.name, case.label, _shapes(expected, got), hint=mistake.hint)
        fail(
            exercise,
            N_("wrong output shape"),
            case.label,
            _shapes(expected, got),
            hint=hints.shape,
            mistake=None,
        )
    if float_output and not got.is_floating_point():
        fail(
            exercise,
            Msg("returned a tensor of dtype {dtype}", dtype=str(got.dtype).removeprefix("torch.")),
            case.label,
            [N_("expected a float tensor")],
            hint=hints.dtype,
            mistake=N_("wrong dtype"),
        )
    if close(got, expected):
        return
    if mistake:
        fail(exercise, mistake.name, case.label, _first(got, expected), hint=mistake.hint)
    fail(exercise, N_("wrong values"), case.label, _first(got, expected), hint=hints.value, mistake=None)


def compare_one(exercise: str, result: CaseRun, mistakes: tuple[Mistake, ...], hints: Hints) -> None:
    """:func:`compare` for a result checked on its own (no other case to weigh against)."""
    compare(exercise, result, explain(result, mistakes), hints)


def _shapes(expected: torch.Tensor, got: torch.Tensor) -> list[str]:
    return [Msg("expected shape {tuple}, got {tuple2}", tuple=tuple(expected.shape), tuple2=tuple(got.shape))]


def _first(got: torch.Tensor, expected: torch.Tensor) -> list[str]:
    pos = first_difference(got, expected)
    return [
        Msg(
            "first difference at {pos}: expected {fmt}, got {fmt2}",
            pos=pos,
            fmt=fmt(expected[pos]),
            fmt2=fmt(got[pos]),
        ),
        Msg(
            "relative error {relative_error:.1e} (notebook 08's: the largest |got - expected| / "
            "(|got| + |expected|) over the entries)",
            relative_error=relative_error(got.detach(), expected.detach()),
        ),
    ]


def compare_three(
    exercise: str,
    got,
    case: Case,
    names: tuple[str, str, str],
    expected: tuple[torch.Tensor, torch.Tensor, torch.Tensor],
    mistakes: dict[str, tuple[Mistake, ...]],
    hints: Hints,
    noun: str = N_("tensors"),
) -> None:
    """What a function that returns three tensors (``names``, e.g. dX, dK, db) returned on
    ``case``: three, each compared with the reference's on its own, with that output's mistakes.
    ``noun`` is what the message calls them when it did not return three."""
    if not isinstance(got, tuple | list) or len(got) != 3:
        length = Msg(" of length {len}", len=len(got)) if isinstance(got, tuple | list) else ""
        fail(
            exercise,
            Msg("did not return three {noun}", noun=noun),
            case.label,
            [Msg("got {type}{length}", type=type(got).__name__, length=length)],
            hint=Msg("return {items}", items=", ".join(names)),
        )
    for name, value, right in zip(names, got, expected, strict=True):
        compare_one(
            f"{exercise} ({name})", CaseRun(Case(case.label, {}), value, right), mistakes[name], hints
        )
