"""The gradebook's writer (convlab/grading/recording/writer.py, behind ``make autograde``) writes
every row plain ``nbgrader autograde`` writes, with the same values, and the same files in
``autograded/``: one class (blank, answer key, a catalogued mistake, a late answer key), graded
by each, then a manual grade and comment given in each gradebook as the Formgrader gives them
and the mistake regraded by each (``--force``), as an instructor does after manual grading.

Compared: every column of every table (grades' auto_score, manual_score, extra_credit,
needs_manual_grade; comments; the assignment's cells, their sources and checksums; students;
submissions' timestamps and late penalties; assignments and notebooks; courses). Ignored, as
inherently different: the surrogate ids nbgrader makes (uuid4 strings, new on every insert):
a row is compared by its natural key (the unique columns nbgrader declares, with each foreign
key replaced by the natural key of the row it points to). In the autograded notebooks: the
times at which nbclient ran each cell (its ``execution`` metadata), how a kernel's printed text
came in messages (one stream output or two for the same text), and what the pipeline runs
differently by design, the outputs of code cells after the last graded cell, which it does not
run (tests/test_grading_plain.py shows the scores do not depend on them).
"""

import json
import stat

import nbformat
import pytest
from nbgrader.api import Gradebook
from sqlalchemy import MetaData, create_engine, inspect

from convlab.grading.course import Course
from convlab.grading.environ import scoped, tools_first
from convlab.grading.recording.state import Memory
from convlab.grading.recording.writer import Writer
from tests.catalogue import MUTANTS
from tests.support.course import copy_course
from tests.support.graded import answer_key, inject
from tests.support.grading import grade_class, nbgrader, points, submit
from tests.support.notebooks import load

pytestmark = pytest.mark.slow
AID = "01_cross_correlation"
DUE = "2026-12-01 17:00:00 UTC"
# timestamp.txt as nbgrader's collect writes it; blank has none (nbgrader then records no time)
ON_TIME, LATE = "2026-12-01 16:59:30.123456 UTC", "2026-12-03 09:00:00.000000 UTC"


def natural_rows(db_url: str) -> dict[str, dict[tuple, dict]]:
    """Every table's rows: natural key -> the row's columns, surrogate ids left out and foreign
    keys replaced by the natural key of the row they point to."""
    engine = create_engine(db_url)
    try:
        schema, meta = inspect(engine), MetaData()
        meta.reflect(engine)
        with engine.connect() as conn:
            raw = {t.name: [dict(r._mapping) for r in conn.execute(t.select())] for t in meta.sorted_tables}
        keys, refs = {}, {}
        for table in raw:
            unique = [u["column_names"] for u in schema.get_unique_constraints(table)]
            keys[table] = unique[0] if unique else schema.get_pk_constraint(table)["constrained_columns"]
            refs[table] = {
                f["constrained_columns"][0]: (f["referred_table"], f["referred_columns"][0])
                for f in schema.get_foreign_keys(table)
            }
        by_id = {t: {r["id"]: r for r in rows} for t, rows in raw.items() if "id" in meta.tables[t].c}

        def value(table: str, column: str, v):
            if v is None or column not in refs[table]:
                return v
            target, _ = refs[table][column]
            return key(target, by_id[target][v])

        def key(table: str, row: dict) -> tuple:
            return tuple(value(table, c, row[c]) for c in keys[table])

        surrogate = {t for t in raw if "id" not in keys[t] or "id" in refs[t]}  # uuid ids (or their copies)
        return {
            table: {
                key(table, row): {
                    c: value(table, c, v) for c, v in row.items() if not (c == "id" and table in surrogate)
                }
                for row in rows
            }
            for table, rows in raw.items()
        }
    finally:
        engine.dispose()


def autograded(course) -> dict[str, tuple[int, object]]:
    """autograded/'s files: path -> (permissions, content); notebooks as JSON, without the time at
    which each cell ran, and without the outputs of cells the pipeline does not run (after the
    last graded cell)."""
    root = Course(course).autograded
    found = {}
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        content = path.read_bytes()
        if path.suffix == ".ipynb":
            nb = json.loads(content)
            graded = [k for k, c in enumerate(nb["cells"]) if c["metadata"].get("nbgrader", {}).get("grade")]
            for k, cell in enumerate(nb["cells"]):
                cell["metadata"].pop("execution", None)  # when nbclient ran it: the clock's time
                if k > graded[-1]:
                    cell.pop("outputs", None)
                    cell.pop("execution_count", None)
                elif "outputs" in cell:
                    cell["outputs"] = streams_joined(cell["outputs"])
            content = nb
        found[str(path.relative_to(root))] = (stat.S_IMODE(path.stat().st_mode), content)
    return found


def streams_joined(outputs: list[dict]) -> list[dict]:
    """A cell's outputs with consecutive prints to one stream as one output: the kernel sends
    ``print``'s text and its newline in one message or two, as its flushes fall."""
    joined = []
    for out in outputs:
        if out["output_type"] == "stream" and joined and joined[-1].get("name") == out["name"]:
            joined[-1] = {**joined[-1], "text": "".join(joined[-1]["text"]) + "".join(out["text"])}
        else:
            joined.append(out)
    return [{**o, "text": "".join(o["text"])} if o["output_type"] == "stream" else o for o in joined]


