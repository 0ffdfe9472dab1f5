"""Checks for notebook 10's blocks: the depthwise-separable convolution, global average pooling
and a residual block (batch normalization's checks: :mod:`convlab.checks.batch_norm`).

Every reference is PyTorch's own (:mod:`convlab.oracle`): ``F.conv2d`` with ``groups``,
average pooling over the whole map, and a residual block's layers run by PyTorch.
"""

from __future__ import annotations

import copy

import torch
from torch import nn

from convlab import oracle
from convlab.checks.compare import compare_one
from convlab.checks.exercise import Case, CaseRun, Exercise, Hints, Mistake, Part
from convlab.checks.runner import call_watched, check_function, check_outcome
from convlab.checks.wording import conv_settings, describe_all, fail
from convlab.i18n import N_, Msg
from convlab.watch import run_watched

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
            N_("the 1×1 convolution before the depthwise one"),
            N_(
                "first the depthwise step (each channel its own kh×kw kernel, groups = c), then the 1×1 "
                "convolution that mixes the channels"
            ),
            lambda X, K_depth, K_point: (
                _depthwise(oracle.corr2d_multi_in_out(X, K_point), K_depth) if _square(K_point) else None
            ),
        ),
        Mistake(
            N_("a ReLU between the two steps"),
            N_(
                "the two steps together are one convolution with kernel K_point[o, c] · K_depth[c]: nothing "
                "between them (a network adds batch norm and ReLU around the block, not here)"
            ),
            lambda X, K_depth, K_point: oracle.corr2d_multi_in_out(_depthwise(X, K_depth).relu(), K_point),
        ),
        Mistake(
            N_("only the depthwise step"),
            N_(
                "the depthwise step keeps the c channels apart; the 1×1 convolution with K_point then mixes "
                "them into c_o outputs"
            ),
            lambda X, K_depth, K_point: _depthwise(X, K_depth),
        ),
        Mistake(
            N_("the depthwise kernels flipped"),
            N_("cross-correlation, no flip: corr2d_grouped(X, K_depth, groups=c)"),
            lambda X, K_depth, K_point: oracle.depthwise_separable(X, K_depth.flip(2, 3), K_point),
        ),
        Mistake(
            N_("the first channel's kernel for every channel"),
            N_("channel c has its own kernel K_depth[c]: groups = c pairs them up"),
            lambda X, K_depth, K_point: (
                oracle.depthwise_separable(X, K_depth[:1].expand_as(K_depth), K_point)
                if len(K_depth) > 1
                else None
            ),
        ),
        Mistake(
            N_("K_point transposed"),
            N_(
                "K_point[o, c] weighs input channel c in output channel o: "
                "corr2d_multi_in_out_1x1(Z, K_point)"
            ),
            lambda X, K_depth, K_point: (
                oracle.depthwise_separable(X, K_depth, K_point.transpose(0, 1)) if _square(K_point) else None
            ),
        ),
    ),
    hints=Hints(
        shape=N_(
            "the depthwise step keeps the c channels and shrinks each map to (h − kh + 1, w − kw + 1); "
            "the 1×1 step gives c_o channels: (c_o, h − kh + 1, w − kw + 1)"
        ),
        value=N_(
            "Z = corr2d_grouped(X, K_depth, groups=X.shape[0]); return corr2d_multi_in_out_1x1(Z, K_point)"
        ),
        error=N_(
            "depthwise_separable(X, K_depth, K_point): X (c, h, w), K_depth (c, 1, kh, kw), K_point "
            "(c_o, c, 1, 1)"
        ),
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
            N_("a sum instead of a mean"),
            N_("divide by the number of positions h·w: X.mean(dim=(2, 3))"),
            lambda X: X.double().sum((2, 3)),
        ),
        Mistake(
            N_("the maximum instead of the mean"),
            N_("global *average* pooling: X.mean(dim=(2, 3))"),
            lambda X: X.double().amax((2, 3)),
        ),
        Mistake(
            N_("kept the 1×1 map: shape (n, c, 1, 1)"),
            N_("the head's linear layer takes (n, c): X.mean(dim=(2, 3)), without keepdim"),
            lambda X: X.double().mean((2, 3), keepdim=True),
        ),
        Mistake(
            N_("averaged over the rows only"),
            N_("average over both axes of the map: dim=(2, 3)"),
            lambda X: X.double().mean(2),
        ),
        Mistake(
            N_("averaged over the channels"),
            N_("one number per channel: average over the positions, dims (2, 3), not over dim 1"),
            lambda X: X.double().mean(1),
        ),
        Mistake(
            N_("averaged over the batch too"),
            N_("each image keeps its own numbers: average over dims (2, 3) only"),
            lambda X: X.double().mean((0, 2, 3)),
        ),
        Mistake(
            N_("one number per image"),
            N_("one number per channel of each image: average over dims (2, 3), not (1, 2, 3)"),
            lambda X: X.double().mean((1, 2, 3)),
        ),
    ),
    hints=Hints(
        shape=N_("X (n, c, h, w) gives (n, c): one mean per channel of each image"),
        value=N_("Y[i, c] = X[i, c].mean(): X.mean(dim=(2, 3))"),
        error=N_("global_avg_pool(X) takes X of shape (n, c, h, w)"),
    ),
)
check_global_avg_pool = check_function(GLOBAL_AVG_POOL)


