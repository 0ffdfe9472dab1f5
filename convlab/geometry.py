"""Where a sliding window lands: padding, stride and dilation on a 2-D input (a leaf).

PyTorch-style arguments (an int or a pair; padding also per side) are read here once, for
the reference (:mod:`convlab.oracle`), the checks and the views. The views enumerate the
window's positions with :class:`Window` instead of computing an output-size formula, so
what an animation shows is, step by step, what the operation does.
"""

from __future__ import annotations

from dataclasses import dataclass


def pair(value: int | tuple[int, int], name: str = "size", minimum: int = 0) -> tuple[int, int]:
    """``3`` -> ``(3, 3)``; a pair stays a pair; below ``minimum`` is a ``ValueError``."""
    values = (value, value) if isinstance(value, int) else tuple(value)
    if len(values) != 2 or not all(isinstance(v, int) for v in values):
        raise ValueError(f"{name} must be an int or a pair of ints, not {value!r}")
    if min(values) < minimum:
        raise ValueError(f"{name} must be at least {minimum}, got {value!r}")
    return values


def sides(padding: int | tuple[int, ...]) -> tuple[int, int, int, int]:
    """Padding as (top, bottom, left, right) from an int, a pair (ph, pw) or a 4-tuple."""
    if not isinstance(padding, int) and len(tuple(padding)) == 4:
        top, bottom, left, right = tuple(padding)
        if min(top, bottom, left, right) < 0:
            raise ValueError(f"padding must not be negative, got {padding!r}")
        return top, bottom, left, right
    ph, pw = pair(padding, "padding", 0)
    return ph, ph, pw, pw


@dataclass(frozen=True)
class Window:
    """A kh×kw window with padding, stride and dilation over an h×w input.

    Coordinates are in the padded input: row ``r`` of the padded grid is input row
    ``r - top``. Build with :meth:`of`, which accepts PyTorch-style ints or pairs.
    """

    in_shape: tuple[int, int]
    kernel: tuple[int, int]
    padding: tuple[int, int, int, int] = (0, 0, 0, 0)
    stride: tuple[int, int] = (1, 1)
    dilation: tuple[int, int] = (1, 1)

    @classmethod
    def of(cls, in_shape, kernel, padding=0, stride=1, dilation=1) -> Window:
        window = cls(
            tuple(in_shape),
            pair(kernel, "kernel size", 1),
            sides(padding),
            pair(stride, "stride", 1),
            pair(dilation, "dilation", 1),
        )
        (ph, pw), (sh, sw) = window.padded_shape, window.span
        if sh > ph or sw > pw:
            raise ValueError(
                f"the window spans {sh}×{sw} cells (kernel {window.kernel[0]}×{window.kernel[1]}, "
                f"dilation {window.dilation}) but the padded input is only {ph}×{pw}"
            )
        return window

    @property
    def padded_shape(self) -> tuple[int, int]:
        top, bottom, left, right = self.padding
        return self.in_shape[0] + top + bottom, self.in_shape[1] + left + right

    @property
    def span(self) -> tuple[int, int]:
        """Rows and columns the dilated window covers, gaps included."""
        return tuple(d * (k - 1) + 1 for d, k in zip(self.dilation, self.kernel, strict=True))

    def starts(self, axis: int) -> range:
        """Top (axis 0) or left (axis 1) padded coordinate of every window position."""
        return range(0, self.padded_shape[axis] - self.span[axis] + 1, self.stride[axis])

    @property
    def out_shape(self) -> tuple[int, int]:
        return len(self.starts(0)), len(self.starts(1))

    def cells(self, i: int, j: int) -> list[tuple[tuple[int, int], tuple[int, int]]]:
        """For output (i, j): ``((a, b), (r, c))`` pairs, kernel element -> padded cell."""
        r0, c0 = self.starts(0)[i], self.starts(1)[j]
        (dh, dw), (kh, kw) = self.dilation, self.kernel
        return [((a, b), (r0 + a * dh, c0 + b * dw)) for a in range(kh) for b in range(kw)]

    def is_padding(self, r: int, c: int) -> bool:
        top, _, left, _ = self.padding
        return not (0 <= r - top < self.in_shape[0] and 0 <= c - left < self.in_shape[1])
