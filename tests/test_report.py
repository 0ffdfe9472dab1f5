"""The instructor's class report and LMS exports, on a small class graded for real.

The class: the answer key, a blank notebook, a correct variant, six catalogued mistakes (two of
them the same mistake), and the key submitted two days and an hour after its due date. A roster
lists all but the variant's author, plus a student who submitted nothing. Notebook 02 is
registered but nobody submitted it. The page, the CSVs and the messages are checked against
what was planted, never against what the code under test computes.

One more student is hostile to the instructor's spreadsheets: their code leaves a check record
whose mistake, message and hint are formulas, their folder holds a notebook named as a formula,
and the roster gives them an LMS name, email and ids that are formulas; the gradebook and
``autograder/submitted/`` hold an id that is one (``=2+5``). No CSV the course writes holds a live
formula, and what was written reads back as it was.

One more student hands in the Chinese edition (``solutions/zh_CN``, whose kernel speaks Chinese)
with the mistake of one who used the English one: graded once with the rest, both count under one
mistake, and the report, written in English or in Chinese, names it and gives its hint in its own
language for both; the LMS files hold the two students alike.
"""

import csv
import re
from collections import Counter
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from convlab.grading.course import Course
from convlab.grading.results.exercises import Assignment
from convlab.grading.results.late import DAY, PerDayPenalty
from convlab.grading.results.lms import write_canvas, write_moodle
from convlab.grading.roster import Member, RosterError, read_roster
from convlab.grading.tables import NUMBER, neutralised, read_csv, restored, write_csv
from tests.catalogue import MUTANTS, VARIANTS
from tests.catalogue.mutant import Mutant
from tests.support.course import copy_course, python_m
from tests.support.graded import inject
from tests.support.grading import grade_class, nbgrader, points, submit
from tests.support.notebooks import load
from tests.support.report import rows as shown_rows
from tests.support.report import sections, shown, texts

AID = "01_cross_correlation"
EMPTY = "02_edge_detection"
DUE = "2026-11-01 17:00:00 UTC"
LATE = "2026-11-03 18:00:00 UTC"  # 2 days and 1 hour late: 3 started days, 30% off
ROSTER = """id,name,email,lms_id,sis_id,section
key,Key Student,key@example.edu,1001,S1001,A
blank,Blank Student,blank@example.edu,1002,S1002,A
late,Late Student,late@example.edu,1003,S1003,B
absent,Absent Student,absent@example.edu,1004,S1004,B
"""


# the hostile student: a check record of their own making, left last in the failing test cells
# (a KeyboardInterrupt is not caught by the check, so no record of its own follows)
FORGED = {"mistake": "=2+5", "message": "@SUM(1,2)", "problem": "-1+1", "hint": "+cmd|' /C calc'!A0"}
HOSTILE = Mutant(
    "corr2d",
    "a forged check record of formulas",
    "from IPython.display import display\n"
    f"display({{'application/vnd.convlab.check+json': {FORGED!r}}}, raw=True)\n"
    "raise KeyboardInterrupt('=HYPERLINK(1)')",
    "",
)
HOSTILE_FILE = '=HYPERLINK("http:evil")&"x".ipynb'
HOSTILE_ROW = "mallory,=cmd|' /C calc'!A0,@mallory.example.edu,+3001,-S3001,=A\n"
ODD_ID = "=2+5"
ZH = "zh_CN"
ZH_STUDENT, ZH_SAME_AS = "m2_zh", "m2"  # the Chinese edition, the same mutant as m2 in the English one
CJK = re.compile(r"[\u4e00-\u9fff]")
SAID: dict[str, str] = {}  # what make autograde printed when it graded the class


