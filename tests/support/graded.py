"""Running a notebook's graded cells in-process: answer cells, then every test cell.

Fast (no kernel, no nbgrader) and exact about which test cells fail; the nbgrader tests
confirm the same outcome through the real grader.
"""

import contextlib
import functools
import io
import json
import re
import subprocess
import sys
import textwrap

import nbformat

from convlab.grading.results import mistakes
from tests.catalogue.mutant import Mutant
from tests.support import outcomes
from tests.support.grading import points
from tests.support.notebooks import ROOT, load, nbgrader_role

SOLUTION = re.compile(r"(?P<indent>[ \t]*)### BEGIN SOLUTION\n(?P<body>.*?)\n[ \t]*### END SOLUTION", re.S)


def inject(nb: nbformat.NotebookNode, mutant: Mutant) -> nbformat.NotebookNode:
    """The notebook with ``mutant``'s body in place of one solution region of its exercise."""
    nb = nbformat.from_dict(nb)
    cell = next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == mutant.exercise)
    regions = list(SOLUTION.finditer(cell.source))
    assert len(regions) > mutant.region, f"{mutant.exercise} has no solution region {mutant.region}"
    match = regions[mutant.region]
    body = textwrap.indent(mutant.body, match["indent"])
    cell.source = cell.source[: match.start("body")] + body + cell.source[match.end("body") :]
    return nb


def run_graded_cells(nb: nbformat.NotebookNode) -> dict[str, str | None]:
    """Execute the setup cell and the answer cells, then each test cell: grade_id -> the
    failure message (None when it passed). Once per notebook and test run, whichever test asks
    first (:mod:`tests.support.outcomes`)."""
    return outcomes.remembered(nb, execute_graded_cells)


def execute_graded_cells(nb: nbformat.NotebookNode) -> dict[str, str | None]:
    """:func:`run_graded_cells`, run here and now."""
    namespace: dict = {}
    results: dict[str, str | None] = {}
    with contextlib.redirect_stdout(io.StringIO()):
        for cell in nb.cells:
            role = nbgrader_role(cell)
            if cell.cell_type != "code" or (cell.id != "setup" and role is None):
                continue
            grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
            try:
                exec(compile(cell.source, f"<{cell.id}>", "exec"), namespace)
                if role == "test":
                    results[grade_id] = None
            except Exception as err:  # noqa: BLE001 (a student's error is a result here)
                if role != "test":
                    raise
                results[grade_id] = f"{type(err).__name__}: {err}"
    return results


def answer_key(aid: str) -> nbformat.NotebookNode:
    return load("solutions", aid)


def exercise_of(test_id: str, exercises: list[str]) -> str:
    """test_corr2d_random -> corr2d, as the grader maps them; every test cell here checks one."""
    found = mistakes.exercise_of(test_id, exercises)
    assert found in exercises, f"{test_id} checks none of {exercises}"
    return found


def exercises_of(aid: str) -> list[str]:
    """The grade_ids of the assignment's answer cells: its exercises."""
    return [
        c.metadata.nbgrader.grade_id
        for c in answer_key(aid).cells
        if c.metadata.get("nbgrader", {}).get("solution")
    ]


def mutant_outcome(aid: str, mutant: Mutant) -> tuple[dict[str, str | None], set[str], set[str]]:
    """Run the answer key with ``mutant`` injected: (results, failed test cells, its exercise's cells)."""
    key = answer_key(aid)
    exercises = exercises_of(aid)
    results = run_graded_cells(inject(key, mutant))
    failed = {t for t, message in results.items() if message}
    own = {t for t in results if exercise_of(t, exercises) == mutant.exercise}
    return results, failed, own


@functools.cache  # one in-process run per mistake and session, however many tests ask
def mistaken_score(aid: str, mutant: Mutant) -> float:
    """The points the answer key with ``mutant`` injected earns: its test cells that pass when
    run here, in-process (not through the grader)."""
    _, failed, _ = mutant_outcome(aid, mutant)
    return sum(p for test, p in points(aid).items() if test not in failed)


def run_in_fresh_process(nb: nbformat.NotebookNode, tmp_path) -> dict:
    """:func:`run_graded_cells` in a fresh process: whatever the notebook patches dies with it."""
    path = tmp_path / "submission.ipynb"
    nbformat.write(nb, path)
    done = subprocess.run(
        [sys.executable, "-m", "tests.support.run_graded", str(path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])
