"""Kernels ready in a fraction of a second: fork them from a process that imported torch once.

A fresh kernel spends about 0.6 s starting and 1.3 s importing torch before the first cell of a
notebook runs. The fork server imports ipykernel, torch (with ``torch._dynamo``, which the
checks' dispatch watch needs), numpy, matplotlib, ipywidgets, convlab's checks, widgets and
plots and scikit-learn's datasets once (:data:`PRELOAD`), then forks one kernel per notebook:
each fork is a fresh copy, used for one notebook and never again, so nothing one
student's code does reaches another's kernel. Torch is only imported here, never run, so its
thread pools start in each kernel, after the fork.

    python -m convlab.grading.engine.forkserver SOCKET [LIMITS_JSON]

The server prints ``ready`` and what confinement this platform allows, then serves
:mod:`convlab.grading.engine.launcher` requests until its stdin closes; :class:`ForkServer` starts
and stops it for the grader. Each kernel runs in its own
session under the limits of :mod:`convlab.grading.engine.limits`; when a launcher goes away, its
kernel's whole process group is killed.
"""

from __future__ import annotations

import ctypes
import importlib
import json
import os
import pwd
import secrets
import selectors
import shutil
import signal
import socket
import subprocess
import sys
import tempfile

from convlab import alt
from convlab.grading.engine.limits import Limits, apply_memory_and_files, confine, kernel_files, probe_confine
from convlab.grading.engine.scratch import Scratch, sweep

PRELOAD = (
    "ipykernel.kernelapp",
    # what IPKernelApp.initialize imports in each kernel (its debugger imports debugpy): 0.45 s
    # of the 0.55 s it took in a fresh fork
    "ipykernel.ipkernel",
    "ipykernel.debugger",
    "IPython.core.debugger",
    "IPython.core.completerlib",
    "IPython.core.oinspect",
    "IPython.extensions.storemagic",
    "sqlite3",
    "tornado.platform.asyncio",
    "torch",
    "torch._dynamo",
    "numpy",
    "matplotlib.pyplot",
    "ipywidgets",
    # what every graded notebook's setup cell imports (0.5 s a kernel), and scikit-learn's
    # datasets, which notebook 09's data.digits() imports (1 to 4 s a kernel): imported here, the
    # kernels find them loaded. Importing convlab.checks records what the checks rely on
    # (convlab.checks.integrity) here, before any student code, as in a kernel's first cell
    "convlab.checks",
    "convlab.widgets",
    "convlab.plots",
    "sklearn.datasets",
)


def preload() -> None:
    # ipykernel would set the inline backend when the kernel starts; pyplot must see it now
    os.environ.setdefault("MPLBACKEND", "module://matplotlib_inline.backend_inline")
    # debugpy, imported under Python 3.11's frozen modules, warns on stderr that breakpoints may be
    # missed: no graded kernel is debugged, and the warning was printed by every grading run
    os.environ.setdefault("PYDEVD_DISABLE_FILE_VALIDATION", "1")
    for name in PRELOAD:
        importlib.import_module(name)


PR_SET_PDEATHSIG = 1


def die_with(parent: int) -> None:
    """Have this process killed when ``parent`` goes, however it goes: a kernel with its fork
    server, a grading worker with its grader (one killed with SIGKILL cannot stop them itself).
    Set once the process's credentials are final (changing them clears the setting)."""
    ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent:  # the parent went before the setting took
        os._exit(1)


def private_folder(path: str, drop_root: bool) -> None:
    """The kernel's own folder (its IPython profile, matplotlib's, its temporary files), made
    before it is confined: the server's folder is shared by every kernel the server forks, for
    as long as it runs (batch after batch in the grade-on-submit service), so a profile there
    would let one student's kernel leave a startup file for the next's."""
    os.mkdir(path, 0o700)
    if drop_root and os.geteuid() == 0:
        nobody = pwd.getpwnam("nobody")
        os.chown(path, nobody.pw_uid, nobody.pw_gid)


def become_kernel(request: dict, limits: Limits, drop_root: bool, server_socket: str, private: str) -> None:
    """In the forked child: become one student's kernel, its own files in ``private``. Never returns."""
    code = 1
    server_pid = os.getppid()
    try:
        os.setsid()
        for signum in (signal.SIGCHLD, signal.SIGINT, signal.SIGTERM, signal.SIGPIPE):
            signal.signal(signum, signal.SIG_DFL)
        null = os.open(os.devnull, os.O_RDWR)
        for fd in (0, 1, 2):
            os.dup2(null, fd)
        os.environ.clear()
        os.environ.update(request["env"])
        os.chdir(request["cwd"])
        # IPython's profile in a folder of its own: the kernel may not be able to write to $HOME
        folder = os.path.dirname(server_socket)
        private_folder(private, drop_root)
        os.environ["IPYTHONDIR"] = os.path.join(private, "ipython")
        os.environ["MPLCONFIGDIR"] = os.path.join(private, "matplotlib")
        os.environ["TMPDIR"] = private  # the temporary folder of this kernel alone
        tempfile.tempdir = None  # forget the server's choice: find TMPDIR again
        apply_memory_and_files(limits)
        # confined before any thread exists, so that every thread of the kernel is: the kernel
        # talks over unix sockets (ipc), which reach it from outside its network namespace, and
        # may write only its notebook's scratch folder and the server's
        confine(limits, drop_root, kernel_files(folder, request["cwd"], request["argv"]))
        die_with(server_pid)
        import torch
        from ipykernel.kernelapp import IPKernelApp

        torch.set_num_threads(limits.threads)
        app = IPKernelApp.instance()
        app.initialize(request["argv"])
        # what importing convlab does in a kernel (figures' text alternatives, convlab.alt): here
        # convlab was imported before the kernel's shell existed, and a kernel's import finds it done
        alt.install(app.shell)
        app.start()
        code = 0
    except SystemExit as exit_:
        code = exit_.code if isinstance(exit_.code, int) else 1
    finally:
        os._exit(code)


