"""Grading on a copy of the course: blank scores 0, the key full marks, every
catalogued mutant exactly the points of the test cells it passes, with its hint in feedback,
every correct variant full marks, and every tampering submission flagged for review.

This is the instructor's documented flow (make autograde, make feedback, export, grades,
report), run from the course root with submissions in autograder/submitted/<student>/<id>/.
One class hands in every assignment and is graded once, as an instructor grades a term; each
assignment's test then reads what that one run wrote about it, so a failure still names its
assignment. Grading a class costs seconds of start-up (torch, the gradebook, nbgrader) however
few notebooks it holds: ten classes of one assignment each paid them ten times. That plain
``nbgrader autograde`` gives the same scores is tests/test_grading_plain.py (a module of its
own, so that the test runner can run the two side by side).
"""

import csv
import html
import re
import shutil
from collections import Counter
from pathlib import Path

import nbformat
import pytest

from tests.catalogue import MUTANTS, VARIANTS
from tests.catalogue.tampering import TAMPERING, tampered
from tests.support.course import copy_course, python_m
from tests.support.graded import inject, run_graded_cells
from tests.support.grading import grade_class, nbgrader, points, scores, submit, submitted
from tests.support.notebooks import ROOT, assignments, load
from tests.support.report import sections, shown

pytestmark = pytest.mark.slow

TAMPERED = "01_cross_correlation"  # the assignment the tampering cases attack
ZH = "zh_CN"  # the Chinese edition: its blank, its key and its key with the first mutant
CJK = re.compile(r"[\u4e00-\u9fff]")


def mutants_of(aid: str) -> dict:
    return {f"mutant{i}": m for i, m in enumerate(MUTANTS.get(aid, []))}


def variants_of(aid: str) -> dict:
    return {f"variant{i}": v for i, v in enumerate(VARIANTS.get(aid, []))}


def tampers_of(aid: str) -> dict:
    return {f"tamper{i}": t for i, t in enumerate(TAMPERING)} if aid == TAMPERED else {}


def handed_in(aid: str) -> dict[str, nbformat.NotebookNode]:
    """student -> the notebook they hand in for ``aid``: the blank release, the key, the key with
    each mutant or variant, notebook 01's tampering. The same student ids in every assignment, as
    in a class where each student hands in each one."""
    key, key_zh = load("solutions", aid), load("solutions", aid, edition=ZH)
    return (
        {"blank": load("notebooks", aid), "key": key}
        | {student: inject(key, m) for student, m in (mutants_of(aid) | variants_of(aid)).items()}
        | {student: tampered(code) for student, (_, code, _, _) in tampers_of(aid).items()}
        | {"blank_zh": load("notebooks", aid, edition=ZH), "key_zh": key_zh}
        | {"mutant0_zh": inject(key_zh, MUTANTS[aid][0])}
    )


def read_csv(path: Path) -> list[dict[str, str]]:
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


@pytest.fixture(scope="module")
def graded(request, tmp_path_factory) -> Path:
    """The class, graded once: every assignment whose test this run selected (``-k 01_`` grades
    one), then feedback per assignment, nbgrader's export, the review scan, the class report and
    the LMS files, in the order ``make autograde``, ``make feedback``, ``make grades`` and
    ``make report`` run them."""
    chosen = {
        item.callspec.params["aid"]
        for item in request.session.items
        if getattr(item, "module", None) is request.module
    }
    aids = [aid for aid in assignments() if aid in chosen]
    course = copy_course(tmp_path_factory.mktemp("e2e"))
    students: list[str] = []
    for aid in aids:
        for student, nb in handed_in(aid).items():
            submit(course, student, aid, nb)
            students += [] if student in students else [student]

    grade_class(course)
    for aid in aids:
        nbgrader(course, "generate_feedback", aid)
    nbgrader(course, "export", "--to=autograder/export.csv")  # make grades writes grades.csv
    # the scan make grades runs, on its own: flags.csv
    review = python_m(course, "convlab.grading.results.review", "--csv", "autograder/flags.csv")
    assert review.returncode == 0, review.stderr
    done = python_m(course, "convlab.grading.results.report")
    assert done.returncode == 0, done.stderr
    # the LMS export: a roster of the class, the blank's id 1000, the key's 1001
    roster = "id,name,email,lms_id,sis_id,section\n" + "".join(
        f"{s},Student {s},{s}@example.edu,{1000 + i},S{1000 + i},A\n" for i, s in enumerate(students)
    )
    (course / "autograder" / "roster.csv").write_text(roster)
    done = python_m(course, "convlab.grading.results.grades")
    assert done.returncode == 0, done.stderr
    keep = ROOT / "artifacts" / "report"  # for the site's accessibility test (tests/test_site.py)
    keep.mkdir(parents=True, exist_ok=True)
    shutil.copy2(course / "autograder" / "report.html", keep / "class.html")
    shutil.copy2(course / "autograder" / "mistakes.csv", keep / "class-mistakes.csv")
    return course


