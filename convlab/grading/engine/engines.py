"""The engine's interface: a :class:`Job` in, an :class:`Executed` out, on some :class:`Engine`.

The grading process (:mod:`convlab.grading.recording.autograde`) hands an engine the run's
:class:`~convlab.grading.engine.kit.Kit` and its jobs and records what comes back; it never
asks where they ran. Two engines implement the interface: :class:`~convlab.grading.engine.pool.LocalPool`
(worker processes on this machine) and :class:`~convlab.grading.engine.cluster.DaskCluster`
(the workers of a Dask cluster). Either configures each of its workers once with a
:class:`WorkerSetup` (:func:`convlab.grading.engine.execute.configure_worker`).
"""

from __future__ import annotations

import abc
import contextlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from traitlets.config import Config

from convlab.grading.engine.kit import Kit
from convlab.grading.engine.limits import Limits
from convlab.grading.results.mistakes import MistakeMade


@dataclass(frozen=True)
class Job:
    """One student's assignment to execute: the submitted folder and the notebooks to run in it.

    ``fingerprint`` is what the recording compares with the last run's (an engine ignores it)."""

    student: str
    assignment: str
    folder: Path
    fingerprint: str = ""
    notebooks: tuple[str, ...] = ()  # the assignment's notebook names, without .ipynb


@dataclass
class Executed:
    """What a worker sends back for one student's assignment."""

    student: str
    assignment: str
    notebooks: dict[str, str] = field(default_factory=dict)  # name -> executed notebook (JSON)
    problems: dict[str, str] = field(default_factory=dict)  # name -> why it could not run
    reasons: list[str] = field(default_factory=list)  # limits hit
    flags: list[str] = field(default_factory=list)  # reasons to review (convlab.grading.results.review)
    mistakes: list[MistakeMade] = field(default_factory=list)  # named in the executed notebooks
    kernel_seconds: float = 0.0  # from asking for a kernel to its being ready
    execute_seconds: float = 0.0  # the cells
    sanitize_seconds: float = 0.0  # nbgrader's sanitize preprocessors
    worker_seconds: float = 0.0  # the whole job in the worker: the above, the review, the copies


@dataclass(frozen=True)
class WorkerSetup:
    """What a worker is configured with once per run: the kit as it unpacked it, and the fork
    server its kernels come from."""

    config: Config  # the course's nbgrader configuration
    db_url: str  # the kit's gradebook (the graded assignments' cells only)
    socket_path: str  # the fork server's
    limits: Limits
    release_dir: Path
    source_dir: Path

    @classmethod
    def unpacked(cls, kit: Kit, folder: Path, socket_path: str) -> WorkerSetup:
        """``kit`` written into ``folder``, for kernels forked by the server at ``socket_path``."""
        db_url, release, source = kit.unpack(folder)
        return cls(kit.config, db_url, socket_path, kit.limits, release, source)


class Engine(abc.ABC):
    """Where submissions execute. ``started(kit)`` readies every worker for the run (and stops
    them after it); inside it, ``missing`` lists the limits some worker's platform cannot
    enforce, ``workers`` how many execute at once, and ``execute(jobs)`` yields
    (the job's index, what it came to) as each ends, in any order, each job exactly once."""

    missing: list[str]

    @abc.abstractmethod
    def started(self, kit: Kit) -> contextlib.AbstractContextManager[None]: ...

    @property
    @abc.abstractmethod
    def workers(self) -> int: ...

    @abc.abstractmethod
    def execute(self, jobs: Sequence[Job]) -> Iterator[tuple[int, Executed]]: ...
