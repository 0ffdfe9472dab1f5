"""The Dask engine: ``python -m convlab.grading --scheduler ADDRESS`` executes on a Dask cluster.

The workers of a running cluster (``dask scheduler``, ``dask worker``; on Slurm, Kubernetes or
over SSH, as the README's instructor guide shows) do what the local pool's processes do, and no
more: each :class:`~convlab.grading.engine.engines.Job` travels to a worker as data (its files,
:func:`~convlab.grading.engine.execute.files_of`) and comes back executed
(:class:`~convlab.grading.engine.engines.Executed`); the grading process stays the gradebook's
only writer. The run's :class:`~convlab.grading.engine.kit.Kit` reaches every worker
once, in a worker plugin (:class:`Grader`) that also starts the worker's own warm fork server
under the run's limits, so a notebook starts in a forked kernel with torch imported, confined
as it is locally. Workers need the course's packages installed (``pip install -e .`` of this
repository, the same pins), not its files.

Dask reschedules the submissions of a worker that dies on the others (up to its
``distributed.scheduler.allowed-failures``, 3 by default); each still reaches the writer once.
At most :data:`IN_FLIGHT` submissions per worker thread are sent ahead, so a class of thousands
is never held in memory at once.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterator, Sequence
from pathlib import Path

from distributed import Client, as_completed
from distributed.diagnostics.plugin import WorkerPlugin

from convlab.grading.engine.engines import Engine, Executed, Job, WorkerSetup
from convlab.grading.engine.execute import configure_worker, files_of, run_files
from convlab.grading.engine.forkserver import ForkServer
from convlab.grading.engine.kit import Kit
from convlab.grading.engine.scratch import Scratch

PLUGIN = "convlab-grading"
IN_FLIGHT = 3
CONNECT_SECONDS = 10


class Grader(WorkerPlugin):
    """A Dask worker plugin: the run's kit unpacked, a warm fork server, the worker configured.

    Registered for one run (:meth:`DaskCluster.started`); a worker that joins during the run gets it
    too. Teardown stops the fork server (and any kernel still running) and removes the kit."""

    name = PLUGIN

    def __init__(self, kit: Kit):
        self.kit = kit

    async def setup(self, worker) -> None:
        # the fork server takes seconds to import torch: off the worker's event loop
        await asyncio.to_thread(self.start)

    def start(self) -> None:
        self.folder = Scratch("convlab-worker-")
        self.server = ForkServer(self.kit.limits).__enter__()
        self.server.ready()
        configure_worker(WorkerSetup.unpacked(self.kit, Path(self.folder.name), self.server.socket))

    async def teardown(self, worker) -> None:
        await asyncio.to_thread(self.stop)

    def stop(self) -> None:
        self.server.__exit__(None, None, None)
        self.folder.cleanup()


def what_is_missing(dask_worker) -> list[str]:
    """On a worker: the limits its platform cannot enforce."""
    return dask_worker.plugins[PLUGIN].server.missing


@contextlib.contextmanager
def connect(address: str) -> Iterator:
    """A client of the scheduler at ``address`` with at least one worker, or a clear exit."""
    try:
        client = Client(address, timeout=CONNECT_SECONDS, set_as_default=False)
    except (OSError, TimeoutError) as err:
        raise SystemExit(
            f"cannot reach the Dask scheduler at {address}: {err}\nnothing was graded and nothing written"
        ) from None
    with client:
        try:
            client.wait_for_workers(1, timeout=CONNECT_SECONDS)
        except TimeoutError:
            raise SystemExit(
                f"the Dask scheduler at {address} has no workers (start some with `dask worker {address}`);"
                " nothing was graded"
            ) from None
        yield client


class DaskCluster(Engine):
    """The Dask engine: the workers of the cluster ``client`` is connected to (:func:`connect`)."""

    def __init__(self, client: Client):
        self.client = client
        self.missing: list[str] = []

    @property
    def workers(self) -> int:
        return sum(self.client.nthreads().values())

    @contextlib.contextmanager
    def started(self, kit: Kit) -> Iterator[None]:
        """The grading plugin on every worker for the run; ``missing``: what limits some worker
        cannot enforce."""
        client = self.client
        try:
            try:
                client.register_plugin(Grader(kit), name=PLUGIN)
            except Exception as err:  # noqa: BLE001 (whatever a worker raised: said, then stop)
                raise SystemExit(
                    f"the grader could not start on a Dask worker: {type(err).__name__}: {err}\n"
                    "(is the course installed on every worker, with the same pins? `pip install -e .`);"
                    " nothing was graded"
                ) from None
            missing = client.run(what_is_missing)
            self.missing = sorted(
                {f"{why} (on {worker})" for worker, whys in missing.items() for why in whys}
            )
            yield
        finally:
            with contextlib.suppress(Exception):  # the cluster may be gone; its workers lose the plugin then
                client.unregister_worker_plugin(PLUGIN)

    def execute(self, jobs: Sequence[Job]) -> Iterator[tuple[int, Executed]]:
        """Execute ``jobs`` on the cluster's workers, each sent as its files (:func:`files_of`)."""
        client = self.client
        ahead = IN_FLIGHT * max(1, self.workers)
        queue = iter(range(len(jobs)))
        futures = {}
        done = as_completed(loop=client.loop)

        def send_next() -> None:
            k = next(queue, None)
            if k is not None:
                future = client.submit(run_files, jobs[k], files_of(jobs[k].folder), pure=False)
                futures[future] = k
                done.add(future)

        for _ in range(ahead):
            send_next()
        for future in done:
            k = futures.pop(future)
            try:
                executed = future.result()
            except Exception as err:  # noqa: BLE001 (KilledWorker after repeated deaths, a worker's bug)
                why = f"the Dask worker failed: {err!r}"[:300]
                executed = Executed(jobs[k].student, jobs[k].assignment, problems={"*": why})
            send_next()
            yield k, executed
