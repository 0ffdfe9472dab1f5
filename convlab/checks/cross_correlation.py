"""Checks for notebook 01: ``corr2d`` and the ``Conv2D`` layer."""

from __future__ import annotations

import torch
from torch import nn

from convlab import oracle
from convlab.checks.compare import close, compare_one
from convlab.checks.exercise import Case, CaseRun, Exercise, Hints, Mistake, Part
from convlab.checks.runner import call_watched, check_function, check_outcome
from convlab.checks.wording import describe_all, fail
from convlab.i18n import N_, Msg
from convlab.watch import run_watched

# The course notes' two worked examples.
WORKED = [
    Case(
        N_("the worked example X = 0..8 (3×3), K = [[0, 1], [2, 3]]"),
        {"X": torch.arange(9.0).reshape(3, 3), "K": torch.tensor([[0.0, 1.0], [2.0, 3.0]])},
    ),
    Case(
        N_("the worked 5×5 example with the 3×3 kernel (integer entries)"),
        {
            "X": torch.tensor(
                [
                    [3, 3, 2, 1, 0],
                    [0, 0, 1, 3, 1],
                    [3, 1, 2, 2, 3],
                    [2, 0, 0, 2, 2],
                    [2, 0, 0, 0, 1],
                ]
            ),
            "K": torch.tensor([[0, 1, 2], [2, 2, 0], [0, 1, 2]]),
        },
    ),
]


def random_cases(seed: int = 2024) -> list[Case]:
    """Seeded cases: non-square inputs and kernels, integers, a kernel as large as the input."""
    g = torch.Generator().manual_seed(seed)
    shapes = [
        ((5, 7), (2, 3)),
        ((7, 4), (3, 1)),
        ((6, 6), (3, 3)),
        ((4, 9), (4, 2)),
        ((5, 5), (5, 5)),
        ((3, 8), (1, 1)),
        ((8, 5), (2, 5)),
    ]
    pairs = [
        (torch.randn(h, w, generator=g), torch.randn(kh, kw, generator=g)) for (h, w), (kh, kw) in shapes
    ]
    pairs.append((torch.randint(-4, 5, (6, 5), generator=g), torch.randint(-2, 3, (2, 3), generator=g)))
    return [Case(describe_all(X=X, K=K), {"X": X, "K": K}) for X, K in pairs]


def _zero_last(Y: torch.Tensor, dim: int) -> torch.Tensor | None:
    if Y.shape[dim] < 2:
        return None
    Y = Y.clone()
    Y.select(dim, -1).zero_()
    return Y


CORR2D_MISTAKES = (
    Mistake(
        N_("kernel flipped: this is convolution, not cross-correlation"),
        N_(
            "your output equals X convolved with K, i.e. cross-correlated with K flipped in both "
            "axes; cross-correlation multiplies X[i + a, j + b] by K[a, b], with no flip"
        ),
        lambda X, K: oracle.corr2d(X, K.flip(0, 1)),
    ),
    Mistake(
        N_("output transposed"),
        N_(
            "Y[i, j] belongs to the window whose top-left corner is at row i, column j of X; "
            "check that i runs over rows (X.shape[0]) and j over columns (X.shape[1])"
        ),
        lambda X, K: oracle.corr2d(X, K).T,
    ),
    Mistake(
        N_("averaged instead of summed"),
        N_("each output is the sum of the products X[i + a, j + b] * K[a, b], not their mean"),
        lambda X, K: oracle.corr2d(X, K) / K.numel(),
    ),
    Mistake(
        N_("last row of the output not computed"),
        N_(
            "the output's last row is still zero: the row loop must visit all n - k + 1 "
            "positions, range(X.shape[0] - kh + 1)"
        ),
        lambda X, K: _zero_last(oracle.corr2d(X, K), 0),
    ),
    Mistake(
        N_("last column of the output not computed"),
        N_(
            "the output's last column is still zero: the column loop must visit all n - k + 1 "
            "positions, range(X.shape[1] - kw + 1)"
        ),
        lambda X, K: _zero_last(oracle.corr2d(X, K), 1),
    ),
)

