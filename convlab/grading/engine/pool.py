"""The local engine: worker processes on this machine execute submissions, one per core.

Each worker is configured once (:func:`convlab.grading.execute.configure`) with the run's
unpacked :class:`~convlab.grading.kit.Kit` and the fork server's socket, then executes whole
submissions (:func:`convlab.grading.execute.run_submission`). Student code never runs in a
worker (it runs in kernels forked by the fork server), but a worker can still die (the system's
out-of-memory killer, a crash in a library): Python's process pool then fails every submission
it still holds. Here a new pool takes over the submissions the broken one left, so one dead
worker costs a few seconds, not the batch; a submission whose worker died
:data:`ATTEMPTS` times is reported failed, with that reason.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import tempfile
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

from convlab.grading.execute import Executed, configure, run_submission
from convlab.grading.forkserver import ForkServer
from convlab.grading.kit import Kit

ATTEMPTS = 3  # as many as Dask's distributed.scheduler.allowed-failures allows a task


@contextlib.contextmanager
def on_this_machine(kit: Kit) -> Iterator[tuple[list[str], tuple]]:
    """The run's kit unpacked once for every local worker, and the fork server they share:
    (the limits this platform cannot enforce, the workers' :func:`configure` arguments)."""
    with ForkServer(kit.limits) as server, tempfile.TemporaryDirectory(prefix="convlab-kit-") as here:
        db_url, release, source = kit.unpack(Path(here))
        yield server.missing, (kit.config, db_url, server.socket, kit.limits, str(release), str(source))


def execute_locally(
    tasks: list[tuple[str, str, str, list[str]]],
    setup: tuple,
    workers: int,
    say: Callable[[str], None],
) -> Iterator[tuple[int, Executed]]:
    """Execute ``tasks`` (student, assignment, folder, notebook names) in ``workers`` processes
    configured with ``setup`` (:func:`configure`'s arguments): (task's index, Executed) as each ends."""
    attempts: Counter[int] = Counter()
    pending = list(range(len(tasks)))
    while pending:
        pool = ProcessPoolExecutor(
            max_workers=min(workers, len(pending)),
            mp_context=multiprocessing.get_context("spawn"),
            initializer=configure,
            initargs=setup,
        )
        with pool:
            futures = {pool.submit(run_submission, *tasks[k]): k for k in pending}
            pending = []
            for future in as_completed(futures):
                k = futures[future]
                student, assignment = tasks[k][:2]
                try:
                    executed = future.result()
                except BrokenProcessPool:
                    attempts[k] += 1
                    if attempts[k] < ATTEMPTS:
                        pending.append(k)
                        continue
                    why = f"its grading worker died {ATTEMPTS} times (killed or crashed, not by student code)"
                    executed = Executed(student, assignment, problems={"*": why})
                except Exception as err:  # noqa: BLE001 (a failed worker fails its submission, not the batch)
                    executed = Executed(student, assignment, problems={"*": f"the worker failed: {err!r}"})
                yield k, executed
        if pending:
            say(f"a grading worker died: a new pool takes over the {len(pending)} submissions it left")