def planted() -> dict[str, object]:
    """Six mutants of 01: the first two 'not allowed here: F.conv2d' entries (one mistake made
    twice), then four of different mistakes."""
    conv = [m for m in MUTANTS[AID] if m.hint == "not allowed here: F.conv2d"][:2]
    others = [m for m in MUTANTS[AID] if m.hint not in {c.hint for c in conv}][:4]
    return {f"m{i}": m for i, m in enumerate(conv + others)}


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    course = copy_course(tmp_path_factory.mktemp("report"))
    key = load("solutions", AID)
    submit(course, "key", AID, key)
    submit(course, "blank", AID, load("notebooks", AID))
    submit(course, "variant", AID, inject(key, VARIANTS[AID][0]))
    for student, mutant in planted().items():
        submit(course, student, AID, inject(key, mutant))
    submit(course, "late", AID, key)
    submit(course, ZH_STUDENT, AID, inject(load("solutions", AID, edition=ZH), planted()[ZH_SAME_AS]))
    submit(course, "mallory", AID, inject(key, HOSTILE))
    (course / "autograder" / "submitted" / "mallory" / AID / HOSTILE_FILE).write_text("{}")
    submit(course, ODD_ID, AID, key)  # a folder nbgrader's collect would have made: refused
    (course / "autograder" / "submitted" / "late" / AID / "timestamp.txt").write_text(LATE)
    nbgrader(course, "db", "assignment", "add", AID, f"--duedate={DUE}")
    nbgrader(course, "db", "assignment", "add", EMPTY)
    nbgrader(course, "db", "student", "add", "enrolled")  # in the gradebook, never submitted
    nbgrader(course, "db", "student", "add", ODD_ID)  # added by hand: not a student id
    SAID["autograde"] = grade_class(course)
    nbgrader(course, "generate_assignment", EMPTY, "--force")  # registered, never submitted
    roster = (
        ROSTER
        + "".join(
            f"{s},Student {s},{s}@example.edu,2{i:03},S2{i:03},C\n"
            for i, s in enumerate([*planted(), ZH_STUDENT])
        )
        + HOSTILE_ROW
    )
    (course / "autograder" / "roster.csv").write_text(roster)
    return course


def rows(path: Path) -> list[dict[str, str]]:
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def test_every_planted_mistake_is_recorded_under_its_exercise(graded):
    recorded = rows(graded / "autograder" / "mistakes.csv")
    students = {r["student"] for r in recorded}
    assert not students & {"key", "variant", "late"}  # correct answers name no mistake
    for student, mutant in planted().items():
        mine = [r for r in recorded if r["student"] == student and r["exercise"] == mutant.exercise]
        assert len(mine) == 1, (mutant.name, mine)
        assert mutant.hint in mine[0]["message"] + mine[0]["hint"], mutant.name
        assert float(mine[0]["points_lost"]) > 0
    blank = {r["exercise"]: r["mistake"] for r in recorded if r["student"] == "blank"}
    exercises = {m.exercise for m in MUTANTS[AID]}
    assert blank == dict.fromkeys(exercises, "not attempted")
    conv = [r for r in recorded if r["student"] in ("m0", "m1")]
    assert len({r["mistake"] for r in conv}) == 1  # the same mistake, made twice, one name


def test_report_counts_equal_what_was_planted(graded):
    """Each planted mistake is counted once under the name its CSV row (checked above against
    the planted phrase) gives it; the page's counts are those, and nothing else."""
    done = python_m(graded, "convlab.grading.results.report")
    assert done.returncode == 0, done.stderr
    page = (graded / "autograder" / "report.html").read_text()
    by_exercise = sections(page)
    recorded = rows(graded / "autograder" / "mistakes.csv")
    expected: dict[str, Counter] = {}
    for student, mutant in (planted() | {ZH_STUDENT: planted()[ZH_SAME_AS]}).items():
        row = next(r for r in recorded if r["student"] == student and r["exercise"] == mutant.exercise)
        expected.setdefault(mutant.exercise, Counter())[row["mistake"]] += 1
    for exercise, names in expected.items():
        counts = shown(by_exercise[exercise])
        assert counts.pop("not attempted") == 1  # the blank notebook
        if exercise == HOSTILE.exercise:
            assert counts.pop(FORGED["mistake"]) == 1  # mallory's, shown as the text it is
        assert counts == names, exercise
    assert max(shown(by_exercise["corr2d"]).values()) == 2  # m0 and m1; m2 and m2_zh
    assert page.count("<svg") == 1  # one figure: 01 (02 has nothing to plot)
    empty = page.split(f'<h2 id="{EMPTY}">')[1].split("<h2")[0]
    assert "no submissions graded" in empty
    assert "The class found these exercises hardest" in page
    for student in ["m0", "m1", "key", "blank", "variant"]:  # examples are anonymous
        assert f">{student}<" not in page.split("<h2>Flagged for review</h2>")[0]


