"""The warm engine of grade on submit (convlab.grading.recording.warm): kept between runs,
started again when what it was started from changes, and no student's state reaches the next
student's kernel, even on the same fork server, run after run.

Scores are compared with the assignment's own points (the answer key earns them all, as
running its cells here shows in tests/test_faults.py), not with what the grader said before.
"""

from __future__ import annotations

import subprocess
import sys

import nbformat
import psutil
import pytest
from nbformat.v4 import new_code_cell

from convlab.grading.engine.limits import Limits
from convlab.grading.environ import tools_first
from convlab.grading.recording import fingerprints
from convlab.grading.recording.autograde import grade
from convlab.grading.recording.warm import WarmEngine
from tests.support.course import copy_course
from tests.support.graded import answer_key
from tests.support.grading import points, printed, scores, submit
from tests.support.notebooks import ROOT

pytestmark = pytest.mark.slow
AID = "01_cross_correlation"

LEAVE = """
import builtins, os, pathlib, sys, tempfile
builtins.LEFT_BY_A = 1
os.environ["LEFT_BY_A"] = "1"
sys.modules["left_by_a"] = sys
pathlib.Path(tempfile.gettempdir(), "left-by-a").write_text("a")
startup = pathlib.Path(os.environ["IPYTHONDIR"], "profile_default", "startup")
startup.mkdir(parents=True, exist_ok=True)
(startup / "00-left-by-a.py").write_text("import builtins; builtins.STARTUP_BY_A = 1")
print("A left its marks")
"""
LOOK = """
import builtins, os, pathlib, sys, tempfile
found = [n for n in ("LEFT_BY_A", "STARTUP_BY_A") if hasattr(builtins, n)]
found += [n for n in ("LEFT_BY_A",) if n in os.environ]
found += [n for n in ("left_by_a",) if n in sys.modules]
found += [str(p) for p in pathlib.Path(tempfile.gettempdir()).rglob("*left-by-a*")]
found += [str(p) for p in pathlib.Path(os.environ["IPYTHONDIR"]).rglob("*left-by-a*")]
print("found of A:", sorted(found))
"""


def with_cell(code: str) -> nbformat.NotebookNode:
    """The answer key with ``code`` in a cell of its own near the top (it runs before the tests)."""
    nb = answer_key(AID)
    nb.cells.insert(1, new_code_cell(code))
    return nb


def graded_on(warm: WarmEngine, course, student: str, **kwargs) -> None:
    (result,) = grade(
        course, assignments=[AID], students=[student], force=True, progress=False, engine=warm, **kwargs
    )
    assert result.outcome == "graded", result
    assert scores(course, AID, student) == points(AID)


def test_the_engine_is_kept_between_runs_and_started_again_when_what_it_runs_changes(tmp_path, monkeypatch):
    course = copy_course(tmp_path)
    for student in ("s1", "s2"):
        submit(course, student, AID, answer_key(AID))
    with WarmEngine(workers=1) as warm:
        graded_on(warm, course, "s1")
        first = warm.server_pid
        worker = warm.pool.pool._processes.copy()  # the worker processes, by pid
        graded_on(warm, course, "s2")
        assert (warm.server_pid, warm.starts) == (first, 1), "the second run started the engine again"
        assert warm.pool.pool._processes.keys() == worker.keys(), "the second run started new workers"

        more = Limits(memory_mb=Limits().memory_mb + 256)
        graded_on(warm, course, "s2", limits=more)
        assert warm.starts == 2 and warm.server_pid != first, "other limits, the same engine"
        graded_on(warm, course, "s1", limits=more)
        assert warm.starts == 2

        (course / "source" / AID / "notes.txt").write_text("a file the assignment now ships\n")
        graded_on(warm, course, "s1", limits=more)
        assert warm.starts == 3, "another source, the same engine"

        versions = fingerprints.versions()
        monkeypatch.setattr(fingerprints, "versions", lambda: versions + b"\nnbgrader upgraded")
        graded_on(warm, course, "s1", limits=more)
        assert warm.starts == 4, "other code grading, the same engine"
    assert warm.server_pid is None


def test_a_fork_server_that_died_is_started_again_before_the_next_run(tmp_path):
    course = copy_course(tmp_path)
    submit(course, "s1", AID, answer_key(AID))
    with WarmEngine(workers=1) as warm:
        graded_on(warm, course, "s1")
        first = warm.server_pid
        warm.pool.server.process.kill()
        warm.pool.server.process.wait()
        assert warm.broken()
        graded_on(warm, course, "s1")
        assert warm.starts == 2 and warm.server_pid != first and not warm.broken()


def test_no_state_passes_to_the_next_runs_kernel_on_the_same_server(tmp_path):
    course = copy_course(tmp_path)
    submit(course, "a", AID, with_cell(LEAVE))
    submit(course, "b", AID, with_cell(LOOK))
    with WarmEngine(workers=1) as warm:
        graded_on(warm, course, "a")
        server = warm.server_pid
        graded_on(warm, course, "b")
        assert warm.server_pid == server, "b's kernel came from another server: the test shows nothing"
    assert "A left its marks" in printed(course, AID, "a")
    assert "found of A: []" in printed(course, AID, "b"), printed(course, AID, "b")


KEEP_WARM = """
import sys, time
from convlab.grading.course import Course
from convlab.grading.engine.limits import Limits
from convlab.grading.environ import tools_first
from convlab.grading.recording.state import Memory
from convlab.grading.recording.warm import WarmEngine

if __name__ == "__main__":
    course = Course(sys.argv[1])
    warm = WarmEngine(workers=2, assignments=[sys.argv[2]])
    warm.ready(course, Memory(course), Limits().for_course(course.config))
    print(warm.server_pid, *warm.pool.pool._processes, flush=True)
    time.sleep(600)
"""


def test_a_service_killed_leaves_no_engine_behind(tmp_path):
    """SIGKILL leaves a process no time to stop its children: its fork server and its idle
    workers must go by themselves (a killed service's workers used to wait for work for ever)."""
    course = copy_course(tmp_path)
    script = tmp_path / "keep_warm.py"
    script.write_text(KEEP_WARM)
    running = subprocess.Popen(
        [sys.executable, str(script), str(course), AID],
        cwd=ROOT,
        env=tools_first(),
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        pids = [int(p) for p in running.stdout.readline().split()]
        assert len(pids) == 3, pids  # the fork server and two workers
        engine = [psutil.Process(pid) for pid in pids]
        running.kill()
        running.wait()
        _, alive = psutil.wait_procs(engine, timeout=30)
        assert not alive, f"outlived the process that started them: {alive}"
    finally:
        running.kill()
