"""Checks for notebook 08: the input gradient of a convolution (a transposed convolution), a
numerical gradient check, pooling's backward, and im2col (a layer's whole backward pass is
:mod:`convlab.checks.layer_backward`).

Every reference is PyTorch's own: autograd through ``F.conv2d`` and the pooling operators, and
``F.unfold``'s layout (:mod:`convlab.oracle`). The backward operators themselves are forbidden
in these exercises (:data:`convlab.watch.BACKWARD`), as the forward ones are everywhere.
"""

from __future__ import annotations

import math

import torch

from convlab import oracle
from convlab.checks.exercise import Case, Exercise, Hints, Mistake, Part
from convlab.checks.one_by_one import CountProducts
from convlab.checks.runner import call_watched, check_function
from convlab.checks.wording import describe_all, fail
from convlab.geometry import pair
from convlab.watch import BACKWARD

_conv2d = torch.conv2d  # bound before any notebook code runs, as the reference's own
# 01's corr2d and 04's pad2d, which the notebook imports from convlab.oracle: lent to every check
LENT = {"corr2d": oracle.corr2d, "pad2d": oracle.pad2d}

# --- corr2d_input_grad(dY, K, input_size, stride=1, padding=0) ---------------------------------


def _scatter(dY, K, input_size, stride=1, padding=0, step=None, crop=True):
    """dX by scattering: dY[i, j]·K added into the padded input at (i·sh, j·sw), the padding
    then cut off. ``step`` and ``crop`` model mistakes (None when the mistake cannot happen)."""
    (sh, sw), (ph, pw) = pair(step or stride), pair(padding)
    (h, w), (kh, kw) = input_size, K.shape
    out = torch.zeros(h + 2 * ph, w + 2 * pw, dtype=torch.float64)
    for i in range(dY.shape[0]):
        for j in range(dY.shape[1]):
            if i * sh + kh > out.shape[0] or j * sw + kw > out.shape[1]:
                return None
            out[i * sh : i * sh + kh, j * sw : j * sw + kw] += float(dY[i, j]) * K.to(torch.float64)
    return out[ph : ph + h, pw : pw + w] if crop else out


def _reached(dY, K, input_size, stride=1, padding=0):
    """The mistake of a full cross-correlation that stops where the last window ends: the rows
    (columns) a stride never reaches are missing from dX."""
    full = _scatter(dY, K, input_size, stride, padding, crop=False)
    (sh, sw), (ph, pw), (kh, kw) = pair(stride), pair(padding), K.shape
    rows, cols = (dY.shape[0] - 1) * sh + kh - ph, (dY.shape[1] - 1) * sw + kw - pw
    if (rows, cols) == tuple(input_size):
        return None
    return full[ph:rows, pw:cols]


def _input_grad_cases() -> list[Case]:
    g = torch.Generator().manual_seed(801)
    K = torch.tensor([[0.0, 1.0], [2.0, 3.0]])
    cases = [
        Case(
            "the notes' 2×2 kernel on a 3×3 input, dY of ones",
            {"dY": torch.ones(2, 2), "K": K, "input_size": (3, 3)},
        )
    ]
    for (h, w), (kh, kw), s, p in [
        ((4, 5), (2, 3), 1, 0),
        ((5, 5), (3, 3), 1, 1),
        ((5, 5), (3, 3), 2, 0),
        ((6, 6), (3, 3), 2, 0),  # the stride never reaches the last row and column
        ((7, 8), (3, 2), (2, 3), (1, 0)),
        ((5, 4), (1, 1), 2, 0),
    ]:
        out = oracle.conv_output_shape((h, w), (kh, kw), p, s)
        dY, K = torch.randn(out, generator=g), torch.randn(kh, kw, generator=g)
        options = {"stride": s, "padding": p}
        label = describe_all(dY=dY, K=K) + f", input_size=({h}, {w}), stride={s}, padding={p}"
        cases.append(Case(label, {"dY": dY, "K": K, "input_size": (h, w)}, options))
    return cases


