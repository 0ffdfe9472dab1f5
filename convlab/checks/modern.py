"""Checks for notebook 10: batch normalization (forward in train and eval mode, and backward),
the depthwise-separable convolution, global average pooling and a residual block.

Every reference is PyTorch's own (:mod:`convlab.oracle`): ``F.batch_norm`` and autograd
through it, ``F.conv2d`` with ``groups``, average pooling over the whole map, and a residual
block's layers run by PyTorch. Batch norm's operators are forbidden in the batch-norm
exercises (:data:`convlab.watch.NORM`), as convolution and pooling are everywhere.
"""

from __future__ import annotations

import copy

import torch
from torch import nn

from convlab import oracle
from convlab.checks.compare import compare_one
from convlab.checks.exercise import Case, Exercise, Hints, Mistake, Part, Result
from convlab.checks.runner import call_watched, check_function, check_outcome
from convlab.checks.wording import describe_all, fail
from convlab.watch import NORM, run_watched

# --- batch_norm_forward(X, gamma, beta, running_mean, running_var, training, momentum, eps) ------

FORWARD_OUTPUTS = ("Y", "running_mean", "running_var")
FORWARD_HINTS = Hints(
    shape="Y has X's shape (n, c, h, w); running_mean and running_var one entry per channel (c,)",
    value="per channel c: mean and (biased) variance over the batch and the positions, X[:, c] all "
    "together; Y = gamma · (X − mean) / sqrt(var + eps) + beta; running = (1 − momentum) · running + "
    "momentum · batch statistic (the variance unbiased: · m / (m − 1), m = n·h·w); in eval mode the "
    "running statistics normalize and stay as they are",
    error="batch_norm_forward(X, gamma, beta, running_mean, running_var, training=True, momentum=0.1, "
    "eps=1e-5) returns the triple (Y, new running_mean, new running_var)",
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
                    "eval mode normalized with the batch's statistics",
                    "in eval mode (training=False) use running_mean and running_var, not the batch's own "
                    "mean and variance: a prediction must not depend on the other images of the batch",
                    lambda: _normalize(X, gamma, beta, mean, var, eps),
                ),
                Mistake(
                    "eval mode divided by the running variance, not its square root",
                    "divide by sqrt(running_var + eps), the standard deviation",
                    lambda: _normalize(X, gamma, beta, rm, rv, eps, root=False),
                ),
                Mistake(
                    "gamma and beta swapped",
                    "gamma scales (multiplies), beta shifts (is added)",
                    lambda: _normalize(X, beta, gamma, rm, rv, eps),
                ),
            ),
            "running_mean": (
                Mistake(
                    "running statistics updated in eval mode",
                    "in eval mode the running statistics are only read: return them as they were",
                    lambda: (1 - momentum) * old_mean + momentum * batch_mean,
                ),
            ),
            "running_var": (
                Mistake(
                    "running statistics updated in eval mode",
                    "in eval mode the running statistics are only read: return them as they were",
                    lambda: (1 - momentum) * old_var + momentum * unbiased,
                ),
            ),
        }
    return {
        "Y": (
            Mistake(
                "Y: one mean and variance for the whole batch, not one per channel",
                "batch norm normalizes each channel by its own statistics: reduce over dims (0, 2, 3), "
                "keep the channel",
                lambda: _normalize(X, gamma, beta, X64.mean(), X64.var(unbiased=False), eps),
            ),
            Mistake(
                "Y: statistics per image (over h and w only), not over the batch",
                "the statistics are the batch's: reduce over the images too, dims (0, 2, 3)",
                lambda: _normalize(
                    X, gamma, beta, X64.mean((2, 3), keepdim=True), X64.var((2, 3), False, keepdim=True), eps
                ),
            ),
            Mistake(
                "Y: statistics per pixel (over the batch only), not over the positions",
                "a channel's statistics gather every position of every image: reduce over dims (0, 2, 3)",
                lambda: _normalize(
                    X, gamma, beta, X64.mean(0, keepdim=True), X64.var(0, False, keepdim=True), eps
                ),
            ),
            Mistake(
                "Y: normalized with the unbiased variance",
                "the normalization divides by the biased variance (divide by m, not m − 1: "
                "X.var(unbiased=False)); only running_var stores the unbiased one",
                lambda: _normalize(X, gamma, beta, mean, var * m / (m - 1), eps),
            ),
            Mistake(
                "Y: eps added outside the square root",
                "divide by sqrt(var + eps), not sqrt(var) + eps",
                lambda: _channel(gamma) * (X64 - mean) / (var.sqrt() + eps) + _channel(beta),
            ),
            Mistake(
                "Y: divided by the variance, not the standard deviation",
                "divide by sqrt(var + eps)",
                lambda: _normalize(X, gamma, beta, mean, var, eps, root=False),
            ),
            Mistake(
                "gamma and beta swapped",
                "gamma scales (multiplies), beta shifts (is added)",
                lambda: _normalize(X, beta, gamma, mean, var, eps),
            ),
        ),
        "running_mean": (
            Mistake(
                "running_mean: momentum the wrong way round",
                "PyTorch's momentum weighs the new batch: running = (1 − momentum) · running + momentum · "
                "batch mean",
                lambda: momentum * old_mean + (1 - momentum) * batch_mean,
            ),
            Mistake(
                "running_mean: not updated in train mode",
                "in train mode every batch moves the running mean: (1 − momentum) · running + momentum "
                "· mean",
                lambda: old_mean,
            ),
            Mistake(
                "running_mean: replaced by the batch mean",
                "a running statistic is an average over batches: keep (1 − momentum) of the old value",
                lambda: batch_mean,
            ),
        ),
        "running_var": (
            Mistake(
                "running_var: the biased variance stored",
                "PyTorch stores the unbiased variance in running_var: the batch's variance times "
                "m / (m − 1), m = n·h·w values per channel",
                lambda: (1 - momentum) * old_var + momentum * batch_var,
            ),
            Mistake(
                "running_var: momentum the wrong way round",
                "running = (1 − momentum) · running + momentum · unbiased batch variance",
                lambda: momentum * old_var + (1 - momentum) * unbiased,
            ),
            Mistake(
                "running_var: not updated in train mode",
                "in train mode every batch moves the running variance",
                lambda: old_var,
            ),
            Mistake(
                "running_var: the standard deviation stored",
                "running_var keeps the variance (unbiased), not its square root",
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
        label = describe_all(X=X) + f", training={training}, momentum={momentum}, eps={eps}"
        inputs = {"X": X, "gamma": gamma, "beta": beta, "running_mean": rm, "running_var": rv}
        cases.append(Case(label, inputs, {"training": training, "momentum": momentum, "eps": eps}))
    return cases


def _outputs(ex: str, fn, case: Case, names: tuple[str, str, str], hints: Hints, reference, mistakes) -> None:
    """Run ``fn`` on ``case`` and compare each of the three tensors it returns with the
    reference's, on its own, with that output's mistakes (``mistakes(**arguments)[name]``)."""
    got = call_watched(ex, fn, case, hints.error, (NORM,))
    if not isinstance(got, tuple | list) or len(got) != 3:
        length = f" of length {len(got)}" if isinstance(got, tuple | list) else ""
        fail(
            ex,
            "did not return three tensors",
            case.label,
            [f"got {type(got).__name__}{length}"],
            f"return {', '.join(names)}",
        )
    named = mistakes(**case.arguments)
    for name, value, right in zip(names, got, reference(**case.arguments), strict=True):
        compare_one(f"{ex} ({name})", Result(Case(case.label, {}), value, right), named[name], hints)


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
    shape="dX has X's shape (n, c, h, w), dgamma and dbeta one entry per channel (c,)",
    value="with x̂ = (X − mean) / sqrt(var + eps) and m = n·h·w values per channel: dbeta = Σ dY, "
    "dgamma = Σ dY · x̂ (sums over dims 0, 2, 3), dX = gamma / sqrt(var + eps) · (dY − mean(dY) − "
    "x̂ · mean(dY · x̂)), the means per channel",
    error="batch_norm_backward(dY, X, gamma, eps=1e-5) returns the triple (dX, dgamma, dbeta)",
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
                "dX: the batch statistics treated as constants (gamma · dY / σ)",
                "the mean and the variance depend on every X of the channel: dX = gamma / σ · (dY − "
                "mean(dY) − x̂ · mean(dY · x̂))",
                lambda: dx(center=False, scale=False),
            ),
            Mistake(
                "dX: the mean's gradient left out (no − mean(dY))",
                "subtracting the mean passes a gradient too: − mean(dY) per channel",
                lambda: dx(center=False),
            ),
            Mistake(
                "dX: the variance's gradient left out (no − x̂ · mean(dY · x̂))",
                "dividing by σ passes a gradient too: − x̂ · mean(dY · x̂) per channel",
                lambda: dx(scale=False),
            ),
            Mistake(
                "dX: gamma left out",
                "Y = gamma · x̂ + beta: the gradient reaching x̂ is gamma · dY",
                lambda: dx(gain=1.0),
            ),
        ),
        "dgamma": (
            Mistake(
                "dgamma: Σ dY (that is dbeta)",
                "gamma multiplies x̂: dgamma = Σ dY · x̂ over dims (0, 2, 3)",
                lambda: dY64.sum(AXES),
            ),
            Mistake(
                "dgamma: Σ dY · X, X not normalized",
                "gamma multiplies the normalized x̂ = (X − mean) / sqrt(var + eps), not X",
                lambda: (dY64 * X64).sum(AXES),
            ),
            Mistake(
                "dgamma: a mean instead of a sum",
                "every position of every image adds its share: a sum over dims (0, 2, 3), not a mean",
                lambda: (dY64 * xhat).mean(AXES),
            ),
        ),
        "dbeta": (
            Mistake(
                "dbeta: a mean instead of a sum",
                "beta is added at every position of every image: dbeta = Σ dY over dims (0, 2, 3)",
                lambda: dY64.mean(AXES),
            ),
            Mistake(
                "dbeta: one number for all channels",
                "one beta per channel: sum over dims (0, 2, 3) only",
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
        label = describe_all(dY=dY, X=X) + f", eps={eps}"
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


# --- depthwise_separable(X, K_depth, K_point) --------------------------------------------------


def _separable_cases() -> list[Case]:
    g = torch.Generator().manual_seed(1004)
    cases = []
    for (c, h, w), (kh, kw), c_o in [
        ((3, 5, 5), (3, 3), 4),
        ((2, 4, 6), (2, 3), 2),
        ((4, 6, 5), (3, 2), 4),
        ((1, 4, 4), (2, 2), 3),
    ]:
        X = torch.randn(c, h, w, generator=g)
        Kd, Kp = torch.randn(c, 1, kh, kw, generator=g), torch.randn(c_o, c, 1, 1, generator=g)
        cases.append(Case(describe_all(X=X, K_depth=Kd, K_point=Kp), {"X": X, "K_depth": Kd, "K_point": Kp}))
    return cases


def _depthwise(X, K):
    return oracle.corr2d_multi_in_out(X, K, X.shape[0])


def _square(K_point):
    return K_point.shape[0] == K_point.shape[1]


DEPTHWISE_SEPARABLE = Exercise(
    "depthwise_separable",
    parts={"all": Part(2, cases=_separable_cases)},
    reference=oracle.depthwise_separable,
    mistakes=(
        Mistake(
            "the 1×1 convolution before the depthwise one",
            "first the depthwise step (each channel its own kh×kw kernel, groups = c), then the 1×1 "
            "convolution that mixes the channels",
            lambda X, K_depth, K_point: (
                _depthwise(oracle.corr2d_multi_in_out(X, K_point), K_depth) if _square(K_point) else None
            ),
        ),
        Mistake(
            "a ReLU between the two steps",
            "the two steps together are one convolution with kernel K_point[o, c] · K_depth[c]: nothing "
            "between them (a network adds batch norm and ReLU around the block, not here)",
            lambda X, K_depth, K_point: oracle.corr2d_multi_in_out(_depthwise(X, K_depth).relu(), K_point),
        ),
        Mistake(
            "only the depthwise step",
            "the depthwise step keeps the c channels apart; the 1×1 convolution with K_point then mixes "
            "them into c_o outputs",
            lambda X, K_depth, K_point: _depthwise(X, K_depth),
        ),
        Mistake(
            "the depthwise kernels flipped",
            "cross-correlation, no flip: corr2d_grouped(X, K_depth, groups=c)",
            lambda X, K_depth, K_point: oracle.depthwise_separable(X, K_depth.flip(2, 3), K_point),
        ),
        Mistake(
            "the first channel's kernel for every channel",
            "channel c has its own kernel K_depth[c]: groups = c pairs them up",
            lambda X, K_depth, K_point: (
                oracle.depthwise_separable(X, K_depth[:1].expand_as(K_depth), K_point)
                if len(K_depth) > 1
                else None
            ),
        ),
        Mistake(
            "K_point transposed",
            "K_point[o, c] weighs input channel c in output channel o: corr2d_multi_in_out_1x1(Z, K_point)",
            lambda X, K_depth, K_point: (
                oracle.depthwise_separable(X, K_depth, K_point.transpose(0, 1)) if _square(K_point) else None
            ),
        ),
    ),
    hints=Hints(
        shape="the depthwise step keeps the c channels and shrinks each map to (h − kh + 1, w − kw + 1); "
        "the 1×1 step gives c_o channels: (c_o, h − kh + 1, w − kw + 1)",
        value="Z = corr2d_grouped(X, K_depth, groups=X.shape[0]); return corr2d_multi_in_out_1x1(Z, K_point)",
        error="depthwise_separable(X, K_depth, K_point): X (c, h, w), K_depth (c, 1, kh, kw), K_point "
        "(c_o, c, 1, 1)",
    ),
    stand_ins={
        "corr2d_grouped": oracle.corr2d_grouped,
        "corr2d_multi_in_out_1x1": oracle.corr2d_multi_in_out_1x1,
        "corr2d": oracle.corr2d,
    },
)
check_depthwise_separable = check_function(DEPTHWISE_SEPARABLE)


# --- global_avg_pool(X) ---------------------------------------------------------------------------


def _pool_cases() -> list[Case]:
    g = torch.Generator().manual_seed(1005)
    shapes = [(2, 3, 4, 4), (1, 5, 2, 3), (3, 2, 5, 1), (4, 4, 3, 3)]
    return [Case(describe_all(X=X), {"X": X}) for X in (torch.randn(s, generator=g) + 0.5 for s in shapes)]


GLOBAL_AVG_POOL = Exercise(
    "global_avg_pool",
    parts={"all": Part(1, cases=_pool_cases)},
    reference=oracle.global_avg_pool,
    mistakes=(
        Mistake(
            "a sum instead of a mean",
            "divide by the number of positions h·w: X.mean(dim=(2, 3))",
            lambda X: X.double().sum((2, 3)),
        ),
        Mistake(
            "the maximum instead of the mean",
            "global *average* pooling: X.mean(dim=(2, 3))",
            lambda X: X.double().amax((2, 3)),
        ),
        Mistake(
            "kept the 1×1 map: shape (n, c, 1, 1)",
            "the head's linear layer takes (n, c): X.mean(dim=(2, 3)), without keepdim",
            lambda X: X.double().mean((2, 3), keepdim=True),
        ),
        Mistake(
            "averaged over the rows only",
            "average over both axes of the map: dim=(2, 3)",
            lambda X: X.double().mean(2),
        ),
        Mistake(
            "averaged over the channels",
            "one number per channel: average over the positions, dims (2, 3), not over dim 1",
            lambda X: X.double().mean(1),
        ),
        Mistake(
            "averaged over the batch too",
            "each image keeps its own numbers: average over dims (2, 3) only",
            lambda X: X.double().mean((0, 2, 3)),
        ),
        Mistake(
            "one number per image",
            "one number per channel of each image: average over dims (2, 3), not (1, 2, 3)",
            lambda X: X.double().mean((1, 2, 3)),
        ),
    ),
    hints=Hints(
        shape="X (n, c, h, w) gives (n, c): one mean per channel of each image",
        value="Y[i, c] = X[i, c].mean(): X.mean(dim=(2, 3))",
        error="global_avg_pool(X) takes X of shape (n, c, h, w)",
    ),
)
check_global_avg_pool = check_function(GLOBAL_AVG_POOL)


# --- Residual(channels) ---------------------------------------------------------------------------

LAYERS = {"conv1": nn.Conv2d, "bn1": nn.BatchNorm2d, "conv2": nn.Conv2d, "bn2": nn.BatchNorm2d}
RESIDUAL_HINT = (
    "Residual(channels) has conv1 and conv2 = nn.Conv2d(channels, channels, 3, padding=1, bias=False) "
    "and bn1, bn2 = nn.BatchNorm2d(channels); forward(x) = ReLU(bn2(conv2(ReLU(bn1(conv1(x))))) + x)"
)


def _block(Residual, channels: int, case: Case) -> nn.Module:
    outcome = run_watched(Residual, channels, allow_convolution=True)
    block = check_outcome("Residual", outcome, case, RESIDUAL_HINT)
    if not isinstance(block, nn.Module):
        fail("Residual", "is not an nn.Module", case.label, [f"got {type(block).__name__}"], RESIDUAL_HINT)
    return block


def _residual_layers(Residual) -> int:
    n = 0
    for channels in (4, 7):
        case = Case(f"Residual({channels})", {})
        block = _block(Residual, channels, case)
        for name, kind in LAYERS.items():
            layer = getattr(block, name, None)
            if not isinstance(layer, kind):
                fail(
                    "Residual",
                    f"no layer {name}",
                    case.label,
                    [f"expected self.{name} = nn.{kind.__name__}(...), got {type(layer).__name__}"],
                    RESIDUAL_HINT,
                    mistake="missing layers",
                )
            if kind is nn.Conv2d:
                settings = (
                    layer.in_channels,
                    layer.out_channels,
                    layer.kernel_size,
                    layer.padding,
                    layer.stride,
                    layer.bias is not None,
                )
                if settings != (channels, channels, (3, 3), (1, 1), (1, 1), False):
                    fail(
                        "Residual",
                        f"{name} has the wrong settings",
                        case.label,
                        [
                            f"expected nn.Conv2d({channels}, {channels}, 3, padding=1, bias=False), got in "
                            f"{settings[0]}, out {settings[1]}, kernel {settings[2]}, padding {settings[3]}, "
                            f"stride {settings[4]}, bias {settings[5]}"
                        ],
                        "padding 1 keeps the map's size, so that x can be added to it; the batch norm after "
                        "the convolution subtracts the mean, which makes a bias useless",
                        mistake="a convolution with the wrong settings",
                    )
            elif layer.num_features != channels:
                fail(
                    "Residual",
                    f"{name} normalizes the wrong number of channels",
                    case.label,
                    [f"expected nn.BatchNorm2d({channels}), got {layer.num_features}"],
                    RESIDUAL_HINT,
                )
        count = sum(p.numel() for p in block.parameters())
        expected = 2 * channels * channels * 9 + 4 * channels
        if count != expected:
            fail(
                "Residual",
                "wrong number of parameters",
                case.label,
                [f"expected {expected:,}, got {count:,}"],
                RESIDUAL_HINT,
            )
        n += 1
    return n


def _residual_mistakes(block: nn.Module, x: torch.Tensor) -> tuple[Mistake, ...]:
    """Plausible wrong forwards, computed with the block's own layers (on copies: batch norm's
    running statistics move in train mode)."""

    def run(f):
        def predict():
            b = copy.deepcopy(block)
            with torch.no_grad():
                return f(b, x)

        return predict

    relu = torch.relu

    def body(b, x, middle=relu):
        return b.bn2(b.conv2(middle(b.bn1(b.conv1(x)))))

    return (
        Mistake(
            "no skip connection: x is not added",
            "a residual block adds its input to what its layers computed: ReLU(bn2(conv2(...)) + x)",
            run(lambda b, x: relu(body(b, x))),
        ),
        Mistake(
            "the ReLU before the addition: ReLU(F(x)) + x",
            "add x first, then the ReLU: ReLU(bn2(conv2(...)) + x)",
            run(lambda b, x: relu(body(b, x)) + x),
        ),
        Mistake(
            "no ReLU after the addition",
            "the block ends in a ReLU of the sum: ReLU(bn2(conv2(...)) + x)",
            run(lambda b, x: body(b, x) + x),
        ),
        Mistake(
            "no ReLU between the two convolutions",
            "ReLU(bn1(conv1(x))) goes into conv2",
            run(lambda b, x: relu(body(b, x, middle=lambda t: t) + x)),
        ),
        Mistake(
            "bn2 after the addition",
            "normalize the second convolution's output, then add x: ReLU(bn2(conv2(y)) + x)",
            run(lambda b, x: relu(b.bn2(b.conv2(relu(b.bn1(b.conv1(x)))) + x))),
        ),
        Mistake(
            "bn1 used twice (bn2 never used)",
            "the second convolution has its own batch norm: bn2(conv2(y))",
            run(lambda b, x: relu(b.bn1(b.conv2(relu(b.bn1(b.conv1(x))))) + x)),
        ),
        Mistake(
            "the skip adds conv1's output, not x",
            "the skip carries the block's input itself: + x",
            run(lambda b, x: relu(body(b, x) + b.conv1(x))),
        ),
    )


def _residual_forward(Residual) -> int:
    g = torch.Generator().manual_seed(1006)
    n = 0
    for channels, (batch, h, w), training in [
        (4, (3, 5, 5), True),
        (3, (2, 4, 6), False),
        (2, (4, 3, 3), True),
    ]:
        x = torch.randn(batch, channels, h, w, generator=g)
        mode = "train" if training else "eval"
        case = Case(f"Residual({channels}) in {mode} mode on x of shape {tuple(x.shape)}", {"x": x})
        block = _block(Residual, channels, case)
        if not all(isinstance(getattr(block, name, None), kind) for name, kind in LAYERS.items()):
            _residual_layers(Residual)  # names the missing layer
        with torch.no_grad():  # batch norm's parameters and statistics away from 1 and 0
            for name in ("bn1", "bn2"):
                bn = getattr(block, name)
                bn.weight.copy_(0.5 + torch.rand(channels, generator=g))
                bn.bias.copy_(torch.randn(channels, generator=g))
                bn.running_mean.copy_(0.3 * torch.randn(channels, generator=g))
                bn.running_var.copy_(0.5 + torch.rand(channels, generator=g))
        block.train(training)
        mistakes = _residual_mistakes(block, x)
        reference = copy.deepcopy(block)
        with torch.no_grad():
            expected = oracle.Residual.forward(reference, x)
        got = call_watched("Residual", block, case, RESIDUAL_HINT, allow_convolution=True)
        compare_one(
            "Residual",
            Result(Case(case.label, {}), got, expected),
            mistakes,
            Hints(
                shape="the block keeps x's shape: padding 1 in both convolutions",
                value=RESIDUAL_HINT,
                error=RESIDUAL_HINT,
            ),
        )
        n += 1
    return n


RESIDUAL = Exercise(
    "Residual",
    parts={"layers": Part(1, steps=(_residual_layers,)), "forward": Part(1, steps=(_residual_forward,))},
    hints=Hints(shape=RESIDUAL_HINT, value=RESIDUAL_HINT, error=RESIDUAL_HINT),
    allow_convolution=True,
    selector="aspect",
    unit="checks",
    keeps_random_state=True,  # building layers draws random weights
)
check_Residual = check_function(RESIDUAL)  # noqa: N816 (named after the exercise)
