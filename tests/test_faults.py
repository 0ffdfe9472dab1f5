"""Faults the grader survives without losing a submission: the writer killed mid-batch and
started again, a worker process of the local pool killed mid-batch; and the kit every worker
grades from sanitizes a submission exactly as the course's own gradebook does.
(A Dask worker killed mid-batch and an unreachable scheduler: tests/test_cluster.py.)"""

import json
import os
import shutil
import signal
import tempfile
import time
from pathlib import Path

import nbformat
import psutil
import pytest
from nbgrader import api as nbgrader_api
from sqlalchemy import create_engine, text

from convlab.grading.course import Course
from convlab.grading.engine.engines import WorkerSetup
from convlab.grading.engine.execute import configure_worker, sanitized
from convlab.grading.engine.kit import pack
from convlab.grading.engine.limits import Limits
from convlab.grading.engine.scratch import HALF_MADE_SECONDS, OWNER, sweep
from convlab.grading.environ import scoped, tools_first
from convlab.grading.recording.state import Memory
from convlab.grading.tables import read_csv
from tests.catalogue import MUTANTS
from tests.support.course import copy_course, python_m, start_python_m
from tests.support.graded import answer_key, inject, run_graded_cells
from tests.support.grading import points, scores, submit
from tests.support.notebooks import assignments

pytestmark = pytest.mark.slow
AID = "01_cross_correlation"


def expected(nb: nbformat.NotebookNode) -> dict[str, float]:
    """Each test cell's score, from running the notebook's cells here (not through the grader)."""
    failed = run_graded_cells(nb)
    return {gid: 0.0 if failed[gid] else pts for gid, pts in points(AID).items()}


def a_class(course, n: int) -> dict[str, nbformat.NotebookNode]:
    """``n`` students: the answer key and a catalogued mistake in turn."""
    mutant = inject(answer_key(AID), MUTANTS[AID][0])
    submissions = {f"s{i}": answer_key(AID) if i % 2 == 0 else mutant for i in range(n)}
    for student, nb in submissions.items():
        submit(course, student, AID, nb)
    return submissions


def wait_for(condition, grading, what: str, seconds: float = 300) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert grading.poll() is None, f"grading ended before {what}: " + grading.stderr.read()
        assert time.monotonic() < deadline, f"no {what} in {seconds} s"
        time.sleep(0.05)


def journal_keys(course) -> set[str]:
    path = course / "autograder" / ".grading-journal.jsonl"
    lines = path.read_text().splitlines() if path.exists() else []
    return {json.loads(line)["key"] for line in lines if line.endswith("}")}


def assert_graded_exactly(course, submissions) -> None:
    """Every submission in the gradebook, whole, with its score; one report row each, graded."""
    for student, nb in submissions.items():
        assert scores(course, AID, student) == expected(nb), student
    rows = read_csv(course / "autograder" / "grading-report.csv")
    assert sorted((r["student"], r["outcome"]) for r in rows) == sorted((s, "graded") for s in submissions)


def grading_a_class(tmp_path):
    """A class of six being graded by ``python -m convlab.grading`` in the background."""
    course = copy_course(tmp_path)
    submissions = a_class(course, 6)
    return course, submissions, start_python_m(course, "convlab.grading", "--workers", "2")


def children(grading, marker: str) -> list[psutil.Process]:
    """The grading process's children whose command line has ``marker``."""
    found = psutil.Process(grading.pid).children()
    return [p for p in found if any(marker in part for part in p.cmdline())]


