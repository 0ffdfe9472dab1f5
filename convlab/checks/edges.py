"""Checks for notebook 02: a kernel for diagonal edges (checked by what it does), Sobel's sign
convention, one kernel for two in a row, and the gradient magnitude of a photograph."""

from __future__ import annotations

import torch

from convlab import oracle
from convlab.checks.exercise import Case, Exercise, Hints, Mistake, Part
from convlab.checks.runner import call_watched, check_function
from convlab.checks.wording import describe, describe_all, fail
from convlab.data import stripes
from convlab.i18n import N_, Msg

# Sobel as cross-correlation kernels: smoothing [1, 2, 1] across, derivative [-1, 0, 1] along.
SMOOTH, DIFFERENCE = torch.tensor([[1.0], [2.0], [1.0]]), torch.tensor([[-1.0, 0.0, 1.0]])
SOBEL_X = SMOOTH * DIFFERENCE
SOBEL_Y = SOBEL_X.T

KERNEL_ERROR = N_("the function takes no arguments and returns a 2-D float tensor")


def _kernel_returned(name: str, fn) -> torch.Tensor:
    """Call a no-argument kernel function; fail unless it gives a 2-D float tensor."""
    got = call_watched(name, fn, Case(N_("the kernel it returns"), {}), KERNEL_ERROR)
    if not isinstance(got, torch.Tensor):
        fail(
            name,
            Msg("returned a {type}, not a torch.Tensor", type=type(got).__name__),
            lines=[f"got {got!r}"[:200]],
            hint=N_("build the kernel with torch.tensor([[...], [...]])"),
            mistake=N_("did not return a tensor"),
        )
    if got.dim() != 2:
        fail(
            name,
            N_("the kernel is not 2-D"),
            lines=[Msg("got shape {tuple}", tuple=tuple(got.shape))],
            hint=N_(
                "a kernel is a 2-D tensor even when it has one row: torch.tensor([[1.0, -1.0]]) has "
                "shape (1, 2)"
            ),
        )
    if not got.is_floating_point():
        fail(
            name,
            Msg("returned a tensor of dtype {dtype}", dtype=str(got.dtype).removeprefix("torch.")),
            lines=[N_("expected a float tensor")],
            hint=N_("write the kernel with float entries: 1.0, not 1"),
            mistake=N_("wrong dtype"),
        )
    return got.detach().to(torch.float64)


# --- Exercise 1: diagonal_edge_kernel() — any kernel with the stated property passes ----------

SIZE = 9  # the test images are 9×9, so any kernel up to 9×9 fits


def _test_images() -> list[tuple[str, str, torch.Tensor, str]]:
    """(problem if it fails, the image's label, the image, hint): the three images the kernel
    must ignore. The two diagonal edges it may see are :func:`_diagonal_images`."""
    g = torch.Generator().manual_seed(220)
    across, down = torch.rand(SIZE, generator=g), torch.rand(SIZE, generator=g)
    return [
        (
            N_("responds to a flat region"),
            Msg("a {SIZE}×{SIZE} image of 0.7 everywhere", SIZE=SIZE),
            torch.full((SIZE, SIZE), 0.7),
            N_(
                "on a flat image every window holds the same value, so the response is that value times the "
                "sum of the kernel's entries: make them sum to 0"
            ),
        ),
        (
            N_("responds to vertical edges"),
            Msg("a random {SIZE}×{SIZE} image whose rows are all the same", SIZE=SIZE),
            across.expand(SIZE, SIZE).clone(),
            N_(
                "on an image whose rows are all the same, only the kernel's column sums matter: make each "
                "column of the kernel sum to 0"
            ),
        ),
        (
            N_("responds to horizontal edges"),
            Msg("a random {SIZE}×{SIZE} image whose columns are all the same", SIZE=SIZE),
            down[:, None].expand(SIZE, SIZE).clone(),
            N_(
                "on an image whose columns are all the same, only the kernel's row sums matter: make "
                "each row "
                "of the kernel sum to 0"
            ),
        ),
    ]


