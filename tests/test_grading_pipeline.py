"""Batch grading (python -m convlab.grading) on a copy of the course: adversarial submissions
end with a clear outcome, honest ones get exactly their score, the gradebook stays whole.

One batch grades all of them together, as a class would be graded, under tight limits so that
the runaway cases end in seconds.
"""

import csv
import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import nbformat
import pytest

from convlab.grading.engine.limits import Limits
from convlab.grading.recording.autograde import grade
from convlab.grading.results.outcomes import Result, write_outcomes
from tests.support.course import copy_course, python_c, python_m
from tests.support.graded import answer_key
from tests.support.grading import points, printed, scores, submit
from tests.support.notebooks import load

pytestmark = pytest.mark.slow
AID = "01_cross_correlation"
LIMITS = Limits(cell_seconds=10, notebook_seconds=90, memory_mb=3072, output_mb=2, processes=64)


def with_code(code: str, grade_id: str = "corr2d") -> nbformat.NotebookNode:
    """The answer key with ``code`` run at the end of one answer cell."""
    nb = answer_key(AID)
    cell = next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == grade_id)
    cell.source += "\n\n" + code
    return nb


def graded_cells(nb: nbformat.NotebookNode) -> list[nbformat.NotebookNode]:
    return [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade") and c.cell_type == "code"]


def after_the_tests(code: str) -> nbformat.NotebookNode:
    """The answer key with a code cell of ``code`` appended after everything else."""
    nb = answer_key(AID)
    nb.cells.append(nbformat.v4.new_code_cell(code))
    return nb


def edited_test(nb, change):
    change(graded_cells(nb)[0])
    return nb


FORK_BOMB = """import os, time
children = 0
try:
    while True:
        if os.fork() == 0:
            time.sleep(300)
            os._exit(0)
        children += 1
except OSError as err:
    print(f"fork refused after {children} children: {err}")"""

NETWORK = """import socket
try:
    socket.create_connection(("pypi.org", 443), timeout=5).close()
    print("network reachable")
except OSError as err:
    print("network blocked:", err)"""

STUBBORN = """while True:  # ignores the interrupt
    try:
        while True:
            pass
    except KeyboardInterrupt:
        pass"""

NOTEBOOKS = {
    "honest": answer_key(AID),
    "blank": load("notebooks", AID),
    "infinite_loop": with_code("while True:\n    pass"),
    "stubborn_loop": with_code(STUBBORN),
    # bytes(n) asks for n zeroed bytes without touching them (calloc): the address-space limit
    # refuses it at once. A bomb that writes every page (bytearray) spends seconds in memset
    # first, and on a loaded machine it ran into the 10 s cell limit before the memory limit.
    "memory_bomb": with_code("hog = []\nwhile True:\n    hog.append(bytes(256 * 1024 * 1024))"),
    "os_exit": with_code("import os\nos._exit(0)"),
    "sys_exit": with_code("import sys\nsys.exit()"),
    "huge_output": with_code("print('x' * (50 * 1024 * 1024))"),
    "fork_bomb": with_code(FORK_BOMB),
    "network": with_code(NETWORK),
    "reads_data": with_code("print(open('data/note.txt').read())"),
    "edited_test": edited_test(answer_key(AID), lambda c: setattr(c, "source", "assert True")),
    "points_changed": edited_test(answer_key(AID), lambda c: c.metadata.nbgrader.update(points=100)),
    "after_the_tests": after_the_tests("import os\nos._exit(0)"),
}


@pytest.fixture(scope="module")
def scratch():
    """The batch's temporary folder (TMPDIR while it grades): its kernels' run folders are below
    it, so a process left there is this batch's, not another test's grading at the same time."""
    folder = Path(tempfile.mkdtemp(prefix="convlab-pipeline-"))
    folder.chmod(0o755)  # nobody's kernels work in folders below it
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="module")
def batch(tmp_path_factory, scratch):
    course = copy_course(tmp_path_factory.mktemp("pipeline"))
    (course / "source" / AID / "data").mkdir()
    (course / "source" / AID / "data" / "note.txt").write_text("a file the assignment ships")
    for student, nb in NOTEBOOKS.items():
        submit(course, student, AID, nb)
    deleted = answer_key(AID)
    deleted.cells.remove(graded_cells(deleted)[-1])
    submit(course, "deleted_test", AID, deleted)
    folder = course / "autograder" / "submitted"
    for student, name, text in [
        ("malformed", f"{AID}.ipynb", '{"cells": [ this is not json'),
        ("empty", f"{AID}.ipynb", ""),
        ("wrong_name", "my_homework.ipynb", nbformat.writes(answer_key(AID))),
        ("other_assignment", f"{AID}.ipynb", nbformat.writes(answer_key("07_pooling"))),
    ]:
        (folder / student / AID).mkdir(parents=True)
        (folder / student / AID / name).write_text(text)
    saved = os.environ.get("TMPDIR")
    os.environ["TMPDIR"], tempfile.tempdir = str(scratch), None  # the workers and the fork server inherit it
    try:
        outcomes = grade(course, limits=LIMITS, progress=False)
    finally:
        if saved is None:
            os.environ.pop("TMPDIR")
        else:
            os.environ["TMPDIR"] = saved
        tempfile.tempdir = None
    return course, {o.student: o for o in outcomes}


