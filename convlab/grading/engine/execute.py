"""Run one submitted notebook exactly as ``nbgrader autograde`` would, but faster and held to limits.

A worker process (:mod:`convlab.grading.recording.autograde` starts one per core) reads a submission,
applies nbgrader's own sanitizing preprocessors (clear outputs, restore test cells and their
points from the gradebook, ...) and executes it with nbgrader's ``Execute``, in a kernel
forked from :mod:`convlab.grading.engine.forkserver`. It writes nothing: the executed notebook goes
back to the grader process, the only one that writes to the gradebook.

What the limits change, compared with plain nbgrader: a notebook that runs out of time, kills
its kernel or prints too much still comes back executed, with an error output in every cell
that did not finish (those cells score zero) and a reason for the report.
"""

from __future__ import annotations

import contextlib
import copy
import dataclasses
import functools
import os
import queue
import shutil
import sys
import time
import uuid
from pathlib import Path

import nbformat
import zmq.asyncio
from jupyter_client.asynchronous import AsyncKernelClient
from jupyter_client.kernelspec import KernelSpec
from jupyter_client.manager import AsyncKernelManager
from nbclient.exceptions import CellTimeoutError, DeadKernelError
from nbconvert.exporters import NotebookExporter
from nbformat import NotebookNode
from nbgrader.converters import Autograde
from nbgrader.preprocessors import AssignLatePenalties, Execute, SaveAutoGrades
from traitlets import DottedObjectName, Type

from convlab.grading.engine import launcher
from convlab.grading.engine.engines import Executed, Job, WorkerSetup
from convlab.grading.engine.limits import MB, Limits
from convlab.grading.engine.scratch import Scratch
from convlab.grading.results.mistakes import mistakes_of
from convlab.grading.results.review import review_notebook

# nbgrader's autograde steps after Execute (its order), split by whether they write the gradebook:
# those that do are the one writer's (convlab.grading.recording.writer); the others change the
# executed notebook (IgnorePattern, ClearMetadataPreprocessor, LimitOutput) or check it
# (CheckCellMetadata) and run in the worker, where they cost the writer nothing.
AUTOGRADE = Autograde.class_traits()["autograde_preprocessors"].default()
RECORDING = (SaveAutoGrades, AssignLatePenalties)
AFTER_EXECUTE = [p for p in AUTOGRADE if p is not Execute and p not in RECORDING]

RECONNECT_MS = 5  # how soon a client's socket tries again to reach a kernel that has not yet bound it


class ForkedKernelClient(AsyncKernelClient):
    """jupyter_client's client, ready as soon as its kernel is.

    Two waits of jupyter_client's, each right for a kernel on another machine, cost a graded
    notebook about a quarter of a second on this one: its sockets try again to connect every
    100 ms (ZeroMQ's default) while the forked kernel is still binding them, and
    ``wait_for_ready`` ends by draining IOPub until nothing came for 0.2 s. Here the sockets
    try again every :data:`RECONNECT_MS`, and the client is ready when the kernel has answered
    ``kernel_info`` on the shell channel and said "idle" for that request on IOPub, which
    is what jupyter_client's wait establishes (both channels connected)."""

    def _context_default(self) -> zmq.asyncio.Context:
        context = super()._context_default()
        context.setsockopt(zmq.RECONNECT_IVL, RECONNECT_MS)  # the default of every socket it makes
        return context

    async def wait_for_ready(self, timeout: float | None = None) -> None:
        deadline = time.monotonic() + (float("inf") if timeout is None else timeout)
        while True:
            request = self.kernel_info()
            if await self._answered(request, deadline) and await self._idle_after(request):
                return
            if not await self.is_alive():
                raise RuntimeError("Kernel died before replying to kernel_info")
            if time.monotonic() > deadline:
                raise RuntimeError(f"Kernel didn't respond in {timeout:.0f} seconds")

    async def _answered(self, request: str, deadline: float) -> bool:
        """Whether the shell channel brought the reply to ``request`` within a second."""
        try:
            reply = await self.get_shell_msg(timeout=max(0.01, min(1.0, deadline - time.monotonic())))
        except queue.Empty:
            return False
        return reply["msg_type"] == "kernel_info_reply" and reply["parent_header"].get("msg_id") == request

    async def _idle_after(self, request: str) -> bool:
        """Whether IOPub brings the kernel's "idle" for ``request`` within 0.2 s (if IOPub had not
        connected in time, it never comes: the caller asks again)."""
        while True:
            try:
                msg = await self.get_iopub_msg(timeout=0.2)
            except queue.Empty:
                return False
            if (
                msg["parent_header"].get("msg_id") == request
                and msg["msg_type"] == "status"
                and msg["content"].get("execution_state") == "idle"
            ):
                return True