def _diagonal_images() -> dict[str, torch.Tensor]:
    """A diagonal edge along each diagonal: a kernel that sees either one sees diagonal edges
    (the statement names no diagonal, so neither is required)."""
    i, j = torch.meshgrid(torch.arange(SIZE), torch.arange(SIZE), indexing="ij")
    return {
        N_("white above the main diagonal, black below"): (j > i).to(torch.float64),
        N_("white below the other diagonal, black above"): (i + j > SIZE - 1).to(torch.float64),
    }


def _responds(image: torch.Tensor, K: torch.Tensor) -> tuple[bool, float]:
    strongest = float(oracle.corr2d(image, K).to(torch.float64).abs().max())
    return strongest > 1e-5 * (float(K.abs().sum()) or 1.0), strongest


def _diagonal_property(diagonal_edge_kernel) -> int:
    K = _kernel_returned("diagonal_edge_kernel", diagonal_edge_kernel)
    if K.shape[0] > SIZE or K.shape[1] > SIZE:
        fail(
            "diagonal_edge_kernel",
            N_("the kernel is too large"),
            lines=[Msg("got shape {tuple}", tuple=tuple(K.shape))],
            hint=N_("a 2×2 kernel is enough"),
        )
    images = _test_images()
    for problem, label, image, hint in images:
        responds, strongest = _responds(image, K)
        if responds:
            seen = Msg(
                "expected a response of 0 everywhere, got values up to {strongest:.3g} in size",
                strongest=strongest,
            )
            fail("diagonal_edge_kernel", problem, label, [seen], hint=hint)
    diagonals = _diagonal_images()
    above, below = diagonals
    if not any(_responds(image, K)[0] for image in diagonals.values()):
        fail(
            "diagonal_edge_kernel",
            N_("does not respond to a diagonal edge"),
            Msg(
                "two {SIZE}×{SIZE} images, one diagonal edge each: {images}",
                SIZE=SIZE,
                images=Msg("{first}; {second}", first=above, second=below),
            ),
            [N_("expected a non-zero response somewhere on either image, got 0 everywhere on both")],
            hint=N_(
                "the kernel must respond somewhere on a diagonal edge, either diagonal (a kernel of zeros "
                "ignores everything): try a 2×2 kernel whose rows and columns each sum to 0"
            ),
        )
    return len(images) + len(diagonals)


DIAGONAL_EDGE_KERNEL = Exercise(
    "diagonal_edge_kernel",
    parts={"all": Part(1, steps=(_diagonal_property,))},
    hints=Hints(shape=KERNEL_ERROR, value=KERNEL_ERROR, error=KERNEL_ERROR),
    unit=N_("images"),
)
check_diagonal_edge_kernel = check_function(DIAGONAL_EDGE_KERNEL)


# --- Exercise 2: rising_edge_kernel() — Sobel's sign convention with two taps ----------------

RISING = torch.tensor([[-1.0, 1.0]])
RISING_HINTS = Hints(
    shape=N_("two neighbours in a row: one row, two columns, shape (1, 2)"),
    value=N_(
        "the response at a window is left·K[0, 0] + right·K[0, 1]; for right − left, "
        "K[0, 0] = -1 and K[0, 1] = 1"
    ),
    error=KERNEL_ERROR,
    dtype=N_("write the kernel with float entries: -1.0, not -1"),
)


def _rising_cases() -> list[Case]:
    return [Case(N_("the kernel it returns"), {})]


