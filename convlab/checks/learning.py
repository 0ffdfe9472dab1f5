"""Checks for notebook 03: training a kernel by hand, and the gradient of corr2d."""

from __future__ import annotations

from dataclasses import dataclass

import torch

from convlab import oracle
from convlab.checks.compare import close
from convlab.checks.exercise import Case, Exercise, Hints, Mistake, Part
from convlab.checks.runner import call_watched, check_function
from convlab.checks.wording import describe, describe_all, fail, fmt
from convlab.data import stripes
from convlab.i18n import N_, Msg


@dataclass(frozen=True)
class Variant:
    """A way to run the training loop: the right one, or a plausible mistake."""

    name: str
    hint: str
    reset: bool = True  # zero the gradient every step
    record_after: bool = False  # record the loss after the update instead of before
    mean: bool = False  # mean instead of sum of squared errors
    sign: float = -1.0  # w += sign * lr * grad


CORRECT = Variant("correct", "")
VARIANTS = [
    Variant(
        N_("gradients accumulate: not reset between steps"),
        N_(
            "reset the gradient every step (w.grad.zero_() or conv.zero_grad()); otherwise "
            "each step adds the new gradient to all the old ones"
        ),
        reset=False,
    ),
    Variant(
        N_("loss recorded after the update"),
        N_(
            "losses[i] is the loss before the i-th update: compute the loss, append "
            "loss.item(), then backward and update"
        ),
        record_after=True,
    ),
    Variant(
        N_("mean instead of sum of squared errors"),
        N_(
            "the loss is the sum of the squared errors, ((Y_hat - Y) ** 2).sum(), as in the "
            "course notes; the mean changes both the losses and the step size"
        ),
        mean=True,
    ),
    Variant(
        N_("weight moved uphill: gradient ascent"),
        N_("gradient descent subtracts: w -= lr * grad"),
        sign=1.0,
    ),
]


def run_training(X, Y, kernel_size, lr, steps, init, variant: Variant = CORRECT):
    """The reference loop (or a mistaken one), in float64 with ``oracle.corr2d``."""
    w = init.detach().clone().to(torch.float64).requires_grad_()
    Yd = Y.to(torch.float64)
    losses = []
    for _ in range(steps):
        err = (oracle.corr2d(X, w) - Yd) ** 2
        loss = err.mean() if variant.mean else err.sum()
        if not variant.record_after:
            losses.append(loss.item())
        loss.backward()
        with torch.no_grad():
            w += variant.sign * lr * w.grad
        if variant.reset:
            w.grad.zero_()
        if variant.record_after:
            with torch.no_grad():
                after = (oracle.corr2d(X, w) - Yd) ** 2
            losses.append((after.mean() if variant.mean else after.sum()).item())
    return w.detach(), losses


def _stripes() -> dict[str, torch.Tensor]:
    """The notes' training data: the stripes image and its response to [[1, -1]]."""
    X = stripes()
    return {"X": X, "Y": oracle.corr2d(X, torch.tensor([[1.0, -1.0]]))}


def _cases() -> list[Case]:
    g = torch.Generator().manual_seed(303)
    X, Y = _stripes().values()
    init = torch.rand(1, 2, generator=g)
    Xr = torch.randn(5, 6, generator=g)
    Yr = oracle.corr2d(Xr, torch.randn(2, 2, generator=g))
    return [
        Case(
            N_("the stripes image, lr 3e-2, 10 steps"),
            {"X": X, "Y": Y},
            {"kernel_size": (1, 2), "lr": 3e-2, "steps": 10, "init": init},
        ),
        Case(
            N_("the stripes image, lr 0.01, 10 steps"),
            {"X": X, "Y": Y},
            {"kernel_size": (1, 2), "lr": 0.01, "steps": 10, "init": init},
        ),
        Case(
            Msg("{describe}, a 2×2 kernel, lr 1e-2, 7 steps", describe=describe("X", Xr)),
            {"X": Xr, "Y": Yr},
            {"kernel_size": (2, 2), "lr": 1e-2, "steps": 7, "init": torch.rand(2, 2, generator=g)},
        ),
    ]


def _matches(got_w, got_losses, w, losses) -> bool:
    return close(got_w, w) and close(torch.tensor(got_losses, dtype=torch.float64), torch.tensor(losses))


