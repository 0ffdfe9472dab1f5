"""Who records a batch: the one writer in this process, or several writer processes for a server database.

One :class:`~convlab.grading.recording.writer.Writer` records about 40 notebooks a second into
SQLite and 25 into PostgreSQL on one core: in PostgreSQL's case most of its time is the client's
own work per statement (SQLAlchemy's and psycopg's, inside nbgrader's gradebook API), which one
Python process does one statement at a time. A server database takes several writers at once,
so ``--writers N`` records with N processes (:class:`Lanes`), each a Writer of its own with its
own connection and one transaction per submission, exactly as the one writer records. SQLite
takes one writer at a time, so there it is refused (:func:`recorder`).

Two rules keep the result what one writer, or plain nbgrader, would write:

- every submission of a student goes to the same process (the lane the student was given when
  first seen), so no two transactions ever make the same student's row at once;
- until one submission has been committed, submissions are recorded one at a time: the first
  one makes the rows every later one shares (the ``default_course`` row nbgrader's autograde
  steps make), which two first transactions at once would both try to insert.

A writer process dies with the grader (``die_with``); one that dies mid-batch fails the
submissions it held (reported failed, not noted as graded: the next run records them), and
the next submission starts a new one.
"""

from __future__ import annotations

import multiprocessing
import multiprocessing.util
import os
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor

from traitlets.config import Config

from convlab.grading.engine.forkserver import die_with
from convlab.grading.recording.writer import Recorded, Writer

_writer: Writer | None = None  # a writer process's own


def _open(parent: int, config: Config) -> None:
    """A writer process's start: it dies with the grader, then opens its gradebook session."""
    global _writer
    die_with(parent)
    _writer = Writer(config).__enter__()
    multiprocessing.util.Finalize(_writer, _writer.__exit__, args=(None, None, None), exitpriority=10)


def _opened() -> int:
    return os.getpid()


def _record(student: str, assignment: str, notebooks: dict[str, str]) -> Recorded:
    return _writer.record(student, assignment, notebooks)


class OneWriter:
    """The one writer, in this process: each submission is recorded as it is handed over."""

    depth = 0  # submissions held before the oldest is waited for

    def __init__(self, config: Config):
        self.config = config

    def __enter__(self) -> OneWriter:
        self.writer = Writer(self.config).__enter__()  # a run with nothing to grade makes none
        return self

    def __exit__(self, *exc) -> None:
        self.writer.__exit__(*exc)

    def submit(self, student: str, assignment: str, notebooks: dict[str, str]) -> Future:
        done: Future = Future()
        done.set_result(self.writer.record(student, assignment, notebooks))
        return done


class Lanes:
    """``count`` writer processes, started on entering (while the engine starts), each with its
    own gradebook session; a student's submissions all go to the same one."""

    def __init__(self, config: Config, count: int):
        self.config, self.count = config, count
        self.depth = 2 * count  # enough to keep each busy while the oldest is waited for
        self.lane_of: dict[str, int] = {}
        self.held: deque[Future] = deque()  # submitted and not yet known to have committed
        self.committed = False

    def _pool(self) -> ProcessPoolExecutor:
        context = multiprocessing.get_context("spawn")  # nothing of this process's state is shared
        pool = ProcessPoolExecutor(
            1, mp_context=context, initializer=_open, initargs=(os.getpid(), self.config)
        )
        self.opening[pool] = pool.submit(_opened)  # starts it now, not at its first submission
        return pool

    def __enter__(self) -> Lanes:
        self.opening: dict[ProcessPoolExecutor, Future] = {}
        self.pools = [self._pool() for _ in range(self.count)]
        return self

    def ready(self) -> list[int]:
        """Wait until every writer process has opened its gradebook session: their pids, lane by lane."""
        return [self.opening[pool].result() for pool in self.pools]

    def __exit__(self, *exc) -> None:
        for pool in self.pools:
            pool.shutdown(wait=True, cancel_futures=True)

    def submit(self, student: str, assignment: str, notebooks: dict[str, str]) -> Future:
        while not self.committed and self.held:  # one at a time until one has committed
            self.committed = _recorded(self.held.popleft()).ok
        lane = self.lane_of.setdefault(student, len(self.lane_of) % self.count)
        try:
            done = self.pools[lane].submit(_record, student, assignment, notebooks)
        except RuntimeError:  # the process died (BrokenProcessPool): a new one takes the lane
            self.pools[lane] = self._pool()
            done = self.pools[lane].submit(_record, student, assignment, notebooks)
        if not self.committed:
            self.held.append(done)
        return done


def _recorded(done: Future) -> Recorded:
    """What recording came to, a writer process that died included."""
    try:
        return done.result()
    except Exception as err:  # noqa: BLE001 (BrokenProcessPool: the submission failed alone)
        return Recorded(False, f"its gradebook writer process died: {type(err).__name__}: {err}")


def recorder(config: Config, db_url: str, writers: int = 1) -> OneWriter | Lanes:
    """Who records into ``db_url``: the one writer here, or ``writers`` processes (a server
    database only)."""
    if writers < 1:
        raise SystemExit(f"--writers {writers}: at least one writer records the batch")
    if writers == 1:
        return OneWriter(config)
    if db_url.startswith("sqlite"):
        raise SystemExit(
            f"--writers {writers}: a SQLite gradebook takes one writer at a time "
            "(set c.CourseDirectory.db_url to a PostgreSQL database for more)"
        )
    return Lanes(config, writers)


def record_all(
    recording: OneWriter | Lanes,
    executions,
    finish: Callable[[int, object, Recorded], None],
) -> None:
    """Hand each ``(k, executed)`` of ``executions`` to ``recording`` as it comes, and call
    ``finish(k, executed, recorded)`` for each in the order they came, as soon as it is recorded."""
    held: deque = deque()
    for k, executed in executions:
        held.append(
            (k, executed, recording.submit(executed.student, executed.assignment, executed.notebooks))
        )
        while held and (held[0][2].done() or len(held) > recording.depth):
            k0, executed0, done = held.popleft()
            finish(k0, executed0, _recorded(done))
    while held:
        k0, executed0, done = held.popleft()
        finish(k0, executed0, _recorded(done))
