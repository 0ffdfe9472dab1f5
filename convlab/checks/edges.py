"""Checks for notebook 02: edge kernels, edge maps, Sobel kernels and gradient magnitude."""

from __future__ import annotations

import torch

from convlab import oracle
from convlab.checks.compare import compare_one
from convlab.checks.exercise import Case, Exercise, Hints, Mistake, Part, Result
from convlab.checks.runner import call_watched, check_function
from convlab.checks.wording import describe, describe_all, fail
from convlab.data import stripes

VERTICAL = torch.tensor([[1.0, -1.0]])
# Sobel as cross-correlation kernels: smoothing [1, 2, 1] across, derivative [-1, 0, 1] along.
SOBEL_X = torch.outer(torch.tensor([1.0, 2.0, 1.0]), torch.tensor([-1.0, 0.0, 1.0]))
SOBEL_Y = SOBEL_X.T

KERNEL_HINTS = Hints(
    shape="a kernel is a 2-D tensor even when it has one row: torch.tensor([[1.0, -1.0]]) has "
    "shape (1, 2), its transpose shape (2, 1)",
    value="the edge kernel subtracts the right neighbour from the left one",
    error="the function takes no arguments and returns a tensor",
    dtype="write the kernel with float entries: torch.tensor([[1.0, -1.0]])",
)


def _kernel(name: str, expected: torch.Tensor, mistakes: tuple[Mistake, ...], **declared) -> Exercise:
    """An exercise whose function takes no arguments and returns one fixed kernel."""
    return Exercise(
        name,
        parts={"all": Part(1, cases=lambda: [Case("the kernel it returns", {})])},
        reference=lambda: expected,
        mistakes=mistakes,
        hints=KERNEL_HINTS,
        **declared,
    )


ONE_DIMENSIONAL = Mistake("one-dimensional kernel", KERNEL_HINTS.shape, lambda: VERTICAL[0])

VERTICAL_EDGE_KERNEL = _kernel(
    "vertical_edge_kernel",
    VERTICAL,
    (
        Mistake(
            "sign flipped",
            "with [[1, -1]] a white→black step (1 then 0) gives +1; [[-1, 1]] gives -1 there",
            lambda: -VERTICAL,
        ),
        Mistake(
            "this is the horizontal kernel",
            "a vertical edge is a change along a row, "
            "between left and right neighbours: one row, two columns",
            lambda: VERTICAL.T,
        ),
        ONE_DIMENSIONAL,
    ),
)
check_vertical_edge_kernel = check_function(VERTICAL_EDGE_KERNEL)

# The transpose of the vertical kernel; a correct vertical_edge_kernel stands in for the notebook's.
HORIZONTAL_EDGE_KERNEL = _kernel(
    "horizontal_edge_kernel",
    VERTICAL.T,
    (
        Mistake(
            "sign flipped",
            "transpose [[1, -1]]: the upper neighbour minus the lower",
            lambda: -VERTICAL.T,
        ),
        Mistake(
            "this is the vertical kernel",
            "a horizontal edge is a change along a column, "
            "between upper and lower neighbours: two rows, one column",
            lambda: VERTICAL,
        ),
        ONE_DIMENSIONAL,
    ),
    stand_ins={"vertical_edge_kernel": lambda: VERTICAL.clone()},
)
check_horizontal_edge_kernel = check_function(HORIZONTAL_EDGE_KERNEL)


def _image_cases(seed: int) -> list[Case]:
    g = torch.Generator().manual_seed(seed)
    X = stripes()
    cases = [
        Case("the stripes image with K = [[1, -1]]", {"X": X, "K": VERTICAL}),
        Case("the stripes image with K.T", {"X": X, "K": VERTICAL.T}),
        Case("the transposed stripes image with K.T", {"X": X.T, "K": VERTICAL.T}),
    ]
    for shape, kshape in [((5, 7), (1, 2)), ((9, 6), (3, 3)), ((4, 8), (2, 1))]:
        img, K = torch.rand(shape, generator=g), torch.randn(kshape, generator=g)
        cases.append(Case(describe_all(X=img, K=K), {"X": img, "K": K}))
    return cases


# edge_map(X, K): the response of K on X, signs kept.
EDGE_MAP = Exercise(
    "edge_map",
    parts={"all": Part(1, cases=lambda: _image_cases(202))},
    reference=oracle.corr2d,
    mistakes=(
        Mistake(
            "absolute value taken",
            "the response keeps its sign: +1 marks white→black, -1 black→white; return corr2d(X, K) as it is",
            lambda X, K: oracle.corr2d(X, K).abs(),
        ),
        Mistake(
            "kernel flipped",
            "cross-correlate with K itself, not a flipped copy",
            lambda X, K: oracle.corr2d(X, K.flip(0, 1)),
        ),
        Mistake(
            "kernel transposed",
            "use K as given: K.T detects the other direction",
            lambda X, K: oracle.corr2d(X, K.T) if K.shape[0] != K.shape[1] else None,
        ),
    ),
    hints=Hints(
        shape="the response of a kh×kw kernel on an h×w image is (h - kh + 1)×(w - kw + 1): "
        "return corr2d(X, K)",
        value="the edge map is corr2d(X, K)",
        error="call corr2d(X, K) (defined above) and return its result",
    ),
    stand_ins={"corr2d": oracle.corr2d},  # 01's exercise, lent as the notebook imports it
)
check_edge_map = check_function(EDGE_MAP)