def _check_result(case: Case, got) -> None:
    ex, opts = "train_kernel", case.options
    if not isinstance(got, tuple | list) or len(got) != 2:
        fail(
            ex,
            N_("did not return (weight, losses)"),
            case.label,
            [Msg("got {type}", type=type(got).__name__)],
            hint=N_("return weight.detach(), losses"),
        )
    weight, losses = got
    if not isinstance(weight, torch.Tensor) or tuple(weight.shape) != tuple(opts["kernel_size"]):
        shape = tuple(weight.shape) if isinstance(weight, torch.Tensor) else type(weight).__name__
        fail(
            ex,
            N_("weight has the wrong shape"),
            case.label,
            [Msg("expected {tuple}, got {shape}", tuple=tuple(opts["kernel_size"]), shape=shape)],
            hint=TRAIN_HINTS.shape + N_(" (reshape a 4-D conv weight back)"),
        )
    if weight.requires_grad:
        fail(
            ex,
            N_("returned a weight that still requires grad"),
            case.label,
            hint=N_("return weight.detach(): the result is a plain tensor, not part of a graph"),
        )
    if not isinstance(losses, list) or len(losses) != opts["steps"]:
        fail(
            ex,
            N_("losses is not a list of one loss per step"),
            case.label,
            [
                Msg(
                    "expected a list of {steps} floats, got {type}",
                    steps=opts["steps"],
                    type=type(losses).__name__,
                )
                + (Msg(" of length {len}", len=len(losses)) if hasattr(losses, "__len__") else "")
            ],
            hint=N_("append loss.item() once per step, before the update"),
        )
    if not all(isinstance(v, float) for v in losses):
        fail(
            ex,
            N_("losses holds tensors, not floats"),
            case.label,
            [Msg("losses[0] = {loss!r}", loss=losses[0])],
            hint=N_("append loss.item(): a float, detached from the graph"),
        )
    args = (
        case.inputs["X"],
        case.inputs["Y"],
        opts["kernel_size"],
        opts["lr"],
        opts["steps"],
        opts["init"],
    )
    w, expected = run_training(*args)
    if _matches(weight, losses, w, expected):
        return
    for variant in VARIANTS:
        if _matches(weight, losses, *run_training(*args, variant)):
            fail(
                ex,
                variant.name,
                case.label,
                [
                    Msg(
                        "losses expected {want} ..., got {got} ...",
                        want=[round(v, 3) for v in expected[:3]],
                        got=[round(v, 3) for v in losses[:3]],
                    )
                ],
                hint=variant.hint,
            )
    i = next(
        (
            i
            for i, (a, b) in enumerate(zip(losses, expected, strict=True))
            if abs(a - b) > 1e-4 * max(1.0, abs(b))
        ),
        None,
    )
    lines = (
        [
            Msg(
                "first differing loss: step {i}, expected {fmt}, got {fmt2}",
                i=i,
                fmt=fmt(expected[i]),
                fmt2=fmt(losses[i]),
            )
        ]
        if i is not None
        else []
    )
    lines.append(
        Msg(
            "final weight expected {want}, got {got}",
            want=[round(v, 4) for v in w.flatten().tolist()],
            got=[round(v, 4) for v in weight.flatten().tolist()],
        )
    )
    fail(
        ex,
        N_("training went differently from the reference"),
        case.label,
        lines,
        hint=TRAIN_HINTS.value,
        mistake=None,
    )


TRAIN_HINTS = Hints(
    shape=N_("return the kernel itself, shaped kernel_size"),
    value=N_(
        "start from init, then each step: Y_hat = corr2d(X, w); loss = ((Y_hat - Y) ** 2).sum(); "
        "record loss.item(); backward; w -= lr * grad; reset the gradient"
    ),
    error=N_("train_kernel(X, Y, kernel_size=(1, 2), lr=3e-2, steps=10, init=None) must run"),
)


def _train(train_kernel, case: Case):
    return call_watched("train_kernel", train_kernel, case, TRAIN_HINTS.error, allow_convolution=True)


def _follows_reference(train_kernel) -> int:
    """With ``init`` the losses and the weight must follow the reference loop step by step."""
    cases = _cases()
    for case in cases:
        _check_result(case, _train(train_kernel, case))
    return len(cases)


def _seeded_start(train_kernel) -> int:
    """Without ``init`` the start must come from torch's (seeded) random generator."""
    case = Case(N_("the stripes image without init"), _stripes(), {"steps": 10})
    with torch.random.fork_rng():  # reseeded here: leave the notebook's random stream alone
        runs = []
        for seed in (0, 0, 1):
            torch.manual_seed(seed)
            runs.append(_train(train_kernel, case))
    (w0, l0), (w0b, _), (w1, _) = runs
    if not torch.equal(w0, w0b):
        fail(
            "train_kernel",
            N_("is not reproducible under a seed"),
            case.label,
            [N_("two runs after torch.manual_seed(0) gave different kernels")],
            hint=N_(
                "draw the start from torch's generator, e.g. torch.rand(kernel_size), so that the "
                "caller's seed decides it"
            ),
        )
    if torch.equal(w0, w1):
        fail(
            "train_kernel",
            N_("does not start from a random kernel without init"),
            case.label,
            [N_("seeds 0 and 1 gave the same kernel")],
            hint=N_("without init, start from torch.rand(kernel_size) (or randn), not a constant"),
        )
    if not l0[-1] < l0[0]:
        fail(
            "train_kernel",
            N_("the loss does not fall"),
            case.label,
            [Msg("losses {l0}", l0=l0)],
            hint=N_("each step must move w against the gradient: w -= lr * grad"),
        )
    return 1 + _kernel_size_used(train_kernel)