def total(aid: str = AID) -> float:
    return sum(points(aid).values())


def test_honest_and_blank_get_exactly_their_scores(batch):
    course, outcomes = batch
    assert outcomes["honest"].outcome == "graded" and outcomes["honest"].score == total()
    assert scores(course, AID, "honest") == points(AID)
    assert outcomes["blank"].score == 0


@pytest.mark.parametrize(
    ("student", "outcome", "reason"),
    [
        ("infinite_loop", "limit", "ran over 10 s and was interrupted"),
        ("stubborn_loop", "limit", "ignored the interrupt after 10 s"),
        ("memory_bomb", "limit", "memory limit"),
        ("os_exit", "limit", "the kernel died in cell"),
        ("huge_output", "limit", "output over 2 MB"),
        ("malformed", "failed", "not a readable notebook"),
        ("empty", "failed", "not a readable notebook"),
        ("wrong_name", "failed", "found my_homework.ipynb"),
    ],
)
def test_runaway_and_broken_submissions_end_with_a_reason(batch, student, outcome, reason):
    o = batch[1][student]
    assert o.outcome == outcome, o
    assert any(reason in r for r in o.reasons), o.reasons


def test_a_limit_costs_only_the_cells_that_did_not_finish(batch):
    course, outcomes = batch
    # the loop runs after corr2d is defined: interrupted, the notebook goes on and passes
    assert outcomes["infinite_loop"].score == total()
    # interrupted at the cell limit (10 s), not at the notebook's (90 s) nor nbgrader's (120 s)
    assert outcomes["infinite_loop"].seconds < LIMITS.cell_seconds + 20
    assert outcomes["memory_bomb"].score == total()
    # after os._exit nothing runs: every test cell scores zero
    assert outcomes["os_exit"].score == 0
    assert outcomes["stubborn_loop"].score == 0


def test_cells_after_the_last_graded_cell_are_not_run(batch):
    """A cell after every test can change no score: the grader does not run it (here it would
    kill the kernel) and says so in its output."""
    course, outcomes = batch
    o = outcomes["after_the_tests"]
    assert o.outcome == "graded" and o.score == total() and not o.reasons, o
    graded = nbformat.read(course / "autograder" / "autograded" / "after_the_tests" / AID / f"{AID}.ipynb", 4)
    assert "not run while grading" in graded.cells[-1].outputs[0]["text"]
    assert all("not run while grading" not in str(c.get("outputs")) for c in graded_cells(graded))


def test_sys_exit_does_not_end_the_kernel(batch):
    assert batch[1]["sys_exit"].outcome == "graded" and batch[1]["sys_exit"].score == total()


def test_fork_bomb_is_bounded_and_cleaned_up(batch, scratch):
    course, outcomes = batch
    assert outcomes["fork_bomb"].score == total()
    refused = int(printed(course, AID, "fork_bomb").split("fork refused after ")[1].split()[0])
    assert refused <= LIMITS.processes + 64  # what the user already ran, plus the budget
    if os.geteuid() == 0:  # kernels ran as nobody: none of its processes may outlive the batch
        for _ in range(20):  # SIGKILL is sent when the batch ends; the last may take a moment to go
            leftover = left_in(scratch)
            if not leftover:
                break
            time.sleep(0.5)
        assert not leftover, f"{len(leftover)} forked children outlived their kernel: {leftover[:10]}"


def left_in(folder: Path) -> list[str]:
    """nobody's processes working in ``folder`` (where the batch's kernels ran, all removed
    when it ended): left behind by a kernel whose job is over. Other tests' kernels, also
    nobody's, run in folders of their own."""
    found = []
    for pid in subprocess.run(["pgrep", "-u", "nobody"], capture_output=True, text=True).stdout.split():
        try:
            cwd = os.readlink(f"/proc/{pid}/cwd")
        except OSError:  # it ended meanwhile
            continue
        if cwd.startswith(f"{folder}/"):
            found.append(f"{pid} in {cwd}")
    return found


def test_tampered_test_cells_are_restored_and_flagged(batch):
    course, outcomes = batch
    for student in ("edited_test", "points_changed", "deleted_test"):
        assert outcomes[student].flags, student
        assert outcomes[student].outcome == "graded"
    assert outcomes["edited_test"].score == total()  # nbgrader restored the real test: it passes
    assert outcomes["points_changed"].max_score == total()
    assert outcomes["deleted_test"].score < total()


def test_a_notebook_of_another_assignment_scores_nothing_and_says_so(batch):
    o = batch[1]["other_assignment"]
    assert o.outcome == "failed" and (o.score or 0) == 0, o
    assert any("another assignment's notebook (its exercises: pool2d" in r for r in o.reasons), o.reasons


