"""A real Dask cluster on loopback for the tests and the bench: ``dask scheduler`` and
``dask worker`` processes, as an instructor starts them, in a temporary folder."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from distributed import Client

DASK = str(Path(sys.executable).parent / "dask")


class LoopbackCluster:
    """A scheduler on 127.0.0.1 and ``workers`` single-threaded workers without nannies (a
    killed worker stays dead, as a lost machine does). Every process is stopped on exit."""

    def __init__(self, workers: int = 2):
        self.n = workers
        self.workers: list[subprocess.Popen] = []

    def __enter__(self) -> LoopbackCluster:
        try:
            return self.start_all()
        except BaseException:  # nothing started stays behind
            self.__exit__(None, None, None)
            raise

    def start_all(self) -> LoopbackCluster:
        self.folder = tempfile.TemporaryDirectory(prefix="convlab-dask-")
        here = Path(self.folder.name)
        self.log = open(here / "cluster.log", "w")  # noqa: SIM115 (closed on exit)
        info = here / "scheduler.json"
        self.scheduler = self.start(
            DASK,
            "scheduler",
            "--host",
            "127.0.0.1",
            "--port",
            "0",
            "--no-dashboard",
            "--scheduler-file",
            info,
        )
        deadline = time.monotonic() + 60
        while not info.exists():
            assert time.monotonic() < deadline, "dask scheduler did not start: " + self.logged()
            assert self.scheduler.poll() is None, "dask scheduler exited: " + self.logged()
            time.sleep(0.1)
        time.sleep(0.2)  # the file is written before it is complete
        self.address = json.loads(info.read_text())["address"]
        for _ in range(self.n):
            self.add_worker()
        if self.n:
            with Client(self.address, timeout=60) as client:
                client.wait_for_workers(self.n, timeout=120)
        return self

    def start(self, *argv) -> subprocess.Popen:
        folder = self.folder.name
        return subprocess.Popen(
            [str(a) for a in argv],
            cwd=folder,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # a worker's fork server and kernels go with it when it is killed
        )

    def add_worker(self) -> subprocess.Popen:
        worker = self.start(
            DASK, "worker", self.address, "--nthreads", "1", "--no-nanny", "--no-dashboard",
            "--local-directory", self.folder.name,
        )  # fmt: skip
        self.workers.append(worker)
        return worker

    def kill(self, worker: subprocess.Popen) -> None:
        """SIGKILL a worker and everything it started, as a machine that goes away."""
        os.killpg(worker.pid, signal.SIGKILL)
        worker.wait()

    def logged(self) -> str:
        self.log.flush()
        return (Path(self.folder.name) / "cluster.log").read_text()[-3000:]

    def __exit__(self, *exc) -> None:
        processes = [*self.workers, *([self.scheduler] if hasattr(self, "scheduler") else [])]
        for process in processes:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in processes:
            try:
                process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        if hasattr(self, "log"):
            self.log.close()
        if hasattr(self, "folder"):
            self.folder.cleanup()
