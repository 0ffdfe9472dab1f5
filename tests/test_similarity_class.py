"""make similarity on a class graded by make autograde: disguised copies planted among
independently written answers (the catalogue's wrong answers and correct variants) are listed
above every independent pair, and nothing the detector says changes a score."""

import csv
import json

import pytest

from tests.catalogue import MUTANTS, VARIANTS
from tests.support.course import copy_course, python_m
from tests.support.disguise import disguised
from tests.support.graded import inject
from tests.support.grading import grade_class, scores, submit
from tests.support.notebooks import load

pytestmark = pytest.mark.slow
CLASS = ["01_cross_correlation", "05_channels"]
PLANTS = 4  # per notebook: entries whose student gets a disguised copy beside them


def _cell(nb, exercise):
    return next(c.source for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == exercise)


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """A class of two notebooks: a student per catalogue entry (the key with that one answer
    changed), and for a few long entries a second student with a disguised copy of it."""
    course = copy_course(tmp_path_factory.mktemp("similarity"))
    plants = []
    for aid in CLASS:
        key = load("solutions", aid)
        entries = MUTANTS[aid] + VARIANTS[aid]
        entries = [e for e in entries if len(e.body.splitlines()) >= 3][::2]
        for i, entry in enumerate(entries):
            submit(course, f"{aid[:2]}s{i}", aid, inject(key, entry))
        for i, entry in enumerate(entries[:PLANTS]):
            copy = disguised(entry, _cell(key, entry.exercise), seed=100 + i)
            submit(course, f"{aid[:2]}c{i}", aid, inject(key, copy))
            plants.append((aid, entry.exercise, f"{aid[:2]}s{i}", f"{aid[:2]}c{i}"))
    grade_class(course)
    before = {
        (aid, s.name): scores(course, aid, s.name)
        for aid in CLASS
        for s in (course / "autograder" / "autograded").iterdir()
        if (s / aid).exists()
    }
    done = python_m(course, "convlab.grading.results.similarity")
    assert done.returncode == 0, done.stdout + done.stderr
    return course, plants, before, done.stdout


def test_planted_copies_rank_above_every_independent_pair(graded):
    course, plants, _, printed = graded
    with open(course / "autograder" / "similarity.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    planted = {(aid, ex, *sorted((a, b))) for aid, ex, a, b in plants}
    found = 0
    figures = {}
    for aid, ex, a, b in plants:
        mine = [r for r in rows if (r["assignment"], r["exercise"]) == (aid, ex)]
        score = {(r["student_a"], r["student_b"]): float(r["score"]) for r in mine}
        plant = score.get(tuple(sorted((a, b))))
        independent = [s for pair, s in score.items() if (aid, ex, *pair) not in planted]
        ok = plant is not None and all(plant > s for s in independent)
        found += ok
        figures.setdefault((aid, ex), [0, 0, len(independent)])
        figures[(aid, ex)][0] += ok
        figures[(aid, ex)][1] += 1
    for (aid, ex), (hit, total, shown) in figures.items():
        print(f"{aid} {ex}: {hit} of {total} planted copies ranked first, {shown} independent pairs listed")
    assert found >= 0.9 * len(plants), (found, len(plants), rows)
    # the command printed its figures per exercise
    for aid in CLASS:
        assert f"{aid} " in printed, printed
    assert "pairs shown" in printed


def test_no_score_changes_and_the_page_holds_the_section(graded):
    course, plants, before, _ = graded
    after = {key: scores(course, *key) for key in before}
    assert after == before
    page = (course / "autograder" / "report.html").read_text()
    assert 'id="similarity"' in page and "never an accusation" in page
    aid, ex, a, b = plants[0]
    assert f"similarity-{aid}-{ex}" in page and '<mark class="shared">' in page


def test_a_pair_marked_not_a_concern_stays_so_on_a_rerun(graded):
    course, plants, _, _ = graded
    aid, ex, a, b = plants[0]
    done = python_m(
        course, "convlab.grading.results.similarity", "--not-a-concern", aid, ex, b, a,
        "--note", "=1+1 lab partners",
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    for rerun in (False, True):  # as marked, then on a rerun: the mark is read back, not lost
        if rerun:
            done = python_m(course, "convlab.grading.results.similarity")
            assert done.returncode == 0, done.stderr
        result = json.loads((course / "autograder" / "similarity.json").read_text())
        pair = next(
            p
            for e in result["exercises"]
            if (e["assignment"], e["exercise"]) == (aid, ex)
            for p in e["pairs"]
            if {p["a"], p["b"]} == {a, b}
        )
        assert pair["reviewed"] and pair["note"] == "=1+1 lab partners"
    raw = (course / "autograder" / "similarity-reviewed.csv").read_text()
    assert "'=1+1 lab partners" in raw  # the CSV writer neutralised the formula
    page = (course / "autograder" / "report.html").read_text()
    assert "reviewed: not a concern" in page
