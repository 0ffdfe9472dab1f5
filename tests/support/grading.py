"""Grading a copy of the course in tests: submissions in, nbgrader's or the pipeline's scores out."""

from pathlib import Path

import nbformat

from convlab.grading.course import Course
from tests.support.course import python_m
from tests.support.notebooks import load


def nbgrader(course: Path, *args: str) -> str:
    done = python_m(course, "nbgrader", *args)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout + done.stderr


def submit(course: Path, student: str, aid: str, nb: nbformat.NotebookNode) -> None:
    folder = Course(course).submitted / student / aid
    folder.mkdir(parents=True)
    nbformat.write(nb, folder / f"{aid}.ipynb")


def grade_class(course: Path, *args: str) -> str:
    """``make autograde``: every submission, through nbgrader's gradebook, in parallel."""
    done = python_m(course, "convlab.grading", *args)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stderr


def scores(course: Path, aid: str, student: str) -> dict[str, float]:
    with Course(course).gradebook() as gb:
        notebook = gb.find_submission_notebook(aid, aid, student)
        return {grade.name: grade.score for grade in notebook.grades}


def submitted(course: Path, aid: str) -> set[str]:
    """The students with a submission of ``aid`` in the gradebook."""
    with Course(course).gradebook() as gb:
        return {s.student.id for s in gb.find_assignment(aid).submissions}


def points(aid: str) -> dict[str, float]:
    return {
        c.metadata.nbgrader.grade_id: c.metadata.nbgrader.points
        for c in load("source", aid).cells
        if c.metadata.get("nbgrader", {}).get("grade")
    }


def printed(course: Path, aid: str, student: str) -> str:
    """Everything a graded submission printed (its autograded notebook's stream outputs)."""
    graded = nbformat.read(Course(course).autograded / student / aid / f"{aid}.ipynb", 4)
    return "".join(o.get("text", "") for c in graded.cells for o in c.get("outputs", []))