PO = Path(__file__).parents[1] / "convlab/locale/zh_CN/LC_MESSAGES/convlab.po"


def chinese(msgid: str) -> str:
    """The catalogue's Chinese for ``msgid``, read from the .po itself."""
    with open(PO, "rb") as f:
        found = read_po(f).get(msgid)
    assert found is not None and CJK.search(found.string), msgid
    return found.string


def kept_as_they_are() -> set[str]:
    """The messages the translator kept in English (code, such as a hint that is a line of it)."""
    with open(PO, "rb") as f:
        return {m.id for m in read_po(f) if m.id and m.string == m.id}


@pytest.fixture(scope="module")
def pages(graded) -> dict[str, str]:
    """The class report written in each language, from the one grading run."""
    out = {}
    for lang in ("en", ZH):
        page = graded / "autograder" / f"report.{lang}.html"
        done = python_m(graded, "convlab.grading.results.report", "--lang", lang, "--out", str(page))
        assert done.returncode == 0, done.stderr
        out[lang] = page.read_text(encoding="utf-8")
    return out


def test_both_editions_are_one_mistake_told_in_each_students_language(graded):
    recorded = rows(graded / "autograder" / "mistakes.csv")
    mutant = planted()[ZH_SAME_AS]
    en, zh = (
        next(r for r in recorded if r["student"] == s and r["exercise"] == mutant.exercise)
        for s in (ZH_SAME_AS, ZH_STUDENT)
    )
    assert en["mistake"] == zh["mistake"] and en["points_lost"] == zh["points_lost"]
    assert not CJK.search(en["message"] + en["hint"]) and CJK.search(zh["message"]) and CJK.search(zh["hint"])
    # the hint in no language: the same message, its Chinese in the catalogue is what the student saw
    assert en["hint_msgid"] == zh["hint_msgid"] and en["hint_params"] == zh["hint_params"], (en, zh)
    assert en["hint_msgid"] and chinese(en["hint_msgid"])


def test_the_report_speaks_the_language_asked_for_both_editions(graded, pages):
    recorded = rows(graded / "autograder" / "mistakes.csv")
    mutant = planted()[ZH_SAME_AS]
    en_row, zh_row = (
        next(r for r in recorded if r["student"] == s and r["exercise"] == mutant.exercise)
        for s in (ZH_SAME_AS, ZH_STUDENT)
    )
    name = en_row["mistake"]
    english = shown_rows(sections(pages["en"])[mutant.exercise])
    assert english[name] == (2, en_row["hint"])  # both students, the English student's hint
    zh_rows = shown_rows(sections(pages[ZH])[mutant.exercise])
    assert zh_rows[chinese(name)] == (2, zh_row["hint"])  # both, the hint the Chinese student saw
    assert name not in zh_rows and zh_rows[chinese("not attempted")][0] == 1
    # "other" in the page's language, the student's own message as they saw it
    said = {n.removeprefix("other: ") for n in english if n.startswith("other: ")}
    prefix = chinese("other: {message}").split("{")[0]
    assert said and {n.removeprefix(prefix) for n in zh_rows if n.startswith(prefix)} == said
    assert "<html lang='zh-CN'>" in pages[ZH] and "<html lang='en'>" in pages["en"]


def test_the_chinese_report_has_no_english_text_of_its_own(graded, pages):
    """Every visible text of the Chinese page that is also on the English page is data: a name
    (assignment, exercise, student, file), a number, what a forged record said, or a message the
    catalogue keeps as it is (code)."""
    en, zh = texts(pages["en"]), texts(pages[ZH])
    assert len(en) == len(zh) > 40
    names = {AID, EMPTY, *(m.exercise for m in MUTANTS[AID]), *FORGED.values()}
    names |= {p.name for p in (graded / "autograder" / "submitted").iterdir()} | kept_as_they_are()
    data = re.compile(r"[\d\s.,:;%/()+=-]*")
    same = {t for t, u in zip(en, zh, strict=True) if t == u}
    left = {t for t in same if t not in names and not data.fullmatch(t)}
    limits = {r["reasons"] for r in rows(graded / "autograder" / "grading-report.csv")}
    assert left <= limits, left  # the grading report's own words, as make autograde wrote them
    assert sum(bool(CJK.search(t)) for t in zh) > len(zh) // 3  # and the page is in Chinese


