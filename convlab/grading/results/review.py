"""Flag submissions for review: tampering that no check can see from inside the notebook.

    python -m convlab.grading.results.review            every submission in autograder/submitted/
    python -m convlab.grading.results.review --csv F    also write student,assignment,reason rows

The threat model (README's instructor guide): student code runs in the same Python as the
checks, so a determined student can always fool an in-process check. Three layers answer:
nbgrader restores test cells and their points from source/ and zeroes deleted ones; the
checks bind what they rely on at import and refuse to run when it was replaced
(:mod:`convlab.checks.integrity`); and this scan reads every submission's code and reports,
with a reason, anything that rebinds a check, patches convlab, PyTorch, builtins or
sys.modules, switches off the profiler the checks watch with, or edits or deletes a test
cell. A flag is a reason to look, not a verdict. A reason is a message (:mod:`convlab.i18n`):
English in the CSVs, worded in the class report's language on its page.
"""

from __future__ import annotations

import argparse
import ast
import sys
from dataclasses import dataclass
from pathlib import Path

import nbformat

from convlab.grading.course import Course
from convlab.grading.roster import is_id
from convlab.grading.tables import write_csv
from convlab.i18n import N_, Msg

# Modules whose attributes a submission must not assign to (by any alias it imports them under).
GUARDED = {"convlab", "torch", "builtins", "sys", "numpy", "importlib", "nbgrader"}
PROFILERS = {
    ("sys", "setprofile"),
    ("sys", "settrace"),
    ("threading", "setprofile"),
    ("threading", "settrace"),
}


@dataclass(frozen=True)
class Flag:
    student: str
    assignment: str
    reason: str


def _aliases(trees: list[ast.AST]) -> dict[str, str]:
    """Names bound by imports -> the top-level module they come from (torch.nn.functional -> torch)."""
    names = {"__builtins__": "builtins"}
    for tree in trees:
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                for a in node.names:
                    names[a.asname or a.name.split(".")[0]] = a.name.split(".")[0]
            elif isinstance(node, ast.ImportFrom) and node.module:
                for a in node.names:
                    names[a.asname or a.name] = node.module.split(".")[0]
    return names


def _root(node: ast.AST) -> str | None:
    while isinstance(node, ast.Attribute | ast.Subscript):
        node = node.value
    return node.id if isinstance(node, ast.Name) else None


def _dotted(node: ast.AST) -> str:
    return ast.unparse(node)


def code_reasons(sources: list[str]) -> list[str]:
    """Reasons to review, from the code cells of one notebook."""
    trees = []
    for src in sources:
        try:
            trees.append(ast.parse(src))
        except SyntaxError:
            continue  # IPython magics or a student's syntax error: nothing to scan
    aliases = _aliases(trees)
    checks = {name for name in aliases if name.startswith("check_")}
    reasons: list[str] = []

    def note(reason: str) -> None:
        if reason not in reasons:
            reasons.append(reason)

    for tree in trees:
        for node in ast.walk(tree):
            imported = [a.name for a in node.names] if isinstance(node, ast.Import) else []
            if isinstance(node, ast.ImportFrom) and node.module:
                imported = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
            if any(name.startswith("torch.library") for name in imported) or (
                isinstance(node, ast.Attribute)
                and node.attr == "library"
                and aliases.get(_root(node)) == "torch"
            ):
                note(N_("uses torch.library (which replaces PyTorch's own operators)"))
            targets = []
            if isinstance(node, ast.Assign):
                targets = node.targets
            elif isinstance(node, ast.AugAssign | ast.AnnAssign | ast.Delete):
                targets = [node.target] if not isinstance(node, ast.Delete) else node.targets
            for target in targets:
                root = _root(target)
                if isinstance(target, ast.Name) and (target.id in checks or target.id.startswith("check_")):
                    note(Msg("rebinds the check {name}", name=target.id))
                elif isinstance(target, ast.Attribute | ast.Subscript) and aliases.get(root) in GUARDED:
                    note(Msg("assigns to {target} ({module})", target=_dotted(target), module=aliases[root]))
            if isinstance(
                node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef
            ) and node.name.startswith("check_"):
                note(Msg("defines its own {name}", name=node.name))
            if isinstance(node, ast.Call):
                func = node.func
                if isinstance(func, ast.Name) and func.id in {"setattr", "delattr"} and node.args:
                    if aliases.get(_root(node.args[0])) in GUARDED:
                        note(
                            Msg(
                                "calls {function} on {target}", function=func.id, target=_dotted(node.args[0])
                            )
                        )
                if (
                    isinstance(func, ast.Attribute)
                    and (aliases.get(_root(func.value)), func.attr) in PROFILERS
                ):
                    note(Msg("calls {function} (switches off the checks' watch)", function=_dotted(func)))
    return reasons


