"""The one CSV writer of the course: a header, rows, never a half-written file, never a formula.

Every CSV the course writes (``grades.csv``, ``flags.csv``, ``grading-report.csv``,
``mistakes.csv``, ``canvas.csv``, ``moodle.csv``, the hub's ``first-passwords.csv``) goes through
:func:`write_csv`. Cells hold what students wrote (ids, names from an LMS, file names, messages
their code displays), and a spreadsheet runs a cell that begins with ``=``, ``+``, ``-`` or ``@``
(a tab or a carriage return can hide one) as a formula: ``=HYPERLINK(...)``, ``=cmd|...``. So,
the OWASP rule, such a text cell is written with a ``'`` in front, which spreadsheets take as
"this is text" (:func:`neutralised`). Numbers are numbers: an ``int`` or ``float``, or a text
that is a plain decimal number (``-1.5``, ``2e-3``), is written as it is, since a spreadsheet
reads it as that number and runs nothing; so is every other cell. The quote is added the same
way to a cell that already begins with quotes before such a character, which makes the rule
reversible: :func:`read_csv` gives back exactly what was written.
"""

from __future__ import annotations

import csv
import os
import re
from collections.abc import Iterable, Sequence
from pathlib import Path

FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n")
NUMBER = re.compile(r"-?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?")


def _runs(text: str) -> bool:
    """Whether a spreadsheet could take ``text``, its leading quotes put aside, as a formula."""
    bare = text.lstrip("'")
    if NUMBER.fullmatch(bare):
        return False
    return bare.startswith(FORMULA_START) or bare.lstrip(" ").startswith(FORMULA_START[:4])


def neutralised(cell):
    """``cell`` as it is safe to write: a text a spreadsheet would run gets a ``'`` in front."""
    if isinstance(cell, str) and _runs(cell):
        return "'" + cell
    return cell


def restored(cell: str) -> str:
    """The text :func:`neutralised` was given, from what it returned."""
    return cell[1:] if cell.startswith("'") and _runs(cell) else cell


def write_csv(path: Path, columns: Sequence[str], rows: Iterable[Sequence], mode: int | None = None) -> None:
    """Write ``columns`` then ``rows`` to ``path``, every cell :func:`neutralised`, replacing
    the file only once all is written; ``mode``: the new file's permissions, set before anything
    is written into it (0o600 for a file of passwords)."""
    partial = path.with_name(f".{path.name}.partial")
    partial.unlink(missing_ok=True)
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666 if mode is None else mode)
    if mode is not None:
        os.fchmod(fd, mode)  # whatever the umask
    with open(fd, "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow([neutralised(c) for c in columns])
        writer.writerows([neutralised(c) for c in row] for row in rows)
    partial.replace(path)


def read_csv(path: Path) -> list[dict[str, str]]:
    """The rows of a CSV file written by :func:`write_csv`, as they were given to it (none if
    the file does not exist)."""
    if not path.exists():
        return []
    with open(path, newline="") as f:
        return [
            {restored(k): restored(v) if isinstance(v, str) else v for k, v in row.items()}
            for row in csv.DictReader(f)
        ]
