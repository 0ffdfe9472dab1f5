"""Generate the student release and the answer key from ``source/``, or verify they are current.

    python -m convlab.grading.authoring.release            regenerate notebooks/ and solutions/ (make release)
    python -m convlab.grading.authoring.release --check    fail if either is stale (make check-sync)

``source/`` holds the only authored notebooks (nbgrader masters) and their translations. The
release is written by ``nbgrader generate_assignment`` and the answer key by
``nbgrader generate_solution``, which executes it. Both are then normalised: no widget state,
no execution timestamps. Each language's edition (``notebooks/<lang>/``, ``solutions/<lang>/``)
is then written from them and the translations (:mod:`convlab.grading.authoring.editions`);
its answer key is executed again, so that its outputs are in its language.

The check regenerates into a temporary folder and compares. Released notebooks must match
exactly; the answer key must match in everything but outputs, which nbval verifies by
executing it (tests/test_notebooks.py). Every markdown cell must have a current translation.
"""

from __future__ import annotations

import argparse
import difflib
import json
import subprocess
import sys
import tempfile
from pathlib import Path

import nbformat

from convlab.grading.authoring import editions
from convlab.grading.course import CELL_SECONDS, Course
from convlab.grading.environ import tools_first

NBGRADER = [sys.executable, "-m", "nbgrader"]
# generate_solution without its Execute step: what --check needs to compare structure
UNEXECUTED_SOLUTION = [
    "nbgrader.preprocessors.IncludeHeaderFooter",
    "nbgrader.preprocessors.LockCells",
    "nbgrader.preprocessors.ClearOutput",
    "nbgrader.preprocessors.ClearMarkScheme",
]


class ReleaseError(RuntimeError):
    """The release could not be generated, or the committed trees are stale."""


def notebooks(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts)


WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"


def stripped(nb: nbformat.NotebookNode, outputs: bool = True) -> nbformat.NotebookNode:
    """The notebook without widget state and timings (and, if ``outputs``, without outputs).

    Kept outputs lose their widget views: without the widget state (never stored) a view
    points at nothing, while the static picture beside it shows everywhere, and the random
    model ids would change the answer key on every release. Consecutive prints to one stream
    become one output, as nbval compares them: where the kernel cut them depends on timing.
    """
    nb = nbformat.from_dict(json.loads(json.dumps(nb)))
    nb.metadata.pop("widgets", None)
    for cell in nb.cells:
        cell.metadata.pop("execution", None)
        if cell.cell_type != "code":
            continue
        if outputs:
            cell.outputs, cell.execution_count = [], None
        for out in cell.outputs:
            out.get("data", {}).pop(WIDGET_VIEW, None)
        cell.outputs = _joined_streams(cell.outputs)
    return nb


def _joined_streams(outputs: list) -> list:
    joined = []
    for out in outputs:
        last = joined[-1] if joined else None
        if out.output_type == "stream" and last and last.output_type == "stream" and last.name == out.name:
            last.text += out.text
        else:
            joined.append(out)
    return joined


def errors(nb: nbformat.NotebookNode) -> list[str]:
    """``cell 12: NameError: ...`` for every error output."""
    found = []
    for index, cell in enumerate(nb.cells):
        for out in cell.get("outputs", []):
            if out.output_type == "error":
                found.append(
                    f"cell {index} ({cell.metadata.get('nbgrader', {}).get('grade_id', cell.id)}): "
                    f"{out.ename}: {out.evalue}"
                )
    return found


def _rewrite(path: Path, outputs: bool) -> bool:
    nb = nbformat.read(path, as_version=4)
    clean = stripped(nb, outputs)
    if clean == nb:
        return False
    nbformat.write(clean, path)
    return True


def _nbgrader(*args: str, root: Path) -> None:
    done = subprocess.run([*NBGRADER, *args], cwd=root, capture_output=True, text=True, env=tools_first())
    if done.returncode != 0:
        raise ReleaseError(f"nbgrader {' '.join(args)} failed:\n{done.stdout}{done.stderr}")