class ForkedKernelManager(AsyncKernelManager):
    """A kernel manager whose kernels come from the fork server at ``socket_path``."""

    client_class = DottedObjectName(f"{__name__}.ForkedKernelClient")
    client_factory = Type(ForkedKernelClient, klass=AsyncKernelClient)  # what client() makes

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.socket_path = configured().socket_path
        # unix sockets beside the server's: they reach a kernel that has no network
        self.transport = "ipc"
        self.ip = os.path.join(os.path.dirname(self.socket_path), f"kernel-{uuid.uuid4().hex[:12]}")

    @property
    def kernel_spec(self) -> KernelSpec:
        if self._kernel_spec is None:
            argv = [sys.executable, "-I", launcher.__file__, self.socket_path, "-f", "{connection_file}"]
            self._kernel_spec = KernelSpec(argv=argv, display_name="Python 3 (forked)", language="python")
        return self._kernel_spec

    async def shutdown_kernel(self, now: bool = False, restart: bool = False) -> None:
        """jupyter_client's shutdown, once the launcher has ended when ``now``: jupyter_client
        kills it too, then polls every 0.1 s until it has gone, a tenth of a second of every
        graded notebook. The launcher gone, the fork server kills its kernel's process group."""
        launcher = getattr(self.provisioner, "process", None)
        if now and launcher is not None and launcher.poll() is None:
            launcher.kill()
            launcher.wait(timeout=5)  # a killed process that only has to be reaped
        await super().shutdown_kernel(now=now, restart=restart)


AFTER_THE_TESTS = "[convlab: not run while grading: this cell comes after the last graded cell]\n"


def unfinished(reason: str) -> NotebookNode:
    """The error output a cell gets when it did not finish; nbgrader scores such a cell zero."""
    return nbformat.v4.new_output(
        "error", ename="NotGraded", evalue=reason, traceback=[f"NotGraded: {reason}"]
    )


class LimitedExecute(Execute):
    """nbgrader's Execute with a notebook deadline, an output cap and a kernel that may die.

    One executor runs one notebook: the deadline starts when it is made. It extends nbclient
    through its public hooks: ``timeout_func`` (the cell's limit, or what is left of the
    notebook's), ``on_notebook_start`` (the kernel is ready), ``output`` (the cap) and
    ``preprocess_cell``, where a dead kernel or the deadline stops the notebook: every code
    cell from there on gets an error output and scores zero, and the notebook still comes back.
    Code cells after the last graded cell are not run (no score depends on them); they show
    :data:`AFTER_THE_TESTS` instead.
    """

    def __init__(self, limits: Limits, **kwargs):
        super().__init__(kernel_manager_class=ForkedKernelManager, **kwargs)
        self.limits = limits
        self.shutdown_kernel = "immediate"  # each kernel serves one notebook, then goes
        self.timeout_func = self.cell_limit
        self.on_notebook_start = self.kernel_ready
        self.reasons: list[str] = []
        self.started = time.monotonic()
        self.deadline = self.started + limits.notebook_seconds
        self.kernel_seconds = 0.0
        self.output_bytes, self.capped = 0, False
        self.stopped: str | None = None  # why the rest of the notebook is not run
        self.last_graded = 0  # index of the last graded cell, set when the notebook starts

    def cell_limit(self, cell: NotebookNode) -> int:
        """The cell's limit (already nbgrader's Execute.timeout unless --timeout said otherwise),
        or what is left of the notebook's, whichever ends first."""
        left = self.deadline - time.monotonic()
        return max(1, int(min(self.limits.cell_seconds, left)))

    def kernel_ready(self, **_kwargs) -> None:
        self.kernel_seconds = time.monotonic() - self.started

    def output(self, outs, msg, display_id, cell_index):
        size = len(str(msg.get("content", "")))
        self.output_bytes += size
        if self.output_bytes > self.limits.output_mb * MB:
            if not self.capped:
                self.capped = True
                self.reasons.append(f"output over {self.limits.output_mb} MB: the rest was dropped")
                note = f"[convlab: more than {self.limits.output_mb} MB of output; the rest is dropped]"
                outs.append(nbformat.v4.new_output("stream", name="stderr", text=note))
            return None
        return super().output(outs, msg, display_id, cell_index)

    def on_cell_executed(self, **kwargs):
        super().on_cell_executed(**kwargs)
        reply = kwargs["execute_reply"]
        ename = reply["content"].get("ename", "") if reply["content"].get("status") == "error" else ""
        evalue = str(reply["content"].get("evalue", ""))
        label = f"cell {kwargs['cell_index'] + 1}"
        if ename == "CellTimeoutError":
            self.reasons.append(f"{label} ran over {self.limits.cell_seconds} s and was interrupted")
        elif ename == "MemoryError" or "can't allocate memory" in evalue:
            self.reasons.append(f"{label} hit the {self.limits.memory_mb} MB memory limit")

    def preprocess(self, nb, resources=None, km=None):
        graded = [k for k, c in enumerate(nb.cells) if c.get("metadata", {}).get("nbgrader", {}).get("grade")]
        self.last_graded = graded[-1] if graded else len(nb.cells)
        return super().preprocess(nb, resources, km)

    def preprocess_cell(self, cell, resources, index):
        if index > self.last_graded and cell.cell_type == "code":
            # nothing after the last graded cell can change a score: pictures and demos (09 trains
            # a network there) are not run while grading, and neither is anything a student put there
            cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text=AFTER_THE_TESTS)]
            return cell, resources
        if self.stopped is None and time.monotonic() >= self.deadline:
            self.stop(f"the notebook ran out of its {self.limits.notebook_seconds} s")
        if self.stopped is not None:
            if cell.cell_type == "code":
                cell.outputs = cell.get("outputs", []) + [unfinished(self.stopped)]
            return cell, resources
        try:
            return super().preprocess_cell(cell, resources, index)
        except DeadKernelError:
            self.stop(f"the kernel died in cell {index + 1} (os._exit, exit(), a crash or the memory limit)")
            cell.outputs = cell.get("outputs", []) + [unfinished(self.stopped)]
        except CellTimeoutError:  # interrupted, the cell still would not stop: the rest is not run
            self.stop(f"cell {index + 1} ignored the interrupt after {self.limits.cell_seconds} s")
        return cell, resources

    def stop(self, reason: str) -> None:
        self.stopped = reason
        self.reasons.append(reason)


