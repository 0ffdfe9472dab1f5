"""The Chinese edition of an assignment for the hub's tests: the release's own
(``notebooks/zh_CN/<id>/<id>.ipynb``, written by ``make release``) when it is there, else one
made the same way from the English release (the language in the metadata, the line that sets
``CONVLAB_LANG`` first in the first code cell, markdown marked as translated), so the hub's
handling of editions is tested before every lesson is translated."""

from __future__ import annotations

import nbformat

from convlab.grading.authoring.editions import LANGUAGE_LINE
from tests.support.notebooks import ROOT

LANG = "zh_CN"
MARK = "【中文版】"


def chinese_edition(aid: str) -> nbformat.NotebookNode:
    real = ROOT / "notebooks" / LANG / aid / f"{aid}.ipynb"
    if real.is_file():
        return nbformat.read(real, as_version=4)
    nb = nbformat.read(ROOT / "notebooks" / aid / f"{aid}.ipynb", as_version=4)
    nb.metadata["convlab"] = {**nb.metadata.get("convlab", {}), "edition": LANG}
    first_code = next(c for c in nb.cells if c.cell_type == "code")
    first_code.source = LANGUAGE_LINE[LANG] + first_code.source
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            cell.source = f"{MARK}{cell.source}"
    return nb