def generate(
    ids: list[str],
    root: Path,
    release: Path,
    solution: Path,
    execute: bool,
    db_url: str | None = None,
) -> None:
    """Run nbgrader for each assignment, writing into ``release`` and ``solution``.

    ``db_url`` overrides the gradebook nbgrader records the assignment in (the check uses a
    throw-away one so that verifying never touches the instructor's gradebook).
    """
    where = [
        f"--CourseDirectory.release_directory={release}",
        f"--CourseDirectory.solution_directory={solution}",
    ]
    if db_url:
        where.append(f"--CourseDirectory.db_url={db_url}")
    # every assignment of the course: one nbgrader process per step (nbgrader's "*"), not one each
    every = whole_course(root, ids)
    for aid in ["*"] if every else ids:
        label = "every assignment" if aid == "*" else aid
        print(f"  {label}: student release", flush=True)
        _nbgrader("generate_assignment", aid, "--force", *where, root=root)
        print(f"  {label}: answer key" + (" (executing)" if execute else ""), flush=True)
        extra = [] if execute else [f"--GenerateSolution.preprocessors={UNEXECUTED_SOLUTION}"]
        _nbgrader("generate_solution", aid, "--force", *where, *extra, root=root)


def whole_course(root: Path, ids: list[str]) -> bool:
    """Whether ``ids`` are all the assignments and ``source/`` holds nothing else (so that
    nbgrader's "*" means exactly them)."""
    course = Course(root)
    folders = {p.name for p in course.source.iterdir() if p.is_dir()}
    return sorted(ids) == course.assignments() and folders == set(ids)


def release(ids: list[str], course: Course) -> None:
    """Strip ``source/``, regenerate ``notebooks/`` and ``solutions/``; fail on error outputs."""
    root = course.root
    course.workspace.mkdir(exist_ok=True)
    for path in notebooks(course.source):
        if _rewrite(path, outputs=True):
            print(f"  stripped outputs from {path.relative_to(root)}")
    generate(ids, root, course.release, course.solution, execute=True)
    for aid in ids:
        for path in notebooks(course.release / aid):
            _rewrite(path, outputs=True)
        for path in notebooks(course.solution / aid):
            _rewrite(path, outputs=False)
    write_editions(ids, course, course.release, course.solution, execute=True)
    broken = [
        f"{path.relative_to(root)} {e}"
        for tree in [course.solution, *(course.solution / lang for lang in editions.LANGUAGES)]
        for aid in ids
        for path in notebooks(tree / aid)
        for e in errors(nbformat.read(path, 4))
    ]
    if broken:
        raise ReleaseError("the answer key raised errors:\n  " + "\n  ".join(broken))


def write_editions(ids: list[str], course: Course, release: Path, solution: Path, execute: bool) -> None:
    """Each language's edition of the release and the answer key in ``release`` and ``solution``
    (``<tree>/<lang>/<id>/<name>.ipynb``), executing the answer keys if ``execute``."""
    missing = editions.problems_of(path for aid in ids for path in notebooks(course.source / aid))
    if missing:
        raise ReleaseError("the translations are not ready:\n  " + "\n  ".join(missing))
    for lang in editions.LANGUAGES:
        for aid in ids:
            print(f"  {aid}: {lang} edition" + (" (executing its answer key)" if execute else ""), flush=True)
            for tree, is_key in [(release, False), (solution, True)]:
                for path in notebooks(tree / aid):
                    rel = path.relative_to(tree)
                    catalog = editions.read(editions.catalogue_path(course.source / rel, lang))
                    nb = editions.translated(stripped(nbformat.read(path, 4)), catalog, lang)
                    out = tree / lang / rel
                    out.parent.mkdir(parents=True, exist_ok=True)
                    if is_key and execute:
                        nb = _executed(nb, out.parent, course)
                    nbformat.write(stripped(nb, outputs=not is_key), out)


def _executed(nb: nbformat.NotebookNode, folder: Path, course: Course) -> nbformat.NotebookNode:
    """``nb`` run as ``nbgrader generate_solution`` runs the answer key: its Execute step, with
    the course's configuration, in the notebook's folder."""
    from nbgrader.preprocessors import Execute

    execute = Execute(config=course.config)
    execute.timeout = course.config.Execute.get("timeout", CELL_SECONDS)
    nb, _ = execute.preprocess(nb, {"metadata": {"path": str(folder)}})
    return nb


