"""Checks for notebook 08's im2col: the columns ``F.unfold`` lays out, and a convolution as
exactly one matrix product of them (counted by :class:`convlab.checks.products.CountProducts`).
"""

from __future__ import annotations

import torch

from convlab import oracle
from convlab.checks.exercise import Case, Exercise, Hints, Mistake, Part
from convlab.checks.products import exactly_one_product
from convlab.checks.runner import check_function
from convlab.checks.wording import describe_all
from convlab.geometry import pair
from convlab.i18n import N_, Msg

_conv2d = torch.conv2d  # bound before any notebook code runs, as the reference's own
# 01's corr2d and 04's pad2d, which the notebook imports from convlab.oracle: lent to every check
LENT = {"corr2d": oracle.corr2d, "pad2d": oracle.pad2d}

# --- im2col(X, kernel_size, stride=1, padding=0) and corr2d_im2col(X, K, stride=1, padding=0) -----


def _im2col_cases() -> list[Case]:
    g = torch.Generator().manual_seed(806)
    cases = []
    for shape, k, s, p in [
        ((1, 3, 3), 2, 1, 0),
        ((2, 4, 5), (2, 3), 1, 0),
        ((3, 5, 5), 3, 1, 1),
        ((2, 6, 7), 3, 2, 0),
        ((1, 5, 6), (3, 2), (2, 1), (1, 0)),
        ((2, 3, 3), 3, 1, 0),
    ]:
        X = torch.randn(shape, generator=g)
        cases.append(
            Case(
                Msg(
                    "{inputs}, kernel_size={k}, stride={s}, padding={p}",
                    inputs=describe_all(X=X),
                    k=k,
                    s=s,
                    p=p,
                ),
                {"X": X},
                {"kernel_size": k, "stride": s, "padding": p},
            )
        )
    return cases


def _columns(X, kernel_size, stride=1, padding=0, order="cab", by_rows=True):
    """im2col by hand; ``order`` and ``by_rows`` model the layout mistakes."""
    (kh, kw), (sh, sw), (ph, pw) = pair(kernel_size), pair(stride), pair(padding)
    Xp = torch.stack([oracle.pad2d(channel.to(torch.float64), (ph, pw)) for channel in X])
    c, H, W = Xp.shape
    oh, ow = (H - kh) // sh + 1, (W - kw) // sw + 1
    positions = (
        [(i, j) for i in range(oh) for j in range(ow)]
        if by_rows
        else [(i, j) for j in range(ow) for i in range(oh)]
    )
    cols = []
    for i, j in positions:
        window = Xp[:, i * sh : i * sh + kh, j * sw : j * sw + kw]
        arranged = {"cab": window, "abc": window.permute(1, 2, 0), "cba": window.transpose(1, 2)}[order]
        cols.append(arranged.reshape(-1))
    return torch.stack(cols, 1)


IM2COL_HINTS = Hints(
    shape=N_(
        "one row per (channel, kernel row, kernel column), c·kh·kw of them; one column per window, "
        "h'·w' of them"
    ),
    value=N_(
        "column i·w' + j is the window at output (i, j) of the padded X, flattened channel by channel, "
        "each window row by row: Xp[:, i·sh : i·sh + kh, j·sw : j·sw + kw].reshape(-1)"
    ),
    error=N_("im2col(X, kernel_size, stride=1, padding=0) for X (c, h, w); each setting an int or a pair"),
)

IM2COL = Exercise(
    "im2col",
    parts={"all": Part(2, cases=_im2col_cases)},
    reference=oracle.im2col,
    mistakes=(
        Mistake(
            N_("channels last inside a column"),
            N_("flatten each window channel by channel: window.reshape(-1) for window of shape (c, kh, kw)"),
            lambda X, **kw: _columns(X, **kw, order="abc") if X.shape[0] > 1 else None,
        ),
        Mistake(
            N_("each window read column by column"),
            N_("flatten each window row by row (its rows, then its columns)"),
            lambda X, kernel_size, **kw: _columns(X, kernel_size, **kw, order="cba"),
        ),
        Mistake(
            N_("windows taken column by column"),
            N_("column number i·w' + j: walk the output row by row"),
            lambda X, **kw: _columns(X, **kw, by_rows=False),
        ),
        Mistake(
            N_("the matrix transposed: one row per window"),
            N_("one COLUMN per window: shape (c·kh·kw, h'·w')"),
            lambda X, **kw: _columns(X, **kw).T,
        ),
        Mistake(
            N_("padding ignored"),
            N_("pad X first (pad2d of notebook 04), then cut out the windows"),
            lambda X, kernel_size, stride=1, padding=0: (
                _columns(X, kernel_size, stride, 0) if pair(padding) != (0, 0) else None
            ),
        ),
        Mistake(
            N_("stride ignored"),
            N_("window (i, j) starts at (i·sh, j·sw)"),
            lambda X, kernel_size, stride=1, padding=0: (
                _columns(X, kernel_size, 1, padding) if pair(stride) != (1, 1) else None
            ),
        ),
    ),
    hints=IM2COL_HINTS,
    stand_ins=LENT,
)
check_im2col = check_function(IM2COL)