SOBEL_HINT = (
    "Sobel's Gx smooths across rows with [1, 2, 1] and differentiates along a row with "
    "[-1, 0, 1]: torch.outer(torch.tensor([1., 2., 1.]), torch.tensor([-1., 0., 1.])); "
    "Gy is its transpose"
)
SOBEL_HINTS = Hints(
    shape=SOBEL_HINT,
    value=SOBEL_HINT,
    error="return the pair (Gx, Gy)",
    dtype="write the kernels with float entries (1.0, not 1)",
)


def _sobel_pair(sobel_kernels) -> int:
    """``sobel_kernels()`` -> (Gx, Gy), 3×3, Gx responding to vertical edges."""
    case = Case("the kernels it returns", {})
    got = call_watched("sobel_kernels", sobel_kernels, case, SOBEL_HINTS.error)
    if not isinstance(got, tuple | list) or len(got) != 2:
        fail(
            "sobel_kernels",
            "did not return a pair",
            None,
            [f"got {type(got).__name__}"],
            "return Gx, Gy  (a tuple of two 3×3 tensors)",
        )
    for name, value, expected, other in [
        ("Gx", got[0], SOBEL_X, SOBEL_Y),
        ("Gy", got[1], SOBEL_Y, SOBEL_X),
    ]:
        mistakes = (
            Mistake(
                f"{name} is the other kernel: Gx and Gy swapped",
                "Gx responds to vertical edges (brightness changing from left to right), "
                "Gy to horizontal ones",
                lambda other=other: other,
            ),
            Mistake(
                f"{name} has the opposite sign",
                "the derivative part is [-1, 0, 1]: "
                "positive where the image gets brighter to the right (Gx) or downwards (Gy)",
                lambda expected=expected: -expected,
            ),
        )
        compare_one("sobel_kernels", Result(Case(name, {}), value, expected), mistakes, SOBEL_HINTS)
    return 2


SOBEL_KERNELS = Exercise(
    "sobel_kernels", parts={"all": Part(1, steps=(_sobel_pair,))}, hints=SOBEL_HINTS, unit="kernels"
)
check_sobel_kernels = check_function(SOBEL_KERNELS)


def _magnitude(img: torch.Tensor) -> torch.Tensor:
    return torch.sqrt(oracle.corr2d(img, SOBEL_X) ** 2 + oracle.corr2d(img, SOBEL_Y) ** 2)


def _magnitude_cases() -> list[Case]:
    g = torch.Generator().manual_seed(212)
    images = [
        stripes(),
        stripes().T,
        torch.rand(8, 9, generator=g),
        torch.rand(5, 5, generator=g),
        torch.randint(0, 9, (7, 6), generator=g),
        torch.arange(30.0).reshape(5, 6),
    ]
    return [Case(describe("img", img), {"img": img}) for img in images]


def _gx(img: torch.Tensor) -> torch.Tensor:
    return oracle.corr2d(img, SOBEL_X)


def _gy(img: torch.Tensor) -> torch.Tensor:
    return oracle.corr2d(img, SOBEL_Y)


# gradient_magnitude(img) = sqrt(Gx² + Gy²) on the valid region.
GRADIENT_MAGNITUDE = Exercise(
    "gradient_magnitude",
    parts={"all": Part(2, cases=_magnitude_cases)},
    reference=lambda img: torch.sqrt(_gx(img) ** 2 + _gy(img) ** 2),
    mistakes=(
        Mistake(
            "square root missing",
            "the magnitude is the square root of Gx² + Gy²",
            lambda img: _gx(img) ** 2 + _gy(img) ** 2,
        ),
        Mistake(
            "|Gx| + |Gy| instead of sqrt(Gx² + Gy²)",
            "combine the two responses as the length of a vector: torch.sqrt(gx**2 + gy**2)",
            lambda img: _gx(img).abs() + _gy(img).abs(),
        ),
        Mistake(
            "only Gx used",
            "add the response of Gy too: edges in every direction count",
            lambda img: _gx(img).abs(),
        ),
        Mistake(
            "only Gy used",
            "add the response of Gx too: edges in every direction count",
            lambda img: _gy(img).abs(),
        ),
    ),
    hints=Hints(
        shape="use the valid region only: a 3×3 kernel on an h×w image gives (h - 2)×(w - 2), "
        "with no padding",
        value="gx = corr2d(img, Gx), gy = corr2d(img, Gy), return torch.sqrt(gx**2 + gy**2)",
        error="use sobel_kernels() and corr2d, then torch.sqrt(gx**2 + gy**2)",
    ),
    stand_ins={"sobel_kernels": lambda: (SOBEL_X.clone(), SOBEL_Y.clone()), "corr2d": oracle.corr2d},
)
check_gradient_magnitude = check_function(GRADIENT_MAGNITUDE)
