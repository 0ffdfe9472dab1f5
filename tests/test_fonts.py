"""Every figure the course draws, in Chinese, has every glyph it writes (convlab.fonts, issue 32).

matplotlib draws a character its fonts lack as an empty box and warns ("Glyph ... missing from
font(s) DejaVu Sans"). Here each figure of convlab.plots and of the widgets (their PNG pictures)
is drawn with CONVLAB_LANG=zh_CN: no such warning may come, and every Chinese character of every
text is drawn from Noto Sans CJK SC, as FreeType maps it and as it renders (ten characters, ten
pictures; DejaVu Sans draws every one it lacks as the same box). Without the registration the same tests fail
(:func:`test_these_checks_fail_without_the_font`).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import textwrap
import warnings
from pathlib import Path

import matplotlib
import pytest
import torch
from matplotlib import font_manager
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.text import Text
from torch import nn

from convlab import fonts, plots
from convlab.widgets import activation_view, kernel_explorer, network, training_monitor
from convlab.widgets.explorer import PRESETS

matplotlib.use("agg")
ROOT = Path(__file__).resolve().parents[1]
CJK = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]")  # ideographs, CJK and full-width punctuation


@pytest.fixture
def chinese(monkeypatch):
    monkeypatch.setenv("CONVLAB_LANG", "zh_CN")
    monkeypatch.delenv("NBGRADER_EXECUTION", raising=False)


def digits(n: int = 10) -> torch.Tensor:
    return torch.rand(n, 1, 8, 8, generator=torch.Generator().manual_seed(0))


def model() -> nn.Sequential:
    torch.manual_seed(0)
    return nn.Sequential(nn.Conv2d(1, 2, 3), nn.ReLU(), nn.Flatten(), nn.Linear(72, 10))


def figures() -> dict:
    """Every kind of figure the course draws, with the words a Chinese notebook gives them."""
    X = torch.arange(12.0).reshape(3, 4)
    return {
        "heatmaps": plots.heatmaps({"输入 X": X, "卷积核 K": -X[:2, :2]}),
        "curve": plots.curve([3.0, 2.0, 1.5], "每次更新前的损失"),
        "loglog": plots.loglog([8, 16, 32], {"逐元素": [1e-3, 4e-3, 1.6e-2]}, "卷积的耗时", "输入大小 n"),
        "digit_grid": plots.digit_grid(digits(), [f"滤波器 {k}" for k in range(10)]),
        "on_digits": plots.on_digits(digits(), torch.randn(10, 8, 8), [f"{k}：显著性" for k in range(10)]),
        "confusion": plots.confusion(torch.tensor([0, 1, 2, 2]), torch.tensor([0, 1, 1, 2]), classes=3),
        "picture": plots.picture(X, "照片"),
        "training curves": network.curves([(1.0, 0.5), (0.5, 0.8)], 3, "validation"),
        "activations": network.activations(model(), digits(1)[0], 3),
    }


def drawn(fig) -> bytes:
    return plots.png(fig)


def missing_glyphs(draw) -> list[str]:
    """matplotlib's warnings of a glyph missing from its fonts while ``draw()`` runs."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        draw()
    return [str(w.message) for w in caught if "missing from font" in str(w.message)]


def texts(fig) -> list[Text]:
    return [t for t in fig.findobj(Text) if t.get_text() and t.get_visible()]


def test_every_figure_draws_every_chinese_glyph(chinese):
    made = {}
    missing = missing_glyphs(lambda: made.update(figures()))
    for name, fig in made.items():
        missing += missing_glyphs(lambda fig=fig: drawn(fig))
        assert any(CJK.search(t.get_text()) for t in texts(fig)), f"{name}: nothing in Chinese to check"
    assert missing == []


def test_every_widget_picture_draws_every_chinese_glyph(chinese):
    """The views' pictures are PNGs drawn when the view is made or updated."""

    def views():
        explorer = kernel_explorer(torch.rand(12, 12, generator=torch.Generator().manual_seed(1)))
        first, then = explorer.children[0].children
        then.value = str(next(iter(PRESETS)))  # the response redrawn, titled with both kernels
        assert CJK.search(first.options[0][0]), first.options  # the kernels' names are Chinese
        monitor = training_monitor(2, "validation")
        monitor.update(1, 0.9, 0.5)
        activation_view(model(), digits(2), torch.tensor([3, 4]))

    assert missing_glyphs(views) == []


