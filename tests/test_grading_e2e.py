"""Grading on a copy of the course: blank scores 0, the key full marks, every
catalogued mutant exactly the points of the test cells it passes, with its hint in feedback,
every correct variant full marks, and every tampering submission flagged for review.

This is the instructor's documented flow (make autograde, generate_feedback, export), run
from the course root with submissions in autograder/submitted/<student>/<id>/. That plain
``nbgrader autograde`` gives the same scores is tests/test_grading_plain.py (a module of its
own, so that the test runner can run the two side by side).
"""

import csv
import html
import shutil
from collections import Counter

import pytest

from tests.catalogue import MUTANTS, VARIANTS
from tests.catalogue.tampering import TAMPERING, tampered
from tests.support.course import python_m
from tests.support.graded import inject, run_graded_cells
from tests.support.grading import grade_class, nbgrader, points, scores, submit
from tests.support.notebooks import ROOT, assignments, load
from tests.support.report import sections, shown

pytestmark = pytest.mark.slow


@pytest.mark.parametrize("aid", assignments())
def test_blank_key_every_mutant_variant_and_tampering_graded(aid, course):
    key = load("solutions", aid)
    mutants = {f"mutant{i}": m for i, m in enumerate(MUTANTS.get(aid, []))}
    variants = {f"variant{i}": v for i, v in enumerate(VARIANTS.get(aid, []))}
    tampers = {f"tamper{i}": t for i, t in enumerate(TAMPERING)} if aid == "01_cross_correlation" else {}
    submit(course, "blank", aid, load("notebooks", aid))
    submit(course, "key", aid, key)
    for student, mutant in (mutants | variants).items():
        submit(course, student, aid, inject(key, mutant))
    for student, (_, code, _, _) in tampers.items():
        submit(course, student, aid, tampered(code))

    grade_class(course)
    nbgrader(course, "generate_feedback", aid)
    nbgrader(course, "export", "--to=autograder/grades.csv")

    full = points(aid)
    assert scores(course, aid, "blank") == dict.fromkeys(full, 0)
    assert scores(course, aid, "key") == full
    for student, mutant in mutants.items():
        outcome = run_graded_cells(inject(key, mutant))
        expected = {t: 0 if outcome[t] else p for t, p in full.items()}
        assert scores(course, aid, student) == expected, mutant.name
        assert expected != full, f"{mutant.name} kept full marks"
        feedback = (course / "autograder" / "feedback" / student / aid / f"{aid}.html").read_text()
        assert html.escape(mutant.hint, quote=False) in feedback, mutant.name

    for student in variants:
        assert scores(course, aid, student) == full, variants[student].name

    # tampering: never full marks without a flag for review (the scan `make grades` runs)
    review = python_m(course, "convlab.grading.results.review", "--csv", "autograder/flags.csv")
    assert review.returncode == 0, review.stderr
    with open(course / "autograder" / "flags.csv") as f:
        flagged = {(row["student"], row["reason"]) for row in csv.DictReader(f)}
    for student, (name, _, _, reason) in tampers.items():
        assert any(s == student and reason in r for s, r in flagged), name
    assert not any(s in {"key", *variants} for s, _ in flagged)

    with open(course / "autograder" / "grades.csv") as f:
        rows = {row["student_id"]: float(row["score"]) for row in csv.DictReader(f)}
    assert rows["blank"] == 0 and rows["key"] == sum(full.values())
    assert len(rows) == 2 + len(mutants) + len(variants) + len(tampers)

    # the class report: every planted mistake recorded under its exercise, with its phrase; the
    # page counts each mistake as often as the catalogue planted it
    done = python_m(course, "convlab.grading.results.report")
    assert done.returncode == 0, done.stderr
    with open(course / "autograder" / "mistakes.csv") as f:
        recorded = list(csv.DictReader(f))
    assert not {r["student"] for r in recorded} & {"key", *variants}
    planted: dict[str, Counter] = {}
    for student, mutant in mutants.items():
        mine = [r for r in recorded if r["student"] == student and r["exercise"] == mutant.exercise]
        # the planted mistake has its row; a mutant may make a second one in another test cell
        # of its exercise (wrong values and, say, no refusal of bad arguments): a row each
        assert any(mutant.hint in r["message"] + r["hint"] for r in mine), (mutant.name, mine)
        planted.setdefault(mutant.exercise, Counter()).update(r["mistake"] for r in mine)
    page = (course / "autograder" / "report.html").read_text()
    reported = {exercise: shown(part) for exercise, part in sections(page).items()}
    for exercise, names in planted.items():
        # besides its own mutants: the blank notebook, tampering, and mutants of other exercises
        others = {r["student"] for r in recorded} - {s for s, m in mutants.items() if m.exercise == exercise}
        extra = Counter(
            r["mistake"] for r in recorded if r["exercise"] == exercise and r["student"] in others
        )
        assert reported[exercise] == names + extra, exercise
    # the LMS export: a column for this assignment, the key's full marks and the blank's 0
    students = ["blank", "key", *mutants, *variants, *tampers]
    roster = "id,name,email,lms_id,sis_id,section\n" + "".join(
        f"{s},Student {s},{s}@example.edu,{1000 + i},S{1000 + i},A\n" for i, s in enumerate(students)
    )
    (course / "autograder" / "roster.csv").write_text(roster)
    done = python_m(course, "convlab.grading.results.grades")
    assert done.returncode == 0, done.stderr
    with open(course / "autograder" / "canvas.csv", newline="") as f:
        canvas = list(csv.reader(f))
    column = canvas[0].index(aid)
    assert canvas[1][column] == f"{sum(full.values()):g}"
    lms = {row[1]: row[column] for row in canvas[2:]}
    assert lms["1001"] == f"{sum(full.values()):g}" and lms["1000"] == "0"  # the key, the blank
    with open(course / "autograder" / "moodle.csv", newline="") as f:
        moodle = {row["ID number"]: row[aid] for row in csv.DictReader(f)}
    assert float(moodle["S1001"]) == sum(full.values()) and float(moodle["S1000"]) == 0
    keep = ROOT / "artifacts" / "report"
    keep.mkdir(parents=True, exist_ok=True)
    shutil.copy2(course / "autograder" / "report.html", keep / f"{aid}.html")
    shutil.copy2(course / "autograder" / "mistakes.csv", keep / f"{aid}-mistakes.csv")
