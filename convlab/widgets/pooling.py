"""The pooling window: the max highlighted or the average worked out, with stride and padding."""

from __future__ import annotations

import ipywidgets as widgets
import torch

from convlab.geometry import Window
from convlab.widgets.drawing import GAP, cell_size, input_with_window, output_so_far, padded, width
from convlab.widgets.player import FramePlayer, grading, skipped
from convlab.widgets.svg import Canvas


def frames_for(X, kernel_size, stride=None, padding=0, mode="max") -> list[str]:
    """Every frame of the pooling animation, or one explaining why the setting is refused."""
    try:
        if mode not in ("max", "avg"):
            raise ValueError(f"mode must be 'max' or 'avg', not {mode!r}")
        window = Window.of(
            tuple(X.shape), kernel_size, padding, stride if stride is not None else kernel_size
        )
        if 2 * max(window.padding) > min(window.kernel):
            raise ValueError(
                f"padding {padding} is more than half the {window.kernel} window (PyTorch refuses it)"
            )
    except ValueError as err:
        canvas = Canvas()
        canvas.text(0, 18, f"No output: {err}", 14, "#b91c1c")
        return [canvas.svg()]
    Xp = padded(X, window, float("-inf") if mode == "max" else 0.0)
    (ph, pw), (oh, ow) = window.padded_shape, window.out_shape
    size = cell_size((ph, pw), (oh, ow))
    steps = []
    for i in range(oh):
        for j in range(ow):
            cells = [rc for _, rc in window.cells(i, j)]
            values = torch.stack([Xp[r, c] for r, c in cells])
            if mode == "max":
                steps.append((cells, cells[int(values.argmax())], float(values.max()), values))
            else:
                steps.append((cells, None, float(values.mean()), values))
    frames = []
    pad_note = {"max": "grey: padding, −∞ so it never wins", "avg": "grey: zero padding, counted in the mean"}
    for t, (cells, best, value, values) in enumerate(steps):
        canvas = Canvas()
        title = "input X" + (f" ({pad_note[mode]})" if any(window.padding) else "")
        input_with_window(canvas, 0, 30, size, Xp, window, cells, title, mark=best)
        x = width(pw, size, title) + GAP
        output_so_far(canvas, x, 30, size, (oh, ow), [s[2] for s in steps], t, f"output ({mode} pooling)")
        shown = ", ".join("−∞" if v == float("-inf") else f"{float(v):g}" for v in values)
        i, j = divmod(t, ow)
        if mode == "max":
            line = f"Y[{i}, {j}] = max({shown}) = {value:g}"
        else:
            line = f"Y[{i}, {j}] = ({shown.replace(', ', ' + ')}) / {len(values)} = {value:.4g}"
        y = 30 + max(ph, oh) * size + 26
        canvas.text(0, y, line, 14, weight="bold")
        canvas.text(
            0,
            y + 22,
            f"step {t + 1} of {len(steps)} · window {window.kernel} · stride {window.stride} · "
            f"padding {window.padding[0]}, {window.padding[2]}",
            12,
            "#4b5563",
        )
        frames.append(canvas.svg())
    return frames


def pool_view(X: torch.Tensor, kernel_size=2, stride=None, padding=0, mode="max", controls: bool = True):
    """Animate pooling of a 2-D ``X``: the window, its max (highlighted) or its average, and
    the output filling in. With ``controls``, sliders for stride and padding and a mode switch."""
    X = torch.as_tensor(X).to(torch.float64)
    if X.dim() != 2:
        raise ValueError(f"pool_view takes a 2-D X, got shape {tuple(X.shape)}")
    if grading():
        return skipped("Pooling")
    settings = {"kernel_size": kernel_size, "stride": stride, "padding": padding, "mode": mode}
    sliders = []
    if controls:
        k = kernel_size if isinstance(kernel_size, int) else kernel_size[0]
        stride_slider = widgets.IntSlider(
            value=stride or k, min=1, max=3, description="stride", continuous_update=False
        )
        padding_slider = widgets.IntSlider(
            value=padding if isinstance(padding, int) else 0,
            min=0,
            max=1,
            description="padding",
            continuous_update=False,
        )
        mode_buttons = widgets.ToggleButtons(options=["max", "avg"], value=mode, description="mode")
        sliders = [stride_slider, padding_slider, mode_buttons]
    player = FramePlayer(frames_for(X, **settings), "Pooling", sliders)

    def redraw(_change=None):
        settings.update(stride=sliders[0].value, padding=sliders[1].value, mode=sliders[2].value)
        player.show(frames_for(X, **settings))

    for control in sliders:
        control.observe(redraw, names="value")
    return player
