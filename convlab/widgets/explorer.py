"""Pick a kernel, or two in a row, and see the response on a photograph: the edge-detection
explorer of notebook 02."""

from __future__ import annotations

import ipywidgets as widgets
import torch

from convlab import oracle, plots
from convlab.i18n import N_, Msg, translate
from convlab.widgets.access import Access
from convlab.widgets.player import View, grading, png_img, skipped

CUSTOM = "custom 3×3 (type below)"
NOTHING = "nothing"
PRESETS = {
    "vertical edges [[1, -1]]": [[1.0, -1.0]],
    "horizontal edges [[1], [-1]]": [[1.0], [-1.0]],
    "Sobel x": [[-1.0, 0.0, 1.0], [-2.0, 0.0, 2.0], [-1.0, 0.0, 1.0]],
    "Sobel y": [[-1.0, -2.0, -1.0], [0.0, 0.0, 0.0], [1.0, 2.0, 1.0]],
    "blur (3×3 mean)": [[1 / 9] * 3] * 3,
    "sharpen": [[0.0, -1.0, 0.0], [-1.0, 5.0, -1.0], [0.0, -1.0, 0.0]],
    "Laplacian": [[0.0, 1.0, 0.0], [1.0, -4.0, 1.0], [0.0, 1.0, 0.0]],
    CUSTOM: None,
}


def kernel_explorer(img: torch.Tensor):
    """The photo, a first kernel and optionally a second one applied to the first's response
    (presets, or a custom 3×3 typed into a grid), and the final response in the course's
    colours: red where it is positive, blue where negative, grey when nothing is negative."""
    if grading():
        return skipped(Explorer.title)
    img = torch.as_tensor(img)
    first = widgets.Dropdown(
        options=list(PRESETS),
        value="vertical edges [[1, -1]]",
        description=translate(N_("kernel")),
        layout=widgets.Layout(width="340px"),
    )
    then = widgets.Dropdown(
        options=[NOTHING, *PRESETS],
        value=NOTHING,
        description=translate(N_("then")),
        layout=widgets.Layout(width="340px"),
    )
    cells = [  # the tooltip is each cell's name for a screen reader
        widgets.FloatText(
            value=v,
            tooltip=translate(
                Msg("custom kernel, row {row}, column {column}", row=k // 3 + 1, column=k % 3 + 1)
            ),
            layout=widgets.Layout(width="64px"),
        )
        for k, v in enumerate([0.0, -1.0, 0.0, -1.0, 4.0, -1.0, 0.0, -1.0, 0.0])
    ]
    grid = widgets.GridBox(cells, layout=widgets.Layout(grid_template_columns="repeat(3, 70px)"))
    titles = [f"photo {tuple(img.shape)}", ""]  # what the two pictures show: the photo, the response
    original = widgets.Image(value=plots.png(plots.picture(img, titles[0])), format="png")
    response = widgets.Image(format="png")
    note = widgets.HTML()
    access = Access()  # the two pictures' alt texts, kept current with their titles

    def kernel(name: str) -> torch.Tensor:
        rows = PRESETS[name]
        return torch.tensor(rows) if rows else torch.tensor([c.value for c in cells]).reshape(3, 3)

    def update(_change=None):
        grid.layout.display = None if CUSTOM in (first.value, then.value) else "none"
        kernels = [kernel(first.value)] + ([] if then.value == NOTHING else [kernel(then.value)])
        Y = img
        for K in kernels:
            Y = oracle.corr2d(Y, K)
        names = " then ".join([first.value] + ([] if then.value == NOTHING else [then.value]))
        titles[1] = f"{names} {tuple(Y.shape)}"
        response.value = plots.png(plots.picture(Y, titles[1]))
        low, high = float(Y.min()), float(Y.max())
        then_ = " " + translate(N_("then")) + " "
        written = then_.join(f"<code>K = {K.tolist()}</code>" for K in kernels)
        note.value = translate(
            Msg("{kernels}: response from {low:.2f} to {high:.2f}", kernels=written, low=low, high=high)
        )
        access.alts = [
            titles[0],
            translate(
                Msg("{kernels}: response from {low:.2f} to {high:.2f}", kernels=titles[1], low=low, high=high)
            ),
        ]

    for control in [first, then, *cells]:
        control.observe(update, names="value")
    update()
    view = Explorer(
        [widgets.HBox([first, then]), grid, widgets.HBox([original, response]), note, access], titles
    )
    view.add_class("convlab-explorer")
    return view


class Explorer(View):
    title = N_("Kernel explorer")

    def __init__(self, children, titles: list[str]):
        super().__init__(children)
        self.titles = titles  # the pictures' titles, kept current by the controls

    def still(self) -> str:
        _, _, images, note = self.children[:4]
        pictures = "".join(png_img(i.value, t) for i, t in zip(images.children, self.titles, strict=True))
        return f"<div>{pictures}<p>{note.value}</p></div>"
