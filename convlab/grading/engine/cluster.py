"""The Dask engine: ``python -m convlab.grading --scheduler ADDRESS`` executes on a Dask cluster.

The workers of a running cluster (``dask scheduler``, ``dask worker``; on Slurm, Kubernetes or
over SSH, as the README's instructor guide shows) do what the local pool's processes do, and no
more: each submission travels to a worker as data (its files, :func:`~convlab.grading.execute.files_of`)
and comes back executed (:class:`~convlab.grading.execute.Executed`); the grading process stays
the gradebook's only writer. The run's :class:`~convlab.grading.kit.Kit` reaches every worker
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
import tempfile
from collections.abc import Iterator
from pathlib import Path

from distributed import Client, as_completed
from distributed.diagnostics.plugin import WorkerPlugin

from convlab.grading.execute import Executed, configure, files_of, run_files
from convlab.grading.forkserver import ForkServer
from convlab.grading.kit import Kit

PLUGIN = "convlab-grading"
IN_FLIGHT = 3
CONNECT_SECONDS = 10


class Grader(WorkerPlugin):
    """A Dask worker plugin: the run's kit unpacked, a warm fork server, the worker configured.

    Registered for one run (:func:`on_cluster`); a worker that joins during the run gets it
    too. Teardown stops the fork server (and any kernel still running) and removes the kit."""

    name = PLUGIN

    def __init__(self, kit: Kit):
        self.kit = kit

    async def setup(self, worker) -> None:
        # the fork server takes seconds to import torch: off the worker's event loop
        await asyncio.to_thread(self.start)

    def start(self) -> None:
        self.folder = tempfile.TemporaryDirectory(prefix="convlab-worker-")
        db_url, release, source = self.kit.unpack(Path(self.folder.name))
        self.server = ForkServer(self.kit.limits).__enter__()
        configure(self.kit.config, db_url, self.server.socket, self.kit.limits, str(release), str(source))

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


@contextlib.contextmanager
def on_cluster(client, kit: Kit) -> Iterator[list[str]]:
    """The grading plugin on every worker for the run: what limits some worker cannot enforce."""
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
        yield sorted({f"{why} (on {worker})" for worker, whys in missing.items() for why in whys})
    finally:
        with contextlib.suppress(Exception):  # the cluster may be gone; its workers lose the plugin then
            client.unregister_worker_plugin(PLUGIN)


def execute_on_cluster(
    client, tasks: list[tuple[str, str, str, list[str]]]
) -> Iterator[tuple[int, Executed]]:
    """Execute ``tasks`` (student, assignment, folder, notebook names) on the cluster's workers:
    (task's index, Executed) as each ends."""
    ahead = IN_FLIGHT * max(1, sum(client.nthreads().values()))
    queue = iter(range(len(tasks)))
    futures = {}
    done = as_completed(loop=client.loop)

    def send_next() -> None:
        k = next(queue, None)
        if k is not None:
            student, assignment, folder, names = tasks[k]
            files = files_of(Path(folder))
            future = client.submit(run_files, student, assignment, files, names, pure=False)
            futures[future] = k
            done.add(future)

    for _ in range(ahead):
        send_next()
    for future in done:
        k = futures.pop(future)
        student, assignment = tasks[k][:2]
        try:
            executed = future.result()
        except Exception as err:  # noqa: BLE001 (KilledWorker after repeated deaths, a worker's bug)
            executed = Executed(student, assignment, problems={"*": f"the Dask worker failed: {err!r}"[:300]})
        send_next()
        yield k, executed