def test_cell_reasons(submitted: nbformat.NotebookNode, release: nbformat.NotebookNode) -> list[str]:
    """Test cells deleted, edited or re-pointed (nbgrader restores them; the edit is still news)."""

    def tests(nb):
        return {
            c.metadata["nbgrader"]["grade_id"]: c
            for c in nb.cells
            if c.get("metadata", {}).get("nbgrader", {}).get("grade")
        }

    mine, theirs = tests(submitted), tests(release)
    reasons = []
    for gid, cell in theirs.items():
        if gid not in mine:
            reasons.append(Msg("test cell {test} deleted", test=gid))
            continue
        if mine[gid].source != cell.source:
            reasons.append(Msg("test cell {test} edited", test=gid))
        old, new = cell.metadata["nbgrader"].get("points"), mine[gid].metadata["nbgrader"].get("points")
        if old != new:
            reasons.append(Msg("points of {test} changed from {old} to {new}", test=gid, old=old, new=new))
    return reasons


def review_notebook(submitted: nbformat.NotebookNode, release: nbformat.NotebookNode) -> list[str]:
    sources = [c.source for c in submitted.cells if c.cell_type == "code"]
    return test_cell_reasons(submitted, release) + code_reasons(sources)


FLAG_COLUMNS = ["student", "assignment", "reason"]


def review(course: Course) -> list[Flag]:
    """Every flag for every submission in the course's submitted directory."""
    flags = []
    for path in sorted(course.submitted.glob("*/*/*.ipynb")):
        student, assignment = path.parent.parent.name, path.parent.name
        if not is_id(student):
            continue  # not a student's folder: make autograde refuses it, and says so
        release_path = course.release / assignment / path.name
        if not release_path.exists():
            flags.append(
                Flag(student, assignment, Msg("{file} is not a notebook of this assignment", file=path.name))
            )
            continue
        try:
            submitted = nbformat.read(path, as_version=4)
        except Exception as err:  # noqa: BLE001 (any unreadable file is a reason to look)
            flags.append(
                Flag(
                    student,
                    assignment,
                    Msg(
                        "{file} is not a readable notebook ({error})",
                        file=path.name,
                        error=type(err).__name__,
                    ),
                )
            )
            continue
        release = nbformat.read(release_path, as_version=4)
        flags += [Flag(student, assignment, r) for r in review_notebook(submitted, release)]
    return flags


def write_flags(path: Path, flags: list[Flag]) -> None:
    write_csv(path, FLAG_COLUMNS, ([flag.student, flag.assignment, flag.reason] for flag in flags))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m convlab.grading.results.review", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--root", type=Path, default=Path.cwd(), help="the course (default: here)")
    parser.add_argument("--csv", type=Path, help="write the flags to this CSV file")
    args = parser.parse_args(argv)
    flags = review(Course(args.root))
    if args.csv:
        write_flags(args.csv, flags)
    for fl in flags:
        print(f"FLAG {fl.student} {fl.assignment}: {fl.reason}")
    students = {(fl.student, fl.assignment) for fl in flags}
    print(
        f"{len(flags)} flags on {len(students)} submissions"
        + (f" (written to {args.csv})" if args.csv else "")
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
