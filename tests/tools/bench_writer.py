"""Benchmark: the gradebook's writer alone, against plain nbgrader's recording, on SQLite and PostgreSQL.

    python -m tests.tools.bench_writer [--students 10]        (make bench)

Executes a synthetic class once (tests.tools.bench_grading's, on the local pool, not timed), then
records those executions four times, each into a gradebook of its own: SQLite and a PostgreSQL
server on loopback (tests.support.postgres), each by

- plain nbgrader's recording, the baseline: ``NbGraderAPI.autograde`` (nbgrader's ``Autograde``
  converter) per submission, with the executed notebook handed over in the place of its
  ``Execute`` step (:class:`Replay`; the writer before :mod:`convlab.grading.recording.writer`);
- the writer: one gradebook session for the batch, the autograde pass once per notebook;
- into PostgreSQL, also :data:`WRITERS` writer processes (``--writers``), started before the
  timing as a run starts them while its engine starts.

Both are timed as the grading process's whole step per submission
(:func:`convlab.grading.recording.lanes.record_all` and ``autograde.finished``, or their
equivalent: the journal line and the report's summary included). Prints notebooks recorded per
second and the ratio per database, and fails unless every gradebook holds the same score in
every test cell.
"""

from __future__ import annotations

import argparse
import contextlib
import copy
import dataclasses
import gc
import os
import sys
import tempfile
import time
import warnings
from pathlib import Path

import nbformat
from nbgrader.apps import NbGraderAPI
from nbgrader.converters import Autograde
from nbgrader.preprocessors import Execute, NbGraderPreprocessor
from sqlalchemy.exc import SAWarning
from traitlets.config import Config

from convlab.grading.course import Course
from convlab.grading.engine.engines import Executed, Job
from convlab.grading.engine.kit import pack
from convlab.grading.engine.limits import Limits
from convlab.grading.engine.pool import LocalPool
from convlab.grading.environ import scoped, tools_first
from convlab.grading.recording.autograde import finished, summarise
from convlab.grading.recording.lanes import record_all, recorder
from convlab.grading.recording.state import Memory
from tests.support.course import copy_course
from tests.support.grading import scores as scores_of
from tests.support.grading import submit
from tests.support.postgres import LoopbackPostgres
from tests.tools.bench_grading import synthetic_class

WRITERS = 2  # writer processes for the server database, one per core here


class Replay(NbGraderPreprocessor):
    """Stands in for nbgrader's ``Execute``: it returns the notebook a worker executed, after
    checking it is the one nbgrader just sanitized."""

    executed: dict[tuple[str, str, str], str] = {}  # (student, assignment, notebook) -> JSON

    def preprocess(self, nb, resources):
        info = resources["nbgrader"]
        key = (info["student"], info["assignment"], info["notebook"])
        if key not in Replay.executed:
            raise RuntimeError(f"{key} was not executed by a worker")
        executed = nbformat.reads(Replay.executed.pop(key), as_version=4)
        if [c.source for c in executed.cells] != [c.source for c in nb.cells]:
            raise RuntimeError(f"the executed {info['notebook']} is not the notebook nbgrader sanitized")
        return executed, resources


def replaying(config: Config) -> NbGraderAPI:
    """nbgrader's API for ``config``, whose ``autograde`` replays instead of executing."""
    config = copy.deepcopy(config)
    config.Autograde.autograde_preprocessors = [
        Replay if p is Execute else p for p in Autograde.class_traits()["autograde_preprocessors"].default()
    ]
    return NbGraderAPI(config=config)


def replay_write(api: NbGraderAPI, course: Course, memory: Memory, job: Job, executed: Executed) -> None:
    """The baseline's step for one submission: nbgrader's autograde, its result, a journal line."""
    for name, notebook in executed.notebooks.items():
        Replay.executed[(executed.student, executed.assignment, name)] = notebook
    done = api.autograde(executed.assignment, executed.student, force=True, create=True)
    log = done.get("error") or done.get("log") or ""
    result = summarise(executed, done["success"], log, course.score(executed.student, executed.assignment))
    if result.outcome != "failed":
        memory.graded(job, result)


def executed_class(root: Path) -> tuple[list[Job], list[tuple[int, Executed]]]:
    """Every submission of the course at ``root`` executed (the assignments registered first)."""
    course, limits = Course(root), Limits().for_course(Course(root).config)
    memory = Memory(course)
    jobs = memory.jobs([], [], limits)
    aids = sorted({j.assignment for j in jobs})
    for aid in aids:
        memory.register(aid, lambda _msg: None)
    names = {aid: tuple(course.notebooks_of(aid)) for aid in aids}
    kit = pack(course, aids, limits, memory.registered_release)
    jobs = [dataclasses.replace(j, notebooks=names[j.assignment]) for j in jobs]
    engine = LocalPool(os.cpu_count() or 1, print)
    with engine.started(kit):
        return jobs, list(engine.execute(jobs))