CORR2D_INPUT_GRAD = Exercise(
    "corr2d_input_grad",
    parts={"all": Part(3, cases=_input_grad_cases)},
    reference=oracle.corr2d_input_grad,
    mistakes=(
        Mistake(
            "kernel not flipped",
            "in dX as a full cross-correlation, the kernel is flipped: dX = corr2d(dY padded by k − 1, "
            "K.flip(0, 1)); or scatter: dX[i·s + a, j·s + b] += dY[i, j] · K[a, b], K as it is",
            lambda dY, K, input_size, stride=1, padding=0: _scatter(
                dY, K.flip(0, 1), input_size, stride, padding
            ),
        ),
        Mistake(
            "the padding is not cut off",
            "the forward pass padded X; the padded cells are not part of X: return only the middle "
            "input_size part of the padded gradient",
            lambda dY, K, input_size, stride=1, padding=0: (
                _scatter(dY, K, input_size, stride, padding, crop=False) if pair(padding) != (0, 0) else None
            ),
        ),
        Mistake(
            "stride ignored: the gaps between dY's entries are missing",
            "with stride s, output (i, j) read the window at (i·s, j·s): insert s − 1 zeros between dY's "
            "entries (or scatter at i·s, j·s)",
            lambda dY, K, input_size, stride=1, padding=0: (
                _scatter(dY, K, input_size, stride, padding, step=1) if pair(stride) != (1, 1) else None
            ),
        ),
        Mistake(
            "dY ignored: every window gets the whole kernel",
            "each window's share of the gradient is dY[i, j] · K, not K",
            lambda dY, K, input_size, stride=1, padding=0: _scatter(
                torch.ones_like(dY), K, input_size, stride, padding
            ),
        ),
        Mistake(
            "rows the stride never reaches are missing",
            "dX has the input's shape: the rows and columns no window reached get a gradient of 0",
            _reached,
        ),
    ),
    hints=Hints(
        shape="dX has the input's shape, input_size",
        value="start from zeros of the padded input's shape; for every (i, j) add dY[i, j] * K at rows "
        "i·sh…i·sh + kh − 1 and columns j·sw…j·sw + kw − 1; cut the padding off",
        error="corr2d_input_grad(dY, K, input_size, stride=1, padding=0): stride and padding are ints "
        "or pairs",
    ),
    forbidden=(BACKWARD,),
    stand_ins=LENT,
)
check_corr2d_input_grad = check_function(CORR2D_INPUT_GRAD)


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
    squares = _named(lambda x: (x**2).sum(), "f(x) = sum(x ** 2)")
    linear = _named(lambda x: (w * x).sum(), "f(x) = sum(w * x), w fixed")
    loss = _named(lambda k: ((_corr(X, k) - Y) ** 2).sum(), "f(K) = sum((corr2d(X, K) - Y) ** 2)")
    energy = _named(lambda x: (_corr(x, K) ** 2).sum(), "f(x) = sum(corr2d(x, K) ** 2)")
    # two functions whose central difference depends on h, so that a step other than h shows
    exp = _named(lambda x: x.exp().sum(), "f(x) = sum(exp(x))")
    exp.central = lambda grad, h: grad * math.sinh(h) / h  # (e^(x+h) − e^(x−h)) / 2h = e^x·sinh(h)/h
    cubes = _named(lambda x: (x**3).sum(), "f(x) = sum(x ** 3)")
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
            f"{f.__name__} at x of shape {tuple(x.shape)}" + "".join(f", h={h}" for h in opts.values()),
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
            "a forward difference (f(x + h) − f(x)) / h",
            "CS231n's check uses central differences: "
            "(f(x + h) − f(x − h)) / 2h, accurate to h² instead of h",
            lambda f, x, h=1e-5: _forward_differences(f, x, h),
        ),
        Mistake(
            "divided by h instead of 2h",
            "x + h and x − h are 2h apart: divide by 2 * h",
            lambda f, x, h=1e-5: 2 * oracle.numerical_gradient(f, x, h),
        ),
        Mistake(
            "the sign flipped: (f(x − h) − f(x + h)) / 2h",
            "the gradient points uphill: f(x + h) comes first",
            lambda f, x, h=1e-5: -oracle.numerical_gradient(f, x, h),
        ),
        Mistake(
            "only the first entry computed",
            "perturb every entry of x in turn, one at a time",
            lambda f, x, h=1e-5: _first_only(oracle.numerical_gradient(f, x, h)),
        ),
        Mistake(
            "h ignored: the step is not the h given",
            "perturb by the h the caller passed (x[i] = old ± h, divided by 2 * h), not a fixed step: on "
            "sum(exp(x)) the central difference is e^x·sinh(h)/h, which depends on h",
            _step_ignored,
        ),
    ),
    hints=Hints(
        shape="the gradient has x's shape: one partial derivative per entry",
        value="for each entry i: x[i] = old + h, f_plus = f(x); x[i] = old - h, f_minus = f(x); x[i] = old; "
        "grad[i] = (f_plus - f_minus) / (2 * h)",
        error="numerical_gradient(f, x, h=1e-5): f takes a tensor and returns a scalar; loop over "
        "x.view(-1) (or x.flatten() on a copy) and return a tensor of x's shape",
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
        ("a random a and a slightly changed copy", a, a + 1e-4 * torch.randn(3, 4, generator=g).double()),
        ("a gradient and its negation", a, -a),
        ("two tensors of zeros", torch.zeros(2, 3).double(), torch.zeros(2, 3).double()),
        (
            "a small entry far off, a large one close",
            torch.tensor([1e-3, 100.0]).double(),
            torch.tensor([2e-3, 100.001]).double(),
        ),
        ("b larger than a", torch.tensor([1.0, 2.0, 3.0]).double(), torch.tensor([1.5, 2.0, 9.0]).double()),
        ("identical tensors", a, a.clone()),
    ]
    return [Case(label, {"a": x, "b": y}) for label, x, y in pairs]