RISING_EDGE_KERNEL = Exercise(
    "rising_edge_kernel",
    parts={"all": Part(1, cases=_rising_cases)},
    reference=lambda: RISING,
    mistakes=(
        Mistake(
            N_("this is [[1, -1]]: left − right"),
            N_(
                "[[1, -1]] gives +1 where white meets black; Sobel's Gx, and this kernel, give +1 where "
                "black meets white: right − left"
            ),
            lambda: -RISING,
        ),
        Mistake(
            N_("kernel transposed: it compares upper and lower neighbours"),
            N_("a vertical edge is a change along a row: one row, two columns"),
            lambda: RISING.T,
        ),
        Mistake(
            N_("one-dimensional kernel"),
            N_("a kernel is a 2-D tensor even when it has one row: shape (1, 2)"),
            lambda: RISING[0],
        ),
        Mistake(
            N_("a centred difference (three taps)"),
            N_(
                "Sobel's [-1, 0, 1] skips the middle pixel; with two taps the edge is between the two "
                "neighbours: [[-1, 1]]"
            ),
            lambda: torch.tensor([[-1.0, 0.0, 1.0]]),
        ),
        Mistake(N_("half the step"), N_("a step from 0 to 1 must give exactly +1"), lambda: RISING / 2),
    ),
    hints=RISING_HINTS,
)
check_rising_edge_kernel = check_function(RISING_EDGE_KERNEL)


# --- Exercise 3: combine_kernels(K1, K2) — two cross-correlations as one -----------------------


def combined(K1: torch.Tensor, K2: torch.Tensor) -> torch.Tensor:
    """The kernel C with corr2d(corr2d(X, K1), K2) == corr2d(X, C): K1 scattered, scaled by each
    entry of K2 — the full convolution of the two, a transposed convolution."""
    C = torch.nn.functional.conv_transpose2d(
        K1.to(torch.float64)[None, None], K2.to(torch.float64)[None, None]
    )[0, 0]
    return C.to(torch.promote_types(K1.dtype, K2.dtype))


def _combine_cases() -> list[Case]:
    g = torch.Generator().manual_seed(230)
    cases = [
        Case(
            N_("K1 = [[1], [2], [1]] (smoothing) and K2 = [[-1, 0, 1]] (difference): Sobel's Gx"),
            {"K1": SMOOTH.clone(), "K2": DIFFERENCE.clone()},
        ),
        Case(
            N_("K1 = the 3×3 blur and K2 = Sobel's Gx"),
            {"K1": torch.full((3, 3), 1 / 9), "K2": SOBEL_X.clone()},
        ),
    ]
    for s1, s2 in [((2, 3), (3, 2)), ((1, 2), (2, 1)), ((3, 3), (2, 2)), ((1, 1), (2, 3)), ((2, 2), (2, 2))]:
        K1, K2 = torch.randn(s1, generator=g), torch.randn(s2, generator=g)
        cases.append(Case(describe_all(K1=K1, K2=K2), {"K1": K1, "K2": K2}))
    return cases


def _valid_corr(K1: torch.Tensor, K2: torch.Tensor) -> torch.Tensor | None:
    fits = K2.shape[0] <= K1.shape[0] and K2.shape[1] <= K1.shape[1]
    return oracle.corr2d(K1, K2) if fits else None


COMBINE_KERNELS = Exercise(
    "combine_kernels",
    parts={"all": Part(2, cases=_combine_cases)},
    reference=combined,
    mistakes=(
        Mistake(
            N_("K2 flipped: this is a full cross-correlation of K1 with K2"),
            N_(
                "entry K2[c, d] moves K1 down by c and right by d: C[a + c, b + d] += K1[a, b] * K2[c, d], "
                "no flip"
            ),
            lambda K1, K2: combined(K1, K2.flip(0, 1)),
        ),
        Mistake(
            N_("K1 flipped"),
            N_("use K1 as given: C[a + c, b + d] += K1[a, b] * K2[c, d]"),
            lambda K1, K2: combined(K1.flip(0, 1), K2),
        ),
        Mistake(
            N_("a valid cross-correlation of K1 with K2: the combined kernel is smaller than K1"),
            N_(
                "the combined kernel sees every pixel either kernel's windows reach: "
                "(kh1 + kh2 - 1)×(kw1 + kw2 - 1)"
            ),
            _valid_corr,
        ),
        Mistake(
            N_("an elementwise product"),
            N_(
                "K1 * K2 multiplies matching entries; the second kernel slides "
                "over the first one's responses, so every pair of entries meets: C[a + c, b + d] += "
                "K1[a, b] * K2[c, d]"
            ),
            lambda K1, K2: K1 * K2 if K1.shape == K2.shape else None,
        ),
        Mistake(
            N_("the Kronecker product"),
            N_(
                "torch.kron places copies side by side without overlap; shifted "
                "copies of K1 overlap and add up: C[a + c, b + d] += K1[a, b] * K2[c, d]"
            ),
            lambda K1, K2: torch.kron(K1, K2),
        ),
    ),
    hints=Hints(
        shape=N_("two kernels in a row see (kh1 + kh2 - 1)×(kw1 + kw2 - 1) pixels of the input"),
        value=N_(
            "start from zeros of that shape and add, for every entry K2[c, d], the kernel K1 times "
            "K2[c, d] shifted down by c and right by d"
        ),
        error=N_("take two 2-D kernels and return one 2-D kernel"),
    ),
    stand_ins={"corr2d": oracle.corr2d},  # 01's exercise, lent as the notebook imports it
)
check_combine_kernels = check_function(COMBINE_KERNELS)


