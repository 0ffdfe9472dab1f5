"""check_corr2d and check_Conv2D: correct answers pass, each known mistake is named.

The expected values come from PyTorch (the checks' oracle) and, for the worked examples,
from the course notes; none are copied from the code under test.
"""

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from convlab.checks import CheckFailure, check_Conv2D, check_corr2d


# --- correct implementations, written in different ways -----------------------------------
def corr2d_loops(X, K):
    kh, kw = K.shape
    Y = torch.zeros((X.shape[0] - kh + 1, X.shape[1] - kw + 1))
    for i in range(Y.shape[0]):
        for j in range(Y.shape[1]):
            Y[i, j] = (X[i : i + kh, j : j + kw] * K).sum()
    return Y


def corr2d_shifts(X, K):
    """Vectorised: one shifted slice of X per kernel element."""
    kh, kw = K.shape
    oh, ow = X.shape[0] - kh + 1, X.shape[1] - kw + 1
    Y = torch.zeros(oh, ow, dtype=torch.float64)
    for a in range(kh):
        for b in range(kw):
            Y += X[a : a + oh, b : b + ow].double() * float(K[a, b])
    return Y


def corr2d_einsum(X, K):
    kh, kw = K.shape
    windows = X.double().unfold(0, kh, 1).unfold(1, kw, 1)  # Tensor.unfold: a strided view
    return torch.einsum("ijab,ab->ij", windows, K.double()).float()


def corr2d_no_grad(X, K):
    with torch.no_grad():
        return corr2d_loops(X, K)


@pytest.mark.parametrize("impl", [corr2d_loops, corr2d_shifts, corr2d_einsum, corr2d_no_grad])
def test_correct_corr2d_passes(impl, capsys):
    check_corr2d(impl)
    assert capsys.readouterr().out.strip() == "corr2d: all 10 cases passed"


def test_worked_examples_match_the_course_notes():
    """The notes' numbers, independently of the checks: our reference reproduces them."""
    X = torch.arange(9.0).reshape(3, 3)
    K = torch.tensor([[0.0, 1.0], [2.0, 3.0]])
    assert corr2d_loops(X, K).tolist() == [[19, 25], [37, 43]]
    X5 = torch.tensor([[3, 3, 2, 1, 0], [0, 0, 1, 3, 1], [3, 1, 2, 2, 3], [2, 0, 0, 2, 2], [2, 0, 0, 0, 1]])
    K3 = torch.tensor([[0, 1, 2], [2, 2, 0], [0, 1, 2]])
    assert corr2d_loops(X5, K3).tolist() == [[12, 12, 17], [10, 17, 19], [9, 6, 14]]


# --- wrong implementations and the words their failure must contain ------------------------
def flipped(X, K):
    return corr2d_loops(X, torch.flip(K, (0, 1)))


def one_short(X, K):
    kh, kw = K.shape
    Y = torch.zeros((X.shape[0] - kh, X.shape[1] - kw))
    for i in range(Y.shape[0]):
        for j in range(Y.shape[1]):
            Y[i, j] = (X[i : i + kh, j : j + kw] * K).sum()
    return Y


def last_row_missing(X, K):
    Y = corr2d_loops(X, K)
    Y[-1] = 0
    return Y


def transposed(X, K):
    return corr2d_loops(X, K).T


def averaged(X, K):
    return corr2d_loops(X, K) / K.numel()


def integer_output(X, K):
    return corr2d_loops(X, K).to(X.dtype)


def square_only(X, K):
    k = K.shape[0]
    Y = torch.zeros((X.shape[0] - k + 1, X.shape[0] - k + 1))
    for i in range(Y.shape[0]):
        for j in range(Y.shape[1]):
            Y[i, j] = (X[i : i + k, j : j + k] * K).sum()
    return Y


def uses_conv2d(X, K):
    return F.conv2d(X[None, None].float(), K[None, None].float())[0, 0]


def uses_conv_layer(X, K):
    layer = nn.Conv2d(1, 1, tuple(K.shape), bias=False)
    with torch.no_grad():
        layer.weight.copy_(K)
    return layer(X[None, None].float())[0, 0].detach()


def uses_unfold(X, K):
    cols = F.unfold(X[None, None].float(), tuple(K.shape))[0]
    oh, ow = X.shape[0] - K.shape[0] + 1, X.shape[1] - K.shape[1] + 1
    return (K.float().reshape(1, -1) @ cols).reshape(oh, ow)


def edits_input(X, K):
    X[0, 0] = 100
    return corr2d_loops(X, K)


def returns_list(X, K):
    return corr2d_loops(X, K).tolist()


def not_implemented(X, K):
    raise NotImplementedError()


