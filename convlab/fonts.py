"""A Chinese font for every figure: the Noto Sans CJK SC that the ``mplfonts`` package ships,
registered with matplotlib, so that a figure drawn in Chinese (``CONVLAB_LANG=zh_CN``) shows its
characters, not empty boxes, with no system font and no network.

matplotlib (>= 3.6) falls back glyph by glyph only between the families of ``font.family``, not
within a generic family's list (``font.sans-serif`` gives the first of its fonts that is
installed, one font). So :func:`register` adds the font to ``font.family`` after what it holds
(``sans-serif``: DejaVu Sans), and to ``font.sans-serif`` after DejaVu Sans: Latin letters,
digits and symbols stay DejaVu Sans's, as drawn before; a character DejaVu Sans lacks (中文,
Chinese punctuation) comes from Noto Sans CJK SC.

Registering costs a few milliseconds (``addfont`` reads the font's names, not its glyphs:
2.5 ms here, about 1% of importing matplotlib), so it is done whatever the language, once, when
:mod:`convlab.plots` is imported; in a kernel, ``import convlab`` also has it done before the
first cell that runs after matplotlib was imported (:func:`follow`), for a notebook's figures
drawn with matplotlib itself. A text takes its family when it is made: a figure made before the
registration keeps the fonts it had.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

FILE = "NotoSansCJKsc-Regular.otf"  # in mplfonts/fonts/
FALLBACK_AFTER = "DejaVu Sans"  # matplotlib's own font, first in font.sans-serif
_registered: list[str] = []  # the family name, once registered


def bundled() -> Path | None:
    """The font file inside the installed ``mplfonts``, found without importing it (its
    ``__init__`` loads more than a path); ``None`` when the package is not installed."""
    spec = importlib.util.find_spec("mplfonts")
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(next(iter(spec.submodule_search_locations))) / "fonts" / FILE
    return path if path.is_file() else None


def register() -> str | None:
    """Register the bundled CJK font with matplotlib as the fallback of its default fonts, once;
    the family's name, or ``None`` without ``mplfonts`` (figures are then drawn as before)."""
    if _registered:
        return _registered[0]
    path = bundled()
    if path is None:
        return None
    import matplotlib
    from matplotlib import font_manager

    font_manager.fontManager.addfont(str(path))
    name = font_manager.FontProperties(fname=str(path)).get_name()
    rc = matplotlib.rcParams
    family = list(rc["font.family"])
    if name not in family:
        rc["font.family"] = [*family, name]
    sans = [f for f in rc["font.sans-serif"] if f != name]
    at = sans.index(FALLBACK_AFTER) + 1 if FALLBACK_AFTER in sans else 0
    rc["font.sans-serif"] = [*sans[:at], name, *sans[at:]]
    _registered.append(name)
    return name


def follow(shell=None) -> bool:
    """In IPython's ``shell`` (the running one by default): register the font now if matplotlib
    is imported, else before the first cell run once it is (IPython's ``pre_run_cell`` event),
    then stop watching. False outside IPython."""
    if shell is None:
        from IPython import get_ipython

        shell = get_ipython()
    if shell is None:
        return False
    if "matplotlib" in sys.modules:
        register()
        return True

    def before_cell(*_info) -> None:
        if "matplotlib" in sys.modules:
            register()
            shell.events.unregister("pre_run_cell", before_cell)

    shell.events.register("pre_run_cell", before_cell)
    return True
