"""Reading and running the course's notebooks in tests."""

import re
from pathlib import Path

import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parent.parent


def assignments() -> list[str]:
    return sorted(p.name for p in (ROOT / "source").iterdir() if p.is_dir() and p.name[:2].isdigit())


def load(tree: str, aid: str) -> nbformat.NotebookNode:
    return nbformat.read(ROOT / tree / aid / f"{aid}.ipynb", as_version=4)


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