CORR2D = Exercise(
    "corr2d",
    parts={
        "examples": Part(1, cases=lambda: WORKED),
        "random": Part(2, cases=random_cases),  # non-square, integer, kernel as large as the input
    },
    reference=oracle.corr2d,
    mistakes=CORR2D_MISTAKES,
    hints=Hints(
        shape=N_(
            "an input of n rows and a kernel of k rows give n - k + 1 output rows (the window "
            "fits n - k + 1 times), and likewise for columns; take kh, kw = K.shape and make the "
            "output torch.zeros((X.shape[0] - kh + 1, X.shape[1] - kw + 1))"
        ),
        value=N_(
            "Y[i, j] is (X[i:i + kh, j:j + kw] * K).sum(): check the slice bounds and that "
            "every product in the window is added"
        ),
        error=N_(
            "the window X[i:i + kh, j:j + kw] must have K's shape: take kh, kw = K.shape (rows "
            "first), slice rows with kh and columns with kw, and make sure it works for non-square "
            "inputs and kernels"
        ),
    ),
    selector="cases",
)
check_corr2d = check_function(CORR2D)


# --- Conv2D -------------------------------------------------------------------------------

SUPER_HINT = N_(
    "an nn.Module's __init__ must call super().__init__() before assigning parameters "
    "(the course notes' super(CNN).__init__() forgets the self argument and fails the same way)"
)


def _build(Conv2D, kernel_size, case):
    outcome = run_watched(Conv2D, kernel_size)
    err = outcome.error
    if err is not None and "before Module.__init__() call" in str(err):
        fail(
            "Conv2D",
            N_("could not be created"),
            case.label,
            [f"{type(err).__name__}: {err}"],
            hint=SUPER_HINT,
        )
    layer = check_outcome("Conv2D", outcome, case, N_("Conv2D(kernel_size) must build the layer"))
    if not isinstance(layer, nn.Module):
        fail(
            "Conv2D",
            N_("is not an nn.Module"),
            case.label,
            [Msg("got {type}", type=type(layer).__name__)],
            hint=N_("declare it as class Conv2D(nn.Module) and call super().__init__()"),
        )
    return layer


def _parameters_ok(layer, kernel_size, case: Case) -> None:
    """``weight`` and ``bias`` are registered parameters of the contract's shapes."""
    params = dict(layer.named_parameters())
    for name, shape in [("weight", kernel_size), ("bias", (1,))]:
        value = getattr(layer, name, None)
        if name not in params:
            hint = (
                Msg(
                    "wrap it: self.{name} = nn.Parameter(...), so that .parameters() and the "
                    "optimizer see it",
                    name=name,
                )
                if isinstance(value, torch.Tensor)
                else Msg("set self.{name} = nn.Parameter(...) in __init__", name=name)
            )
            fail(
                "Conv2D",
                Msg("has no learnable parameter {name!r}", name=name),
                case.label,
                [Msg("parameters found: {names}", names=sorted(params) or "none")],
                hint=hint,
            )
        if tuple(params[name].shape) != tuple(shape):
            hint = (
                N_("the kernel has the shape kernel_size; the bias is one number, shape (1,)")
                if name == "bias"
                else N_("create the weight with torch.rand(kernel_size)")
            )
            fail(
                "Conv2D",
                Msg("{name} has the wrong shape", name=name),
                case.label,
                [Msg("expected {tuple}, got {tuple2}", tuple=tuple(shape), tuple2=tuple(params[name].shape))],
                hint=hint,
            )
    extra = sorted(set(params) - {"weight", "bias"})
    if extra:
        fail(
            "Conv2D",
            N_("a learnable parameter besides weight and bias"),
            case.label,
            [Msg("parameters found: {sorted}", sorted=sorted(params))],
            hint=N_(
                "the layer learns a kernel and one bias, nothing else: an optimizer would train every other "
                "nn.Parameter too; keep constants as plain attributes"
            ),
        )


def _check_parameters(Conv2D) -> int:
    n = 0
    for kernel_size in [(2, 3), (1, 2), (3, 3)]:
        case = Case(f"Conv2D({kernel_size})", {})
        _parameters_ok(_build(Conv2D, kernel_size, case), kernel_size, case)
        n += 1
    first = _build(Conv2D, (3, 3), Case(N_("Conv2D((3, 3))"), {})).weight.detach().clone()
    second = _build(Conv2D, (3, 3), Case(N_("Conv2D((3, 3))"), {})).weight.detach().clone()
    if torch.equal(first, second) or first.unique().numel() == 1:
        fail(
            "Conv2D",
            N_("weight is not randomly initialised"),
            N_("two Conv2D((3, 3)) layers"),
            [Msg("weight = {weight}", weight=first.tolist())],
            hint=N_(
                "start from random values, e.g. nn.Parameter(torch.rand(kernel_size)): a constant "
                "kernel gives every position the same gradient"
            ),
        )
    return n + 1


FORWARD_HINTS = Hints(
    shape=N_("forward(x) has the shape of corr2d(x, self.weight)"),
    value=N_("forward(x) is corr2d(x, self.weight) + self.bias"),
    error=N_("forward(x) is corr2d(x, self.weight) + self.bias"),
)


