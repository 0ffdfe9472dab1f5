"""The pooling window: the max highlighted or the average worked out, with stride, padding,
``ceil_mode`` and ``count_include_pad`` as ``nn.MaxPool2d`` / ``nn.AvgPool2d`` take them."""

from __future__ import annotations

import ipywidgets as widgets
import torch

from convlab import oracle
from convlab.geometry import Window, pair
from convlab.i18n import N_, Msg, translate
from convlab.widgets.controls import axis_sliders, read
from convlab.widgets.drawing import GAP, cell_size, input_with_window, output_so_far, padded, width
from convlab.widgets.player import FramePlayer, grading, skipped
from convlab.widgets.svg import STEP, Canvas


def _windows(window: Window, out_shape):
    """Every window's padded cells, row by row. With ``ceil_mode`` the last window may overhang
    the padded input: only its cells inside count, as in PyTorch."""
    (ph, pw), (kh, kw), (sh, sw) = window.padded_shape, window.kernel, window.stride
    for i in range(out_shape[0]):
        for j in range(out_shape[1]):
            yield [
                (r, c)
                for r in range(i * sh, min(i * sh + kh, ph))
                for c in range(j * sw, min(j * sw + kw, pw))
            ]


def frames_for(
    X, kernel_size, stride=None, padding=0, mode="max", ceil_mode=False, count_include_pad=True
) -> list[str]:
    """Every frame of the pooling animation, or one explaining why the setting is refused."""
    try:
        if mode not in ("max", "avg"):
            raise ValueError(Msg("mode must be 'max' or 'avg', not {mode!r}", mode=mode))
        window = Window.of(
            tuple(X.shape), kernel_size, padding, stride if stride is not None else kernel_size
        )
        if any(2 * p > k for p, k in zip(window.padding[::2], window.kernel, strict=True)):
            raise ValueError(
                Msg(
                    "padding {top}, {left} is more than half the {kernel} window (PyTorch refuses it)",
                    top=window.padding[0],
                    left=window.padding[2],
                    kernel=window.kernel,
                )
            )
        top, _, left, _ = window.padding
        expected = oracle.pool2d(
            X[None], window.kernel, window.stride, (top, left), mode, ceil_mode, count_include_pad
        )[0]
    except ValueError as err:
        canvas = Canvas()
        why = err.args[0] if err.args and isinstance(err.args[0], Msg) else err
        canvas.text(0, 18, Msg("No output: {error}", error=why), 14, "#b91c1c")
        return [canvas.svg()]
    Xp = padded(X, window, float("-inf") if mode == "max" else 0.0)
    (ph, pw), (oh, ow) = window.padded_shape, tuple(expected.shape)
    size = cell_size((ph + 1, pw + 1), (oh, ow))
    steps = []
    for cells in _windows(window, (oh, ow)):
        values = torch.stack([Xp[r, c] for r, c in cells])
        if mode == "max":
            steps.append((cells, cells[int(values.argmax())], float(values.max()), values, None))
        else:
            counted = cells if count_include_pad else [rc for rc in cells if not window.is_padding(*rc)]
            steps.append((cells, None, float(values.sum()) / len(counted), values, len(counted)))
    frames = []
    pad_note = {
        "max": N_("grey: padding, −∞ so it never wins"),
        "avg": N_("grey: zero padding, counted in the mean")
        if count_include_pad
        else N_("grey: zero padding, not counted"),
    }
    for t, (cells, best, value, values, divisor) in enumerate(steps):
        canvas = Canvas()
        title = Msg("input X ({note})", note=pad_note[mode]) if any(window.padding) else N_("input X")
        input_with_window(canvas, 0, 30, size, Xp, window, cells, title, mark=best)
        x = width(pw + 1, size, title) + GAP
        heading = N_("output (max pooling)") if mode == "max" else N_("output (avg pooling)")
        output_so_far(canvas, x, 30, size, (oh, ow), [s[2] for s in steps], t, heading)
        shown = ", ".join("−∞" if v == float("-inf") else f"{float(v):g}" for v in values)
        i, j = divmod(t, ow)
        if mode == "max":
            line = f"Y[{i}, {j}] = max({shown}) = {value:g}"
        else:
            line = f"Y[{i}, {j}] = ({shown.replace(', ', ' + ')}) / {divisor} = {value:.4g}"
        (kh, kw), overhang = window.kernel, len(cells) < window.kernel[0] * window.kernel[1]
        if overhang:
            overhanging = Msg(
                "(the window overhangs: {inside} of its {cells} cells are inside)",
                inside=len(cells),
                cells=kh * kw,
            )
            line += "   " + translate(overhanging)
        y = 30 + max(ph + 1, oh) * size + 26
        canvas.text(0, y, line, 14, weight="bold")
        settings = [
            Msg(STEP, step=t + 1, steps=len(steps)),
            Msg("window {kernel}", kernel=window.kernel),
            Msg("stride {stride}", stride=window.stride),
            Msg("padding ({top}, {left})", top=window.padding[0], left=window.padding[2]),
        ]
        if ceil_mode:
            settings.append("ceil_mode")
        if mode == "avg" and not count_include_pad:
            settings.append("count_include_pad=False")
        canvas.text(0, y + 22, " · ".join(translate(s) for s in settings), 12, "#4b5563")
        frames.append(canvas.svg())
    return frames


def pool_view(
    X: torch.Tensor,
    kernel_size=2,
    stride=None,
    padding=0,
    mode="max",
    ceil_mode=False,
    count_include_pad=True,
    controls: bool = True,
):
    """Animate pooling of a 2-D ``X``: the window, its max (highlighted) or its average, and
    the output filling in. With ``controls``: stride and padding per axis (↓ rows, →
    columns), the mode, ``ceil_mode`` and ``count_include_pad``."""
    X = torch.as_tensor(X).to(torch.float64)
    if X.dim() != 2:
        raise ValueError(f"pool_view takes a 2-D X, got shape {tuple(X.shape)}")
    if grading():
        return skipped(N_("Pooling"))
    settings = dict(
        kernel_size=kernel_size,
        stride=stride,
        padding=padding,
        mode=mode,
        ceil_mode=ceil_mode,
        count_include_pad=count_include_pad,
    )
    controls_shown = []
    if controls:
        k = pair(kernel_size, "kernel_size", 1)
        strides = axis_sliders("stride", stride if stride is not None else k, 1, 3)
        paddings = axis_sliders("padding", padding, 0, max(k) // 2)
        mode_buttons = widgets.ToggleButtons(
            options=["max", "avg"], value=mode, description=translate(N_("mode"))
        )
        ceil_box = widgets.Checkbox(value=ceil_mode, description="ceil_mode", indent=False)
        include_box = widgets.Checkbox(value=count_include_pad, description="count_include_pad", indent=False)
        controls_shown = [*strides, *paddings, mode_buttons, ceil_box, include_box]
    player = FramePlayer(frames_for(X, **settings), N_("Pooling"), controls_shown)

    def redraw(_change=None):
        settings.update(
            stride=read(strides),
            padding=read(paddings),
            mode=mode_buttons.value,
            ceil_mode=ceil_box.value,
            count_include_pad=include_box.value,
        )
        player.show(frames_for(X, **settings))

    for control in controls_shown:
        control.observe(redraw, names="value")
    return player
