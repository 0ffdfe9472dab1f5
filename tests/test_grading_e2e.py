"""Plain nbgrader on a copy of the course: blank scores 0, the key full marks, a mistake its hint.

This is the instructor's documented flow (generate_assignment, autograde, generate_feedback,
export), run from the course root with submissions in autograder/submitted/<student>/<id>/.
"""

import csv
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from nbgrader.api import Gradebook

from convlab.release import venv_env

pytestmark = pytest.mark.slow
AID = "01_cross_correlation"
CORRECT_LINE = "Y[i, j] = (X[i:i + kh, j:j + kw] * K).sum()"
FLIPPED_LINE = "Y[i, j] = (X[i:i + kh, j:j + kw] * torch.flip(K, (0, 1))).sum()"


def nbgrader(course: Path, *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "nbgrader", *args],
        cwd=course,
        env=venv_env(),
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout + done.stderr


def submit(course: Path, student: str, nb: nbformat.NotebookNode) -> None:
    folder = course / "autograder" / "submitted" / student / AID
    folder.mkdir(parents=True)
    nbformat.write(nb, folder / f"{AID}.ipynb")


def scores(course: Path, student: str) -> dict[str, float]:
    with Gradebook(f"sqlite:///{course / 'autograder' / 'gradebook.db'}", "convlab") as gb:
        notebook = gb.find_submission_notebook(AID, AID, student)
        return {grade.name: grade.score for grade in notebook.grades}


def test_blank_key_and_flipped_kernel_are_graded_as_they_should(course):
    release = nbformat.read(course / "notebooks" / AID / f"{AID}.ipynb", 4)
    key = nbformat.read(course / "solutions" / AID / f"{AID}.ipynb", 4)
    flipped = nbformat.read(course / "solutions" / AID / f"{AID}.ipynb", 4)
    answer = next(c for c in flipped.cells if c.id == "corr2d")
    assert CORRECT_LINE in answer.source
    answer.source = answer.source.replace(CORRECT_LINE, FLIPPED_LINE)
    submit(course, "blank", release)
    submit(course, "key", key)
    submit(course, "flipped", flipped)

    nbgrader(course, "generate_assignment", AID, "--force")
    nbgrader(course, "autograde", AID, "--create")
    nbgrader(course, "generate_feedback", AID)
    nbgrader(course, "export", "--to=autograder/grades.csv")

    points = {
        "test_corr2d_examples": 1,
        "test_corr2d_random": 2,
        "test_Conv2D_parameters": 1,
        "test_Conv2D_forward": 1,
    }
    assert scores(course, "blank") == dict.fromkeys(points, 0)
    assert scores(course, "key") == points
    assert scores(course, "flipped") == {
        **points,
        "test_corr2d_examples": 0,
        "test_corr2d_random": 0,
    }

    feedback = (course / "autograder" / "feedback" / "flipped" / AID / f"{AID}.html").read_text()
    assert "kernel flipped: this is convolution, not cross-correlation" in feedback
    assert "cross-correlation multiplies X[i + a, j + b] by K[a, b]" in feedback

    with open(course / "autograder" / "grades.csv") as f:
        rows = {row["student_id"]: float(row["score"]) for row in csv.DictReader(f)}
    assert rows == {"blank": 0.0, "key": 5.0, "flipped": 2.0}
    shutil.rmtree(course / "autograder" / "submitted")  # keep tmp small