MISTAKES = [
    (flipped, "kernel flipped: this is convolution"),
    (one_short, "n - k + 1"),
    (last_row_missing, "last row of the output not computed"),
    (transposed, "output transposed"),
    (averaged, "averaged instead of summed"),
    (integer_output, "torch.zeros_like(X)"),
    (square_only, "X of shape (5, 7)"),
    (uses_conv2d, "not allowed here: F.conv2d"),
    (uses_conv_layer, "not allowed here: F.conv2d"),
    (uses_unfold, "not allowed here: F.unfold"),
    (edits_input, "modified its input X in place"),
    (returns_list, "not a torch.Tensor"),
    (not_implemented, "replace `raise NotImplementedError()`"),
]


@pytest.mark.parametrize(("impl", "expected"), MISTAKES, ids=[m[0].__name__ for m in MISTAKES])
def test_wrong_corr2d_fails_with_its_hint(impl, expected):
    with pytest.raises(CheckFailure) as failure:
        check_corr2d(impl)
    message = str(failure.value)
    assert message.startswith("corr2d: ")
    assert expected in message
    assert "hint: " in message


def test_failure_reports_first_difference_with_values():
    def off_by_one_value(X, K):
        Y = corr2d_loops(X, K)
        Y[0, 1] += 1
        return Y

    with pytest.raises(CheckFailure, match=r"first difference at \(0, 1\): expected 25, got 26"):
        check_corr2d(off_by_one_value, cases="examples")


def test_square_only_passes_worked_examples_but_not_random_cases():
    check_corr2d(square_only, cases="examples")
    with pytest.raises(CheckFailure):
        check_corr2d(square_only, cases="random")


def test_an_input_edit_does_not_leak_into_later_cases(capsys):
    with pytest.raises(CheckFailure):
        check_corr2d(edits_input)
    check_corr2d(corr2d_loops)  # the worked examples are intact
    assert "all 10 cases passed" in capsys.readouterr().out


def test_unknown_case_set_is_a_value_error():
    with pytest.raises(ValueError, match="cases must be"):
        check_corr2d(corr2d_loops, cases="some")


# --- Conv2D ----------------------------------------------------------------------------------
def make_conv2d(init=None, forward=None, super_init=True, wrap=True, bias_shape=(1,)):
    """A Conv2D class with one part replaced by a plausible mistake."""

    class Conv2D(nn.Module):
        def __init__(self, kernel_size):
            if super_init:
                super().__init__()
            weight = init(kernel_size) if init else torch.rand(kernel_size)
            self.weight = nn.Parameter(weight) if wrap else weight
            self.bias = nn.Parameter(torch.zeros(bias_shape))

        def forward(self, x):
            if forward:
                return forward(self, x)
            return corr2d_loops(x, self.weight) + self.bias

    return Conv2D


def test_correct_conv2d_passes(capsys):
    check_Conv2D(make_conv2d())
    assert capsys.readouterr().out.strip() == "Conv2D: all 7 checks passed"


CONV_MISTAKES = [
    (make_conv2d(super_init=False), "super().__init__()"),
    (make_conv2d(wrap=False), "wrap it: self.weight = nn.Parameter"),
    (make_conv2d(init=torch.zeros), "not randomly initialised"),
    (make_conv2d(bias_shape=(2, 2)), "bias has the wrong shape"),
    (make_conv2d(forward=lambda self, x: corr2d_loops(x, self.weight)), "ignores the bias"),
    (make_conv2d(forward=lambda self, x: flipped(x, self.weight) + self.bias), "kernel flipped"),
    (
        make_conv2d(forward=lambda self, x: corr2d_loops(x, self.weight.detach()) + self.bias),
        "no gradient reaches the weight",
    ),
]


@pytest.mark.parametrize(("cls", "expected"), CONV_MISTAKES)
def test_wrong_conv2d_fails_with_its_hint(cls, expected):
    with pytest.raises(CheckFailure, match="^Conv2D: ") as failure:
        check_Conv2D(cls)
    assert expected in str(failure.value)


def test_conv2d_forward_does_not_depend_on_the_notebooks_corr2d():
    """A wrong corr2d in the notebook must cost only corr2d's points, not Conv2D's."""
    namespace = {"torch": torch, "nn": nn, "corr2d": flipped}
    exec(
        "class Conv2D(nn.Module):\n"
        "    def __init__(self, kernel_size):\n"
        "        super().__init__()\n"
        "        self.weight = nn.Parameter(torch.rand(kernel_size))\n"
        "        self.bias = nn.Parameter(torch.zeros(1))\n"
        "    def forward(self, x):\n"
        "        return corr2d(x, self.weight) + self.bias\n",
        namespace,
    )
    check_Conv2D(namespace["Conv2D"])
    assert namespace["corr2d"] is flipped  # restored afterwards


def test_conv2d_check_leaves_the_global_random_stream_alone():
    torch.manual_seed(3)
    expected = torch.rand(3)
    torch.manual_seed(3)
    check_Conv2D(make_conv2d(), aspect="parameters")
    assert torch.equal(torch.rand(3), expected)
