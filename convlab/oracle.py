"""PyTorch's own operations on the course's plain tensors: the reference every check uses.

The course works with 2-D tensors ``X`` (h, w), channel stacks (c, h, w) and kernels;
PyTorch wants a batch dimension (and a channel one). These wrappers add and remove them
and compute in float64, so integer inputs work and rounding stays out of the way; results
come back as float32 (float64 if an input was float64). Gradients flow through them.
Notebooks may use them to show what an operation should produce; exercises may not.

It imports only a leaf (:mod:`convlab.geometry`): importing the reference never loads the
checks. PyTorch's operations are bound here when convlab is imported, before any notebook
code runs, so a notebook that later replaces ``F.conv2d`` or ``torch.conv2d`` does not change
what the reference computes (and the checks say it replaced them). Nothing here is exempt
from the checks' watch: an exercise cannot call the reference.
"""

from __future__ import annotations

import torch
from torch import nn

from convlab.geometry import sides

# PyTorch's own kernels, bound privately before any notebook code runs.
_conv2d = torch.conv2d
_pad = torch._C._nn.pad
_max_pool2d = torch._C._nn.max_pool2d_with_indices
_avg_pool2d = torch._C._nn.avg_pool2d
_im2col = torch._C._nn.im2col
_conv_transpose2d = torch.conv_transpose2d
_grad = torch.autograd.grad
_Conv2d = nn.Conv2d
_batch_norm = torch.batch_norm

Size = int | tuple[int, int]


def _f64(t: torch.Tensor) -> torch.Tensor:
    return torch.as_tensor(t).to(torch.float64)


def _result_dtype(*tensors: torch.Tensor) -> torch.dtype:
    dtype = torch.float32
    for t in tensors:
        dtype = torch.promote_types(dtype, torch.as_tensor(t).dtype)
    return dtype


def pad2d(X: torch.Tensor, padding: Size | tuple[int, int, int, int]) -> torch.Tensor:
    """Zero padding per side: an int, a pair (ph, pw) or a 4-tuple (top, bottom, left, right).

    The result keeps ``X``'s dtype, like ``F.pad`` (whose own order is left, right, top, bottom).
    """
    top, bottom, left, right = sides(padding)
    return _pad(torch.as_tensor(X), (left, right, top, bottom))


def corr2d(
    X: torch.Tensor,
    K: torch.Tensor,
    padding: Size | tuple[int, int, int, int] = 0,
    stride: Size = 1,
    dilation: Size = 1,
) -> torch.Tensor:
    """2-D cross-correlation of ``X`` (h, w) with ``K`` (kh, kw), as ``F.conv2d`` computes it.

    ``padding`` may also be a 4-tuple (top, bottom, left, right) for unequal padding.
    """
    Xp = pad2d(_f64(X), padding)
    out = _conv2d(Xp[None, None], _f64(K)[None, None], stride=stride, dilation=dilation)
    return out[0, 0].to(_result_dtype(X, K))


def corr2d_multi_in(X: torch.Tensor, K: torch.Tensor) -> torch.Tensor:
    """X (c_i, h, w) and K (c_i, kh, kw): one output channel, the sum over input channels."""
    return _conv2d(_f64(X)[None], _f64(K)[None])[0, 0].to(_result_dtype(X, K))


def corr2d_multi_in_out(X: torch.Tensor, K: torch.Tensor, groups: int = 1) -> torch.Tensor:
    """X (c_i, h, w) and K (c_o, c_i / groups, kh, kw) -> (c_o, h', w'), as ``F.conv2d``."""
    return _conv2d(_f64(X)[None], _f64(K), groups=groups)[0].to(_result_dtype(X, K))