def manual_grading(course) -> None:
    """What a grader does in the Formgrader: a manual score on a test cell and a comment."""
    with Course(course).gradebook() as gb:
        notebook = gb.find_submission_notebook(AID, AID, "mutant")
        notebook.grades[0].manual_score = 0.5
        notebook.comments[0].manual_comment = "see the hint"
        gb.db.commit()


def test_the_writer_writes_the_rows_and_files_plain_nbgrader_writes(tmp_path):
    plain, fast = copy_course(tmp_path / "plain"), copy_course(tmp_path / "pipeline")
    for course in (plain, fast):
        nbgrader(course, "db", "assignment", "add", AID, f"--duedate={DUE}")
        submit(course, "blank", AID, load("notebooks", AID))
        submit(course, "key", AID, answer_key(AID))
        submit(course, "mutant", AID, inject(answer_key(AID), MUTANTS[AID][0]))
        submit(course, "late", AID, answer_key(AID))
        for student, when in (("key", ON_TIME), ("mutant", ON_TIME), ("late", LATE)):
            (Course(course).submitted / student / AID / "timestamp.txt").write_text(when)
    nbgrader(plain, "generate_assignment", AID, "--force")
    nbgrader(plain, "autograde", AID, "--create")
    grade_class(fast)
    graded = natural_rows(Course(plain).db_url)
    assert natural_rows(Course(fast).db_url) == graded
    assert autograded(fast) == autograded(plain)

    # what the comparison holds: rows of every kind, as nbgrader wrote them
    submissions = graded["submitted_notebook"]
    assert {k[1][1][0] for k in submissions} == {"blank", "key", "mutant", "late"}
    assert [v["late_submission_penalty"] for k, v in submissions.items() if k[1][1][0] == "late"] != [None]
    assert {v["timestamp"] is None for k, v in graded["submitted_assignment"].items()} == {True, False}
    grades = graded["grade"].values()
    assert {g["auto_score"] for g in grades} > {0.0} and {g["needs_manual_grade"] for g in grades} == {False}
    assert any(c["auto_comment"] == "No response." for c in graded["comment"].values())  # blank's answers
    assert all(c["source"] and c["checksum"] for c in graded["source_cell"].values())

    for course in (plain, fast):
        manual_grading(course)
    nbgrader(plain, "autograde", AID, "--student", "mutant", "--force")
    grade_class(fast, "--student", "mutant", "--force")
    regraded = natural_rows(Course(plain).db_url)
    assert natural_rows(Course(fast).db_url) == regraded
    assert autograded(fast) == autograded(plain)
    manual = [g for g in regraded["grade"].values() if g["manual_score"] is not None]
    assert [g["needs_manual_grade"] for g in manual] == [True]  # nbgrader asks for a review


def test_a_batch_opens_the_gradebook_once_and_a_failed_submission_rolls_back_alone(tmp_path, monkeypatch):
    """Three submissions recorded by one writer: one opening of the gradebook for all of them;
    the one whose recording fails leaves the gradebook as it was (its earlier grading kept,
    nothing half-written), and the others are recorded."""
    course = Course(copy_course(tmp_path))
    with scoped(PATH=tools_first()["PATH"]):  # nbgrader runs alembic to create a gradebook
        Memory(course).register(AID, print)
    # the release as "executed": no error output, so nbgrader gives every test cell its points
    executed = {AID: nbformat.writes(load("notebooks", AID))}
    for student in ("first", "broken", "last"):
        submit(course.root, student, AID, load("notebooks", AID))
    full = sum(points(AID).values())
    with Writer(course.config) as writer:
        assert writer.record("broken", AID, executed).ok  # an earlier grading of it
    # resubmitted with a time: nbgrader records it before the notebooks, so a half-recorded
    # failure would leave it in the gradebook
    (course.submitted / "broken" / AID / "timestamp.txt").write_text(ON_TIME)
    openings, opened = [], Gradebook.__init__

    def counted(gradebook, *args, **kwargs):
        openings.append(args)
        opened(gradebook, *args, **kwargs)

    monkeypatch.setattr(Gradebook, "__init__", counted)
    with Writer(course.config) as writer:
        done = {
            "first": writer.record("first", AID, executed),
            "broken": writer.record("broken", AID, {}),  # its notebook never came back from a worker
            "last": writer.record("last", AID, executed),
        }
    assert len(openings) == 1, openings
    assert [s for s, r in done.items() if not r.ok] == ["broken"]
    assert "was not executed by a worker" in done["broken"].log
    assert done["first"].score == done["last"].score == full
    assert course.score("broken", AID) == (full, full)  # as it was before the failure
    with course.gradebook() as gb:
        assert gb.find_submission(AID, "broken").timestamp is None
        assert gb.find_submission(AID, "last").timestamp is None  # (nbgrader's, without timestamp.txt)
    assert not (course.autograded / "broken" / AID).exists()  # nbgrader's own handling of a failure
    assert (course.autograded / "last" / AID / f"{AID}.ipynb").exists()