def owner(ch: str, paths) -> str:
    """The font file FreeType draws ``ch`` from: the first of matplotlib's fallback list that has
    a glyph for it, '' when none has."""
    found = (p for p in paths if font_manager.get_font(p).get_char_index(ord(ch)))
    return Path(next(found, "")).name


def test_chinese_characters_come_from_the_cjk_font(chinese):
    """As FreeType draws each text (matplotlib's fonts in their fallback order), every Chinese
    character is Noto Sans CJK SC's and every Latin letter still DejaVu Sans's."""
    for name, fig in figures().items():
        drawn(fig)
        for text in texts(fig):
            s = text.get_text()
            paths = font_manager.fontManager._find_fonts_by_props(text.get_fontproperties())
            for ch in set(s):
                if CJK.search(ch):
                    assert owner(ch, paths) == fonts.FILE, (name, s, ch, paths)
                elif ch.isascii() and ch.isalpha():
                    assert owner(ch, paths) == "DejaVuSans.ttf", (name, s, ch, paths)


def test_chinese_characters_render_as_themselves_not_as_boxes(chinese):
    """Rendered: a character the fonts lack is drawn as the same empty box whatever it is, so
    ten different characters drawn alone give ten different pictures only when each is found."""
    pictures = set()
    for ch in "互相关卷积核填充步幅":
        fig = Figure(figsize=(0.6, 0.6), dpi=50)
        fig.text(0.5, 0.5, ch, fontsize=20, ha="center", va="center")
        canvas = FigureCanvasAgg(fig)
        canvas.draw()
        pictures.add(bytes(canvas.buffer_rgba()))
    assert len(pictures) == 10


def test_a_notebooks_own_matplotlib_figure_gets_the_font(tmp_path):
    """In IPython, after ``import convlab``, a figure drawn with matplotlib itself, in a cell after
    the one that imported matplotlib; and without ``import convlab`` the same cells miss glyphs."""
    cells = [
        "import matplotlib; matplotlib.use('agg'); import matplotlib.pyplot as plt",
        "import warnings\nwith warnings.catch_warnings():\n    warnings.simplefilter('error')\n"
        "    fig, ax = plt.subplots(); ax.set_title('每次更新前的损失'); fig.savefig(r'%s')",
    ]
    for with_convlab, expected in ((True, 0), (False, 1)):
        script = textwrap.dedent(f"""
            import sys
            from IPython.core.interactiveshell import InteractiveShell
            shell = InteractiveShell.instance()
            {"import convlab" if with_convlab else ""}
            results = [shell.run_cell(cell) for cell in {cells!r}]
            sys.exit(0 if all(r.success for r in results) else 1)
        """) % (tmp_path / "figure.png")
        done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=ROOT)
        assert done.returncode == expected, (with_convlab, done.stdout[-2000:], done.stderr[-2000:])
        if not with_convlab:
            assert "missing from font" in done.stdout + done.stderr


def test_registering_twice_changes_nothing():
    before = (list(matplotlib.rcParams["font.family"]), list(matplotlib.rcParams["font.sans-serif"]))
    assert fonts.register() == fonts.register()
    after = (list(matplotlib.rcParams["font.family"]), list(matplotlib.rcParams["font.sans-serif"]))
    assert before == after
    family, sans = after
    assert family[-1] == "Noto Sans CJK SC" and family.count("Noto Sans CJK SC") == 1
    assert sans.index("Noto Sans CJK SC") == sans.index("DejaVu Sans") + 1


def test_these_checks_fail_without_the_font():
    """The glyph and font checks above, run in a Python where convlab.fonts registers nothing."""
    selected = "draws_every_chinese_glyph or come_from_the_cjk_font or as_themselves"
    script = (
        "import sys, pytest\nimport convlab.fonts\nconvlab.fonts.register = lambda: None\n"
        f"sys.exit(pytest.main([{__file__!r}, '-q', '-p', 'no:cacheprovider', '-k', {selected!r}]))"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=ROOT, env=env)
    assert done.returncode == 1, done.stdout[-3000:]
    assert "4 failed" in done.stdout, done.stdout[-3000:]
    assert "missing from font" in done.stdout and "AttributeError" not in done.stdout, done.stdout[-3000:]
