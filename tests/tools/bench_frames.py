"""How long the course's largest animations take to render (``make bench``).

Frames are rendered in Python once per parameter change, so this is what a student waits
for after moving a slider. Each figure is the median of 5 runs, reported in seconds and as
a ratio to a baseline measured in the same run: drawing one 3-panel matplotlib heat-map
(what a static figure in the same notebook costs). Last, what showing a figure in a kernel costs
with its text alternative (convlab/alt.py: the PNG drawn a second time, for the HTML form) as a
ratio to the PNG alone.
"""

import statistics
import time

import torch

from convlab import data, plots
from convlab.widgets import (
    channels_view,
    corr2d_view,
    kernel_explorer,
    one_by_one_view,
    pool_view,
    training_view,
)
from convlab.widgets.corr2d import frames_for


def median_seconds(fn, runs: int = 5) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def baseline() -> None:
    X = torch.arange(25.0).reshape(5, 5)
    plots.heatmaps({"X": X, "K": X[:3, :3], "Y": X[:3, :3]}).savefig(__import__("io").BytesIO(), format="png")


def main() -> None:
    X5 = torch.arange(25.0).reshape(5, 5)
    K3 = torch.ones(3, 3)
    stripes = data.stripes()
    X2 = torch.stack([torch.arange(9.0).reshape(3, 3), torch.arange(1.0, 10.0).reshape(3, 3)])
    K2 = torch.stack([X2[:, :2, :2], X2[:, :2, :2] + 1, X2[:, :2, :2] + 2])
    cases = {
        "04 padding/stride/dilation, sliders at their largest (p 3, s 1, d 1: 81 frames)": lambda: frames_for(
            X5, K3, padding=3, stride=1, dilation=1
        ),
        "04 the same view with its controls (first render)": lambda: corr2d_view(
            X5, K3, controls=("padding", "stride", "dilation")
        ),
        "02 edge kernel over the stripes image (42 frames)": lambda: corr2d_view(
            stripes, torch.tensor([[1.0, -1.0]])
        ),
        "02 kernel explorer on the 150×128 photo (one redraw)": lambda: kernel_explorer(data.photo()),
        "03 training stepper (11 frames)": lambda: training_view(
            stripes,
            stripes[:, :-1] - stripes[:, 1:],
            [torch.tensor([[0.1 * t, -0.1 * t]]) for t in range(11)],
            [float(t) for t in range(10, 0, -1)],
        ),
        "05 channels, groups (16 frames)": lambda: channels_view(
            torch.arange(36.0).reshape(4, 3, 3), torch.ones(4, 2, 2, 2), groups=2
        ),
        "05 channels, K stacked (12 frames)": lambda: channels_view(X2, K2),
        "06 1×1 convolution (9 frames)": lambda: one_by_one_view(
            torch.arange(27.0).reshape(3, 3, 3), torch.ones(2, 3, 1, 1)
        ),
        "07 pooling with controls": lambda: pool_view(
            torch.arange(16.0).reshape(4, 4), 3, stride=2, padding=1
        ),
    }
    base = median_seconds(baseline)
    print(f"baseline: one 3-panel matplotlib heat-map, {base * 1000:.0f} ms\n")
    print(f"{'view':<80} {'seconds':>8} {'× baseline':>11}")
    worst = 0.0
    for name, fn in cases.items():
        seconds = median_seconds(fn)
        worst = max(worst, seconds)
        print(f"{name:<80} {seconds:>8.3f} {seconds / base:>11.1f}")
    print(f"\nslowest view: {worst:.3f} s to render every frame")
    figures_shown()


def figures_shown() -> None:
    """IPython's display formatter on 01's heat-map and 02's photo, as a kernel shows them."""
    from IPython.core.interactiveshell import InteractiveShell
    from IPython.core.pylabtools import select_figure_formats

    from convlab import alt

    shell = InteractiveShell.instance()
    select_figure_formats(shell, {"png"}, bbox_inches="tight")  # what matplotlib-inline registers
    X, photo = torch.arange(25.0).reshape(5, 5), data.photo()
    figures = {
        "01 a 3-panel heat-map": plots.heatmaps({"X": X, "K": X[:3, :3], "Y": X[:3, :3]}),
        "02 the photo and two responses": plots.heatmaps({n: photo for n in ("photo", "Gx", "Gy")}),
    }
    bundles = shell.display_formatter.mimebundle_formatter
    print(f"\n{'a figure shown with its alt text':<80} {'seconds':>8} {'× PNG only':>11}")
    for name, fig in figures.items():
        bundles.pop("matplotlib.figure.Figure", None)
        shell.display_formatter.format(fig)  # matplotlib's first draw caches fonts and layout
        alone = median_seconds(lambda f=fig: shell.display_formatter.format(f))
        alt.install(shell)
        with_alt = median_seconds(lambda f=fig: shell.display_formatter.format(f))
        assert "text/html" in shell.display_formatter.format(fig)[0]
        print(f"{name:<80} {with_alt:>8.3f} {with_alt / alone:>11.2f}")


if __name__ == "__main__":
    main()