def pool2d(
    X: torch.Tensor,
    kernel_size: Size,
    stride: Size | None = None,
    padding: Size = 0,
    mode: str = "max",
    ceil_mode: bool = False,
    count_include_pad: bool = True,
) -> torch.Tensor:
    """Max or average pooling of (h, w) or (c, h, w), each channel alone, as ``nn.MaxPool2d``
    and ``nn.AvgPool2d`` compute it (``count_include_pad``: zero padding counted in averages;
    a window that overhangs the padded input, with ``ceil_mode``, is divided by its part inside)."""
    X = _f64(X)
    flat = X.dim() == 2
    batch = X[None, None] if flat else X[None]
    stride = kernel_size if stride is None else stride
    if mode == "max":
        out = _max_pool2d(batch, kernel_size, stride, padding, 1, ceil_mode)[0]
    elif mode == "avg":
        out = _avg_pool2d(batch, kernel_size, stride, padding, ceil_mode, count_include_pad)
    else:
        raise ValueError(f"mode must be 'max' or 'avg', not {mode!r}")
    return (out[0, 0] if flat else out[0]).to(torch.float32)


def conv_output_shape(
    input_size: Size, kernel_size: Size, padding: Size = 0, stride: Size = 1, dilation: Size = 1
) -> tuple[int, int]:
    """The (h, w) of ``F.conv2d``'s output, found by running it on zeros."""
    n = (input_size, input_size) if isinstance(input_size, int) else tuple(input_size)
    k = (kernel_size, kernel_size) if isinstance(kernel_size, int) else tuple(kernel_size)
    out = _conv2d(
        torch.zeros(1, 1, *n),
        torch.zeros(1, 1, *k),
        padding=padding,
        stride=stride,
        dilation=dilation,
    )
    return tuple(out.shape[2:])


def conv_param_count(
    in_channels: int, out_channels: int, kernel_size: Size, groups: int = 1, bias: bool = True
) -> int:
    """Learnable parameters of the matching ``nn.Conv2d``, counted from the layer itself."""
    layer = _Conv2d(in_channels, out_channels, kernel_size, groups=groups, bias=bias)
    return sum(p.numel() for p in layer.parameters())


# --- notebook 08: gradients by autograd, im2col, the transposed convolution -------------------


def corr2d_input_grad(
    dY: torch.Tensor, K: torch.Tensor, input_size: Size, stride: Size = 1, padding: Size = 0
) -> torch.Tensor:
    """dL/dX for L = sum(corr2d(X, K, padding, stride) * dY), X of shape ``input_size``, by
    autograd through PyTorch's convolution (float64)."""
    X = torch.zeros(input_size, dtype=torch.float64, requires_grad=True)
    with torch.enable_grad():
        Y = _conv2d(X[None, None], _f64(K)[None, None], stride=stride, padding=padding)[0, 0]
        (dX,) = _grad(Y, X, _f64(dY))
    return dX