# --- Exercise 4: gradient_magnitude(img) --------------------------------------------------------


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


def _gx(img: torch.Tensor, smooth: torch.Tensor = SMOOTH) -> torch.Tensor:
    return oracle.corr2d(img, smooth * DIFFERENCE)


def _gy(img: torch.Tensor, smooth: torch.Tensor = SMOOTH) -> torch.Tensor:
    return oracle.corr2d(img, (smooth * DIFFERENCE).T)


PREWITT = torch.ones(3, 1)

# gradient_magnitude(img) = sqrt(Gx² + Gy²) on the valid region.
GRADIENT_MAGNITUDE = Exercise(
    "gradient_magnitude",
    parts={"all": Part(2, cases=_magnitude_cases)},
    reference=lambda img: torch.sqrt(_gx(img) ** 2 + _gy(img) ** 2),
    mistakes=(
        Mistake(
            N_("square root missing"),
            N_("the magnitude is the square root of Gx² + Gy²"),
            lambda img: _gx(img) ** 2 + _gy(img) ** 2,
        ),
        Mistake(
            N_("|Gx| + |Gy| instead of sqrt(Gx² + Gy²)"),
            N_("combine the two responses as the length of a vector: torch.sqrt(gx**2 + gy**2)"),
            lambda img: _gx(img).abs() + _gy(img).abs(),
        ),
        Mistake(
            N_("only Gx used"),
            N_("add the response of Gy too: edges in every direction count"),
            lambda img: _gx(img).abs(),
        ),
        Mistake(
            N_("only Gy used"),
            N_("add the response of Gx too: edges in every direction count"),
            lambda img: _gy(img).abs(),
        ),
        Mistake(
            N_("Gx used twice"),
            N_("Gy is the transpose of Gx: it responds to horizontal edges"),
            lambda img: _gx(img).abs() * 2**0.5,
        ),
        Mistake(
            N_("smoothing [1, 1, 1] (Prewitt's) instead of Sobel's [1, 2, 1]"),
            N_("Sobel weights the middle row twice: Gx = [[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]]"),
            lambda img: torch.sqrt(_gx(img, PREWITT) ** 2 + _gy(img, PREWITT) ** 2),
        ),
    ),
    hints=Hints(
        shape=N_(
            "use the valid region only: a 3×3 kernel on an h×w image gives (h - 2)×(w - 2), with no padding"
        ),
        value=N_("gx = corr2d(img, Gx), gy = corr2d(img, Gx.T), return torch.sqrt(gx**2 + gy**2)"),
        error=N_("build Gx, then torch.sqrt(corr2d(img, Gx)**2 + corr2d(img, Gx.T)**2)"),
    ),
    stand_ins={"combine_kernels": combined, "corr2d": oracle.corr2d},
)
check_gradient_magnitude = check_function(GRADIENT_MAGNITUDE)
