"""Checks for notebook 08's gradient check: ``numerical_gradient`` (centered differences) and
``relative_error``, the measure the course teaches for comparing two gradients (CS231n's).

Both are compared with :mod:`convlab.oracle`'s versions, on functions whose gradient autograd
knows; the backward operators are forbidden here (:data:`convlab.watch.BACKWARD`).
"""

from __future__ import annotations

import math

import torch

from convlab import oracle
from convlab.checks.exercise import Case, Exercise, Hints, Mistake, Part
from convlab.checks.runner import check_function
from convlab.checks.wording import fail
from convlab.i18n import N_, Msg

# --- numerical_gradient(f, x, h=1e-5) and relative_error(a, b) ------------------------------------


def _named(f, name: str):
    f.__name__ = f.__qualname__ = name
    return f


def _corr(X: torch.Tensor, K: torch.Tensor) -> torch.Tensor:
    """A cross-correlation the functions below may use inside the watch (no convolution operator)."""
    kh, kw = K.shape
    return torch.einsum("ijab,ab->ij", X.unfold(0, kh, 1).unfold(1, kw, 1), K)


def _numerical_cases() -> list[Case]:
    g = torch.Generator().manual_seed(803)
    X, Y = torch.randn(5, 5, generator=g).double(), torch.randn(4, 4, generator=g).double()
    K, w = torch.randn(2, 2, generator=g).double(), torch.randn(3, 4, generator=g).double()
    squares = _named(lambda x: (x**2).sum(), N_("f(x) = sum(x ** 2)"))
    linear = _named(lambda x: (w * x).sum(), N_("f(x) = sum(w * x), w fixed"))
    loss = _named(lambda k: ((_corr(X, k) - Y) ** 2).sum(), N_("f(K) = sum((corr2d(X, K) - Y) ** 2)"))
    energy = _named(lambda x: (_corr(x, K) ** 2).sum(), N_("f(x) = sum(corr2d(x, K) ** 2)"))
    # two functions whose central difference depends on h, so that a step other than h shows
    exp = _named(lambda x: x.exp().sum(), N_("f(x) = sum(exp(x))"))
    exp.central = lambda grad, h: grad * math.sinh(h) / h  # (e^(x+h) − e^(x−h)) / 2h = e^x·sinh(h)/h
    cubes = _named(lambda x: (x**3).sum(), N_("f(x) = sum(x ** 3)"))
    cubes.central = lambda grad, h: grad + h**2  # ((x+h)³ − (x−h)³) / 2h = 3x² + h²
    points = [
        (squares, torch.randn(3, 4, generator=g).double(), {}),
        (squares, torch.randn(2, 3, generator=g).double(), {"h": 1e-2}),
        (linear, torch.randn(3, 4, generator=g).double(), {}),
        (loss, torch.randn(2, 2, generator=g).double(), {}),
        (loss, torch.randn(2, 2, generator=g).double(), {"h": 1e-2}),
        (energy, torch.randn(4, 5, generator=g).double(), {}),
        (exp, torch.randn(2, 3, generator=g).double(), {"h": 0.5}),
        (cubes, torch.randn(3, 2, generator=g).double(), {"h": 0.1}),
    ]
    return [
        Case(
            Msg(
                "{function} at x of shape {shape}{steps}",
                function=f.__name__,
                shape=tuple(x.shape),
                steps="".join(f", h={h}" for h in opts.values()),
            ),
            {"f": f, "x": x},
            opts,
        )
        for f, x, opts in points
    ]


def _autograd(f, x, h=None):
    """Autograd's gradient; for a function whose central difference depends on the step, the
    central difference with step ``h`` (autograd's gradient and the exact truncation term)."""
    x = x.detach().clone().requires_grad_(True)
    with torch.enable_grad():
        (grad,) = torch.autograd.grad(f(x), x)
    central = getattr(f, "central", None)
    return central(grad, h) if central and h is not None else grad


def _step_ignored(f, x, h=None):
    """The mistake of a fixed step: the central difference with the default h = 1e-5, whatever h was."""
    if h is None or not hasattr(f, "central"):
        return None
    return oracle.numerical_gradient(f, x.detach().clone(), 1e-5)


def _forward_differences(f, x, h=1e-5):
    """The one-sided (f(x + h·e_i) − f(x)) / h: the mistake beside the course's central ones."""
    x = x.detach().clone().to(torch.float64)
    out = torch.zeros_like(x)
    base = float(f(x))
    for i in range(x.numel()):
        old = x.view(-1)[i].item()
        x.view(-1)[i] = old + h
        out.view(-1)[i] = (float(f(x)) - base) / h
        x.view(-1)[i] = old
    return out


