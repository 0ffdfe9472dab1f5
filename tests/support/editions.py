"""The Chinese edition of an assignment, as ``make release`` writes it
(``notebooks/zh_CN/<id>/<id>.ipynb``, held in sync with source/ by ``make check-sync``), for the
hub's tests."""

from __future__ import annotations

import nbformat

from tests.support.notebooks import ROOT

LANG = "zh_CN"


def chinese_edition(aid: str) -> nbformat.NotebookNode:
    return nbformat.read(ROOT / "notebooks" / LANG / aid / f"{aid}.ipynb", as_version=4)
