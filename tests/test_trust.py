"""A grade an instructor can defend: PyTorch's own doings are not tampering, a warning costs
nothing, the answer key agrees with PyTorch where the check used to skip a case."""

import contextlib
import io

import torch
import torch.nn.functional as F

from tests.support.course import python_c
from tests.support.graded import answer_key


def solution(aid: str, name: str):
    """One function of an answer key, defined as the notebook defines it."""
    namespace: dict = {}
    for c in answer_key(aid).cells:
        if c.cell_type == "code" and (
            c.id == "setup" or c.metadata.get("nbgrader", {}).get("grade_id") == name
        ):
            with contextlib.redirect_stdout(io.StringIO()):
                exec(c.source, namespace)
    return namespace[name]


def test_the_key_averages_an_overhanging_window_as_pytorch_does():
    pool2d_ext = solution("07_pooling", "pool2d_ext")
    X = torch.arange(25.0).reshape(1, 5, 5)
    got = pool2d_ext(X, 2, mode="avg", ceil_mode=True)
    assert torch.allclose(got, F.avg_pool2d(X[None], 2, ceil_mode=True)[0])
    assert got[0, :, -1].tolist() == [6.5, 16.5, 24.0]  # not the full window's 3.25, 8.25, 6.0
    padded = pool2d_ext(X, 3, 2, 1, mode="avg", ceil_mode=True, count_include_pad=False)
    want = F.avg_pool2d(X[None], 3, 2, 1, ceil_mode=True, count_include_pad=False)[0]
    assert torch.allclose(padded, want)


FRESH = """
import torch, warnings
from convlab.checks import check_kernel_gradient, check_train_kernel
from convlab.checks.integrity import replaced
from convlab.oracle import corr2d

def train_kernel(X, Y, kernel_size=(1, 2), lr=3e-2, steps=10, init=None):
    w = (init.clone() if init is not None else torch.rand(kernel_size)).float().requires_grad_(True)
    optimizer = torch.optim.SGD([w], lr=lr)
    losses = []
    for _ in range(steps):
        optimizer.zero_grad()
        loss = ((corr2d(X, w) - Y) ** 2).sum()
        losses.append(float(loss))  # PyTorch warns: a tensor that requires grad made a float
        loss.backward()
        optimizer.step()
    return w.detach(), losses

check_train_kernel(train_kernel)
check_kernel_gradient(lambda X, dY: torch.func.grad(lambda K: (corr2d(X, K) * dY).sum())(
    torch.zeros(X.shape[0] - dY.shape[0] + 1, X.shape[1] - dY.shape[1] + 1)))
print("replaced:", replaced())
"""


def test_an_honest_student_using_optimizers_and_torch_func_is_neither_refused_nor_warned_on_stderr():
    """torch.optim and torch.func import torch._dynamo, which wraps torch.manual_seed: PyTorch's
    own doing. float(loss) makes PyTorch warn: the note goes to stdout, never stderr."""
    done = python_c(FRESH)
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""  # nbgrader fails a test cell that wrote anything to stderr
    assert "train_kernel: all 5 cases passed" in done.stdout
    assert "note: your code warned UserWarning: Converting a tensor with requires_grad=True" in done.stdout
    assert "kernel_gradient: all 5 cases passed" in done.stdout
    assert "replaced: []" in done.stdout
    assert torch.manual_seed is not None  # this process is untouched


def test_a_student_wrapper_of_a_torch_function_is_still_a_replacement():
    code = (
        "import functools, torch\n"
        "from convlab.checks.integrity import replaced\n"
        "original = torch.manual_seed\n"
        "torch.manual_seed = functools.wraps(original)(lambda seed: original(0))\n"
        "print(replaced())"
    )
    done = python_c(code)
    assert "torch.manual_seed" in done.stdout, done.stdout + done.stderr
