"""Fingerprints: a digest of what a result depends on, so an unchanged input is not redone.

The recording fingerprints each submission (its files, its assignment's source and due date,
the code a graded kernel runs, the limits); the hub's deployment stamps the code it installed
the same way.

The code a graded kernel runs is found, not listed: the convlab modules the course's notebooks
import, and the engine's entry points (the fork server every kernel is forked from, the
launcher between a worker and its kernel, the worker's execution and review), with every
convlab module they import in turn (any ``import`` statement, at any depth of the module).
Editing the class report, the hub or the similarity pages regrades nothing; editing a check,
the reference or the limits regrades the class.
"""

from __future__ import annotations

import ast
import hashlib
import json
import sys
from collections.abc import Iterable
from importlib import metadata
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2]  # convlab/
# what runs beside student code when a submission is graded (convlab.grading.engine)
ENTRY_POINTS = (
    "convlab.grading.engine.forkserver",
    "convlab.grading.engine.launcher",
    "convlab.grading.engine.execute",
)
# the distributions that execute and score a notebook
DISTRIBUTIONS = ("nbgrader", "nbclient", "nbformat", "ipykernel", "torch", "numpy")


def digest(*parts: bytes) -> str:
    h = hashlib.sha256()
    for part in parts:
        h.update(hashlib.sha256(part).digest())
    return h.hexdigest()


def files_digest(paths: Iterable[Path]) -> bytes:
    return "".join(f"{p.name}:{digest(p.read_bytes())}" for p in sorted(paths) if p.is_file()).encode()


def modules(package: Path = PACKAGE) -> dict[str, Path]:
    """Every module of the package by its dotted name (a package by its ``__init__.py``)."""
    found = {}
    for path in package.rglob("*.py"):
        parts = path.relative_to(package.parent).with_suffix("").parts
        found[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return found


def imported(tree: ast.AST, known: dict[str, Path], within: str = "") -> set[str]:
    """The convlab modules the code ``tree`` imports (anywhere in it), with the package
    ``__init__`` s that importing them runs; ``within``: the module the code is (for relative imports)."""
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                package = within.split(".")
                package = package[
                    : len(package) - node.level + (within in known and known[within].name == "__init__.py")
                ]
                base = ".".join([*package, *([base] if base else [])])
            targets = [f"{base}.{a.name}" if f"{base}.{a.name}" in known else base for a in node.names]
        else:
            continue
        for target in targets:
            parts = target.split(".")
            found |= {".".join(parts[:i]) for i in range(1, len(parts) + 1)} & known.keys()
    return found


def notebook_imports(notebooks: Iterable[Path], package: Path = PACKAGE) -> set[str]:
    """The convlab modules the code cells of ``notebooks`` import."""
    known = modules(package)
    found = set()
    for path in notebooks:
        for cell in json.loads(path.read_text()).get("cells", []):
            if cell.get("cell_type") != "code":
                continue
            source = "".join(cell.get("source", ""))
            # IPython's magics and shell lines are not Python: what remains is
            lines = [line for line in source.splitlines() if not line.lstrip().startswith(("%", "!"))]
            try:
                found |= imported(ast.parse("\n".join(lines)), known)
            except SyntaxError:
                continue
    return found


def graded_code(notebooks: Iterable[Path], package: Path = PACKAGE) -> list[Path]:
    """The files of every convlab module a kernel grading ``notebooks`` can run, the engine beside it,
    and the message catalogues the checks translate with."""
    known = modules(package)
    todo = set(ENTRY_POINTS) | notebook_imports(notebooks, package)
    seen: set[str] = set()
    while todo:  # only the modules reached are read: this runs before every grading run
        name = todo.pop()
        seen.add(name)
        todo |= imported(ast.parse(known[name].read_text()), known, name) - seen - {name}
    # the checks' messages in other languages: what feedback says, read by convlab.i18n at run time
    catalogues = sorted((package / "locale").rglob("*.po")) if "convlab.i18n" in seen else []
    return sorted(known[name] for name in seen) + catalogues


def versions() -> bytes:
    """This Python's and the distributions' versions that execute and score a notebook."""
    found = [f"python {sys.version_info.major}.{sys.version_info.minor}"]
    for name in DISTRIBUTIONS:
        try:
            found.append(f"{name} {metadata.version(name)}")
        except metadata.PackageNotFoundError:
            found.append(f"{name} missing")
    return "\n".join(found).encode()


def grading_digest(notebooks: Iterable[Path], package: Path = PACKAGE) -> bytes:
    """What a score depends on beside the submission and its course: the code graded kernels
    run (by path inside the package, so a moved module counts) and the versions that run it."""
    files = graded_code(notebooks, package)
    named = "".join(f"{p.relative_to(package)}:{digest(p.read_bytes())}\n" for p in files)
    return digest(named.encode(), versions()).encode()
