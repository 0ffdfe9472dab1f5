"""Pick a kernel, or two in a row, and see the response on a photograph: the edge-detection
explorer of notebook 02."""

from __future__ import annotations

import ipywidgets as widgets
import torch

from convlab import oracle, plots
from convlab.i18n import N_, Msg, translate
from convlab.widgets.access import Access
from convlab.widgets.player import View, grading, png_img, skipped

CUSTOM = N_("custom 3×3 (type below)")
NOTHING = N_("nothing")
PRESETS = {  # each kernel's name (its msgid, the dropdowns' value) and rows
    N_("vertical edges [[1, -1]]"): [[1.0, -1.0]],
    N_("horizontal edges [[1], [-1]]"): [[1.0], [-1.0]],
    N_("Sobel x"): [[-1.0, 0.0, 1.0], [-2.0, 0.0, 2.0], [-1.0, 0.0, 1.0]],
    N_("Sobel y"): [[-1.0, -2.0, -1.0], [0.0, 0.0, 0.0], [1.0, 2.0, 1.0]],
    N_("blur (3×3 mean)"): [[1 / 9] * 3] * 3,
    N_("sharpen"): [[0.0, -1.0, 0.0], [-1.0, 5.0, -1.0], [0.0, -1.0, 0.0]],
    N_("Laplacian"): [[0.0, 1.0, 0.0], [1.0, -4.0, 1.0], [0.0, 1.0, 0.0]],
    CUSTOM: None,
}
NAMES = {str(name): name for name in [NOTHING, *PRESETS]}  # a dropdown's value back to its message


def _options(names) -> list[tuple[str, str]]:
    """A dropdown's (label, value): the name in the student's language, the msgid as value."""
    return [(translate(name), str(name)) for name in names]


def kernel_explorer(img: torch.Tensor):
    """The photo, a first kernel and optionally a second one applied to the first's response
    (presets, or a custom 3×3 typed into a grid), and the final response in the course's
    colours: red where it is positive, blue where negative, grey when nothing is negative."""
    if grading():
        return skipped(Explorer.title)
    img = torch.as_tensor(img)
    first = widgets.Dropdown(
        options=_options(PRESETS),
        value=str(next(iter(PRESETS))),
        description=translate(N_("kernel")),
        layout=widgets.Layout(width="340px"),
    )
    then = widgets.Dropdown(
        options=_options([NOTHING, *PRESETS]),
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
    # what the two pictures show: the photo, the response
    titles = [translate(Msg("photo {shape}", shape=tuple(img.shape))), ""]
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
        then_ = " " + translate(N_("then")) + " "
        chosen = [first.value] + ([] if then.value == NOTHING else [then.value])
        titles[1] = f"{then_.join(translate(NAMES[v]) for v in chosen)} {tuple(Y.shape)}"
        response.value = plots.png(plots.picture(Y, titles[1]))
        low, high = float(Y.min()), float(Y.max())
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