def _conv_cases() -> list[Case]:
    g = torch.Generator().manual_seed(807)
    cases = []
    for (c_i, h, w), (c_o, kh, kw), s, p in [
        ((1, 3, 3), (1, 2, 2), 1, 0),
        ((2, 5, 6), (3, 3, 2), 1, 0),
        ((3, 5, 5), (2, 3, 3), 1, 1),
        ((2, 7, 6), (4, 3, 3), 2, 0),
        ((2, 6, 5), (2, 2, 3), (2, 1), (1, 0)),
    ]:
        X, K = torch.randn(c_i, h, w, generator=g), torch.randn(c_o, c_i, kh, kw, generator=g)
        cases.append(
            Case(
                Msg("{inputs}, stride={s}, padding={p}", inputs=describe_all(X=X, K=K), s=s, p=p),
                {"X": X, "K": K},
                {"stride": s, "padding": p},
            )
        )
    return cases


def _conv(X, K, stride=1, padding=0):
    """PyTorch's multi-channel cross-correlation with stride and padding, in float64."""
    return _conv2d(X.double()[None], K.double(), stride=stride, padding=padding)[0]


def _one_product(fn) -> int:
    return exactly_one_product(
        "corr2d_im2col",
        fn,
        _conv_cases()[2],
        error_hint=IM2COL_HINTS.error,
        hint=N_(
            "the point of im2col: ONE product (c_o, c_i·kh·kw) @ (c_i·kh·kw, h'·w') computes every output "
            "channel at every position"
        ),
    )


CORR2D_IM2COL = Exercise(
    "corr2d_im2col",
    parts={"all": Part(2, cases=_conv_cases, steps=(_one_product,))},
    reference=lambda X, K, stride=1, padding=0: _conv(X, K, stride, padding),
    mistakes=(
        Mistake(
            N_("kernel flipped"),
            N_("cross-correlation: K as it is, K.reshape(c_o, -1)"),
            lambda X, K, stride=1, padding=0: _conv(X, K.flip(2, 3), stride, padding),
        ),
        Mistake(
            N_("output reshaped as (c_o, w', h')"),
            N_("the columns run output row by output row: reshape to (c_o, h', w')"),
            lambda X, K, stride=1, padding=0: (
                lambda Y: Y.reshape(Y.shape[0], Y.shape[2], Y.shape[1]) if Y.shape[1] != Y.shape[2] else None
            )(_conv(X, K, stride, padding)),
        ),
        Mistake(
            N_("weights scrambled: K reshaped as (c_i·kh·kw, c_o)"),
            N_("K.reshape(c_o, -1): one row per output channel, in the same order as im2col's rows"),
            lambda X, K, stride=1, padding=0: (
                _conv(X, K.reshape(-1, K.shape[0]).T.reshape(K.shape), stride, padding)
                if K.shape[0] > 1
                else None
            ),
        ),
    ),
    hints=Hints(
        shape=N_("the output is (c_o, h', w') with h', w' the conv_output_shape of notebook 04"),
        value=N_(
            "cols = im2col(X, (kh, kw), stride, padding); Y = K.reshape(c_o, -1) @ cols; "
            "reshape to (c_o, h', w')"
        ),
        error=N_("corr2d_im2col(X, K, stride=1, padding=0): X (c_i, h, w), K (c_o, c_i, kh, kw)"),
    ),
    stand_ins={"im2col": oracle.im2col, **LENT},
)
check_corr2d_im2col = check_function(CORR2D_IM2COL)