_setup: WorkerSetup | None = None  # this worker process's, for the run it serves (configure_worker)


def configure_worker(setup: WorkerSetup) -> None:
    """Once per worker process and run: nbgrader's configuration and the fork server to use."""
    global _setup
    released.cache_clear()  # a Dask worker serves one run after another
    _exporter.cache_clear()
    os.environ["NBGRADER_EXECUTION"] = "autograde"  # as nbgrader sets it while executing
    _setup = setup


def configured() -> WorkerSetup:
    """The setup :func:`configure_worker` gave this worker."""
    if _setup is None:
        raise RuntimeError(
            "this process is no configured grading worker (convlab.grading.engine.execute.configure_worker)"
        )
    return _setup


def sanitized(nb: NotebookNode, name: str, student: str, assignment: str) -> tuple[NotebookNode, dict]:
    """The submission after nbgrader's sanitize preprocessors, as autograde would execute it."""
    resources = {
        "unique_key": name,
        "output_files_dir": f"{name}_files",
        "nbgrader": {
            "student": student,
            "assignment": assignment,
            "notebook": name,
            "db_url": configured().db_url,
        },
    }
    for preprocessor in Autograde.class_traits()["sanitize_preprocessors"].default():
        nb, resources = preprocessor(config=configured().config).preprocess(nb, resources)
    return nb, resources


@functools.cache
def _exporter() -> NotebookExporter:
    """nbconvert's exporter as nbgrader's ``Autograde`` converter makes it (no default
    preprocessors), with the steps of :data:`AFTER_EXECUTE`."""
    config = copy.deepcopy(configured().config)
    config.Exporter.default_preprocessors = []  # as nbgrader's converters configure theirs
    config.Exporter.optimistic_validation = True  # validated once, after the last step: the same verdict
    exporter = NotebookExporter(config=config)
    for step in AFTER_EXECUTE:
        exporter.register_preprocessor(step)
    return exporter


def autograded(nb: NotebookNode, resources: dict) -> str:
    """The file ``autograded/`` gets for an executed notebook: nbgrader's autograde steps after
    ``Execute`` that write nothing (:data:`AFTER_EXECUTE`), through nbconvert's exporter as in
    nbgrader's converter. The steps that write (:data:`RECORDING`) change no cell, so what they
    see in the writer and what this returns are what plain nbgrader's single pass has."""
    output, _ = _exporter().from_notebook_node(nb, resources)
    return output