def comparable(path: Path, tree: str) -> nbformat.NotebookNode:
    """What must match between a committed notebook and a fresh one.

    The answer key is compared without its outputs and the kernel's ``language_info``,
    which executing it writes (nbval checks the outputs by running it again).
    """
    key = tree.split("/")[0] == "solutions"
    nb = stripped(nbformat.read(path, as_version=4), outputs=key)
    if key:
        nb.metadata.pop("language_info", None)
    return nb


def _diff(committed: nbformat.NotebookNode, fresh: nbformat.NotebookNode) -> str:
    a = json.dumps(committed, indent=1, sort_keys=True).splitlines()
    b = json.dumps(fresh, indent=1, sort_keys=True).splitlines()
    lines = list(difflib.unified_diff(a, b, "committed", "from source/", n=2, lineterm=""))
    return "\n".join(lines[:40] + (["    ..."] if len(lines) > 40 else []))


def out_of_sync(ids: list[str], course: Course) -> list[str]:
    """Problems that make the committed trees differ from what :func:`release` writes."""
    root, problems = course.root, []
    trees = {"notebooks": course.release, "solutions": course.solution}
    for path in notebooks(course.source):
        nb = nbformat.read(path, as_version=4)
        if stripped(nb) != nb:
            problems.append(f"{path.relative_to(root)} carries outputs or widget state")
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        generate(
            ids,
            root,
            tmp / "notebooks",
            tmp / "solutions",
            execute=False,
            db_url=f"sqlite:///{tmp / 'gradebook.db'}",
        )
        try:
            write_editions(ids, course, tmp / "notebooks", tmp / "solutions", execute=False)
        except ReleaseError as err:
            problems.append(str(err))
        editions_too = [
            (f"{tree}/{lang}", committed / lang)
            for tree, committed in trees.items()
            for lang in editions.LANGUAGES
        ]
        for tree, committed in [*trees.items(), *editions_too]:
            committed_ids = (
                {p.name for p in committed.iterdir() if p.is_dir()} if committed.exists() else set()
            )
            for extra in sorted(committed_ids - set(course.assignments()) - set(editions.LANGUAGES)):
                problems.append(f"{tree}/{extra} has no source in source/")
            for aid in ids:
                fresh = {p.relative_to(tmp / tree): p for p in notebooks(tmp / tree / aid)}
                have = {p.relative_to(committed): p for p in notebooks(committed / aid)}
                for rel in sorted(set(fresh) | set(have)):
                    if rel not in have:
                        problems.append(f"{tree}/{rel} is missing")
                    elif rel not in fresh:
                        problems.append(f"{tree}/{rel} is not generated from source/")
                    else:
                        a, b = comparable(have[rel], tree), comparable(fresh[rel], tree)
                        if a != b:
                            problems.append(f"{tree}/{rel} differs from source/:\n{_diff(a, b)}")
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m convlab.grading.authoring.release", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--check", action="store_true", help="verify instead of writing")
    parser.add_argument("--root", type=Path, default=Path.cwd(), help="the course (default: here)")
    parser.add_argument("assignment", nargs="*", help="assignment ids (default: all in source/)")
    args = parser.parse_args(argv)
    course = Course(args.root)
    ids = args.assignment or course.assignments()
    unknown = set(ids) - set(course.assignments())
    if unknown:
        parser.error(f"no such assignment in source/: {', '.join(sorted(unknown))}")
    try:
        if args.check:
            print(f"checking notebooks/ and solutions/ against source/ ({len(ids)} assignments)")
            problems = out_of_sync(ids, course)
            if problems:
                print("\n".join(["STALE:", *problems, "", "run `make release` and commit the result"]))
                return 1
            print("notebooks/ and solutions/ are in sync with source/")
        else:
            print(f"releasing {len(ids)} assignments from source/")
            release(ids, course)
            print("done: commit source/, notebooks/ and solutions/ together")
    except ReleaseError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
