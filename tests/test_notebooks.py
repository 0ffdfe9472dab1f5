"""The notebooks themselves: worked examples computed, release clean, release runs headless.

nbval executes every answer key in solutions/ and compares its outputs (pyproject.toml puts
solutions/ on pytest's path with --nbval); these tests check what nbval cannot.
"""

import pytest

from convlab.release import errors, stripped
from tests.notebooks import (
    assignments,
    cell,
    execute,
    load,
    nbgrader_role,
    numbers,
    plain_output,
)

# Every worked example of the contract, as (notebook, cell id, the course notes' numbers).
WORKED_EXAMPLES = [
    ("01_cross_correlation", "first-window-sum", [0, 1, 6, 12, 19]),
    ("01_cross_correlation", "pytorch-conv2d", [19, 25, 37, 43]),
    ("01_cross_correlation", "example-2", [12, 12, 17, 10, 17, 19, 9, 6, 14]),
    ("01_cross_correlation", "example-2-first", [12]),
    ("01_cross_correlation", "flip-compare", [5, 11, 23, 29, 19, 25, 37, 43]),
]


@pytest.mark.parametrize(("aid", "cell_id", "expected"), WORKED_EXAMPLES)
def test_worked_examples_appear_as_computed_outputs(aid, cell_id, expected):
    assert numbers(plain_output(load("solutions", aid), cell_id)) == expected


def test_flip_demo_shows_symmetric_kernels_agree():
    assert (
        plain_output(load("solutions", "01_cross_correlation"), "flip-symmetric-code").strip()
        == "True"
    )


@pytest.mark.parametrize("aid", assignments())
def test_answer_key_runs_without_errors_and_passes_its_checks(aid):
    nb = load("solutions", aid)
    assert errors(nb) == []
    tests = [c for c in nb.cells if nbgrader_role(c) == "test"]
    assert tests, "an assignment without test cells grades nothing"
    for c in tests:
        assert "passed" in plain_output(nb, c.id), (
            f"{c.metadata.nbgrader.grade_id} printed no success line"
        )


@pytest.mark.parametrize("aid", assignments())
@pytest.mark.parametrize("tree", ["source", "notebooks"])
def test_sources_and_release_carry_no_outputs_or_widget_state(tree, aid):
    nb = load(tree, aid)
    assert "widgets" not in nb.metadata
    assert stripped(nb) == nb


@pytest.mark.parametrize("aid", assignments())
def test_release_hides_solutions_and_keeps_signatures(aid):
    source, release = load("source", aid), load("notebooks", aid)
    for c in release.cells:
        if nbgrader_role(c) == "answer":
            assert "BEGIN SOLUTION" not in c.source and "raise NotImplementedError()" in c.source
            original = cell(source, c.id).source
            assert original.splitlines()[0] == c.source.splitlines()[0]  # the def/class line


@pytest.mark.slow
@pytest.mark.parametrize("aid", assignments())
def test_student_release_runs_headless_failing_only_in_exercise_and_test_cells(aid, tmp_path):
    nb = execute(load("notebooks", aid), tmp_path)
    failed = {
        c.id: nbgrader_role(c)
        for c in nb.cells
        if any(o.output_type == "error" for o in c.get("outputs", []))
    }
    assert failed, "a blank release should fail its test cells"
    assert set(failed.values()) <= {"answer", "test"}, f"lesson cells failed: {failed}"
    for c in nb.cells:
        if nbgrader_role(c) == "test":
            assert c.id in failed
            assert any("is not implemented yet" in o.get("evalue", "") for o in c.outputs)