# --- Residual(channels) ---------------------------------------------------------------------------

LAYERS = {"conv1": nn.Conv2d, "bn1": nn.BatchNorm2d, "conv2": nn.Conv2d, "bn2": nn.BatchNorm2d}
RESIDUAL_HINT = N_(
    "Residual(channels) has conv1 and conv2 = nn.Conv2d(channels, channels, 3, padding=1, bias=False) "
    "and bn1, bn2 = nn.BatchNorm2d(channels); forward(x) = ReLU(bn2(conv2(ReLU(bn1(conv1(x))))) + x)"
)


def _block(Residual, channels: int, case: Case) -> nn.Module:
    outcome = run_watched(Residual, channels, allow_convolution=True)
    block = check_outcome("Residual", outcome, case, RESIDUAL_HINT)
    if not isinstance(block, nn.Module):
        fail(
            "Residual",
            N_("is not an nn.Module"),
            case.label,
            [Msg("got {type}", type=type(block).__name__)],
            hint=RESIDUAL_HINT,
        )
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
                    Msg("no layer {name}", name=name),
                    case.label,
                    [
                        Msg(
                            "expected self.{name} = nn.{kind}(...), got {type}",
                            name=name,
                            kind=kind.__name__,
                            type=type(layer).__name__,
                        )
                    ],
                    hint=RESIDUAL_HINT,
                    mistake=N_("missing layers"),
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
                        Msg("{name} has the wrong settings", name=name),
                        case.label,
                        [
                            Msg(
                                "expected nn.Conv2d({channels}, {channels}, 3, padding=1, "
                                "bias=False), got {got}, bias {bias}",
                                channels=channels,
                                got=conv_settings(*settings[:5]),
                                bias=settings[5],
                            )
                        ],
                        hint=N_(
                            "padding 1 keeps the map's size, so that x can be added to it; the batch norm "
                            "after the convolution subtracts the mean, which makes a bias useless"
                        ),
                        mistake=N_("a convolution with the wrong settings"),
                    )
            elif layer.num_features != channels:
                fail(
                    "Residual",
                    Msg("{name} normalizes the wrong number of channels", name=name),
                    case.label,
                    [
                        Msg(
                            "expected nn.BatchNorm2d({channels}), got {num_features}",
                            channels=channels,
                            num_features=layer.num_features,
                        )
                    ],
                    hint=RESIDUAL_HINT,
                )
        count = sum(p.numel() for p in block.parameters())
        expected = 2 * channels * channels * 9 + 4 * channels
        if count != expected:
            fail(
                "Residual",
                N_("wrong number of parameters"),
                case.label,
                [Msg("expected {expected:,}, got {count:,}", expected=expected, count=count)],
                hint=RESIDUAL_HINT,
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
            N_("no skip connection: x is not added"),
            N_("a residual block adds its input to what its layers computed: ReLU(bn2(conv2(...)) + x)"),
            run(lambda b, x: relu(body(b, x))),
        ),
        Mistake(
            N_("the ReLU before the addition: ReLU(F(x)) + x"),
            N_("add x first, then the ReLU: ReLU(bn2(conv2(...)) + x)"),
            run(lambda b, x: relu(body(b, x)) + x),
        ),
        Mistake(
            N_("no ReLU after the addition"),
            N_("the block ends in a ReLU of the sum: ReLU(bn2(conv2(...)) + x)"),
            run(lambda b, x: body(b, x) + x),
        ),
        Mistake(
            N_("no ReLU between the two convolutions"),
            N_("ReLU(bn1(conv1(x))) goes into conv2"),
            run(lambda b, x: relu(body(b, x, middle=lambda t: t) + x)),
        ),
        Mistake(
            N_("bn2 after the addition"),
            N_("normalize the second convolution's output, then add x: ReLU(bn2(conv2(y)) + x)"),
            run(lambda b, x: relu(b.bn2(b.conv2(relu(b.bn1(b.conv1(x)))) + x))),
        ),
        Mistake(
            N_("bn1 used twice (bn2 never used)"),
            N_("the second convolution has its own batch norm: bn2(conv2(y))"),
            run(lambda b, x: relu(b.bn1(b.conv2(relu(b.bn1(b.conv1(x))))) + x)),
        ),
        Mistake(
            N_("the skip adds conv1's output, not x"),
            N_("the skip carries the block's input itself: + x"),
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
        case = Case(
            Msg(
                "Residual({channels}) in {mode} mode on x of shape {tuple}",
                channels=channels,
                mode=mode,
                tuple=tuple(x.shape),
            ),
            {"x": x},
        )
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
            CaseRun(Case(case.label, {}), got, expected),
            mistakes,
            Hints(
                shape=N_("the block keeps x's shape: padding 1 in both convolutions"),
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
    unit=N_("checks"),
    keeps_random_state=True,  # building layers draws random weights
)
check_Residual = check_function(RESIDUAL)  # noqa: N816 (named after the exercise)
