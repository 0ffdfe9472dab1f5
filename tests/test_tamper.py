"""Tampering with the checks never earns full marks silently: the tests still fail, or the
review scan flags the submission with the reason (usually both)."""

import pytest

from convlab.grading.results.review import review_notebook
from tests.catalogue.tampering import AID, TAMPERING, tampered
from tests.support.graded import run_in_fresh_process
from tests.support.notebooks import load


@pytest.mark.parametrize(("name", "code", "still_fails", "reason"), TAMPERING, ids=[t[0] for t in TAMPERING])
def test_tampering_fails_or_is_flagged(name, code, still_fails, reason, tmp_path):
    nb = tampered(code)
    results = run_in_fresh_process(nb, tmp_path)
    corr2d_failed = bool(results["test_corr2d_examples"]) and bool(results["test_corr2d_random"])
    assert corr2d_failed == still_fails, results
    flags = review_notebook(nb, load("notebooks", AID))
    assert any(reason in f for f in flags), flags
    assert still_fails or flags, "full marks, silently"


def test_replacing_a_convlab_function_stops_every_check_with_a_reason(tmp_path):
    results = run_in_fresh_process(
        tampered("import convlab.checks.compare as r\nr.compare = lambda *a, **k: None"), tmp_path
    )
    assert "not checked, because the notebook replaced" in results["test_corr2d_examples"]
    assert "convlab.checks.compare.compare" in results["test_corr2d_examples"]


def test_switching_off_the_watch_inside_the_exercise_is_caught(tmp_path):
    nb = load("solutions", AID)
    cell = next(c for c in nb.cells if c.id == "corr2d")
    cell.source = (
        "import sys\n\ndef corr2d(X, K):\n    sys.setprofile(None)\n"
        "    return F.conv2d(X[None, None].float(), K[None, None].float())[0, 0]\n"
    )
    results = run_in_fresh_process(nb, tmp_path)
    assert "sys.setprofile (switching off the check's watch)" in results["test_corr2d_examples"]
    assert any("sys.setprofile" in f for f in review_notebook(nb, load("notebooks", AID)))


def test_honest_answer_key_is_not_flagged():
    for aid in ["01_cross_correlation", "04_padding_stride", "07_pooling"]:
        assert review_notebook(load("solutions", aid), load("notebooks", aid)) == []


def test_edited_deleted_and_re_pointed_test_cells_are_flagged():
    nb = load("solutions", AID)
    nb.cells = [c for c in nb.cells if c.id != "test_Conv2D_forward"]
    edited = next(c for c in nb.cells if c.id == "test_corr2d_random")
    edited.source = "pass"
    edited.metadata.nbgrader.points = 100
    flags = review_notebook(nb, load("notebooks", AID))
    assert "test cell test_Conv2D_forward deleted" in flags
    assert "test cell test_corr2d_random edited" in flags
    assert "points of test_corr2d_random changed from 2 to 100" in flags
