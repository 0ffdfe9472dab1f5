"""What make site publishes, without a browser: no solution in any page, the lesson cells as the
answer key has them, the course table (the plots' alt texts: tests/test_alt.py)."""

import pytest
from nbconvert import HTMLExporter

from convlab.site.build import course_table, leaked, publishable, solution_regions
from tests.support.notebooks import ROOT, assignments, load


@pytest.mark.parametrize("aid", assignments())
def test_a_page_has_the_release_for_exercises_and_the_key_for_the_rest(aid):
    key, release = load("solutions", aid), load("notebooks", aid)
    page = publishable(key, release)
    regions = solution_regions(key)
    assert regions, "the answer key has no solution region"
    sources = "\n".join(c.source for c in page.cells)
    assert not [r for r in regions if r.strip() in sources]
    for mine, theirs, student in zip(page.cells, key.cells, release.cells, strict=True):
        grader = theirs.metadata.get("nbgrader", {})
        if grader.get("solution"):
            assert mine.source == student.source and mine.get("outputs", []) == []
        elif not grader:
            assert mine == theirs  # a lesson cell as the answer key has it, outputs and all


def test_the_leak_check_sees_a_solution_through_syntax_highlighting():
    key = load("solutions", "01_cross_correlation")
    exported, _ = HTMLExporter(template_name="lab").from_notebook_node(key)
    assert "<span" in exported and leaked(key, exported) == solution_regions(key)
    page, _ = HTMLExporter(template_name="lab").from_notebook_node(
        publishable(key, load("notebooks", "01_cross_correlation"))
    )
    assert leaked(key, page) == []


def test_the_index_lists_every_notebook_of_the_readme_table():
    rows = course_table((ROOT / "README.md").read_text())
    assert rows[0][:2] == ["notebook", "you learn"]
    assert [r[0].strip("`") for r in rows[1:]] == assignments()
