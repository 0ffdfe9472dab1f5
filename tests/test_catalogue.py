"""Every catalogued mutant loses its exercise's test cells, only those, with its hint."""

import pytest

from tests.catalogue import MUTANTS, VARIANTS
from tests.support.graded import answer_key, exercises_of, inject, mutant_outcome, run_graded_cells
from tests.support.notebooks import assignments

CASES = [(aid, m) for aid, mutants in sorted(MUTANTS.items()) for m in mutants]
CORRECT = [(aid, v) for aid, variants in sorted(VARIANTS.items()) for v in variants]


@pytest.mark.parametrize("aid", assignments())
def test_answer_key_passes_every_test_cell(aid):
    results = run_graded_cells(answer_key(aid))
    assert results and all(v is None for v in results.values()), results


@pytest.mark.parametrize(("aid", "mutant"), CASES, ids=[f"{a}-{m.exercise}-{m.name}" for a, m in CASES])
def test_mutant_loses_exactly_its_exercise(aid, mutant):
    results, failed, own = mutant_outcome(aid, mutant)
    assert failed, "the mutant passed every test cell"
    assert failed <= own, f"other exercises lost points: {failed - own}"
    # an exercise graded in several test cells (values, refusals) may lose more than one; the
    # mistake is named in at least one
    assert any(mutant.hint in results[test_id] for test_id in failed), results


@pytest.mark.parametrize(("aid", "variant"), CORRECT, ids=[f"{a}-{v.exercise}-{v.name}" for a, v in CORRECT])
def test_correct_variant_keeps_full_marks(aid, variant):
    results = run_graded_cells(inject(answer_key(aid), variant))
    assert all(message is None for message in results.values()), results


@pytest.mark.parametrize("aid", assignments())
def test_every_exercise_has_six_catalogued_mistakes(aid):
    counts = {e: sum(m.exercise == e for m in MUTANTS.get(aid, [])) for e in exercises_of(aid)}
    assert all(n >= 6 for n in counts.values()), counts


@pytest.mark.parametrize("aid", assignments())
def test_every_exercise_has_two_correct_variants(aid):
    counts = {e: sum(v.exercise == e for v in VARIANTS.get(aid, [])) for e in exercises_of(aid)}
    assert all(n >= 2 for n in counts.values()), counts