def test_a_writer_killed_mid_batch_finishes_the_batch_when_started_again(tmp_path, monkeypatch):
    scratch = Path(tempfile.mkdtemp(prefix="convlab-faults-"))  # the runs' TMPDIR, theirs alone
    scratch.chmod(0o755)  # nobody's kernels work in folders below it
    monkeypatch.setenv("TMPDIR", str(scratch))
    course, submissions, grading = grading_a_class(tmp_path)

    def server() -> list[psutil.Process]:
        return children(grading, "convlab.grading.engine.forkserver")

    wait_for(server, grading, "fork server")
    # kernels run in sessions of their own: the kill below does not reach them, their server's death does
    kernels = server()[0].children
    wait_for(lambda: len(journal_keys(course)) >= 2 and kernels(), grading, "second recorded submission")
    kernels = kernels()
    os.killpg(grading.pid, signal.SIGKILL)  # the writer, its workers, its fork server
    grading.wait()
    recorded = journal_keys(course)
    assert 2 <= len(recorded) < len(submissions), "the kill did not land mid-batch"
    gone, alive = psutil.wait_procs(kernels, timeout=10)
    assert not alive, f"kernels outlived their fork server: {alive}"
    leftovers = sorted(p.name for p in scratch.glob("convlab-*"))
    assert any(n.startswith("convlab-grading-") for n in leftovers), leftovers  # SIGKILL cleans nothing up

    done = python_m(course, "convlab.grading")
    assert done.returncode == 0, done.stderr
    # the next run sweeps what the killed one left; a folder the kill caught being made (its lock
    # not yet named) goes once it is older than any live maker could be (test_scratch.py)
    left = sorted(scratch.glob("convlab-*"))
    assert all(not (p / OWNER).exists() for p in left), "the next run sweeps what the killed one left"
    for path in left:
        then = path.stat().st_mtime - HALF_MADE_SECONDS - 5
        os.utime(path, (then, then))
    assert sorted(sweep(str(scratch))) == left
    shutil.rmtree(scratch, ignore_errors=True)
    left = len(submissions) - len(recorded)
    assert f"graded {left} submissions" in done.stderr, done.stderr
    assert f"{len(recorded)} unchanged and skipped" in done.stderr, done.stderr
    assert_graded_exactly(course, submissions)
    # the mistakes the killed run found are reported too, not only the rerun's
    with_mistakes = {r["student"] for r in read_csv(course / "autograder" / "mistakes.csv")}
    assert with_mistakes == {s for s in submissions if int(s[1:]) % 2 == 1}
    assert not (course / "autograder" / ".grading-journal.jsonl").exists()  # folded into the state


def test_a_local_worker_killed_mid_batch_costs_nothing(tmp_path):
    course, submissions, grading = grading_a_class(tmp_path)

    def pool_workers() -> list[psutil.Process]:
        return children(grading, "spawn_main")

    wait_for(lambda: journal_keys(course) and pool_workers(), grading, "first recorded submission")
    pool_workers()[0].kill()
    out, err = grading.communicate(timeout=600)
    assert grading.returncode == 0, err
    assert "a grading worker died: a new pool takes over" in err, err
    assert "graded 6 submissions" in err and "6 graded, 0 hit a limit, 0 failed" in err, err
    assert_graded_exactly(course, submissions)


def migration(db_url: str) -> list[str]:
    """The alembic migrations a gradebook records."""
    engine = create_engine(db_url)
    try:
        with engine.connect() as db:
            return list(db.execute(text("SELECT version_num FROM alembic_version")).scalars())
    finally:
        engine.dispose()


def test_the_kit_sanitizes_as_the_course_gradebook_does(tmp_path, monkeypatch):
    """Workers read the assignments' cells from the kit's small gradebook: nbgrader's sanitize
    steps give the same notebook, byte for byte, as with the course's own gradebook, and
    write nothing into it (workers share it). The kit's gradebook records the course
    gradebook's migration, and packing it runs no alembic process to learn one."""
    course = Course(copy_course(tmp_path))
    memory = Memory(course)
    with scoped(PATH=tools_first()["PATH"]):  # nbgrader runs alembic to create a gradebook
        for aid in assignments():
            memory.register(aid, print)
    with monkeypatch.context() as patched:

        def alembic() -> str:
            raise AssertionError("packing the kit ran alembic to learn the gradebook's migration")

        patched.setattr(nbgrader_api, "get_alembic_version", alembic)
        kit = pack(course, assignments(), Limits(), memory.registered_release)
    unpacked = tmp_path / "worker"
    unpacked.mkdir()
    db_url, release, source = kit.unpack(unpacked)
    assert len(migration(course.db_url)) == 1 and migration(db_url) == migration(course.db_url)
    shipped = (unpacked / "gradebook.db").read_bytes()
    assert sorted(p.name for p in release.iterdir()) == assignments()
    for aid in assignments():
        submitted = inject(answer_key(aid), MUTANTS[aid][0])
        for cell in submitted.cells:  # test and locked cells edited: nbgrader restores them
            if cell.metadata.get("nbgrader", {}).get("locked"):
                cell.source += "\n# edited"
        submitted.metadata.kernelspec = {"name": "other", "display_name": "Other", "language": "python"}
        results = []
        for url in (course.db_url, db_url):
            # configure_worker marks its process a grader's (NBGRADER_EXECUTION); here that process is
            # the test worker: monkeypatch takes the mark back after the test
            monkeypatch.setenv("NBGRADER_EXECUTION", "autograde")
            configure_worker(WorkerSetup(course.config, url, "", Limits(), release, source))
            nb, _ = sanitized(nbformat.from_dict(submitted), aid, "someone", aid)
            results.append(nbformat.writes(nb))
        assert results[0] == results[1], aid
    # workers only read the kit (concurrently): sanitizing wrote nothing into it
    assert (unpacked / "gradebook.db").read_bytes() == shipped