def test_an_unknown_language_is_refused(graded):
    done = python_m(graded, "convlab.grading.results.report", "--lang", "fr_FR", "--out", "/dev/null")
    assert done.returncode == 2 and "fr_FR" in done.stderr and "zh_CN" in done.stderr, done.stderr
    assert "Traceback" not in done.stderr


def test_an_old_record_without_the_neutral_hint_shows_its_own(tmp_path):
    """mistakes.csv from before the columns: read and rewritten with them empty; its hint shown as
    the student saw it, in any language the page is in."""
    from convlab.grading.results.language import hint
    from convlab.grading.results.mistakes import read_mistakes, write_mistakes

    path = tmp_path / "mistakes.csv"
    path.write_text(
        "student,assignment,exercise,mistake,tests,points_lost,message,hint\n"
        "ada,a,corr2d,kernel flipped,test_corr2d,1,m,'=the hint she saw\n"
    )
    (old,) = read_mistakes(path)
    assert (old.hint, old.hint_msgid, old.hint_params) == ("=the hint she saw", "", "")
    assert hint(old, ZH) == hint(old, "en") == "=the hint she saw"
    write_mistakes({("bob", "a"): []}, path)
    assert rows(path)[0]["hint_msgid"] == "" and rows(path)[0]["hint"] == "'=the hint she saw"


def test_lms_exports_in_canvas_and_moodle_formats(graded):
    done = python_m(graded, "convlab.grading.results.grades")
    # the variant's author is graded but not on the roster: named, and the exit status says so
    assert done.returncode == 1 and "variant" in done.stderr.splitlines()[-1], done.stderr
    full = sum(points(AID).values())
    canvas = list(csv.reader(open(graded / "autograder" / "canvas.csv", newline="")))
    assert canvas[0] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", AID, EMPTY]
    assert canvas[1] == ["Points Possible", "", "", "", "", f"{full:g}", f"{sum(points(EMPTY).values()):g}"]
    by_id = {row[1]: row for row in canvas[2:]}
    assert by_id["1001"][5] == f"{full:g}" and by_id["1001"][0] == "Key Student"
    assert by_id["1002"][5] == "0"
    assert float(by_id["1003"][5]) == pytest.approx(full * (1 - 0.3))  # 3 started days late
    assert by_id["1004"][5:] == ["", ""]  # on the roster, submitted nothing: an explicit empty row
    assert all(row[6] == "" for row in canvas[2:])  # nobody submitted 02
    assert len(canvas) == 2 + 4 + len(planted()) + 1 + 1  # mallory and the Chinese edition's student
    # the Chinese edition's student: in both files, with the score of the English one's same mistake
    same, zh = (next(r for r in canvas[2:] if r[0] == f"Student {s}") for s in (ZH_SAME_AS, ZH_STUDENT))
    assert zh[5] == same[5] != f"{full:g}" and zh[1] != same[1], (zh, same)
    moodle = rows(graded / "autograder" / "moodle.csv")
    by_email = {r["Email address"]: r for r in moodle}
    zh_m, same_m = by_email[f"{ZH_STUDENT}@example.edu"], by_email[f"{ZH_SAME_AS}@example.edu"]
    assert zh_m[AID] == same_m[AID] == zh[5] and zh_m["ID number"] == zh[2]
    assert list(moodle[0]) == ["ID number", "Email address", "Full name", AID, EMPTY]
    late = next(r for r in moodle if r["Email address"] == "late@example.edu")
    assert late["ID number"] == "S1003" and float(late[AID]) == pytest.approx(full * 0.7)
    grades = {r["student"]: r for r in rows(graded / "autograder" / "grades.csv")}
    assert float(grades["late"][AID]) == pytest.approx(full * 0.7) and "-1.5" in grades["late"]["late"]
    assert grades["key"]["late"] == ""
    assert grades["enrolled"][AID] == "" and grades["enrolled"]["total"] == "0"  # a row, not a gap


