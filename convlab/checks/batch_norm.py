"""Checks for notebook 10's batch normalization: the forward pass in train and eval mode, and
the backward pass. (Its other checks are :mod:`convlab.checks.modern`'s; the view is
:mod:`convlab.widgets.batch_norm`, this module's mirror on the widgets' side.)

Every reference is PyTorch's own (:mod:`convlab.oracle`): ``F.batch_norm`` and autograd
through it. Batch norm's operators are forbidden here (:data:`convlab.watch.NORM`).
"""

from __future__ import annotations

import torch

from convlab import oracle
from convlab.checks.compare import compare_three
from convlab.checks.exercise import Case, Exercise, Hints, Mistake, Part
from convlab.checks.runner import call_watched, check_function
from convlab.checks.wording import describe_all
from convlab.i18n import N_, Msg
from convlab.watch import NORM

# --- batch_norm_forward(X, gamma, beta, running_mean, running_var, training, momentum, eps) ------

FORWARD_OUTPUTS = ("Y", "running_mean", "running_var")
FORWARD_HINTS = Hints(
    shape=N_("Y has X's shape (n, c, h, w); running_mean and running_var one entry per channel (c,)"),
    value=N_(
        "per channel c: mean and (biased) variance over the batch and the positions, X[:, c] all "
        "together; Y = gamma · (X − mean) / sqrt(var + eps) + beta; running = (1 − momentum) · running + "
        "momentum · batch statistic (the variance unbiased: · m / (m − 1), m = n·h·w); in eval mode the "
        "running statistics normalize and stay as they are"
    ),
    error=N_(
        "batch_norm_forward(X, gamma, beta, running_mean, running_var, training=True, momentum=0.1, "
        "eps=1e-5) returns the triple (Y, new running_mean, new running_var)"
    ),
)
AXES = (0, 2, 3)  # batch, rows, columns: everything but the channel


def _channel(v: torch.Tensor) -> torch.Tensor:
    return v.to(torch.float64)[None, :, None, None]


def _normalize(X, gamma, beta, mean, var, eps, root=True):
    scale = (var + eps).sqrt() if root else var + eps
    return _channel(gamma) * (X.double() - mean) / scale + _channel(beta)