def _error_answer(got, case: Case) -> torch.Tensor:
    if isinstance(got, torch.Tensor) and got.numel() == 1:
        got = got.item()
    if isinstance(got, bool) or not isinstance(got, int | float):
        fail(
            "relative_error",
            f"returned a {type(got).__name__}, not a number",
            case.label,
            [f"got {got!r}"[:200]],
            "return one number: the largest relative error over the entries (float(...) or .item())",
            mistake="did not return a number",
        )
    if got != got:
        fail(
            "relative_error",
            "returned nan: no guard against 0 / 0",
            case.label,
            ["expected a number"],
            "divide by max(1e-8, |a| + |b|): two entries that are both 0 agree perfectly",
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
            "the mean instead of the largest entry",
            "report the worst entry: .max(), not .mean()",
            lambda a, b: _elementwise(a, b, reduce=torch.mean),
        ),
        Mistake(
            "no absolute value in the numerator",
            "use |a − b|: an error is an error in either direction",
            lambda a, b: _elementwise(a, b, numerator=lambda a, b: a - b),
        ),
        Mistake(
            "relative to |a| only",
            "divide by |a| + |b|: the error is symmetric in a and b",
            lambda a, b: _elementwise(a, b, denominator=lambda a, b: a.abs()),
        ),
        Mistake(
            "the ratio of the maxima",
            "CS231n divides entry by entry, then takes the largest ratio",
            lambda a, b: (
                (a - b).abs().max() / (a.abs() + b.abs()).max() if (a.abs() + b.abs()).max() else None
            ),
        ),
    ),
    hints=Hints(
        shape="return one number",
        value="max over entries of |a − b| / max(1e-8, |a| + |b|)",
        error="relative_error(a, b) takes two tensors of the same shape and returns a number",
    ),
    answer=_error_answer,
)
check_relative_error = check_function(RELATIVE_ERROR)


# --- pool2d_backward(X, dY, kernel_size, stride=None, mode="max") -----------------------------


def _pool_back(X, dY, kernel_size, stride=None, mode="max", rule="first", add=True, divide=True):
    """Pooling's backward by hand; ``rule``, ``add`` and ``divide`` model the mistakes."""
    (kh, kw) = pair(kernel_size)
    sh, sw = pair(stride if stride is not None else kernel_size)
    X = X.to(torch.float64)
    out = torch.zeros_like(X)
    for i in range(dY.shape[0]):
        for j in range(dY.shape[1]):
            window = X[i * sh : i * sh + kh, j * sw : j * sw + kw]
            g = float(dY[i, j])
            if mode == "avg" or rule == "spread":
                share = torch.full_like(window, g / (kh * kw) if divide else g)
            elif rule == "every":
                share = (window == window.max()).to(torch.float64) * g
            else:
                flat = window.flatten()
                k = int(flat.argmax()) if rule == "first" else int(len(flat) - 1 - flat.flip(0).argmax())
                share = torch.zeros_like(flat)
                share[k] = g
                share = share.reshape(window.shape)
            region = out[i * sh : i * sh + kh, j * sw : j * sw + kw]
            if add:
                region += share
            else:
                region.copy_(share)
    return out