def test_a_bad_roster_stops_make_grades_before_it_writes(graded, tmp_path):
    course = graded
    roster = course / "autograder" / "roster.csv"
    good = roster.read_text()
    grades = course / "autograder" / "grades.csv"
    before = grades.stat().st_mtime_ns if grades.exists() else None
    try:
        roster.write_text(good + "key,Key Again,k2@example.edu,9999,S9999,A\n")
        done = python_m(course, "convlab.grading.results.grades")
        assert done.returncode != 0 and "already on line 2" in done.stderr, done.stderr
        assert "Traceback" not in done.stderr
        assert (grades.stat().st_mtime_ns if grades.exists() else None) == before
    finally:
        roster.write_text(good)


def test_nothing_graded_yet_is_said_not_crashed(tmp_path):
    course = copy_course(tmp_path)
    for module, words in [
        ("convlab.grading.results.report", "nothing graded yet"),
        ("convlab.grading.results.grades", "no grades yet"),
    ]:
        done = python_m(course, module)
        assert done.returncode == 1 and words in done.stderr and "Traceback" not in done.stderr, done.stderr


@pytest.mark.parametrize(
    "text, line, words",
    [
        ("id,name\nada,Ada\nada,Ada again\n", 3, "already on line 2"),
        ("id,role\nada,student\nbob,teacher\n", 3, "unknown role 'teacher'"),
        ("id,name\nada lovelace,Ada\n", 2, "is not an id"),
        ("id,name\nada,Ada,extra\n", 2, "3 fields"),
        ("id,nickname\nada,A\n", 1, "unknown column"),
        ("name,email\nAda,a@x\n", 1, "must name an id column"),
    ],
)
def test_a_bad_roster_is_refused_naming_the_line(tmp_path, text, line, words):
    path = tmp_path / "roster.csv"
    path.write_text(text)
    with pytest.raises(RosterError) as refused:
        read_roster(path)
    assert f"line {line}:" in str(refused.value) and words in str(refused.value)


def test_a_good_roster_keeps_order_roles_and_fields(tmp_path):
    path = tmp_path / "roster.csv"
    path.write_text("id,name,role,lms_id\nprof,Prof,instructor,9\nada,Ada,,1\n\nbob,Bob,student,2\n")
    members = read_roster(path)
    assert [(m.id, m.role, m.lms_id) for m in members] == [
        ("prof", "instructor", "9"),
        ("ada", "student", "1"),
        ("bob", "student", "2"),
    ]


@pytest.mark.parametrize(
    "late_s, penalty",
    [(0, None), (1, 0.5), (DAY, 0.5), (DAY + 1, 1.0), (2 * DAY + 3600, 1.5), (30 * DAY, 5.0)],
)
def test_late_penalty_is_a_tenth_per_started_day(late_s, penalty):
    got = PerDayPenalty(per_day=0.1).late_submission_penalty("s", 5.0, late_s)
    assert got == penalty if penalty is None else got == pytest.approx(penalty)


