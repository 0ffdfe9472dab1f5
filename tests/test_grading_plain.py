"""Plain ``nbgrader autograde`` and the pipeline (``make autograde``) give every test cell the
same score, on a sample of every notebook: its blank release, its answer key and its first
catalogued mistake, graded once by each."""

import csv
import html

import pytest

from tests.catalogue import MUTANTS
from tests.support.course import copy_course
from tests.support.graded import inject
from tests.support.grading import grade_class, nbgrader, scores, submit
from tests.support.notebooks import assignments, load

pytestmark = pytest.mark.slow


def test_plain_nbgrader_and_make_autograde_give_identical_scores(tmp_path):
    """Each notebook's blank, key and first catalogued mutant, graded once by plain
    ``nbgrader autograde`` (then generate_feedback and export, as documented) and once by
    the pipeline: every test cell scores the same."""
    plain, fast = copy_course(tmp_path / "plain"), copy_course(tmp_path / "pipeline")
    for course in (plain, fast):
        for aid in assignments():
            submit(course, "blank", aid, load("notebooks", aid))
            submit(course, "key", aid, load("solutions", aid))
            submit(course, "mutant", aid, inject(load("solutions", aid), MUTANTS[aid][0]))
    for aid in assignments():
        nbgrader(plain, "generate_assignment", aid, "--force")
        nbgrader(plain, "autograde", aid, "--create")
        nbgrader(plain, "generate_feedback", aid)
    nbgrader(plain, "export", "--to=autograder/grades.csv")
    grade_class(fast)
    for aid in assignments():
        for student in ("blank", "key", "mutant"):
            assert scores(plain, aid, student) == scores(fast, aid, student), (aid, student)
        feedback = (plain / "autograder" / "feedback" / "mutant" / aid / f"{aid}.html").read_text()
        assert html.escape(MUTANTS[aid][0].hint, quote=False) in feedback, aid
    with open(plain / "autograder" / "grades.csv") as f:
        assert len(list(csv.DictReader(f))) == 3 * len(assignments())
