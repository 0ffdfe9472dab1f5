"""Every figure a notebook shows says what it draws (convlab/alt.py): in a real kernel, a figure's
output holds an <img> of its own PNG whose alt describes it, what JupyterLab draws (its rendering
and accessible name: tests/test_browser.py); while grading, a plain PNG with the alt beside it."""

import base64
import io
import re
from html.parser import HTMLParser

import matplotlib.pyplot as plt
import nbformat
import pytest
from PIL import Image

from convlab.alt import describe, figure_bundle
from tests.support.course import python_c
from tests.support.notebooks import ROOT, execute

pytestmark = pytest.mark.slow

CELLS = [
    # the course's heat-map, the returned figure shown as the cell's result
    "from convlab import plots\nimport torch\nplots.heatmaps({'X': torch.arange(6.).reshape(2, 3)})",
    # a student's own plot, shown by matplotlib-inline at the end of the cell, after it was reset
    "%matplotlib inline\nimport matplotlib.pyplot as plt\nplt.plot([0, 1], [1, 0])\nplt.title('mine');",
]
# what the two figures draw, in words written here from the cells above
HEATMAP = "Figure with 1 panel: “X  (2, 3)”: a 2×3 picture labels: 0, 1, 2, 3, 4, 5"
MINE = "Figure with 1 panel: “mine”: 1 curve"


class Images(HTMLParser):
    def __init__(self):
        super().__init__()
        self.found: list[dict] = []

    def handle_starttag(self, tag, attrs):
        if tag == "img":
            self.found.append(dict(attrs))


def images(html: str) -> list[dict]:
    parser = Images()
    parser.feed(html)
    return parser.found


def figures(tmp_path) -> list[nbformat.NotebookNode]:
    """The outputs of CELLS in a fresh kernel that imported convlab, one figure each."""
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in CELLS])
    execute(nb, tmp_path)
    shown = [o for c in nb.cells for o in c.outputs if "image/png" in o.get("data", {})]
    errors = [o for c in nb.cells for o in c.outputs if o.output_type == "error"]
    kinds = [list(o.get("data", {})) for c in nb.cells for o in c.outputs]
    assert not errors and len(shown) == 2, (errors, kinds)
    return shown


def test_a_shown_figure_is_an_image_of_its_png_whose_alt_says_what_it_draws(tmp_path, monkeypatch):
    monkeypatch.delenv("NBGRADER_EXECUTION", raising=False)
    for output, alt in zip(figures(tmp_path), [HEATMAP, MINE], strict=True):
        [img] = images(output.data["text/html"])
        assert img["alt"] == alt
        head, data = img["src"].split(",", 1)
        assert head == "data:image/png;base64"
        assert data == output.data["image/png"]  # the same picture as the PNG beside it
        picture = Image.open(io.BytesIO(base64.b64decode(data)))
        assert picture.format == "PNG" and min(picture.size) > 100
        assert output.metadata["image/png"]["alt"] == alt
        assert output.data["text/plain"].startswith("<Figure size")


def test_while_grading_a_figure_stays_a_plain_png_with_its_alt_beside_it(tmp_path, monkeypatch):
    """nbconvert's sanitizer, on the feedback page, would write an <img> in HTML out as text."""
    monkeypatch.setenv("NBGRADER_EXECUTION", "autograde")
    for output, alt in zip(figures(tmp_path), [HEATMAP, MINE], strict=True):
        assert "text/html" not in output.data
        assert output.metadata["image/png"]["alt"] == alt


def test_a_plot_is_described_by_what_it_draws():
    fig, (left, right) = plt.subplots(1, 2)
    left.plot([1, 2, 3], [3, 2, 1], label="train")
    left.legend()
    left.set(title="mean training loss", xlabel="epoch", yscale="log")
    right.imshow([[0, 1], [1, 0], [2, 2]])
    right.set_title("learned kernel")
    fig.suptitle("training")
    text = describe(fig)
    plt.close(fig)
    assert text == (
        "Figure “training” with 2 panels: “mean training loss”: 1 curve (x: epoch, log scale) "
        "legend: train; “learned kernel”: a 3×2 picture"
    )


def test_nbval_compares_a_figure_by_its_alt_and_not_its_png_bytes(monkeypatch):
    """The bytes differ between machines where the picture does not (tests/support/nbval-sanitize.cfg)."""
    from nbval.plugin import get_sanitize_patterns

    monkeypatch.delenv("NBGRADER_EXECUTION", raising=False)
    patterns = get_sanitize_patterns((ROOT / "tests/support/nbval-sanitize.cfg").read_text())

    def compared(png: bytes, title: str) -> str:
        fig, ax = plt.subplots()
        ax.set_title(title)
        html = figure_bundle(fig, lambda _: base64.b64encode(png).decode())[0]["text/html"]
        plt.close(fig)
        for regex, replace in patterns:
            html = re.sub(regex, replace, html)
        return html

    png = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 3
    assert compared(png, "loss") == compared(png[:-1] + b"\x00", "loss")
    assert compared(png, "loss") != compared(png, "accuracy")
    assert "(bytes not compared)" in compared(png, "loss") and "“loss”" in compared(png, "loss")


def test_importing_convlab_outside_ipython_loads_neither_ipython_nor_matplotlib():
    """The instructor's commands import convlab too: no kernel there, nothing to install."""
    done = python_c(
        "import sys, convlab\n"
        "loaded = [m for m in ('IPython', 'matplotlib') if m in sys.modules]\n"
        "assert not loaded, loaded"
    )
    assert done.returncode == 0, done.stderr


def test_every_figure_of_the_answer_keys_has_its_alt():
    """make release ran the keys with the formatter: each figure's HTML form is its alt'd image."""
    seen = 0
    for path in sorted((ROOT / "solutions").glob("*/*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        for cell in nb.cells:
            for output in cell.get("outputs", []):
                if not output.get("data", {}).get("text/plain", "").startswith("<Figure size"):
                    continue
                [img] = images(output.data["text/html"])
                assert img["alt"].startswith("Figure with "), (path.name, img["alt"])
                seen += 1
    assert seen >= 10, seen