def serve_kernels(path: str, limits: Limits) -> None:
    preload()
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(path)
    listener.listen(64)
    import torch

    # where the kernels' ipc sockets and own folders go: they may add to it, not list it
    folder = os.path.dirname(path)
    os.chmod(folder, 0o1733)
    must_read = [os.path.dirname(torch.__file__), sys.prefix]
    missing, drop_root = probe_confine(limits, must_read, folder, kernel_files(folder, folder))
    print(json.dumps({"ready": os.getpid(), "missing": missing}), flush=True)

    selector = selectors.DefaultSelector()
    selector.register(listener, selectors.EVENT_READ)
    selector.register(sys.stdin, selectors.EVENT_READ)
    kernels: dict[int, socket.socket | None] = {}  # pid -> its launcher's connection
    privates: dict[int, str] = {}  # pid -> its own folder (private_folder), removed when it ends
    buffers: dict[socket.socket, bytes] = {}

    def kill(pid: int) -> None:
        try:
            os.killpg(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass

    def drop(conn: socket.socket) -> None:
        selector.unregister(conn)
        del buffers[conn]
        conn.close()

    def handle(conn: socket.socket) -> None:
        pid = next((p for p, c in kernels.items() if c is conn), None)
        data = conn.recv(65536)
        if not data:  # the launcher is gone: so is its kernel
            if pid is not None:
                kill(pid)
                kernels[pid] = None
            drop(conn)
            return
        buffers[conn] += data
        while b"\n" in buffers[conn]:
            line, buffers[conn] = buffers[conn].split(b"\n", 1)
            if pid is None:
                private = os.path.join(folder, f"own-{secrets.token_hex(16)}")  # not to be guessed
                pid = os.fork()
                if pid == 0:  # the kernel keeps none of the server's sockets
                    for fileobj in [listener, selector, *buffers]:
                        fileobj.close()
                    become_kernel(json.loads(line), limits, drop_root, path, private)
                kernels[pid] = conn
                privates[pid] = private
            elif line.startswith(b"signal "):
                try:
                    os.kill(pid, int(line.split()[1]))
                except ProcessLookupError:
                    pass

    def reap() -> None:
        while kernels:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                return
            if pid == 0:
                return
            kill(pid)  # whatever the kernel left running in its group
            shutil.rmtree(privates.pop(pid, ""), ignore_errors=True)
            conn = kernels.pop(pid, None)
            if conn is not None:
                try:
                    conn.sendall(f"exit {os.waitstatus_to_exitcode(status)}\n".encode())
                except OSError:
                    pass
                drop(conn)

    try:
        while True:
            for key, _ in selector.select(timeout=0.1):
                if key.fileobj is sys.stdin:
                    if not sys.stdin.readline():
                        return  # the grader is done (or gone)
                elif key.fileobj is listener:
                    conn, _ = listener.accept()
                    buffers[conn] = b""
                    selector.register(conn, selectors.EVENT_READ)
                else:
                    handle(key.fileobj)
            reap()
    finally:
        for pid in kernels:
            kill(pid)


class ForkServer:
    """The fork server as a context, for the grader: started before the workers, stopped (with
    any kernel still running) when grading ends, however it ends. Entering it starts the server;
    :meth:`ready` waits until it has imported :data:`PRELOAD` and listens, so that whoever
    started it can do something else meanwhile (the local pool starts its workers)."""

    def __init__(self, limits: Limits):
        self.limits = limits
        self._missing: list[str] | None = None

    def __enter__(self) -> ForkServer:
        sweep()  # what runs killed before this one left in the temporary folder
        self.folder = Scratch("convlab-grading-")  # the server opens it to nobody
        self.socket = os.path.join(self.folder.name, "kernels.sock")
        argv = [
            sys.executable,
            "-m",
            "convlab.grading.engine.forkserver",
            self.socket,
            json.dumps(self.limits.as_dict()),
        ]
        self.process = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        return self

    def ready(self) -> list[str]:
        """Wait until the server listens (once): the limits this platform cannot enforce."""
        if self._missing is None:
            line = self.process.stdout.readline()
            if not line:
                raise SystemExit("the kernel fork server did not start (run it alone to see why)")
            self._missing = json.loads(line)["missing"]
        return self._missing

    @property
    def missing(self) -> list[str]:
        return self.ready()

    def __exit__(self, *exc) -> None:
        self.process.stdin.close()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
        self.folder.cleanup()


def main(argv: list[str] | None = None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    limits = Limits(**json.loads(argv[1])) if len(argv) > 1 else Limits()
    serve_kernels(argv[0], limits)


if __name__ == "__main__":
    main()