def _kernel_size_used(train_kernel) -> int:
    """Without ``init`` the start has the shape ``kernel_size``: not the default (1, 2) here."""
    g = torch.Generator().manual_seed(304)
    X = torch.randn(5, 6, generator=g)
    Y = oracle.corr2d(X, torch.randn(2, 3, generator=g))
    # no steps: the kernel returned is the start itself
    case = Case(
        Msg("{describe} without init, kernel_size=(2, 3), steps=0", describe=describe("X", X)),
        {"X": X, "Y": Y},
        {"kernel_size": (2, 3), "lr": 1e-2, "steps": 0},
    )
    with torch.random.fork_rng():
        torch.manual_seed(0)
        got = _train(train_kernel, case)
    weight = got[0] if isinstance(got, tuple | list) and got else None
    if isinstance(weight, torch.Tensor) and tuple(weight.shape) != (2, 3):
        fail(
            "train_kernel",
            N_("kernel_size ignored: the start without init is not of shape kernel_size"),
            case.label,
            [Msg("expected a weight of shape (2, 3), got {tuple}", tuple=tuple(weight.shape))],
            hint=N_("without init, start from torch.rand(kernel_size): the caller's kernel_size, not (1, 2)"),
        )
    return 1


# train_kernel(X, Y, kernel_size, lr, steps, init) -> (weight, losses); nn.Conv2d is allowed
# here, as in the course notes.
TRAIN_KERNEL = Exercise(
    "train_kernel",
    parts={"all": Part(3, steps=(_follows_reference, _seeded_start))},
    hints=TRAIN_HINTS,
    allow_convolution=True,
    stand_ins={"corr2d": oracle.corr2d},  # 01's exercise, lent as the notebook imports it
)
check_train_kernel = check_function(TRAIN_KERNEL)


def _reference_gradient(X: torch.Tensor, dY: torch.Tensor) -> torch.Tensor:
    kh, kw = X.shape[0] - dY.shape[0] + 1, X.shape[1] - dY.shape[1] + 1
    K = torch.zeros(kh, kw, dtype=torch.float64, requires_grad=True)
    (oracle.corr2d(X, K) * dY.to(torch.float64)).sum().backward()
    return K.grad.to(torch.float32)


def _gradient_cases() -> list[Case]:
    g = torch.Generator().manual_seed(313)
    shapes = [((6, 8), (6, 7)), ((5, 5), (3, 3)), ((7, 4), (5, 2)), ((4, 6), (4, 6))]
    pairs = [(torch.randn(xs, generator=g), torch.randn(ys, generator=g)) for xs, ys in shapes]
    pairs.append((torch.randint(-3, 4, (5, 6), generator=g), torch.randint(-2, 3, (4, 4), generator=g)))
    return [Case(describe_all(X=X, dY=dY), {"X": X, "dY": dY}) for X, dY in pairs]


# kernel_gradient(X, dY): d/dK of sum(corr2d(X, K) * dY), compared with autograd.
KERNEL_GRADIENT = Exercise(
    "kernel_gradient",
    parts={"all": Part(2, cases=_gradient_cases)},
    reference=_reference_gradient,
    mistakes=(
        Mistake(
            N_("dY flipped: that is a convolution"),
            N_("dL/dK[a, b] = sum over i, j of X[i + a, j + b] * dY[i, j]: cross-correlate X with dY itself"),
            lambda X, dY: oracle.corr2d(X, dY.flip(0, 1)),
        ),
        Mistake(
            N_("averaged instead of summed"),
            N_("the gradient sums X[i + a, j + b] * dY[i, j] over every output position"),
            lambda X, dY: oracle.corr2d(X, dY) / dY.numel(),
        ),
        Mistake(
            N_("output transposed"),
            N_("K[a, b]'s gradient goes to position (a, b): rows first"),
            lambda X, dY: oracle.corr2d(X, dY).T,
        ),
    ),
    hints=Hints(
        shape=N_(
            "the gradient has the kernel's shape: kh = X.shape[0] - dY.shape[0] + 1 (and the "
            "same for columns), which is what corr2d(X, dY) returns"
        ),
        value=N_(
            "K[a, b] multiplies X[i + a, j + b] in every output Y[i, j], so dL/dK[a, b] = "
            "sum over i, j of X[i + a, j + b] * dY[i, j]: that is corr2d(X, dY)"
        ),
        error=N_("compute corr2d(X, dY)"),
    ),
    stand_ins={"corr2d": oracle.corr2d},  # 01's exercise, lent as the notebook imports it
)
check_kernel_gradient = check_function(KERNEL_GRADIENT)
