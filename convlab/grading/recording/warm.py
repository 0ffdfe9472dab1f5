"""A grading engine that stays up between runs, for grade on submit (:mod:`convlab.hub.service`).

Starting the local engine costs seconds a run: the fork server imports torch, the kit is packed
and unpacked, the worker processes start Python and import nbgrader. ``make autograde`` pays it
once per class; the service grading a submission at a time would pay it per batch, and most of
a student's wait for feedback would be that. A :class:`WarmEngine` starts the engine once, for
every assignment of the course, and :func:`~convlab.grading.recording.autograde.grade` runs on it
(``grade(..., engine=warm)``) batch after batch.

It is started again only when what it was started from changed, checked before every run:
the code graded kernels run and the versions running it
(:func:`~convlab.grading.recording.fingerprints.grading_digest`, what decides a regrade), each
assignment's source (from which the kit's release and cells are registered), the course's
``nbgrader_config.py`` and the limits; or when its fork server is gone. Nothing else is kept:
each notebook still runs in a fresh fork of the server, and a worker that dies is replaced
(:mod:`convlab.grading.engine.pool`).
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable

from convlab.grading.course import CONFIG, Course
from convlab.grading.engine.kit import pack
from convlab.grading.engine.limits import Limits
from convlab.grading.engine.pool import LocalPool
from convlab.grading.recording.fingerprints import digest
from convlab.grading.recording.state import Memory


def fingerprint(course: Course, memory: Memory, limits: Limits, assignments: list[str]) -> str:
    """What a warm engine was started from: when it differs, the engine is started again."""
    sources = "".join(f"{a}:{memory.source_digest(a)}\n" for a in assignments)
    return digest(
        memory.checks(),
        sources.encode(),
        (course.root / CONFIG).read_bytes(),
        json.dumps(limits.as_dict(), sort_keys=True).encode(),
    )


class WarmEngine:
    """A :class:`~convlab.grading.engine.pool.LocalPool` started for the whole course and kept
    started between runs (use it as a context: leaving it stops the server and the workers)."""

    def __init__(
        self,
        workers: int | None = None,
        say: Callable[[str], None] = lambda _msg: None,
        assignments: list[str] | None = None,
    ):
        self.pool = LocalPool(workers, say)
        self.assignments = assignments  # the kit's; None: every assignment of the course
        self.say = say
        self.stack: contextlib.ExitStack | None = None
        self.key: str | None = None
        self.starts = 0  # how many times the engine was started

    def __enter__(self) -> WarmEngine:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    @property
    def server_pid(self) -> int | None:
        """The running fork server's process id (None when the engine is not started)."""
        return self.pool.server.process.pid if self.pool.server is not None else None

    def broken(self) -> bool:
        """Started, and its fork server is gone: what it graded since may have failed for that."""
        return self.stack is not None and not self.pool.alive()

    def ready(self, course: Course, memory: Memory, limits: Limits, needed: list[str] = ()) -> LocalPool:
        """The started engine for a run grading ``needed``, started (again) first when need be."""
        assignments = self.assignments or course.assignments()
        if set(needed) - set(assignments):
            raise ValueError(f"this engine grades {', '.join(assignments)}, not {', '.join(needed)}")
        key = fingerprint(course, memory, limits, assignments)
        if self.stack is not None and key == self.key and self.pool.alive():
            return self.pool
        if self.stack is not None:
            why = (
                "the checks, the course or the limits changed"
                if self.pool.alive()
                else "its fork server died"
            )
            self.say(f"starting the grading engine again: {why}")
        self.close()
        for assignment in assignments:
            memory.register(assignment, self.say)
        kit = pack(course, assignments, limits, memory.registered_release)
        stack = contextlib.ExitStack()
        try:
            stack.enter_context(self.pool.started(kit))  # its workers started too
        except BaseException:
            stack.close()
            raise
        self.stack, self.key = stack, key
        self.starts += 1
        return self.pool

    def close(self) -> None:
        if self.stack is not None:
            stack, self.stack, self.key = self.stack, None, None
            stack.close()