def conv2d_backward(
    X: torch.Tensor, K: torch.Tensor, dY: torch.Tensor, stride: Size = 1, padding: Size = 0
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """(dX, dK, db) of L = sum(Y * dY), Y = F.conv2d(X, K, b, stride, padding): X (c_i, h, w),
    K (c_o, c_i, kh, kw), dY (c_o, h', w'), by autograd (float64)."""
    X, K = _f64(X).requires_grad_(True), _f64(K).requires_grad_(True)
    b = torch.zeros(K.shape[0], dtype=torch.float64, requires_grad=True)
    with torch.enable_grad():
        Y = _conv2d(X[None], K, b, stride=stride, padding=padding)[0]
        return _grad(Y, (X, K, b), _f64(dY))


def pool2d_backward(
    X: torch.Tensor, dY: torch.Tensor, kernel_size: Size, stride: Size | None = None, mode: str = "max"
) -> torch.Tensor:
    """dL/dX of L = sum(pool2d(X) * dY) for a 2-D X, no padding, by autograd (float64): max
    pooling sends each dY to the first maximum of its window, average pooling spreads it."""
    X = _f64(X).requires_grad_(True)
    stride = kernel_size if stride is None else stride
    with torch.enable_grad():
        if mode == "max":
            Y = _max_pool2d(X[None, None], kernel_size, stride, 0, 1, False)[0]
        elif mode == "avg":
            Y = _avg_pool2d(X[None, None], kernel_size, stride, 0, False, True)
        else:
            raise ValueError(f"mode must be 'max' or 'avg', not {mode!r}")
        (dX,) = _grad(Y[0, 0], X, _f64(dY))
    return dX


def im2col(X: torch.Tensor, kernel_size: Size, stride: Size = 1, padding: Size = 0) -> torch.Tensor:
    """X (c, h, w) -> (c·kh·kw, h'·w'): one column per window, as ``F.unfold`` lays them out
    (rows channel by channel, each window row by row; columns output row by output row)."""
    k, s, p = (v if not isinstance(v, int) else (v, v) for v in (kernel_size, stride, padding))
    return _im2col(_f64(X)[None], k, (1, 1), p, s)[0].to(_result_dtype(X))


def conv_transpose2d(X: torch.Tensor, K: torch.Tensor, stride: Size = 1, padding: Size = 0) -> torch.Tensor:
    """The transposed convolution of a 2-D X with K: each X[i, j] scatters X[i, j]·K into the
    output at (i·sh, j·sw), then ``padding`` rows and columns are cut from each side."""
    out = _conv_transpose2d(_f64(X)[None, None], _f64(K)[None, None], stride=stride, padding=padding)
    return out[0, 0]


def numerical_gradient(f, x: torch.Tensor, h: float = 1e-5) -> torch.Tensor:
    """Central differences (f(x + h·e_i) − f(x − h·e_i)) / 2h for every entry i of x (float64)."""
    x = _f64(x).clone()
    grad = torch.zeros_like(x)
    for i in range(x.numel()):
        old = x.view(-1)[i].item()
        x.view(-1)[i] = old + h
        up = float(f(x))
        x.view(-1)[i] = old - h
        down = float(f(x))
        x.view(-1)[i] = old
        grad.view(-1)[i] = (up - down) / (2 * h)
    return grad


def relative_error(a: torch.Tensor, b: torch.Tensor) -> float:
    """CS231n's relative error: max over entries of |a − b| / max(1e-8, |a| + |b|)."""
    a, b = _f64(a), _f64(b)
    return float(((a - b).abs() / (a.abs() + b.abs()).clamp(min=1e-8)).max())


# --- notebook 09: a small CNN on the digits ----------------------------------------------------


def cnn() -> nn.Module:
    """Notebook 09's network: conv 3×3 (1 → 16, padding 1) → ReLU → max pool 2, conv 3×3
    (16 → 32, padding 1) → ReLU → max pool 2, flatten, linear 128 → 10 logits."""
    return nn.Sequential(
        nn.Conv2d(1, 16, 3, padding=1),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Conv2d(16, 32, 3, padding=1),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Linear(32 * 2 * 2, 10),
    )


def accuracy(model: nn.Module, X: torch.Tensor, y: torch.Tensor) -> float:
    """The share of ``X`` that ``model`` labels right, in eval mode, without gradients."""
    model.eval()
    with torch.no_grad():
        return float((model(X).argmax(dim=1) == y).float().mean())


def train_classifier(model, data, epochs=20, lr=3e-3, batch_size=32, seed=0, on_epoch=None):
    """Notebook 09's training loop: Adam on the cross-entropy of the logits, mini-batches of the
    training set shuffled anew each epoch (generator seeded with ``seed + epoch``), the test
    accuracy after every epoch. Returns [(mean training loss, test accuracy), ...]."""
    X_train, y_train, X_test, y_test = data
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    history = []
    for epoch in range(epochs):
        model.train()
        order = torch.randperm(len(y_train), generator=torch.Generator().manual_seed(seed + epoch))
        total = 0.0
        for start in range(0, len(order), batch_size):
            batch = order[start : start + batch_size]
            optimizer.zero_grad()
            loss = nn.functional.cross_entropy(model(X_train[batch]), y_train[batch])
            loss.backward()
            optimizer.step()
            total += loss.item() * len(batch)
        history.append((total / len(order), accuracy(model, X_test, y_test)))
        if on_epoch is not None:
            on_epoch(epoch, *history[-1])
    return history


def layer_table(model: nn.Sequential, input_shape: tuple[int, ...]) -> list[tuple[str, tuple[int, ...], int]]:
    """(layer name, output shape without the batch, parameters) per layer, found by running
    the model on zeros and counting each layer's parameters."""
    rows, x = [], torch.zeros(1, *input_shape)
    with torch.no_grad():
        for layer in model:
            x = layer(x)
            rows.append(
                (type(layer).__name__, tuple(x.shape[1:]), sum(p.numel() for p in layer.parameters()))
            )
    return rows


# --- notebook 10: batch normalization, depthwise-separable convolution, residual blocks --------


def batch_norm(
    X: torch.Tensor,
    gamma: torch.Tensor,
    beta: torch.Tensor,
    running_mean: torch.Tensor,
    running_var: torch.Tensor,
    training: bool = True,
    momentum: float = 0.1,
    eps: float = 1e-5,
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """``F.batch_norm`` on X (n, c, h, w), in float64, returning (Y, new running_mean, new
    running_var) instead of updating the running statistics in place."""
    mean, var = _f64(running_mean).clone(), _f64(running_var).clone()
    Y = _batch_norm(_f64(X), _f64(gamma), _f64(beta), mean, var, training, momentum, eps, False)
    return Y, mean, var


def batch_norm_backward(
    dY: torch.Tensor, X: torch.Tensor, gamma: torch.Tensor, eps: float = 1e-5
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """(dX, dgamma, dbeta) of L = sum(Y * dY), Y = batch norm of X in train mode, by autograd
    through PyTorch's batch norm (float64)."""
    X, gamma = _f64(X).requires_grad_(True), _f64(gamma).requires_grad_(True)
    beta = torch.zeros_like(gamma, requires_grad=True)
    with torch.enable_grad():
        Y = _batch_norm(X, gamma, beta, None, None, True, 0.0, eps, False)
        return _grad(Y, (X, gamma, beta), _f64(dY))


def corr2d_grouped(X: torch.Tensor, K: torch.Tensor, groups: int) -> torch.Tensor:
    """Notebook 05's grouped cross-correlation: X (c_i, h, w), K (c_o, c_i / groups, kh, kw)."""
    return corr2d_multi_in_out(X, K, groups)


def corr2d_multi_in_out_1x1(X: torch.Tensor, K: torch.Tensor) -> torch.Tensor:
    """Notebook 06's 1×1 convolution: X (c_i, h, w), K (c_o, c_i, 1, 1) -> (c_o, h, w)."""
    return corr2d_multi_in_out(X, K)


def depthwise_separable(X: torch.Tensor, K_depth: torch.Tensor, K_point: torch.Tensor) -> torch.Tensor:
    """A depthwise convolution (one kh×kw kernel per channel, ``groups = c``) followed by a 1×1
    convolution: X (c, h, w), K_depth (c, 1, kh, kw), K_point (c_o, c, 1, 1)."""
    return corr2d_multi_in_out(corr2d_multi_in_out(X, K_depth, X.shape[0]), K_point)


def global_avg_pool(X: torch.Tensor) -> torch.Tensor:
    """The mean of every map: X (n, c, h, w) -> (n, c)."""
    return _avg_pool2d(_f64(X), tuple(X.shape[2:]))[:, :, 0, 0].to(_result_dtype(X))


class Residual(nn.Module):
    """Notebook 10's residual block (d2l's, without the 1×1 shortcut): two 3×3 convolutions
    with batch norm, ReLU(bn2(conv2(ReLU(bn1(conv1(x))))) + x)."""

    def __init__(self, channels: int):
        super().__init__()
        self.conv1 = nn.Conv2d(channels, channels, 3, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(channels)
        self.conv2 = nn.Conv2d(channels, channels, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(channels)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = torch.relu(self.bn1(self.conv1(x)))
        return torch.relu(self.bn2(self.conv2(y)) + x)