def test_mistakes_are_read_from_failed_test_cells_only():
    """A record counts only in a failed test cell; an error without one is "other", a limit
    "not run"; a record in a passing test cell or in an answer cell (forged) counts nothing."""
    from nbformat.v4 import new_code_cell, new_notebook, new_output, writes

    from convlab.failure import RECORD_MIME
    from convlab.grading.results.mistakes import NOT_RUN, OTHER, extract

    def cell(grade_id, points=0, solution=False, outputs=()):
        meta = {"grade": not solution, "solution": solution, "grade_id": grade_id, "points": points}
        return new_code_cell("...", metadata={"nbgrader": meta}, outputs=list(outputs))

    def record(mistake):
        return new_output(
            "display_data", data={RECORD_MIME: {"mistake": mistake, "problem": mistake, "hint": "h"}}
        )

    error = new_output(
        "error", ename="CheckFailure", evalue="corr2d: wrong values\n  hint: ...", traceback=[]
    )
    nb = new_notebook(
        cells=[
            cell("corr2d", solution=True, outputs=[record("forged in an answer cell")]),
            cell("test_corr2d_examples", 1, outputs=[record("kernel flipped"), error]),
            cell("test_corr2d_random", 2, outputs=[record("kernel flipped"), error]),
            cell("pool2d", solution=True),
            cell("test_pool2d", 2, outputs=[record("forged, but the cell passed")]),
            cell(
                "test_pool2d_refusals",
                1,
                outputs=[
                    new_output(
                        "error", ename="NameError", evalue="name 'pool2d' is not defined", traceback=[]
                    )
                ],
            ),
            cell("conv", solution=True),
            cell(
                "test_conv",
                3,
                outputs=[
                    new_output(
                        "error", ename="NotGraded", evalue="the notebook ran out of its 600 s", traceback=[]
                    )
                ],
            ),
        ]
    )
    found = {(m.exercise, m.mistake): m for m in extract("s", "a", writes(nb))}
    assert set(found) == {("corr2d", "kernel flipped"), ("pool2d", OTHER), ("conv", NOT_RUN)}
    assert found[("corr2d", "kernel flipped")].tests == ("test_corr2d_examples", "test_corr2d_random")
    assert found[("corr2d", "kernel flipped")].points_lost == 3
    assert found[("pool2d", OTHER)].message == "NameError: name 'pool2d' is not defined"
    assert found[("conv", NOT_RUN)].points_lost == 3


def test_an_example_loses_its_comments_not_its_code():
    from convlab.grading.results.report import anonymised

    source = (
        'def f(X):  # Ada Lovelace, s1234\n    # my notes\n    s = "# not a comment"\n\n\n\n    return X\n'
    )
    shown_code = anonymised(source)
    assert "Ada" not in shown_code and "notes" not in shown_code
    assert 's = "# not a comment"' in shown_code and "return X" in shown_code
    assert "\n\n\n" not in shown_code
    assert "Bob" not in anonymised("def f(:\n    # Bob\n    x = 1")  # does not parse: comment lines go


def live_formulas(path: Path) -> list[tuple[int, str]]:
    """The cells of a CSV file that a spreadsheet would run: (line, cell)."""
    with open(path, newline="") as f:
        return [
            (n, cell)
            for n, row in enumerate(csv.reader(f), start=1)
            for cell in row
            if cell[:1] in ("=", "+", "-", "@", "\t", "\r", "\n") and not NUMBER.fullmatch(cell)
        ]


def test_no_csv_the_course_writes_holds_a_live_formula(graded):
    """Every CSV under autograder/ after grading and make grades (the review scan's flags): hostile
    messages (mistakes.csv), file names (flags.csv, grades.csv), roster names (canvas.csv,
    moodle.csv) are there as text, a ``'`` in front; the id ``=2+5`` is refused, not graded."""
    said = f"autograder/submitted/{ODD_ID}/{AID}: not graded, '{ODD_ID}' is not a student id"
    assert said in SAID["autograde"], SAID["autograde"][-2000:]
    grades = python_m(graded, "convlab.grading.results.grades")  # grades, flags (the review), Canvas, Moodle
    assert f"left out, not student ids (letters, digits, . _ -): '{ODD_ID}'" in grades.stderr, grades.stderr
    workspace = graded / "autograder"
    written = sorted(p.name for p in workspace.glob("*.csv"))
    assert {
        "grades.csv",
        "flags.csv",
        "grading-report.csv",
        "mistakes.csv",
        "canvas.csv",
        "moodle.csv",
    } <= set(written), written
    for name in written:
        if name != "roster.csv":  # the instructor's own file, read, never written
            assert live_formulas(workspace / name) == [], name
    text = {name: (workspace / name).read_text() for name in written}
    assert "'=2+5" in text["mistakes.csv"] and "'@SUM(1,2)" in text["mistakes.csv"]
    assert "'+cmd|' /C calc'!A0" in text["mistakes.csv"]
    assert f"'{HOSTILE_FILE}".replace('"', '""') in text["flags.csv"]
    for lms in ("canvas.csv", "moodle.csv"):
        assert "'=cmd|' /C calc'!A0" in text[lms] and "'-S3001" in text[lms], text[lms]
    assert "'@mallory.example.edu" in text["moodle.csv"] and "'=A" in text["canvas.csv"]
    for name in written:
        assert ODD_ID not in {row.get("student") for row in read_csv(workspace / name)}, name
    # what was written reads back as it was (the report reads mistakes.csv so)
    mine = [r for r in read_csv(workspace / "mistakes.csv") if r["student"] == "mallory"]
    assert {(r["mistake"], r["message"], r["hint"]) for r in mine} == {
        (FORGED["mistake"], FORGED["message"], FORGED["hint"])
    }
    assert Course(graded).score(ODD_ID, AID) == (None, None)  # in the gradebook, never graded