@functools.cache
def released(assignment: str, name: str) -> NotebookNode | None:
    """The student release of one notebook (read once per worker), to review submissions against."""
    path = configured().release_dir / assignment / f"{name}.ipynb"
    return nbformat.read(path, as_version=4) if path.exists() else None


@contextlib.contextmanager
def workspace(submitted: Path, source: Path):
    """The folder a notebook runs in, as nbgrader's autograded/<student>/<assignment>/: the
    student's files, with the assignment's own files (data, helpers) copied over them."""
    with Scratch("convlab-run-") as tmp:
        here = Path(tmp)
        shutil.copytree(submitted, here, dirs_exist_ok=True)
        for path in source.rglob("*"):
            if path.is_file() and path.suffix != ".ipynb" and ".ipynb_checkpoints" not in path.parts:
                (here / path.relative_to(source)).parent.mkdir(parents=True, exist_ok=True)
                shutil.copy(path, here / path.relative_to(source))
        yield here


def graded_ids(nb: NotebookNode) -> set[str]:
    """The grade_ids of a notebook's nbgrader cells (answers and tests)."""
    return {
        c.metadata["nbgrader"].get("grade_id") for c in nb.cells if "nbgrader" in c.get("metadata", {})
    } - {None}


def files_of(folder: Path) -> dict[str, bytes]:
    """A submission's files (relative path -> bytes): how it travels to a worker on another machine."""
    return {
        str(p.relative_to(folder)): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and not p.is_symlink()
    }


def run_files(job: Job, files: dict[str, bytes]) -> Executed:
    """:func:`run_submission` for a submission sent as data (:func:`files_of`), not as a folder."""
    with Scratch("convlab-submitted-") as tmp:
        for name, data in files.items():
            (Path(tmp) / name).parent.mkdir(parents=True, exist_ok=True)
            (Path(tmp) / name).write_bytes(data)
        return run_submission(dataclasses.replace(job, folder=Path(tmp)))


def run_submission(job: Job) -> Executed:
    """Sanitize and execute every notebook of one submission (a worker's job)."""
    result = Executed(job.student, job.assignment)
    began = time.monotonic()
    try:
        return _run_notebooks(job, result)
    finally:
        result.worker_seconds = time.monotonic() - began


def _run_notebooks(job: Job, result: Executed) -> Executed:
    student, assignment, folder = job.student, job.assignment, job.folder
    setup = configured()
    limits = setup.limits
    for name in job.notebooks:
        path = Path(folder) / f"{name}.ipynb"
        if not path.exists():
            others = sorted(p.name for p in Path(folder).glob("*.ipynb"))
            result.problems[name] = f"no {name}.ipynb submitted" + (
                f" (found {', '.join(others)})" if others else ""
            )
            continue
        try:
            submitted = nbformat.read(path, as_version=4)
        except Exception as err:  # noqa: BLE001 (anything unreadable is the student's outcome)
            result.problems[name] = f"{path.name} is not a readable notebook: {type(err).__name__}: {err}"[
                :300
            ]
            continue
        release = released(assignment, name)
        if release is not None:
            result.flags += review_notebook(submitted, release)
            theirs, ours = graded_ids(submitted), graded_ids(release)
            if theirs and not theirs & ours:
                shown = ", ".join(sorted(theirs)[:4])
                result.problems[name] = (
                    f"{path.name} is another assignment's notebook (its exercises: {shown})"
                )
                continue
        sanitizing = time.monotonic()
        try:
            nb, resources = sanitized(submitted, name, student, assignment)
        except Exception as err:  # noqa: BLE001
            result.problems[name] = f"nbgrader could not sanitize {path.name}: {type(err).__name__}: {err}"[
                :300
            ]
            continue
        result.sanitize_seconds += time.monotonic() - sanitizing
        executor = LimitedExecute(limits, config=setup.config)
        started = time.monotonic()
        with workspace(Path(folder), setup.source_dir / assignment) as here:
            resources["metadata"] = {"path": str(here)}
            try:
                nb, _ = executor.preprocess(nb, resources)
            except Exception as err:  # noqa: BLE001
                result.problems[name] = f"could not be executed: {type(err).__name__}: {err}"[:300]
                continue
        result.execute_seconds += time.monotonic() - started - executor.kernel_seconds
        result.kernel_seconds += executor.kernel_seconds
        result.reasons += executor.reasons
        try:
            result.notebooks[name] = autograded(nb, resources)
        except Exception as err:  # noqa: BLE001 (as nbgrader's autograde fails on it)
            result.problems[name] = f"nbgrader: {type(err).__name__}: {err}"[:300]
            continue
        result.mistakes += mistakes_of(student, assignment, nb)
    return result
