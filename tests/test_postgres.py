"""A PostgreSQL gradebook (``db_url``), against a real server: the same class graded into it and
into SQLite gets the same score in every test cell, and the instructor's commands read it."""

import pytest

from convlab.grading.course import Course
from convlab.grading.tables import read_csv
from tests.catalogue import MUTANTS
from tests.support.course import copy_course, python_m
from tests.support.graded import answer_key, inject
from tests.support.grading import grade_class, scores, submit
from tests.support.notebooks import load
from tests.support.postgres import LoopbackPostgres
from tests.test_writer import natural_rows

pytestmark = pytest.mark.slow
CLASS = ("01_cross_correlation",)
STUDENTS = ("blank", "key", "mutant")


@pytest.fixture(scope="module")
def server():
    with LoopbackPostgres() as running:
        yield running


def test_a_class_graded_into_postgresql_scores_as_into_sqlite(tmp_path, server):
    """Into a new PostgreSQL gradebook by two writer processes (--writers 2), into SQLite by
    the one writer: the same rows, every one (tests/test_writer.py compares SQLite's with plain
    nbgrader's), so the same scores."""
    lite, pg = copy_course(tmp_path / "sqlite"), copy_course(tmp_path / "postgres")
    with open(pg / "nbgrader_config.py", "a") as config:
        config.write(f"\nc.CourseDirectory.db_url = {server.url!r}\n")
    for course in (lite, pg):
        for aid in CLASS:
            submit(course, "blank", aid, load("notebooks", aid))
            submit(course, "key", aid, answer_key(aid))
            submit(course, "mutant", aid, inject(answer_key(aid), MUTANTS[aid][0]))
    grade_class(lite)
    grade_class(pg, "--writers", "2")
    assert not (pg / "autograder" / "gradebook.db").exists()  # it really went to the server
    for aid in CLASS:
        for student in STUDENTS:
            assert scores(pg, aid, student) == scores(lite, aid, student), (aid, student)
            assert scores(pg, aid, student), (aid, student)  # graded, not empty on both sides
    assert natural_rows(server.url) == natural_rows(Course(lite).db_url)

    again = python_m(pg, "convlab.grading")  # unchanged: skipped, from the server's gradebook
    assert (
        again.returncode == 0 and f"all {len(CLASS) * len(STUDENTS)} submissions unchanged" in again.stderr
    ), again.stderr
    done = python_m(pg, "convlab.grading.results.grades")
    assert done.returncode == 0, done.stderr
    rows = {r["student"]: r for r in read_csv(pg / "autograder" / "grades.csv")}
    lite_done = python_m(lite, "convlab.grading.results.grades")
    assert lite_done.returncode == 0, lite_done.stderr
    assert rows == {r["student"]: r for r in read_csv(lite / "autograder" / "grades.csv")}
    assert set(rows) == set(STUDENTS)


def test_a_sqlite_gradebook_takes_one_writer(tmp_path):
    course = copy_course(tmp_path)
    submit(course, "key", CLASS[0], answer_key(CLASS[0]))
    done = python_m(course, "convlab.grading", "--writers", "2")
    assert done.returncode != 0 and "a SQLite gradebook takes one writer at a time" in done.stderr, (
        done.stderr
    )
    assert not (course / "autograder" / "autograded").exists()  # refused before anything ran
    none = python_m(course, "convlab.grading", "--writers", "0")
    assert none.returncode != 0 and "at least one writer records the batch" in none.stderr, none.stderr
    assert not (course / "autograder" / "autograded").exists()
