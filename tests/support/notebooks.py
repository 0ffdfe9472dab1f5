"""Reading and running the course's notebooks in tests; the folders come from nbgrader's config."""

import re
from pathlib import Path

import nbformat
from nbclient import NotebookClient

from convlab.grading.course import Course

COURSE = Course(Path(__file__).resolve().parents[2])
ROOT = COURSE.root
TREES = {"source": COURSE.source, "notebooks": COURSE.release, "solutions": COURSE.solution}


def assignments() -> list[str]:
    return COURSE.assignments()


def load(tree: str, aid: str, edition: str | None = None) -> nbformat.NotebookNode:
    """An assignment's notebook from ``"source"``, ``"notebooks"`` (the release) or ``"solutions"``;
    with ``edition`` (``"zh_CN"``), that language's edition of the release or the key."""
    folder = TREES[tree] / edition if edition else TREES[tree]
    return nbformat.read(COURSE.notebook(folder, aid), as_version=4)


def cell(nb: nbformat.NotebookNode, cell_id: str) -> nbformat.NotebookNode:
    return next(c for c in nb.cells if c.id == cell_id)


def plain_output(nb: nbformat.NotebookNode, cell_id: str) -> str:
    """The text/plain result and printed text of a cell of an executed notebook."""
    parts = []
    for out in cell(nb, cell_id).outputs:
        parts.append(out.get("data", {}).get("text/plain", "") if "data" in out else out.get("text", ""))
    return "".join(parts)


def numbers(text: str) -> list[float]:
    """Every number in a tensor's repr, in order: tensor([[19., 25.]]) -> [19.0, 25.0]."""
    return [float(n) for n in re.findall(r"-?\d+\.?\d*(?:e[+-]?\d+)?", text.replace("tensor", ""))]


def execute(nb: nbformat.NotebookNode, cwd: Path, env: dict | None = None) -> nbformat.NotebookNode:
    """Run every cell headless (errors recorded, not raised), as a student's kernel would."""
    client = NotebookClient(
        nb,
        timeout=300,
        allow_errors=True,
        kernel_name="python3",
        resources={"metadata": {"path": str(cwd)}},
    )
    if env:
        client.kernel_manager_class.env = env
    client.execute()
    return nb


def nbgrader_role(c: nbformat.NotebookNode) -> str | None:
    meta = c.metadata.get("nbgrader", {})
    return "test" if meta.get("grade") else "answer" if meta.get("solution") else None