def recorded(root: Path, jobs: list[Job], executed: list[tuple[int, Executed]], writers: int) -> float:
    """Seconds to record ``executed`` into the course at ``root`` (registered first, not timed):
    by plain nbgrader's recording (``writers`` 0), or by that many writers."""
    course = Course(root)
    memory = Memory(course)
    for aid in sorted({j.assignment for j in jobs}):
        memory.register(aid, lambda _msg: None)
    with warnings.catch_warnings(), contextlib.ExitStack() as stack:
        warnings.simplefilter("ignore", SAWarning)  # nbgrader's autoflush notes
        # the courses just copied are written back to disk now, not during the timing (where
        # they slowed each commit's flush, whichever recording happened to come next)
        if writers > 1:  # started before the timing, as a run starts them while its engine starts
            recording = stack.enter_context(recorder(course.config, course.db_url, writers))
            recording.ready()
        os.sync()
        gc.collect()
        started = time.perf_counter()
        if not writers:
            api = replaying(course.config)
            for k, done in executed:
                replay_write(api, course, memory, jobs[k], done)
        else:  # one writer opens its gradebook session inside the timing, as a run opens it
            if writers == 1:
                recording = stack.enter_context(recorder(course.config, course.db_url, writers))
            record_all(recording, executed, lambda k, done, rec: finished(memory, jobs[k], done, rec))
        seconds = time.perf_counter() - started
    memory.save()
    return seconds


def writer_alone(root: Path) -> tuple[int, float]:
    """Execute every submission (not timed), then record them all: (notebooks, seconds recording)."""
    with scoped(PATH=tools_first()["PATH"]):
        jobs, executed = executed_class(root)
        return len(executed), recorded(root, jobs, executed, writers=1)


def submitted(root: Path, submissions: dict) -> None:
    for (student, aid), nb in submissions.items():
        submit(root, student, aid, nb)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--students", type=int, default=10)
    args = parser.parse_args(argv)
    submissions, n = synthetic_class(args.students), args.students
    path = scoped(PATH=tools_first()["PATH"])  # nbgrader runs alembic to make a gradebook
    with tempfile.TemporaryDirectory() as tmp, LoopbackPostgres() as server, path:
        executing = copy_course(Path(tmp) / "executing")
        submitted(executing, submissions)
        jobs, executed = executed_class(executing)
        print(
            f"{n} students' submissions executed (not timed); recording them, {len(executed)} notebooks:",
            flush=True,
        )
        roots, ok = {}, True
        for database in ("SQLite", "PostgreSQL"):
            seconds = {}
            ways = [("plain nbgrader's recording", 0), ("the writer", 1)]
            if database == "PostgreSQL":
                ways.append((f"{WRITERS} writer processes", WRITERS))
            for label, writers in ways:
                root = copy_course(Path(tmp) / f"{database}-{writers}")
                submitted(root, submissions)
                if database == "PostgreSQL":
                    name = f"gradebook_{len(roots)}"
                    server.run("createdb", "-h", "127.0.0.1", "-p", server.port, "-U", "convlab", name)
                    url = f"{server.url.rsplit('/', 1)[0]}/{name}"
                    with open(root / "nbgrader_config.py", "a") as config:
                        config.write(f"\nc.CourseDirectory.db_url = {url!r}\n")
                roots[(database, label)] = root
                seconds[label] = recorded(root, jobs, executed, writers)
                print(
                    f"  {database:10} {label:28} {seconds[label]:6.1f} s  "
                    f"{len(executed) / seconds[label]:6.1f} notebooks/s",
                    flush=True,
                )
            for label, _ in ways[1:]:
                ratio = seconds["plain nbgrader's recording"] / seconds[label]
                print(f"  {database:10} {label} / plain nbgrader's recording: {ratio:.1f}x (same run)")
        scores = {
            key: {(s, aid): scores_of(root, aid, s) for s, aid in submissions} for key, root in roots.items()
        }
        first = next(iter(scores.values()))
        for key, found in scores.items():
            differ = [k for k in first if first[k] != found[k]]
            if differ or not all(found.values()):
                ok = False
                print(f"  {key}: {len(differ)} submissions score otherwise than {next(iter(scores))}")
        cells = sum(len(v) for v in first.values())
        print(f"scores: {cells} test cells in each gradebook; {'identical' if ok else 'NOT identical'}")
        return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