def _forward_mistakes(X, gamma, beta, running_mean, running_var, training=True, momentum=0.1, eps=1e-5):
    """Each output's mistakes, their predictions computed for this case."""
    X64 = X.double()
    m = X.numel() // X.shape[1]
    mean, var = X64.mean(AXES, keepdim=True), X64.var(AXES, unbiased=False, keepdim=True)
    old_mean, old_var = running_mean.double(), running_var.double()
    batch_mean, batch_var = mean.flatten(), var.flatten()
    unbiased = batch_var * m / (m - 1)
    if not training:
        rm, rv = _channel(old_mean), _channel(old_var)
        return {
            "Y": (
                Mistake(
                    N_("eval mode normalized with the batch's statistics"),
                    N_(
                        "in eval mode (training=False) use running_mean and running_var, not the batch's own "
                        "mean and variance: a prediction must not depend on the other images of the batch"
                    ),
                    lambda: _normalize(X, gamma, beta, mean, var, eps),
                ),
                Mistake(
                    N_("eval mode divided by the running variance, not its square root"),
                    N_("divide by sqrt(running_var + eps), the standard deviation"),
                    lambda: _normalize(X, gamma, beta, rm, rv, eps, root=False),
                ),
                Mistake(
                    N_("gamma and beta swapped"),
                    N_("gamma scales (multiplies), beta shifts (is added)"),
                    lambda: _normalize(X, beta, gamma, rm, rv, eps),
                ),
            ),
            "running_mean": (
                Mistake(
                    N_("running statistics updated in eval mode"),
                    N_("in eval mode the running statistics are only read: return them as they were"),
                    lambda: (1 - momentum) * old_mean + momentum * batch_mean,
                ),
            ),
            "running_var": (
                Mistake(
                    N_("running statistics updated in eval mode"),
                    N_("in eval mode the running statistics are only read: return them as they were"),
                    lambda: (1 - momentum) * old_var + momentum * unbiased,
                ),
            ),
        }
    return {
        "Y": (
            Mistake(
                N_("Y: one mean and variance for the whole batch, not one per channel"),
                N_(
                    "batch norm normalizes each channel by its own statistics: reduce over dims (0, 2, 3), "
                    "keep the channel"
                ),
                lambda: _normalize(X, gamma, beta, X64.mean(), X64.var(unbiased=False), eps),
            ),
            Mistake(
                N_("Y: statistics per image (over h and w only), not over the batch"),
                N_("the statistics are the batch's: reduce over the images too, dims (0, 2, 3)"),
                lambda: _normalize(
                    X, gamma, beta, X64.mean((2, 3), keepdim=True), X64.var((2, 3), False, keepdim=True), eps
                ),
            ),
            Mistake(
                N_("Y: statistics per pixel (over the batch only), not over the positions"),
                N_("a channel's statistics gather every position of every image: reduce over dims (0, 2, 3)"),
                lambda: _normalize(
                    X, gamma, beta, X64.mean(0, keepdim=True), X64.var(0, False, keepdim=True), eps
                ),
            ),
            Mistake(
                N_("Y: normalized with the unbiased variance"),
                N_(
                    "the normalization divides by the biased variance (divide by m, not m − 1: "
                    "X.var(unbiased=False)); only running_var stores the unbiased one"
                ),
                lambda: _normalize(X, gamma, beta, mean, var * m / (m - 1), eps),
            ),
            Mistake(
                N_("Y: eps added outside the square root"),
                N_("divide by sqrt(var + eps), not sqrt(var) + eps"),
                lambda: _channel(gamma) * (X64 - mean) / (var.sqrt() + eps) + _channel(beta),
            ),
            Mistake(
                N_("Y: divided by the variance, not the standard deviation"),
                N_("divide by sqrt(var + eps)"),
                lambda: _normalize(X, gamma, beta, mean, var, eps, root=False),
            ),
            Mistake(
                N_("gamma and beta swapped"),
                N_("gamma scales (multiplies), beta shifts (is added)"),
                lambda: _normalize(X, beta, gamma, mean, var, eps),
            ),
        ),
        "running_mean": (
            Mistake(
                N_("running_mean: momentum the wrong way round"),
                N_(
                    "PyTorch's momentum weighs the new batch: running = (1 − momentum) · running + "
                    "momentum · "
                    "batch mean"
                ),
                lambda: momentum * old_mean + (1 - momentum) * batch_mean,
            ),
            Mistake(
                N_("running_mean: not updated in train mode"),
                N_(
                    "in train mode every batch moves the running mean: (1 − momentum) · running + momentum "
                    "· mean"
                ),
                lambda: old_mean,
            ),
            Mistake(
                N_("running_mean: replaced by the batch mean"),
                N_("a running statistic is an average over batches: keep (1 − momentum) of the old value"),
                lambda: batch_mean,
            ),
        ),
        "running_var": (
            Mistake(
                N_("running_var: the biased variance stored"),
                N_(
                    "PyTorch stores the unbiased variance in running_var: the batch's variance times "
                    "m / (m − 1), m = n·h·w values per channel"
                ),
                lambda: (1 - momentum) * old_var + momentum * batch_var,
            ),
            Mistake(
                N_("running_var: momentum the wrong way round"),
                N_("running = (1 − momentum) · running + momentum · unbiased batch variance"),
                lambda: momentum * old_var + (1 - momentum) * unbiased,
            ),
            Mistake(
                N_("running_var: not updated in train mode"),
                N_("in train mode every batch moves the running variance"),
                lambda: old_var,
            ),
            Mistake(
                N_("running_var: the standard deviation stored"),
                N_("running_var keeps the variance (unbiased), not its square root"),
                lambda: (1 - momentum) * old_var + momentum * unbiased.sqrt(),
            ),
        ),
    }