@pytest.mark.parametrize("aid", assignments())
def test_blank_key_every_mutant_variant_and_tampering_graded(aid, graded):
    course = graded
    key = load("solutions", aid)
    mutants, variants, tampers = mutants_of(aid), variants_of(aid), tampers_of(aid)
    students = ["blank", "key", *mutants, *variants, *tampers, "blank_zh", "key_zh", "mutant0_zh"]

    full = points(aid)
    assert scores(course, aid, "blank") == dict.fromkeys(full, 0)
    assert scores(course, aid, "key") == full
    # the Chinese edition: the same scores for the same code
    assert scores(course, aid, "blank_zh") == dict.fromkeys(full, 0)
    assert scores(course, aid, "key_zh") == full
    assert scores(course, aid, "mutant0_zh") == scores(course, aid, "mutant0") != full
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
    flags = read_csv(course / "autograder" / "flags.csv")
    flagged = {(row["student"], row["reason"]) for row in flags if row["assignment"] == aid}
    for student, (name, _, _, reason) in tampers.items():
        assert any(s == student and reason in r for s, r in flagged), name
    assert not any(s in {"key", "key_zh", *variants} for s, _ in flagged), flagged

    # nbgrader's export: a row per student of the gradebook for each assignment, 0 where
    # there is no submission; this assignment's submissions are exactly what was handed in
    export = [row for row in read_csv(course / "autograder" / "export.csv") if row["assignment"] == aid]
    rows = {row["student_id"]: float(row["score"]) for row in export}
    assert rows["blank"] == 0 and rows["key"] == sum(full.values())
    assert len(export) == len(rows), "a student exported twice"
    assert submitted(course, aid) == set(students) <= set(rows)

    # the class report: every planted mistake recorded under its exercise, with its phrase; the
    # page counts each mistake as often as the catalogue planted it
    recorded = [r for r in read_csv(course / "autograder" / "mistakes.csv") if r["assignment"] == aid]
    assert not {r["student"] for r in recorded} & {"key", "key_zh", *variants}
    # the Chinese mutant: the same mistakes named (the report counts them together), told in
    # Chinese in its feedback, with no English hint left in what the checks said (the code, shared
    # by both editions, may say it in a comment)
    zh = [r for r in recorded if r["student"] == "mutant0_zh"]
    en = [r for r in recorded if r["student"] == "mutant0"]
    assert sorted(r["mistake"] for r in zh) == sorted(r["mistake"] for r in en), (zh, en)
    feedback = (course / "autograder" / "feedback" / "mutant0_zh" / aid / f"{aid}.html").read_text()
    for row in (r for r in zh if r["mistake"] != "other"):  # a Python error is in Python's words
        head = row["message"].splitlines()[0]
        assert CJK.search(head + row["hint"]), row
        assert html.escape(head, quote=False) in feedback, head
        assert MUTANTS[aid][0].hint not in row["message"] + row["hint"], (row, "an English hint")
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

    # the LMS files: a column for this assignment, the key's full marks and the blank's 0
    with open(course / "autograder" / "canvas.csv", newline="") as f:
        canvas = list(csv.reader(f))
    column = canvas[0].index(aid)
    assert canvas[1][column] == f"{sum(full.values()):g}"
    lms = {row[1]: row[column] for row in canvas[2:]}
    assert lms["1001"] == f"{sum(full.values()):g}" and lms["1000"] == "0"  # the key, the blank
    moodle = {row["ID number"]: row[aid] for row in read_csv(course / "autograder" / "moodle.csv")}
    assert float(moodle["S1001"]) == sum(full.values()) and float(moodle["S1000"]) == 0