def _check_forward(Conv2D) -> int:
    g = torch.Generator().manual_seed(7)
    n = 0
    for (h, w), kernel_size in [((5, 6), (2, 3)), ((4, 4), (1, 2)), ((6, 8), (3, 3))]:
        x = torch.randn(h, w, generator=g)
        W = torch.randn(*kernel_size, generator=g)
        b = float(torch.randn(1, generator=g))
        case = Case(
            Msg("Conv2D({kernel_size}) on x of shape {shape}", kernel_size=kernel_size, shape=(h, w)),
            {"X": x, "K": W},
        )
        layer = _build(Conv2D, kernel_size, case)
        _parameters_ok(layer, kernel_size, case)  # a forward pass needs the right parameters first
        with torch.no_grad():
            layer.weight.copy_(W)
            layer.bias.fill_(b)
        got = call_watched("Conv2D", layer, Case(case.label, {"x": x}), FORWARD_HINTS.error)
        expected = oracle.corr2d(x, W) + b
        mistakes = (
            Mistake(
                N_("forward ignores the bias"),
                N_("return corr2d(x, self.weight) + self.bias"),
                lambda X, K: oracle.corr2d(X, K),
            ),
            Mistake(
                N_("kernel flipped: this is convolution, not cross-correlation"),
                N_("forward must cross-correlate: corr2d(x, self.weight)"),
                lambda X, K, b=b: oracle.corr2d(X, K.flip(0, 1)) + b,
            ),
            Mistake(
                N_("a ReLU after the bias"),
                N_(
                    "the layer is corr2d(x, self.weight) + self.bias and nothing more: a network puts its "
                    "activations between its layers (notebooks 07 and 09), not inside the convolution"
                ),
                lambda X, K, b=b: torch.relu(oracle.corr2d(X, K) + b),
            ),
        )
        compare_one("Conv2D", CaseRun(case, got, expected), mistakes, FORWARD_HINTS)
        got.sum().backward()
        grad = layer.weight.grad
        if grad is None:
            fail(
                "Conv2D",
                N_("no gradient reaches the weight"),
                case.label,
                hint=N_(
                    "forward must use self.weight itself (not .data, .detach() or a copy made "
                    "with torch.tensor), so that backward() can train it"
                ),
            )
        # d sum(corr2d(x, W) + b) / dW[a, b] = sum of the window entries x[i + a, j + b]: corr2d(x, ones)
        ones = torch.ones(tuple(expected.shape))
        for name, value, want, hint in [
            ("weight", grad, oracle.corr2d(x, ones), GRADIENT_HINT),
            ("bias", layer.bias.grad, torch.full((1,), float(expected.numel())), BIAS_GRADIENT_HINT),
        ]:
            if value is None or value.shape != want.shape or not close(value, want):
                shown = "none" if value is None else _leading(value)
                lines = [
                    Msg(
                        "after forward(x).sum().backward(): expected {want}, got {shown}",
                        want=_leading(want),
                        shown=shown,
                    )
                ]
                fail(
                    "Conv2D",
                    Msg("the gradient of the {name} is wrong", name=name),
                    case.label,
                    lines,
                    hint=hint,
                )
        n += 1
    return n


def _leading(t: torch.Tensor) -> str:
    """The first six entries, rounded: enough to see a gradient differ."""
    return str([round(v, 3) for v in t.flatten().tolist()][:6])


GRADIENT_HINT = N_(
    "each weight K[a, b] multiplies x[i + a, j + b] in every output, so its gradient is the sum of "
    "those inputs: compute forward with differentiable tensor operations on self.weight (no "
    "in-place writes into a tensor built from it, no scaling), e.g. corr2d(x, self.weight)"
)
BIAS_GRADIENT_HINT = N_(
    "the bias is added once to every output, so its gradient is the number of outputs: "
    "add self.bias itself (broadcast), once"
)


# The forward pass is checked with a correct corr2d standing in for the notebook's, so a
# mistake in corr2d costs only corr2d's points.
CONV2D = Exercise(
    "Conv2D",
    parts={"parameters": Part(1, steps=(_check_parameters,)), "forward": Part(1, steps=(_check_forward,))},
    hints=FORWARD_HINTS,
    stand_ins={"corr2d": oracle.corr2d},
    selector="aspect",
    unit=N_("checks"),
    keeps_random_state=True,  # building layers draws random weights
)
check_Conv2D = check_function(CONV2D)  # noqa: N816 (named after the exercise)
