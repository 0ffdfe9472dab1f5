"""The local engine: worker processes on this machine execute submissions, one per core.

Each worker is configured once (:func:`convlab.grading.engine.execute.configure_worker`) with the run's
:class:`~convlab.grading.engine.engines.WorkerSetup` (the unpacked kit, the fork server's
socket), then executes whole submissions (:func:`convlab.grading.engine.execute.run_submission`).
Student code never runs in a worker (it runs in kernels forked by the fork server), but a
worker can still die (the system's out-of-memory killer, a crash in a library): Python's
process pool then fails every submission it still holds. Here a new pool takes over the
submissions the broken one left, so one dead worker costs a few seconds, not the batch; a
submission whose worker died :data:`ATTEMPTS` times is reported failed, with that reason.

:meth:`LocalPool.started` starts the workers while the fork server imports torch, and inside
it they outlive one :meth:`~LocalPool.execute`: the grade-on-submit service
(:mod:`convlab.grading.recording.warm`) keeps them, and the fork server, from one batch to the next.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

from convlab.grading.engine.engines import Engine, Executed, Job, WorkerSetup
from convlab.grading.engine.execute import configure_worker, run_submission
from convlab.grading.engine.forkserver import ForkServer, die_with
from convlab.grading.engine.kit import Kit
from convlab.grading.engine.limits import Limits
from convlab.grading.engine.scratch import Scratch

ATTEMPTS = 3  # as many as Dask's distributed.scheduler.allowed-failures allows a task
DIED = f"its grading worker died {ATTEMPTS} times (killed or crashed, not by student code)"


def start_worker(parent: int, setup: WorkerSetup) -> None:
    """A worker process's start: it dies with the process that started it (a grader or service
    killed with SIGKILL would otherwise leave its idle workers waiting for work for ever), then
    is configured for the run."""
    die_with(parent)
    configure_worker(setup)


class LocalPool(Engine):
    """The local engine: ``workers`` processes (one per core unless said), one fork server."""

    def __init__(self, workers: int | None = None, say: Callable[[str], None] = lambda _msg: None):
        self.count = workers or os.cpu_count() or 1
        self.say = say
        self.missing: list[str] = []
        self.setup: WorkerSetup | None = None
        self.server: ForkServer | None = None
        self._early: ForkServer | None = None  # started before the run's kit was packed (early)
        self.pool: ProcessPoolExecutor | None = None  # the workers, kept until the run ends

    @property
    def workers(self) -> int:
        return self.count

    @contextlib.contextmanager
    def early(self, limits: Limits) -> Iterator[None]:
        """The fork server started now, to import torch while the run registers and packs its
        assignments: :meth:`started` with the same limits takes it over. One not taken over (the
        run had nothing to grade, or stopped) is killed: it holds nothing yet."""
        server = self._early = ForkServer(limits).__enter__()
        try:
            yield
        finally:
            if self._early is server:
                self._early = None
                server.process.kill()
                server.__exit__(None, None, None)

    @contextlib.contextmanager
    def started(self, kit: Kit) -> Iterator[None]:
        """The run's kit unpacked once for every local worker, and the fork server they share."""
        early, self._early = self._early, None
        with contextlib.ExitStack() as stack:
            if early is not None and early.limits != kit.limits:
                early.process.kill()
                stack.push(early)
                early = None
            server = early if early is not None else ForkServer(kit.limits).__enter__()
            stack.push(server)  # stopped at the end, however the run ends
            here = stack.enter_context(Scratch("convlab-kit-"))
            self.setup = WorkerSetup.unpacked(kit, Path(here), server.socket)
            self.server = server
            try:
                self.warm()  # the workers start Python and import nbgrader while the server imports torch
                self.missing = server.ready()
                yield
            finally:
                self.retire()
                self.setup = self.server = None

    def alive(self) -> bool:
        """Whether the fork server still runs (a worker that died is replaced; the server is not)."""
        return self.server is not None and self.server.process.poll() is None

    def workers_now(self) -> ProcessPoolExecutor:
        """The run's worker processes (started as jobs need them), configured with its setup."""
        if self.pool is None:
            self.pool = ProcessPoolExecutor(
                max_workers=self.count,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=start_worker,
                initargs=(os.getpid(), self.setup),
            )
        return self.pool

    def retire(self) -> None:
        """Stop the worker processes (a broken pool's, or at the end of the run)."""
        if self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=True)
            self.pool = None

    def warm(self) -> None:
        """Start every worker now and wait until each is configured, so that the first jobs do
        not wait for Python to start and import nbgrader."""
        pool = self.workers_now()
        try:
            for future in [pool.submit(os.getpid) for _ in range(self.count)]:
                future.result()
        except BrokenProcessPool:
            self.retire()  # the next execute starts new ones

    def execute(self, jobs: Sequence[Job]) -> Iterator[tuple[int, Executed]]:
        """Execute ``jobs`` in worker processes configured with the run's setup."""
        attempts: Counter[int] = Counter()
        pending = list(range(len(jobs)))
        while pending:
            try:
                pool = self.workers_now()
                futures = {pool.submit(run_submission, jobs[k]): k for k in pending}
            except BrokenProcessPool:  # a worker died between runs: new ones take over
                self.retire()
                pool = self.workers_now()
                futures = {pool.submit(run_submission, jobs[k]): k for k in pending}
            pending = []
            for future in as_completed(futures):
                k = futures[future]
                student, assignment = jobs[k].student, jobs[k].assignment
                try:
                    executed = future.result()
                except BrokenProcessPool:
                    attempts[k] += 1
                    if attempts[k] < ATTEMPTS:
                        pending.append(k)
                        continue
                    executed = Executed(student, assignment, problems={"*": DIED})
                except Exception as err:  # noqa: BLE001 (a failed worker fails its submission, not the batch)
                    executed = Executed(student, assignment, problems={"*": f"the worker failed: {err!r}"})
                yield k, executed
            if pending:
                self.retire()
                self.say(
                    f"a grading worker died: a new pool takes over the {len(pending)} submissions it left"
                )
