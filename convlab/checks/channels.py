"""Checks for notebook 05: multiple input channels, multiple output channels, groups."""

from __future__ import annotations

import torch

from convlab import oracle
from convlab.checks.exercise import Case, Exercise, Hints, Mistake, Part, Refusal
from convlab.checks.runner import check_function
from convlab.checks.wording import describe_all
from convlab.i18n import N_, Msg

# The course notes' two-channel example.
X_NOTES = torch.stack([torch.arange(9.0).reshape(3, 3), torch.arange(1.0, 10.0).reshape(3, 3)])
K_NOTES = torch.tensor([[[0.0, 1.0], [2.0, 3.0]], [[1.0, 2.0], [3.0, 4.0]]])


def _random(g, shapes) -> list[Case]:
    cases = []
    for xs, ks in shapes:
        X, K = torch.randn(xs, generator=g), torch.randn(ks, generator=g)
        cases.append(Case(describe_all(X=X, K=K), {"X": X, "K": K}))
    return cases


def _per_channel(X, K):
    return torch.stack([oracle.corr2d(x, k) for x, k in zip(X, K, strict=True)])


def _multi_in_cases() -> list[Case]:
    g = torch.Generator().manual_seed(505)
    cases = [
        Case(
            N_("the notes' example: X = [0..8, 1..9], K = [[[0, 1], [2, 3]], [[1, 2], [3, 4]]]"),
            {"X": X_NOTES, "K": K_NOTES},
        )
    ]
    cases += _random(g, [((3, 5, 6), (3, 2, 3)), ((1, 4, 4), (1, 3, 3)), ((4, 6, 5), (4, 1, 2))])
    Xi, Ki = (
        torch.randint(-3, 4, (2, 4, 5), generator=g),
        torch.randint(-2, 3, (2, 2, 2), generator=g),
    )
    cases.append(Case(describe_all(X=Xi, K=Ki), {"X": Xi, "K": Ki}))
    return cases


# corr2d_multi_in(X, K): X (c_i, h, w), K (c_i, kh, kw) -> (h', w'), channels summed.
CORR2D_MULTI_IN = Exercise(
    "corr2d_multi_in",
    parts={
        "values": Part(2, cases=_multi_in_cases),
        "refusals": Part(
            1,
            refusals=(
                Refusal(
                    Case(
                        N_("X with 3 channels and K with 2"),
                        {"X": torch.ones(3, 4, 4), "K": torch.ones(2, 2, 2)},
                    ),
                    N_("X and K must have the same number of channels"),
                ),
            ),
        ),
    },
    reference=oracle.corr2d_multi_in,
    mistakes=(
        Mistake(
            N_("averaged over channels instead of summed"),
            N_("each output adds the cross-correlations of all input channels: sum, not mean"),
            lambda X, K: oracle.corr2d_multi_in(X, K) / X.shape[0] if X.shape[0] > 1 else None,
        ),
        Mistake(
            N_("only the first channel used"),
            N_("loop over every channel: zip(X, K) pairs each input channel with its kernel slice"),
            lambda X, K: oracle.corr2d(X[0], K[0]),
        ),
        Mistake(
            N_("one map per channel, not summed"),
            N_("add the per-channel results into one map: sum(corr2d(x, k) for x, k in zip(X, K))"),
            _per_channel,
        ),
        Mistake(
            N_("channels paired in the wrong order"),
            N_("input channel c goes with kernel slice c"),
            lambda X, K: oracle.corr2d_multi_in(X, K.flip(0)) if X.shape[0] > 1 else None,
        ),
    ),
    hints=Hints(
        shape=N_(
            "the output is one 2-D map of shape (h - kh + 1, w - kw + 1), whatever the number of channels"
        ),
        value=N_("Y = the sum over c of corr2d(X[c], K[c])"),
        error=N_("X is (c_i, h, w) and K is (c_i, kh, kw): pair them with zip(X, K)"),
    ),
    stand_ins={"corr2d": oracle.corr2d},
)
check_corr2d_multi_in = check_function(CORR2D_MULTI_IN)


def _multi_in_out_cases() -> list[Case]:
    g = torch.Generator().manual_seed(515)
    K3 = torch.stack([K_NOTES, K_NOTES + 1, K_NOTES + 2])
    cases = [Case(N_("the notes' example with K, K + 1, K + 2 stacked (3×2×2×2)"), {"X": X_NOTES, "K": K3})]
    cases += _random(g, [((3, 5, 6), (4, 3, 2, 3)), ((2, 4, 4), (1, 2, 3, 3)), ((1, 6, 5), (3, 1, 1, 2))])
    return cases