def _pool_cases() -> list[Case]:
    g = torch.Generator().manual_seed(805)
    cases = []
    for shape, k, s, ties in [
        ((4, 4), 2, None, True),
        ((5, 5), 2, 1, True),
        ((6, 5), 3, 2, False),
        ((4, 6), (2, 3), None, True),
        ((5, 6), 2, 1, False),
        ((6, 7), (3, 2), (1, 2), True),  # a stride per axis
    ]:
        X = torch.randint(0, 3, shape, generator=g).float() if ties else torch.randn(shape, generator=g)
        for mode in ("max", "avg"):
            out = tuple(oracle.pool2d(X, k, s, mode=mode).shape)
            dY = torch.randn(out, generator=g)
            options = {"kernel_size": k, "stride": s, "mode": mode}
            label = describe_all(X=X, dY=dY) + f", kernel_size={k}, stride={s}, mode={mode!r}"
            cases.append(
                Case(label + (" (ties in the windows)" if ties else ""), {"X": X, "dY": dY}, options)
            )
    return cases


def _when(wanted: str, rule: str = "first", **changes):
    """A mistake that happens in one mode only (None in the other)."""

    def prediction(X, dY, kernel_size, stride=None, mode="max"):
        return _pool_back(X, dY, kernel_size, stride, mode, rule, **changes) if mode == wanted else None

    return prediction


POOL2D_BACKWARD = Exercise(
    "pool2d_backward",
    parts={"all": Part(3, cases=_pool_cases)},
    reference=oracle.pool2d_backward,
    mistakes=(
        Mistake(
            "max: the gradient went to every maximum of a window",
            "a window with a tie passes its gradient to one cell, the first maximum (row by row), as "
            "PyTorch's argmax and return_indices do",
            _when("max", "every"),
        ),
        Mistake(
            "max: the gradient went to the last maximum, not the first",
            "on a tie PyTorch keeps the first maximum, reading the window row by row",
            _when("max", "last"),
        ),
        Mistake(
            "max: the gradient spread over the window like an average",
            "only the maximum influenced the output: it alone gets dY[i, j]",
            _when("max", "spread"),
        ),
        Mistake(
            "overlapping windows overwrite each other instead of adding up",
            "with a stride smaller than the window, a cell belongs to several windows: add (+=) every share",
            lambda X, dY, kernel_size, stride=None, mode="max": (
                _pool_back(X, dY, kernel_size, stride, mode, add=False)
                if stride is not None and min(pair(stride)) < min(pair(kernel_size))
                else None
            ),
        ),
        Mistake(
            "one stride for both axes: stride[0] used for the columns too",
            "a stride pair is (rows, columns): window (i, j) starts at (i·sh, j·sw) with sh, sw = stride",
            lambda X, dY, kernel_size, stride=None, mode="max": (
                _pool_back(X, dY, kernel_size, (pair(stride)[0],) * 2, mode)
                if stride is not None and pair(stride)[0] != pair(stride)[1]
                else None
            ),
        ),
        Mistake(
            "mode ignored: max pooling's gradient for mode='avg'",
            "mode='avg' spreads dY[i, j] / (kh·kw) over the whole window; only mode='max' sends it to the "
            "maximum",
            lambda X, dY, kernel_size, stride=None, mode="max": (
                _pool_back(X, dY, kernel_size, stride, "max") if mode == "avg" else None
            ),
        ),
        Mistake(
            "avg: not divided by the window's size",
            "each of the kh·kw cells contributed 1/(kh·kw) of the mean: it gets dY[i, j] / (kh·kw)",
            _when("avg", divide=False),
        ),
        Mistake(
            "stride taken as 1 instead of the window size",
            "stride=None means the window size, as in nn.MaxPool2d (notebook 07)",
            lambda X, dY, kernel_size, stride=None, mode="max": (
                _pool_back(X, dY, kernel_size, 1, mode)
                if stride is None and pair(kernel_size) != (1, 1)
                else None
            ),
        ),
    ),
    hints=Hints(
        shape="dX has X's shape",
        value="for every output (i, j): max pooling adds dY[i, j] to the first maximum of its window; "
        "average pooling adds dY[i, j] / (kh·kw) to every cell of it",
        error="pool2d_backward(X, dY, kernel_size, stride=None, mode='max') for a 2-D X, no padding",
    ),
    forbidden=(BACKWARD,),
)
check_pool2d_backward = check_function(POOL2D_BACKWARD)


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
                describe_all(X=X) + f", kernel_size={k}, stride={s}, padding={p}",
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
    shape="one row per (channel, kernel row, kernel column), c·kh·kw of them; one column per window, "
    "h'·w' of them",
    value="column i·w' + j is the window at output (i, j) of the padded X, flattened channel by channel, "
    "each window row by row: Xp[:, i·sh : i·sh + kh, j·sw : j·sw + kw].reshape(-1)",
    error="im2col(X, kernel_size, stride=1, padding=0) for X (c, h, w); each setting an int or a pair",
)

