"""Several gradebook writers (convlab/grading/recording/lanes.py, ``--writers N``) into a real
PostgreSQL server: a writer process killed mid-batch costs only the submission it held, which
is reported failed (never noted as graded) and recorded by the next attempt, in a new process.
(tests/test_postgres.py shows two writers write SQLite's rows.)"""

import contextlib
import os
import signal

import psutil
import pytest

from convlab.grading.course import Course
from convlab.grading.environ import scoped, tools_first
from convlab.grading.recording.lanes import record_all, recorder
from tests.support.course import copy_course
from tests.support.graded import answer_key
from tests.support.grading import points, scores, submit
from tests.support.postgres import LoopbackPostgres
from tests.tools.bench_writer import executed_class

pytestmark = pytest.mark.slow
AID = "01_cross_correlation"
STUDENTS = ("s1", "s2", "s3")


def test_a_writer_process_killed_costs_only_the_submission_it_held(tmp_path):
    root = copy_course(tmp_path)
    with LoopbackPostgres() as server, scoped(PATH=tools_first()["PATH"]):
        with open(root / "nbgrader_config.py", "a") as config:
            config.write(f"\nc.CourseDirectory.db_url = {server.url!r}\n")
        for student in STUDENTS:
            submit(root, student, AID, answer_key(AID))
        _, executed = executed_class(root)
        course = Course(root)
        with recorder(course.config, course.db_url, 2) as lanes:
            first, _ = lanes.ready()
            os.kill(first, signal.SIGKILL)
            with contextlib.suppress(psutil.NoSuchProcess):
                psutil.Process(first).wait(timeout=10)  # gone before anything is recorded
            outcome = {}
            record_all(lanes, executed, lambda _k, done, rec: outcome.__setitem__(done.student, rec))
            failed = [s for s, rec in outcome.items() if not rec.ok]
            assert len(failed) <= 1, outcome  # the one the dead process was handed, if any
            assert all("its gradebook writer process died" in outcome[s].log for s in failed), outcome
            again = [(k, done) for k, done in executed if done.student in failed]
            record_all(lanes, again, lambda _k, done, rec: outcome.__setitem__(done.student, rec))
            assert all(rec.ok for rec in outcome.values()), outcome
            assert first not in lanes.ready(), "a new process should have taken the dead one's lane"
        for student in STUDENTS:
            assert scores(root, AID, student) == points(AID), student