def _forward_cases(training: bool) -> list[Case]:
    g = torch.Generator().manual_seed(1001 if training else 1002)
    cases = []
    for (n, c, h, w), momentum, eps in [
        ((4, 3, 3, 3), 0.1, 1e-5),
        ((2, 2, 2, 3), 0.3, 1e-5),
        ((5, 1, 2, 2), 0.1, 0.5),  # a large eps: where it goes shows
        ((3, 4, 1, 1), 0.9, 1e-5),  # 1×1 maps: the statistics are the batch's alone
    ]:
        X = 2 * torch.randn(n, c, h, w, generator=g) + torch.randn(1, c, 1, 1, generator=g)
        gamma, beta = 1 + torch.rand(c, generator=g), torch.randn(c, generator=g)
        rm, rv = torch.randn(c, generator=g), 0.5 + torch.rand(c, generator=g)
        label = Msg(
            "{inputs}, training={training}, momentum={momentum}, eps={eps}",
            inputs=describe_all(X=X),
            training=training,
            momentum=momentum,
            eps=eps,
        )
        inputs = {"X": X, "gamma": gamma, "beta": beta, "running_mean": rm, "running_var": rv}
        cases.append(Case(label, inputs, {"training": training, "momentum": momentum, "eps": eps}))
    return cases


def _outputs(ex: str, fn, case: Case, names: tuple[str, str, str], hints: Hints, reference, mistakes) -> None:
    """Run ``fn`` on ``case`` and compare each of the three tensors it returns with the
    reference's, on its own, with that output's mistakes (``mistakes(**arguments)[name]``)."""
    got = call_watched(ex, fn, case, hints.error, (NORM,))
    compare_three(ex, got, case, names, reference(**case.arguments), mistakes(**case.arguments), hints)


def _forward_values(training: bool):
    def check(batch_norm_forward) -> int:
        cases = _forward_cases(training)
        for case in cases:
            _outputs(
                "batch_norm_forward",
                batch_norm_forward,
                case,
                FORWARD_OUTPUTS,
                FORWARD_HINTS,
                oracle.batch_norm,
                _forward_mistakes,
            )
        return len(cases)

    check.__name__ = f"_forward_{'train' if training else 'eval'}"
    return check


BATCH_NORM_FORWARD = Exercise(
    "batch_norm_forward",
    parts={
        "train": Part(2, steps=(_forward_values(True),)),
        "eval": Part(1, steps=(_forward_values(False),)),
    },
    hints=FORWARD_HINTS,
    forbidden=(NORM,),
    selector="mode",
    keeps_random_state=True,
)
check_batch_norm_forward = check_function(BATCH_NORM_FORWARD)


# --- batch_norm_backward(dY, X, gamma, eps) -> (dX, dgamma, dbeta) -------------------------------

BACKWARD_OUTPUTS = ("dX", "dgamma", "dbeta")
BACKWARD_HINTS = Hints(
    shape=N_("dX has X's shape (n, c, h, w), dgamma and dbeta one entry per channel (c,)"),
    value=N_(
        "with x̂ = (X − mean) / sqrt(var + eps) and m = n·h·w values per channel: dbeta = Σ dY, "
        "dgamma = Σ dY · x̂ (sums over dims 0, 2, 3), dX = gamma / sqrt(var + eps) · (dY − mean(dY) − "
        "x̂ · mean(dY · x̂)), the means per channel"
    ),
    error=N_("batch_norm_backward(dY, X, gamma, eps=1e-5) returns the triple (dX, dgamma, dbeta)"),
)


