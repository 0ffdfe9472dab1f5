"""PyTorch's own operations on the course's plain tensors: the reference every check uses.

The course works with 2-D tensors ``X`` (h, w) and kernels ``K`` (kh, kw); PyTorch wants
4-D (batch, channel, height, width). These wrappers add and remove the two leading
dimensions and compute in float64, so integer inputs work and rounding stays out of the way.
Notebooks may use them to show what an operation should produce; exercises may not.
"""

import torch
import torch.nn.functional as F

from convlab.checks.guards import oracle_call


def _as_float(t: torch.Tensor) -> torch.Tensor:
    # float64 keeps integer inputs exact; no detach, so gradients flow through the reference
    return torch.as_tensor(t).to(torch.float64)


@oracle_call
def corr2d(
    X: torch.Tensor,
    K: torch.Tensor,
    padding: int | tuple[int, int] = 0,
    stride: int | tuple[int, int] = 1,
    dilation: int | tuple[int, int] = 1,
) -> torch.Tensor:
    """2-D cross-correlation of ``X`` (h, w) with ``K`` (kh, kw), as ``F.conv2d`` computes it.

    Computed in float64 (integers stay exact); returned as float32, or float64 if an input
    is float64, like the exercises' outputs.
    """
    out = F.conv2d(
        _as_float(X)[None, None],
        _as_float(K)[None, None],
        padding=padding,
        stride=stride,
        dilation=dilation,
    )
    return out[0, 0].to(_result_dtype(X, K))


def _result_dtype(*tensors: torch.Tensor) -> torch.dtype:
    dtype = torch.float32
    for t in tensors:
        dtype = torch.promote_types(dtype, torch.as_tensor(t).dtype)
    return dtype
