"""The two course tables (the README's, and the test cells' in autograder/README.md) are the
exercise contract (../shared/EXERCISES.md, the founding spec, is superseded where they differ):
each notebook's exercises, its test cells and their points are exactly what the source
notebooks grade."""

import re

import pytest

from tests.support.notebooks import ROOT, assignments, load

README = (ROOT / "README.md").read_text()
CHECKS_GUIDE = (ROOT / "autograder" / "README.md").read_text()  # the test cells' table


def _table(heading: str, text: str = README) -> list[list[str]]:
    """The rows of the first Markdown table in ``text`` whose header line starts with ``heading``."""
    lines = text[text.index(heading) :].splitlines()
    rows = []
    for line in lines[2:]:  # the header and its |---| line
        if not line.startswith("|"):
            break
        rows.append([cell.strip() for cell in line.strip("|").split("|")])
    return rows


def _graded(aid: str) -> tuple[list[str], dict[str, float]]:
    cells = [c.metadata.get("nbgrader", {}) for c in load("source", aid).cells]
    exercises = [m["grade_id"] for m in cells if m.get("solution")]
    tests = {m["grade_id"]: m["points"] for m in cells if m.get("grade")}
    return exercises, tests


COURSE = {row[0].strip("`"): row for row in _table("| notebook | you learn | you implement | points |")}
TESTS = _table("| notebook | test cell | points | what it checks |", CHECKS_GUIDE)


@pytest.mark.parametrize("aid", assignments())
def test_the_course_table_lists_each_notebooks_exercises_and_points(aid):
    exercises, tests = _graded(aid)
    assert aid in COURSE, f"{aid} has no row in the README's course table"
    _, _, implemented, points = COURSE[aid]
    assert re.findall(r"`([^`]+)`", implemented) == exercises
    assert float(points) == sum(tests.values())


@pytest.mark.parametrize("aid", assignments())
def test_the_test_cell_table_lists_each_test_cell_with_its_points(aid):
    _, tests = _graded(aid)
    number = aid.split("_")[0]
    listed = {row[1].strip("`"): float(row[2]) for row in TESTS if row[0] == number}
    assert listed == tests
