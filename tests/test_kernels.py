"""The grader's kernels (convlab/grading/engine/execute.py): a kernel forked from the server is
ready only once both its channels reach the client, and shutting it down leaves no process.

``ForkedKernelClient.wait_for_ready`` replaces jupyter_client's fixed waits: were it to return as
soon as the shell channel answered, the first cell's output could be sent on an IOPub channel
not yet connected and be lost (nbclient would then wait for it until its timeout). Here each
kernel runs a cell the moment it is ready, and every message of that cell must arrive.
"""

from __future__ import annotations

import asyncio
import queue
import time

import psutil
import pytest
from traitlets.config import Config

from convlab.grading.engine.engines import WorkerSetup
from convlab.grading.engine.execute import ForkedKernelClient, ForkedKernelManager, configure_worker
from convlab.grading.engine.forkserver import ForkServer
from convlab.grading.engine.limits import Limits

pytestmark = pytest.mark.slow
KERNELS = 6


def gone(pid: int) -> bool:
    """Whether no process ``pid`` is left (a zombie is one still: its parent has not reaped it)."""
    return not psutil.pid_exists(pid)


class Watched(ForkedKernelClient):
    """The grader's client, noting what IOPub brought it while it made itself ready."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.iopub_before_ready: list[tuple[str, str]] = []  # (message type, its request's type)
        self.ready = False

    async def get_iopub_msg(self, *args, **kwargs):
        msg = await super().get_iopub_msg(*args, **kwargs)
        if not self.ready:
            self.iopub_before_ready.append((msg["msg_type"], msg["parent_header"].get("msg_type", "")))
        return msg


async def first_cell() -> tuple[list, object, int]:
    """A forked kernel's first cell, run the moment the kernel is ready: the IOPub messages
    of that cell (status, stream text), the launcher process, and the kernel's pid."""
    manager = ForkedKernelManager(client_factory=Watched)
    await manager.start_kernel()
    launcher = manager.provisioner.process
    client = manager.client()
    client.start_channels()
    try:
        await client.wait_for_ready(timeout=60)
        client.ready = True
        # ready means IOPub is connected: it has brought a message in answer to kernel_info
        assert ("status", "kernel_info_request") in client.iopub_before_ready, client.iopub_before_ready
        request = client.execute("import os; print('first', os.getpid())")
        seen = []
        while not seen or seen[-1] != "idle":
            try:
                msg = await client.get_iopub_msg(timeout=20)
            except queue.Empty:
                raise AssertionError(f"the first cell's IOPub messages did not all come: {seen}") from None
            if msg["parent_header"].get("msg_id") != request:
                continue
            if msg["msg_type"] == "status":
                seen.append(msg["content"]["execution_state"])
            elif msg["msg_type"] == "stream":
                seen.append(msg["content"]["text"])
    finally:
        client.stop_channels()
        await manager.shutdown_kernel(now=True)
    return seen, launcher, int(seen[1].split()[1])


def test_a_forked_kernel_is_ready_when_its_output_reaches_the_client_and_leaves_nothing(
    tmp_path, monkeypatch
):
    monkeypatch.setenv("NBGRADER_EXECUTION", "autograde")  # configure_worker sets it; taken back after
    with ForkServer(Limits()) as server:
        server.ready()
        configure_worker(WorkerSetup(Config(), "", server.socket, Limits(), tmp_path, tmp_path))
        for _ in range(KERNELS):
            seen, launcher, kernel = asyncio.run(first_cell())
            assert seen[0] == "busy" and seen[1].startswith("first ") and seen[2:] == ["idle"], seen
            assert launcher.poll() is not None and gone(launcher.pid), "the launcher was not reaped"
            deadline = time.monotonic() + 10  # the server kills the kernel once its launcher goes
            while not gone(kernel) and time.monotonic() < deadline:
                time.sleep(0.05)
            assert gone(kernel), f"the kernel {kernel} outlived its shutdown"