def test_gradebook_stays_consistent_for_nbgrader_export(batch):
    course, outcomes = batch
    done = python_m(course, "nbgrader", "export", "--to=export.csv")
    assert done.returncode == 0, done.stderr
    rows = (course / "export.csv").read_text().splitlines()
    exported = {r.split(",")[3]: float(r.split(",")[9]) for r in rows[1:]}
    for student in ("honest", "blank", "infinite_loop", "os_exit"):
        assert exported[student] == outcomes[student].score


def test_rerun_skips_unchanged_and_force_regrades(batch):
    course, _ = batch
    again = grade(course, students=["honest", "blank"], limits=LIMITS, progress=False)
    assert {o.outcome for o in again} == {"skipped"}
    nbformat.write(answer_key(AID), course / "autograder" / "submitted" / "blank" / AID / f"{AID}.ipynb")
    changed = {
        o.student: o for o in grade(course, students=["honest", "blank"], limits=LIMITS, progress=False)
    }
    assert changed["honest"].outcome == "skipped" and changed["blank"].outcome == "graded"
    assert changed["blank"].score == total()
    forced = grade(course, students=["honest"], force=True, limits=LIMITS, progress=False)
    assert forced[0].outcome == "graded" and forced[0].score == total()


def test_student_code_has_no_network(batch):
    """As root, in an empty network namespace; as a user, in a user namespace with one (README)."""
    course, outcomes = batch
    assert "network blocked" in printed(course, AID, "network"), printed(course, AID, "network")[-500:]
    assert outcomes["network"].score == total()


def test_make_grades_writes_a_row_per_student_with_flags_and_a_chart(batch):
    course, outcomes = batch
    done = python_m(course, "convlab.grading.results.grades", "--root", str(course))
    assert done.returncode == 0, done.stderr
    with open(course / "autograder" / "grades.csv") as f:
        rows = {r["student"]: r for r in csv.DictReader(f)}
    assert float(rows["honest"][AID]) == float(rows["honest"]["total"]) == total()
    assert rows["honest"]["flags"] == ""
    assert "test cell" in rows["edited_test"]["flags"]
    assert float(rows["os_exit"][AID]) == outcomes["os_exit"].score
    assert (course / "autograder" / "scores.png").read_bytes()[:4] == b"\x89PNG"


def test_command_line_shows_progress_summary_and_report(batch):
    course, _ = batch
    submit(course, "cli", AID, answer_key(AID))
    done = python_m(course, "convlab.grading", AID, "--student", "cli", "--timeout", "30")
    assert done.returncode == 0, done.stderr
    assert "grading: 100%" in done.stderr and "1/1" in done.stderr
    assert "graded 1 submissions in" in done.stderr and "1 graded, 0 hit a limit, 0 failed" in done.stderr
    with open(course / "autograder" / "grading-report.csv") as f:
        row = next(r for r in csv.DictReader(f) if r["student"] == "cli")
    assert row["outcome"] == "graded" and float(row["score"]) == total()


def test_notebooks_run_beside_the_files_their_assignment_ships(batch):
    course, outcomes = batch
    assert "a file the assignment ships" in printed(course, AID, "reads_data")
    assert outcomes["reads_data"].outcome == "graded" and outcomes["reads_data"].score == total()


def test_report_keeps_the_rows_of_unchanged_submissions(tmp_path):
    report = tmp_path / "grading-report.csv"
    write_outcomes(
        [Result("a", AID, "limit", 3, 5, ["cell 3 ran over 10 s"]), Result("b", AID, "graded", 5, 5)],
        report,
    )
    write_outcomes(
        [Result("a", AID, "skipped", 3, 5), Result("c", AID, "failed", None, None, ["empty"])], report
    )
    with open(report) as f:
        rows = {r["student"]: r for r in csv.DictReader(f)}
    assert rows["a"]["outcome"] == "limit" and rows["a"]["reasons"] == "cell 3 ran over 10 s"
    assert rows["b"]["outcome"] == "graded" and rows["c"]["reasons"] == "empty"


def test_the_memory_limit_counts_from_what_a_kernel_starts_with():
    """``memory_mb`` is what a kernel may allocate beyond the libraries it was forked with: PyPI's
    CUDA build of PyTorch (Python 3.12 and later here) maps 3.3 GB of them, and a limit on the
    whole address space left its kernels too little to run the answer key (tests/test_pythons.py)."""
    code = (
        "import torch\n"  # what a fork server loads before it forks a kernel
        "from convlab.grading.engine.limits import Limits, apply_memory_and_files, mapped_bytes\n"
        "before = mapped_bytes()\n"
        "apply_memory_and_files(Limits(memory_mb=512))\n"
        "kept = bytearray(384 * 1024 * 1024)\n"
        "try:\n"
        "    bytearray(256 * 1024 * 1024)\n"
        "    print('not limited')\n"
        "except MemoryError:\n"
        "    print('limited', before > 100 * 1024 * 1024)\n"
    )
    done = python_c(code)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["limited", "True"], done.stdout
