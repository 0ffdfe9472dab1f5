"""Images the notebooks share: the course notes' stripes and a real photograph."""

from __future__ import annotations

import functools

import matplotlib.cbook
import matplotlib.image
import torch
import torch.nn.functional as F


def stripes(height: int = 6, width: int = 8) -> torch.Tensor:
    """The notes' black-and-white image: ones (white) with columns 2..5 set to 0 (black)."""
    X = torch.ones(height, width)
    X[:, 2:6] = 0
    return X


@functools.cache
def _hopper() -> torch.Tensor:
    with matplotlib.cbook.get_sample_data("grace_hopper.jpg") as f:
        rgb = torch.tensor(matplotlib.image.imread(f, format="jpg"), dtype=torch.float32) / 255
    return rgb @ torch.tensor([0.299, 0.587, 0.114])  # luminance: a grayscale image in [0, 1]


def photo(scale: int = 4) -> torch.Tensor:
    """Grace Hopper's portrait (matplotlib's sample photo), grayscale in [0, 1].

    ``scale`` shrinks it by averaging scale×scale blocks (4: 600×512 -> 150×128), so that
    loop-based exercises finish in a second.
    """
    gray = _hopper()
    if scale == 1:
        return gray.clone()
    return F.avg_pool2d(gray[None, None], scale)[0, 0]
