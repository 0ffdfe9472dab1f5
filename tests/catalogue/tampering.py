"""Code that attacks the checks: each case is added to a wrong corr2d in notebook 01's key.

A case either still loses the exercise's points or is flagged for review (or both); never full
marks, silently.
"""

import textwrap

import nbformat

from tests.catalogue.handwritten import CORR2D_LOOP
from tests.support.notebooks import load

AID = "01_cross_correlation"
# a wrong corr2d (convolution: the kernel flipped), the catalogue's loop with that one change
FLIPPED = "def corr2d(X, K):\n" + textwrap.indent(
    CORR2D_LOOP.format(kernel="torch.flip(K, (0, 1))", post=""), "    "
)
# (name, code after the wrong corr2d, does the in-process test still fail?, the review reason)
TAMPERING = [
    (
        "patches F.conv2d to agree with a flipped kernel",
        "import torch.nn.functional as F2\nF2.conv2d = lambda x, k, *a, **kw: torch.conv2d(x, k.flip(-1, -2), *a, **kw)",
        True,
        "assigns to F2.conv2d",
    ),
    (
        "patches the reference to agree with a flipped kernel",
        "import convlab.oracle as o\no.corr2d = lambda X, K, *a, **kw: torch.conv2d(X[None, None].double(), "
        "K.flip(0, 1)[None, None].double())[0, 0].float()",
        True,
        "assigns to o.corr2d",
    ),
    (
        "replaces PyTorch's convolution kernel with torch.library",
        "import torch.library\n_lib = torch.library.Library('aten', 'IMPL')\n"
        "_lib.impl('convolution', lambda *args: torch.zeros(1, 1, 2, 2), 'CPU')",
        True,
        "uses torch.library",
    ),
    (
        "rebinds the check",
        "check_corr2d = lambda *args, **kwargs: None",
        False,
        "rebinds the check check_corr2d",
    ),
    (
        "patches torch.allclose",
        "torch.allclose = lambda *args, **kwargs: True",
        True,
        "assigns to torch.allclose",
    ),
    (
        "patches torch.testing",
        "import torch.testing as tt\nsetattr(tt, 'assert_close', lambda *a, **k: None)",
        True,
        "calls setattr on tt",
    ),
    (
        "patches convlab's comparison",
        "import convlab.checks.compare as r\nr.compare = lambda *a, **k: None",
        True,
        "assigns to r.compare",
    ),
    (
        "silences print",
        "import builtins\nbuiltins.print = lambda *a, **k: None",
        True,
        "assigns to builtins.print",
    ),
    (
        "replaces sys.modules",
        "import sys\nsys.modules['convlab.checks'] = None",
        True,
        "assigns to sys.modules",
    ),
    (
        "defines its own check",
        "def check_corr2d(*args, **kwargs):\n    return None",
        False,
        "defines its own check_corr2d",
    ),
]


def tampered(code: str) -> nbformat.NotebookNode:
    nb = load("solutions", AID)
    cell = next(c for c in nb.cells if c.id == "corr2d")
    cell.source = FLIPPED + "\n" + code
    return nb