def _backward_mistakes(dY, X, gamma, eps=1e-5):
    X64, dY64, g = X.double(), dY.double(), _channel(gamma)
    mean, var = X64.mean(AXES, keepdim=True), X64.var(AXES, unbiased=False, keepdim=True)
    std = (var + eps).sqrt()
    xhat = (X64 - mean) / std

    def dx(center=True, scale=True, gain=g):
        out = dY64
        if center:
            out = out - dY64.mean(AXES, keepdim=True)
        if scale:
            out = out - xhat * (dY64 * xhat).mean(AXES, keepdim=True)
        return gain * out / std

    return {
        "dX": (
            Mistake(
                N_("dX: the batch statistics treated as constants (gamma · dY / σ)"),
                N_(
                    "the mean and the variance depend on every X of the channel: dX = gamma / σ · (dY − "
                    "mean(dY) − x̂ · mean(dY · x̂))"
                ),
                lambda: dx(center=False, scale=False),
            ),
            Mistake(
                N_("dX: the mean's gradient left out (no − mean(dY))"),
                N_("subtracting the mean passes a gradient too: − mean(dY) per channel"),
                lambda: dx(center=False),
            ),
            Mistake(
                N_("dX: the variance's gradient left out (no − x̂ · mean(dY · x̂))"),
                N_("dividing by σ passes a gradient too: − x̂ · mean(dY · x̂) per channel"),
                lambda: dx(scale=False),
            ),
            Mistake(
                N_("dX: gamma left out"),
                N_("Y = gamma · x̂ + beta: the gradient reaching x̂ is gamma · dY"),
                lambda: dx(gain=1.0),
            ),
        ),
        "dgamma": (
            Mistake(
                N_("dgamma: Σ dY (that is dbeta)"),
                N_("gamma multiplies x̂: dgamma = Σ dY · x̂ over dims (0, 2, 3)"),
                lambda: dY64.sum(AXES),
            ),
            Mistake(
                N_("dgamma: Σ dY · X, X not normalized"),
                N_("gamma multiplies the normalized x̂ = (X − mean) / sqrt(var + eps), not X"),
                lambda: (dY64 * X64).sum(AXES),
            ),
            Mistake(
                N_("dgamma: a mean instead of a sum"),
                N_("every position of every image adds its share: a sum over dims (0, 2, 3), not a mean"),
                lambda: (dY64 * xhat).mean(AXES),
            ),
        ),
        "dbeta": (
            Mistake(
                N_("dbeta: a mean instead of a sum"),
                N_("beta is added at every position of every image: dbeta = Σ dY over dims (0, 2, 3)"),
                lambda: dY64.mean(AXES),
            ),
            Mistake(
                N_("dbeta: one number for all channels"),
                N_("one beta per channel: sum over dims (0, 2, 3) only"),
                lambda: dY64.sum(),
            ),
        ),
    }


def _backward_cases() -> list[Case]:
    g = torch.Generator().manual_seed(1003)
    cases = []
    for (n, c, h, w), eps in [
        ((4, 3, 3, 3), 1e-5),
        ((2, 2, 2, 3), 1e-5),
        ((6, 1, 2, 2), 0.5),
        ((3, 4, 1, 1), 1e-5),
    ]:
        X = 2 * torch.randn(n, c, h, w, generator=g) + 1
        dY, gamma = torch.randn(n, c, h, w, generator=g), 0.5 + torch.rand(c, generator=g)
        label = Msg("{inputs}, eps={eps}", inputs=describe_all(dY=dY, X=X), eps=eps)
        cases.append(Case(label, {"dY": dY, "X": X, "gamma": gamma}, {"eps": eps}))
    return cases


def _backward_values(batch_norm_backward) -> int:
    cases = _backward_cases()
    for case in cases:
        _outputs(
            "batch_norm_backward",
            batch_norm_backward,
            case,
            BACKWARD_OUTPUTS,
            BACKWARD_HINTS,
            oracle.batch_norm_backward,
            _backward_mistakes,
        )
    return len(cases)


BATCH_NORM_BACKWARD = Exercise(
    "batch_norm_backward",
    parts={"all": Part(2, steps=(_backward_values,))},
    hints=BACKWARD_HINTS,
    forbidden=(NORM,),
    keeps_random_state=True,
)
check_batch_norm_backward = check_function(BATCH_NORM_BACKWARD)
