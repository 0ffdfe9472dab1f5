"""Every catalogued mutant loses its exercise's test cells, only those, with its hint."""

import pytest

from tests.catalogue import MUTANTS
from tests.catalogue_more import MORE, VARIANTS
from tests.graded import answer_key, inject, run_graded_cells
from tests.notebooks import assignments

CATALOGUE = {aid: MUTANTS.get(aid, []) + MORE.get(aid, []) for aid in MUTANTS.keys() | MORE.keys()}
CASES = [(aid, m) for aid, mutants in sorted(CATALOGUE.items()) for m in mutants]
CORRECT = [(aid, v) for aid, variants in sorted(VARIANTS.items()) for v in variants]


def exercise_of(test_id: str, exercises: list[str]) -> str:
    """test_corr2d_random -> corr2d (the longest exercise name it starts with)."""
    return max((e for e in exercises if test_id.startswith(f"test_{e}")), key=len)


@pytest.mark.parametrize("aid", assignments())
def test_answer_key_passes_every_test_cell(aid):
    results = run_graded_cells(answer_key(aid))
    assert results and all(v is None for v in results.values()), results


@pytest.mark.parametrize(("aid", "mutant"), CASES, ids=[f"{a}-{m.exercise}-{m.name}" for a, m in CASES])
def test_mutant_loses_exactly_its_exercise(aid, mutant):
    key = answer_key(aid)
    exercises = [
        c.metadata.nbgrader.grade_id for c in key.cells if c.metadata.get("nbgrader", {}).get("solution")
    ]
    results = run_graded_cells(inject(key, mutant))
    failed = {t for t, message in results.items() if message}
    own = {t for t in results if exercise_of(t, exercises) == mutant.exercise}
    assert failed, "the mutant passed every test cell"
    assert failed <= own, f"other exercises lost points: {failed - own}"
    for test_id in failed:
        assert mutant.hint in results[test_id], results[test_id]


@pytest.mark.parametrize(("aid", "variant"), CORRECT, ids=[f"{a}-{v.exercise}-{v.name}" for a, v in CORRECT])
def test_correct_variant_keeps_full_marks(aid, variant):
    results = run_graded_cells(inject(answer_key(aid), variant))
    assert all(message is None for message in results.values()), results


def exercises_of(aid: str) -> list[str]:
    return [
        c.metadata.nbgrader.grade_id
        for c in answer_key(aid).cells
        if c.metadata.get("nbgrader", {}).get("solution")
    ]


@pytest.mark.parametrize("aid", assignments())
def test_every_exercise_has_six_catalogued_mistakes(aid):
    counts = {e: sum(m.exercise == e for m in CATALOGUE.get(aid, [])) for e in exercises_of(aid)}
    assert all(n >= 6 for n in counts.values()), counts
