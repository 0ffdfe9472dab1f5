"""Images the notebooks share: the course notes' stripes, a real photograph and handwritten digits."""

from __future__ import annotations

import functools
from typing import NamedTuple

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


class Digits(NamedTuple):
    """scikit-learn's 8×8 handwritten digits, split once: images (n, 1, 8, 8) in [0, 1] and
    labels 0–9, 1,437 to train on and 360 to test on."""

    X_train: torch.Tensor
    y_train: torch.Tensor
    X_test: torch.Tensor
    y_test: torch.Tensor


def digits(test_size: int = 360, seed: int = 0) -> Digits:
    """The digits of ``sklearn.datasets.load_digits`` (shipped with scikit-learn, no download),
    shuffled with ``seed`` and split: the last ``test_size`` of the shuffled order are the test
    set. Introduced in notebook 09."""
    from sklearn.datasets import load_digits  # imported here: only notebook 09 needs it

    raw = load_digits()
    X = torch.tensor(raw.images, dtype=torch.float32)[:, None] / 16  # pixel values 0..16
    y = torch.tensor(raw.target, dtype=torch.int64)
    order = torch.randperm(len(y), generator=torch.Generator().manual_seed(seed))
    train, test = order[:-test_size], order[-test_size:]
    return Digits(X[train], y[train], X[test], y[test])