# corr2d_multi_in_out(X, K): K (c_o, c_i, kh, kw) -> (c_o, h', w').
CORR2D_MULTI_IN_OUT = Exercise(
    "corr2d_multi_in_out",
    parts={
        "values": Part(2, cases=_multi_in_out_cases),
        "refusals": Part(
            1,
            refusals=(
                Refusal(
                    Case(
                        N_("X with 3 channels and K of shape (2, 2, 2, 2)"),
                        {"X": torch.ones(3, 4, 4), "K": torch.ones(2, 2, 2, 2)},
                    ),
                    N_("K.shape[1] must equal the number of input channels"),
                ),
            ),
        ),
    },
    reference=oracle.corr2d_multi_in_out,
    mistakes=(
        Mistake(
            N_("output channels stacked along the wrong dimension"),
            N_("stack the c_o maps along a new first dimension: torch.stack([...], 0) gives (c_o, h', w')"),
            lambda X, K: oracle.corr2d_multi_in_out(X, K).permute(1, 0, 2),
        ),
        Mistake(
            N_("output channels summed instead of stacked"),
            N_("each output channel is its own map: stack them, don't add them"),
            lambda X, K: oracle.corr2d_multi_in_out(X, K).sum(0),
        ),
        Mistake(
            N_("only the first output channel computed"),
            N_("loop over K's first dimension: one corr2d_multi_in per output channel"),
            lambda X, K: oracle.corr2d_multi_in(X, K[0]),
        ),
    ),
    hints=Hints(
        shape=N_("the output is (c_o, h - kh + 1, w - kw + 1): one map per kernel K[o]"),
        value=N_("output channel o is corr2d_multi_in(X, K[o])"),
        error=N_("K is (c_o, c_i, kh, kw): loop over its first dimension, torch.stack the results"),
    ),
    stand_ins={"corr2d_multi_in": oracle.corr2d_multi_in, "corr2d": oracle.corr2d},
)
check_corr2d_multi_in_out = check_function(CORR2D_MULTI_IN_OUT)


def _interleaved_outputs(X, K, groups):
    """Output o fed from input block o % groups instead of block o // (c_o / groups)."""
    if groups == 1 or K.shape[0] == groups:
        return None
    blocks = X.chunk(groups, 0)
    return torch.stack([oracle.corr2d_multi_in(blocks[o % groups], K[o]) for o in range(K.shape[0])])


def _strided_inputs(X, K, groups):
    """Group g given input channels g, g + groups, ... instead of a consecutive block."""
    if groups == 1 or X.shape[0] == groups:
        return None
    per_out = K.shape[0] // groups
    return torch.stack([oracle.corr2d_multi_in(X[o // per_out :: groups], K[o]) for o in range(K.shape[0])])


def _grouped_cases() -> list[Case]:
    g = torch.Generator().manual_seed(525)
    settings = [
        ((4, 5, 5), 6, 2),
        ((6, 4, 6), 6, 3),
        ((3, 5, 4), 3, 3),
        ((4, 4, 4), 8, 4),
        ((2, 4, 5), 4, 1),
        ((6, 5, 5), 4, 2),
    ]
    cases = []
    for xs, c_o, groups in settings:
        X = torch.randn(xs, generator=g)
        K = torch.randn(c_o, xs[0] // groups, 2, 3, generator=g)
        cases.append(
            Case(
                Msg("{describe_all}, groups={groups}", describe_all=describe_all(X=X, K=K), groups=groups),
                {"X": X, "K": K, "groups": groups},
            )
        )
    return cases


def _grouped_refusal(X: torch.Tensor, K: torch.Tensor, groups: int, why: str) -> Refusal:
    return Refusal(
        Case(
            Msg("{describe_all}, groups={groups}", describe_all=describe_all(X=X, K=K), groups=groups),
            {"X": X, "K": K, "groups": groups},
        ),
        why,
    )


# corr2d_grouped(X, K, groups) as F.conv2d(..., groups=groups).
CORR2D_GROUPED = Exercise(
    "corr2d_grouped",
    parts={
        "values": Part(3, cases=_grouped_cases),
        "refusals": Part(
            1,
            refusals=(
                _grouped_refusal(
                    torch.ones(5, 4, 4),
                    torch.ones(4, 2, 2, 2),
                    2,
                    N_("5 input channels do not split into 2 groups"),
                ),
                _grouped_refusal(
                    torch.ones(4, 4, 4),
                    torch.ones(3, 2, 2, 2),
                    2,
                    N_("3 output channels do not split into 2 groups"),
                ),
                _grouped_refusal(
                    torch.ones(4, 4, 4),
                    torch.ones(4, 4, 2, 2),
                    2,
                    N_("with 2 groups each kernel sees 4 / 2 = 2 channels, not 4"),
                ),
            ),
        ),
    },
    reference=oracle.corr2d_multi_in_out,
    mistakes=(
        Mistake(
            N_("output channels assigned to the wrong group"),
            N_(
                "the c_o outputs come in groups of "
                "c_o / groups consecutive channels: output o belongs to group o // (c_o // groups)"
            ),
            _interleaved_outputs,
        ),
        Mistake(
            N_("input channels assigned to the wrong group"),
            N_(
                "group g sees the consecutive input "
                "channels g * (c_i // groups) up to (g + 1) * (c_i // groups), not every groups-th "
                "channel"
            ),
            _strided_inputs,
        ),
        Mistake(
            N_("groups ignored: every output sees the first input channels"),
            N_("split X into `groups` blocks of channels and give each block its own block of outputs"),
            lambda X, K, groups: oracle.corr2d_multi_in_out(X[: K.shape[1]], K) if groups > 1 else None,
        ),
    ),
    hints=Hints(
        shape=N_("the output is (c_o, h', w'), as without groups"),
        value=N_(
            "split the input channels into `groups` consecutive blocks and the kernels into "
            "`groups` consecutive blocks; block g of kernels sees block g of inputs; concatenate"
        ),
        error=N_(
            "K is (c_o, c_i // groups, kh, kw); use corr2d_multi_in_out on each block and "
            "torch.cat the results"
        ),
    ),
    stand_ins={
        "corr2d_multi_in_out": oracle.corr2d_multi_in_out,
        "corr2d_multi_in": oracle.corr2d_multi_in,
        "corr2d": oracle.corr2d,
    },
)
check_corr2d_grouped = check_function(CORR2D_GROUPED)