@pytest.mark.parametrize(
    "cell, written",
    [
        ("=2+5", "'=2+5"),
        ("+1", "'+1"),
        ("-1+2", "'-1+2"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        (" =1", "' =1"),
        ("'=1", "''=1"),  # already quoted: one more, so that it reads back as it was
        ("-1.5", "-1.5"),  # a number, not a formula
        ("2e-3", "2e-3"),
        (-1.5, -1.5),
        (0, 0),
        ("Ada Lovelace", "Ada Lovelace"),
        ("'tis", "'tis"),
        ("01_cross_correlation: -0.5", "01_cross_correlation: -0.5"),
        ("", ""),
    ],
)
def test_a_cell_a_spreadsheet_would_run_is_written_as_text(cell, written, tmp_path):
    assert neutralised(cell) == written
    assert (restored(written) if isinstance(written, str) else written) == cell
    path = tmp_path / "t.csv"
    write_csv(path, ["c"], [[cell]])
    assert read_csv(path) == [{"c": str(cell)}]


def test_canvas_and_moodle_columns_are_unchanged_for_ordinary_names(tmp_path):
    """The instructor's guide's examples, byte for byte: the neutralising writer leaves ordinary
    rows alone."""
    a1 = Assignment("01_cross_correlation", 5, scores={"alice": 5})
    a2 = Assignment("02_edge_detection", 6, scores={"alice": 5}, penalties={"alice": 0.5})
    alice = Member("alice", "Alice Liddell", "alice@example.edu", "1001", "S0001", "A")
    write_canvas(tmp_path / "canvas.csv", [a1, a2], [alice])
    write_moodle(tmp_path / "moodle.csv", [a1, a2], [alice])
    assert (tmp_path / "canvas.csv").read_text().splitlines() == [
        "Student,ID,SIS User ID,SIS Login ID,Section,01_cross_correlation,02_edge_detection",
        "Points Possible,,,,,5,6",
        "Alice Liddell,1001,S0001,,A,5,4.5",
    ]
    assert (tmp_path / "moodle.csv").read_text().splitlines() == [
        "ID number,Email address,Full name,01_cross_correlation,02_edge_detection",
        "S0001,alice@example.edu,Alice Liddell,5,4.5",
    ]


def test_a_forged_neutral_hint_is_never_a_format_string():
    """A record comes from the student's kernel: only a msgid the code defines is formatted, with
    plain values; anything else gives no message (the report shows the recorded text)."""
    from convlab.i18n import N_, Msg, as_data, from_data, translate

    assert from_data({"msgid": "{x.__class__.__mro__}", "params": {"x": "a"}}) is None
    assert from_data({"msgid": "not a message of the course", "params": {}}) is None
    real = Msg("{exercise}: {problem}", exercise="corr2d", problem=N_("kernel flipped"))
    assert from_data({**as_data(real), "params": {"exercise": ["a list"], "problem": "x"}}) is None
    assert from_data({**as_data(real), "params": {"exercise": "x"}}) is None  # a placeholder missing
    again = from_data(as_data(real))
    assert str(again) == "corr2d: kernel flipped"
    assert translate(again, ZH) == translate(real, ZH) != str(real)