NUMERICAL_GRADIENT = Exercise(
    "numerical_gradient",
    parts={"all": Part(2, cases=_numerical_cases)},
    reference=_autograd,
    mistakes=(
        Mistake(
            N_("a forward difference (f(x + h) − f(x)) / h"),
            N_(
                "CS231n's check uses central differences: "
                "(f(x + h) − f(x − h)) / 2h, accurate to h² instead of h"
            ),
            lambda f, x, h=1e-5: _forward_differences(f, x, h),
        ),
        Mistake(
            N_("divided by h instead of 2h"),
            N_("x + h and x − h are 2h apart: divide by 2 * h"),
            lambda f, x, h=1e-5: 2 * oracle.numerical_gradient(f, x, h),
        ),
        Mistake(
            N_("the sign flipped: (f(x − h) − f(x + h)) / 2h"),
            N_("the gradient points uphill: f(x + h) comes first"),
            lambda f, x, h=1e-5: -oracle.numerical_gradient(f, x, h),
        ),
        Mistake(
            N_("only the first entry computed"),
            N_("perturb every entry of x in turn, one at a time"),
            lambda f, x, h=1e-5: _first_only(oracle.numerical_gradient(f, x, h)),
        ),
        Mistake(
            N_("h ignored: the step is not the h given"),
            N_(
                "perturb by the h the caller passed (x[i] = old ± h, divided by 2 * h), not a fixed step: on "
                "sum(exp(x)) the central difference is e^x·sinh(h)/h, which depends on h"
            ),
            _step_ignored,
        ),
    ),
    hints=Hints(
        shape=N_("the gradient has x's shape: one partial derivative per entry"),
        value=N_(
            "for each entry i: x[i] = old + h, f_plus = f(x); x[i] = old - h, f_minus = f(x); x[i] = old; "
            "grad[i] = (f_plus - f_minus) / (2 * h)"
        ),
        error=N_(
            "numerical_gradient(f, x, h=1e-5): f takes a tensor and returns a scalar; loop over "
            "x.view(-1) (or x.flatten() on a copy) and return a tensor of x's shape"
        ),
    ),
    keeps_random_state=True,
)
check_numerical_gradient = check_function(NUMERICAL_GRADIENT)


def _first_only(t: torch.Tensor) -> torch.Tensor:
    out = torch.zeros_like(t)
    out.view(-1)[0] = t.view(-1)[0]
    return out


def _error_cases() -> list[Case]:
    g = torch.Generator().manual_seed(804)
    a = torch.randn(3, 4, generator=g).double()
    pairs = [
        (N_("a random a and a slightly changed copy"), a, a + 1e-4 * torch.randn(3, 4, generator=g).double()),
        (N_("a gradient and its negation"), a, -a),
        (N_("two tensors of zeros"), torch.zeros(2, 3).double(), torch.zeros(2, 3).double()),
        (
            N_("a small entry far off, a large one close"),
            torch.tensor([1e-3, 100.0]).double(),
            torch.tensor([2e-3, 100.001]).double(),
        ),
        (
            N_("b larger than a"),
            torch.tensor([1.0, 2.0, 3.0]).double(),
            torch.tensor([1.5, 2.0, 9.0]).double(),
        ),
        (N_("identical tensors"), a, a.clone()),
    ]
    return [Case(label, {"a": x, "b": y}) for label, x, y in pairs]


def _error_answer(got, case: Case) -> torch.Tensor:
    if isinstance(got, torch.Tensor) and got.numel() == 1:
        got = got.item()
    if isinstance(got, bool) or not isinstance(got, int | float):
        fail(
            "relative_error",
            Msg("returned a {type}, not a number", type=type(got).__name__),
            case.label,
            [f"got {got!r}"[:200]],
            hint=N_("return one number: the largest relative error over the entries (float(...) or .item())"),
            mistake=N_("did not return a number"),
        )
    if got != got:
        fail(
            "relative_error",
            N_("returned nan: no guard against 0 / 0"),
            case.label,
            [N_("expected a number")],
            hint=N_("divide by max(1e-8, |a| + |b|): two entries that are both 0 agree perfectly"),
        )
    return torch.tensor(float(got), dtype=torch.float64)


def _elementwise(
    a,
    b,
    numerator=lambda a, b: (a - b).abs(),
    denominator=lambda a, b: a.abs() + b.abs(),
    reduce=torch.max,
):
    return reduce(numerator(a, b) / denominator(a, b).clamp(min=1e-8))


RELATIVE_ERROR = Exercise(
    "relative_error",
    parts={"all": Part(1, cases=_error_cases)},
    reference=lambda a, b: torch.tensor(oracle.relative_error(a, b), dtype=torch.float64),
    mistakes=(
        Mistake(
            N_("the mean instead of the largest entry"),
            N_("report the worst entry: .max(), not .mean()"),
            lambda a, b: _elementwise(a, b, reduce=torch.mean),
        ),
        Mistake(
            N_("no absolute value in the numerator"),
            N_("use |a − b|: an error is an error in either direction"),
            lambda a, b: _elementwise(a, b, numerator=lambda a, b: a - b),
        ),
        Mistake(
            N_("relative to |a| only"),
            N_("divide by |a| + |b|: the error is symmetric in a and b"),
            lambda a, b: _elementwise(a, b, denominator=lambda a, b: a.abs()),
        ),
        Mistake(
            N_("the ratio of the maxima"),
            N_("CS231n divides entry by entry, then takes the largest ratio"),
            lambda a, b: (
                (a - b).abs().max() / (a.abs() + b.abs()).max() if (a.abs() + b.abs()).max() else None
            ),
        ),
    ),
    hints=Hints(
        shape=N_("return one number"),
        value=N_("max over entries of |a − b| / max(1e-8, |a| + |b|)"),
        error=N_("relative_error(a, b) takes two tensors of the same shape and returns a number"),
    ),
    answer=_error_answer,
)
check_relative_error = check_function(RELATIVE_ERROR)