IM2COL = Exercise(
    "im2col",
    parts={"all": Part(2, cases=_im2col_cases)},
    reference=oracle.im2col,
    mistakes=(
        Mistake(
            "channels last inside a column",
            "flatten each window channel by channel: window.reshape(-1) for window of shape (c, kh, kw)",
            lambda X, **kw: _columns(X, **kw, order="abc") if X.shape[0] > 1 else None,
        ),
        Mistake(
            "each window read column by column",
            "flatten each window row by row (its rows, then its columns)",
            lambda X, kernel_size, **kw: _columns(X, kernel_size, **kw, order="cba"),
        ),
        Mistake(
            "windows taken column by column",
            "column number i·w' + j: walk the output row by row",
            lambda X, **kw: _columns(X, **kw, by_rows=False),
        ),
        Mistake(
            "the matrix transposed: one row per window",
            "one COLUMN per window: shape (c·kh·kw, h'·w')",
            lambda X, **kw: _columns(X, **kw).T,
        ),
        Mistake(
            "padding ignored",
            "pad X first (pad2d of notebook 04), then cut out the windows",
            lambda X, kernel_size, stride=1, padding=0: (
                _columns(X, kernel_size, stride, 0) if pair(padding) != (0, 0) else None
            ),
        ),
        Mistake(
            "stride ignored",
            "window (i, j) starts at (i·sh, j·sw)",
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
                describe_all(X=X, K=K) + f", stride={s}, padding={p}",
                {"X": X, "K": K},
                {"stride": s, "padding": p},
            )
        )
    return cases


def _conv(X, K, stride=1, padding=0):
    """PyTorch's multi-channel cross-correlation with stride and padding, in float64."""
    return _conv2d(X.double()[None], K.double(), stride=stride, padding=padding)[0]


def _one_product(fn) -> int:
    case = _conv_cases()[2]
    with CountProducts() as counter:
        call_watched("corr2d_im2col", fn, case, IM2COL_HINTS.error)
    if counter.count != 1:
        fail(
            "corr2d_im2col",
            f"uses {counter.count} matrix multiplications",
            case.label,
            [],
            "the point of im2col: ONE product (c_o, c_i·kh·kw) @ (c_i·kh·kw, h'·w') computes every output "
            "channel at every position",
            mistake="more than one matrix multiplication",
        )
    return 1


CORR2D_IM2COL = Exercise(
    "corr2d_im2col",
    parts={"all": Part(2, cases=_conv_cases, steps=(_one_product,))},
    reference=lambda X, K, stride=1, padding=0: _conv(X, K, stride, padding),
    mistakes=(
        Mistake(
            "kernel flipped",
            "cross-correlation: K as it is, K.reshape(c_o, -1)",
            lambda X, K, stride=1, padding=0: _conv(X, K.flip(2, 3), stride, padding),
        ),
        Mistake(
            "output reshaped as (c_o, w', h')",
            "the columns run output row by output row: reshape to (c_o, h', w')",
            lambda X, K, stride=1, padding=0: (
                lambda Y: Y.reshape(Y.shape[0], Y.shape[2], Y.shape[1]) if Y.shape[1] != Y.shape[2] else None
            )(_conv(X, K, stride, padding)),
        ),
        Mistake(
            "weights scrambled: K reshaped as (c_i·kh·kw, c_o)",
            "K.reshape(c_o, -1): one row per output channel, in the same order as im2col's rows",
            lambda X, K, stride=1, padding=0: (
                _conv(X, K.reshape(-1, K.shape[0]).T.reshape(K.shape), stride, padding)
                if K.shape[0] > 1
                else None
            ),
        ),
    ),
    hints=Hints(
        shape="the output is (c_o, h', w') with h', w' the conv_output_shape of notebook 04",
        value="cols = im2col(X, (kh, kw), stride, padding); Y = K.reshape(c_o, -1) @ cols; "
        "reshape to (c_o, h', w')",
        error="corr2d_im2col(X, K, stride=1, padding=0): X (c_i, h, w), K (c_o, c_i, kh, kw)",
    ),
    stand_ins={"im2col": oracle.im2col, **LENT},
)
check_corr2d_im2col = check_function(CORR2D_IM2COL)
