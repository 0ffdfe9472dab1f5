"""Pick a kernel, see its response on a photograph: the edge-detection explorer."""

from __future__ import annotations

import base64

import ipywidgets as widgets
import torch

from convlab import oracle, plots
from convlab.widgets.player import View, grading, skipped

PRESETS = {
    "vertical edges [[1, -1]]": [[1.0, -1.0]],
    "horizontal edges [[1], [-1]]": [[1.0], [-1.0]],
    "Sobel x": [[-1.0, 0.0, 1.0], [-2.0, 0.0, 2.0], [-1.0, 0.0, 1.0]],
    "Sobel y": [[-1.0, -2.0, -1.0], [0.0, 0.0, 0.0], [1.0, 2.0, 1.0]],
    "blur (3×3 mean)": [[1 / 9] * 3] * 3,
    "sharpen": [[0.0, -1.0, 0.0], [-1.0, 5.0, -1.0], [0.0, -1.0, 0.0]],
    "custom 3×3 (type below)": None,
}


def kernel_explorer(img: torch.Tensor):
    """The photo, a kernel to choose (presets or a custom 3×3 typed into a grid), and the
    response: red where it is positive, blue where negative."""
    if grading():
        return skipped("Kernel explorer")
    img = torch.as_tensor(img)
    choice = widgets.Dropdown(
        options=list(PRESETS),
        value="vertical edges [[1, -1]]",
        description="kernel",
        layout=widgets.Layout(width="340px"),
    )
    cells = [
        widgets.FloatText(value=v, layout=widgets.Layout(width="64px"))
        for v in [0.0, -1.0, 0.0, -1.0, 4.0, -1.0, 0.0, -1.0, 0.0]
    ]
    grid = widgets.GridBox(cells, layout=widgets.Layout(grid_template_columns="repeat(3, 70px)"))
    original = widgets.Image(value=plots.png(plots.picture(img, f"photo {tuple(img.shape)}")), format="png")
    response = widgets.Image(format="png")
    note = widgets.HTML()

    def update(_change=None):
        rows = PRESETS[choice.value]
        K = torch.tensor(rows) if rows else torch.tensor([c.value for c in cells]).reshape(3, 3)
        grid.layout.display = None if rows is None else "none"
        Y = oracle.corr2d(img, K)
        response.value = plots.png(
            plots.picture(Y, f"response {tuple(Y.shape)}", cmap="RdBu_r", symmetric=True)
        )
        low, high = float(Y.min()), float(Y.max())
        note.value = f"<code>K = {K.tolist()}</code>: response from {low:.2f} to {high:.2f}"

    choice.observe(update, names="value")
    for c in cells:
        c.observe(update, names="value")
    update()
    view = Explorer([choice, grid, widgets.HBox([original, response]), note])
    view.add_class("convlab-explorer")
    return view


class Explorer(View):
    title = "Kernel explorer"

    def still(self) -> str:
        _, _, images, note = self.children
        pictures = "".join(
            f'<img src="data:image/png;base64,{base64.b64encode(i.value).decode()}"/>'
            for i in images.children
        )
        return f"<div>{pictures}<p>{note.value}</p></div>"
