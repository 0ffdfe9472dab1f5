"""Images the notebooks share: the course notes' stripes, a real photograph and handwritten digits."""

from __future__ import annotations

import functools
from typing import NamedTuple

import matplotlib.cbook
import matplotlib.image
import torch


def stripes(height: int = 6, width: int = 8) -> torch.Tensor:
    """The notes' black-and-white image: ones (white) with columns 2..5 set to 0 (black)."""
    X = torch.ones(height, width)
    X[:, 2:6] = 0
    return X


@functools.cache
def _hopper() -> torch.Tensor:
    """The portrait's luminance 299 R + 587 G + 114 B of its 8-bit pixels, as integers (exact)."""
    with matplotlib.cbook.get_sample_data("grace_hopper.jpg") as f:
        rgb = torch.tensor(matplotlib.image.imread(f, format="jpg"), dtype=torch.int64)
    return (rgb * torch.tensor([299, 587, 114])).sum(dim=-1)


def photo(scale: int = 4) -> torch.Tensor:
    """Grace Hopper's portrait (matplotlib's sample photo), grayscale in [0, 1].

    ``scale`` shrinks it by averaging scale×scale blocks (4: 600×512 -> 150×128), so that
    loop-based exercises finish in a second. Computed in integers and divided once, so every
    pixel is the same float on every CPU (a float sum's rounding depends on its order, which
    depends on the CPU's vector width).
    """
    lum = _hopper()
    h, w = lum.shape[0] // scale, lum.shape[1] // scale
    blocks = lum[: h * scale, : w * scale].reshape(h, scale, w, scale).sum(dim=(1, 3))
    return (blocks.to(torch.float64) / (1000 * 255 * scale * scale)).to(torch.float32)


class Digits(NamedTuple):
    """scikit-learn's 8×8 handwritten digits, split once: images (n, 1, 8, 8) in [0, 1] and
    labels 0–9, 1,437 to train on and 360 to test on."""

    X_train: torch.Tensor
    y_train: torch.Tensor
    X_test: torch.Tensor
    y_test: torch.Tensor


def digits(test_size: int = 360, seed: int = 0, dtype: torch.dtype = torch.float32) -> Digits:
    """The digits of ``sklearn.datasets.load_digits`` (shipped with scikit-learn, no download),
    shuffled with ``seed`` and split: the last ``test_size`` of the shuffled order are the test
    set, the images as ``dtype``. Introduced in notebook 09."""
    from sklearn.datasets import load_digits  # imported here: only notebook 09 needs it

    raw = load_digits()
    X = torch.tensor(raw.images, dtype=dtype)[:, None] / 16  # pixel values 0..16
    y = torch.tensor(raw.target, dtype=torch.int64)
    order = torch.randperm(len(y), generator=torch.Generator().manual_seed(seed))
    train, test = order[:-test_size], order[-test_size:]
    return Digits(X[train], y[train], X[test], y[test])
