"""What one student's notebook may use while it is graded, and how a kernel is held to it.

The kernel limits are applied inside each forked kernel (:mod:`convlab.grading.engine.forkserver`)
before any student code runs; the time and output limits are enforced by the executor
(:mod:`convlab.grading.engine.execute`). A notebook that hits a limit loses the cells that did not
finish, and the report says which limit it hit; the batch carries on.
"""

from __future__ import annotations

import ctypes
import json
import os
import pwd
import resource
import sys
from dataclasses import asdict, dataclass, replace

from convlab.grading.course import CELL_SECONDS
from convlab.grading.engine import landlock

MB = 1024 * 1024
CLONE_NEWNET = 0x40000000
CLONE_NEWUSER = 0x10000000


@dataclass(frozen=True)
class Limits:
    cell_seconds: int | None = None  # one cell; None: nbgrader's Execute.timeout, else CELL_SECONDS
    notebook_seconds: int = 600  # the whole notebook, kernel start included
    memory_mb: int = 4096  # address space the kernel may add to what it had at its fork (RLIMIT_AS)
    output_mb: int = 4  # text and images a notebook may print; the rest is dropped, with a note
    file_mb: int = 64  # largest file student code may write (RLIMIT_FSIZE)
    processes: int = 256  # tasks (processes and threads) of the grading user (RLIMIT_NPROC)
    network: bool = False  # False: the kernel's code runs in an empty network namespace, no TCP
    files: bool = False  # False: Landlock lets the kernel read only what it needs, write only its scratch
    threads: int = 1  # torch threads per kernel: the workers, not one kernel, use the cores

    def as_dict(self) -> dict:
        return asdict(self)

    def for_course(self, config) -> Limits:
        """These limits with the cell limit settled: as given, else the course's
        ``Execute.timeout`` (nbgrader_config.py), else :data:`~convlab.grading.course.CELL_SECONDS`."""
        if self.cell_seconds is not None:
            return self
        return replace(self, cell_seconds=config.get("Execute", {}).get("timeout") or CELL_SECONDS)


def _tasks_of(uid: int) -> int:
    """How many processes and threads ``uid`` runs now (RLIMIT_NPROC counts them all)."""
    count = 0
    for pid in os.listdir("/proc"):
        if pid.isdigit():
            try:
                if os.stat(f"/proc/{pid}").st_uid == uid:
                    count += len(os.listdir(f"/proc/{pid}/task"))
            except OSError:
                continue
    return count


def mapped_bytes() -> int:
    """This process's address space now (``VmSize``): in a forked kernel, the libraries the fork
    server loaded. PyTorch's CUDA build (PyPI's on Linux) maps 3.3 GB of them, its CPU build 0.8 GB."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmSize:"):
                return int(line.split()[1]) * 1024
    return 0


def apply_memory_and_files(limits: Limits) -> None:
    """Caps that hold for the kernel's whole life: address space (``memory_mb`` beyond what is
    mapped already, whichever PyTorch build that is), file size, no core dumps."""
    resource.setrlimit(resource.RLIMIT_AS, (mapped_bytes() + limits.memory_mb * MB,) * 2)
    resource.setrlimit(resource.RLIMIT_FSIZE, (limits.file_mb * MB,) * 2)
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


PR_SET_KEEPCAPS = 8
CAP_DAC_READ_SEARCH = 2
CAPABILITY_VERSION_3 = 0x20080522


def _become_nobody(libc) -> None:
    """setuid(nobody), keeping one capability: to read files and search folders, so that the
    kernel can still import packages installed where nobody may not look (a private temporary
    folder, /root). It cannot write anything root owns, and RLIMIT_NPROC now applies to it."""
    nobody = pwd.getpwnam("nobody")
    libc.prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0)
    os.setgroups([])
    os.setgid(nobody.pw_gid)
    os.setuid(nobody.pw_uid)
    header = (ctypes.c_uint32 * 2)(CAPABILITY_VERSION_3, 0)
    read = 1 << CAP_DAC_READ_SEARCH
    data = (ctypes.c_uint32 * 6)(read, read, 0, 0, 0, 0)  # effective, permitted, inheritable
    if libc.capset(header, data) != 0:
        raise OSError(ctypes.get_errno(), f"capset: {os.strerror(ctypes.get_errno())}")


@dataclass(frozen=True)
class Files:
    """What a kernel may see of the filesystem: folders (or files) to read, folders to write."""

    read: tuple[str, ...]
    write: tuple[str, ...]


def confine(limits: Limits, drop_root: bool = True, files: Files | None = None) -> list[str]:
    """Before the kernel starts (and any thread): cut the network, bound the processes, fence
    the filesystem.

    The kernel leaves the host's network namespace: as root directly, as a user inside a user
    namespace of its own (no root or setuid helper needed). Run as root (and ``drop_root``,
    which :func:`probe_confine` decides once per batch) it also becomes ``nobody``, so
    RLIMIT_NPROC holds (root is exempt from it); run as a user, the limit counts that user's
    own processes, so it is set above what the user already runs. Last, Landlock
    (:mod:`convlab.grading.engine.landlock`) lets it read only ``files.read`` and write only
    ``files.write``, and refuses TCP. Returns what could not be done on this platform (for
    the report), never raises.
    """
    missing = []
    libc = ctypes.CDLL(None, use_errno=True)
    root = os.geteuid() == 0
    # a user's budget is counted before a user namespace hides its uid; root has none (exempt)
    budget = None if root else _tasks_of(os.getuid()) + limits.processes
    if not limits.network:
        flags = CLONE_NEWNET if root else CLONE_NEWUSER | CLONE_NEWNET
        if libc.unshare(flags) != 0:
            missing.append(f"network left on: unshare: {os.strerror(ctypes.get_errno())}")
    if root and not drop_root:
        missing.append("process limit not enforced: kernels run as root")
    elif root:
        try:
            _become_nobody(libc)
            budget = _tasks_of(os.getuid()) + limits.processes
        except (KeyError, OSError) as err:
            missing.append(f"process limit not enforced: {err}")
    if budget is not None:
        resource.setrlimit(resource.RLIMIT_NPROC, (budget, budget))
    if files is not None and not limits.files:
        missing += landlock.restrict(list(files.read), list(files.write), no_tcp=not limits.network)
    return missing


def kernel_files(folder: str, cwd: str, argv: list[str] = ()) -> Files:
    """What a kernel needs: the system's and Python's folders, convlab, its connection file to
    read; its notebook's folder (a scratch copy) and the server's folder (sockets) to write.
    Not the course: its gradebook, submissions, source and answer key stay out of reach."""
    import convlab  # noqa: PLC0415 (the package's own folder, wherever it is installed)

    read = ["/usr", "/lib", "/lib64", "/bin", "/etc", "/proc", "/sys", "/opt"]
    read += [sys.prefix, sys.base_prefix, sys.exec_prefix, os.path.dirname(convlab.__file__)]
    # sys.path's installed packages only: its first entry may be the course folder itself
    read += [p for p in sys.path if os.path.isdir(p) and ("-packages" in p or p.startswith(sys.base_prefix))]
    read += [argv[i + 1] for i, arg in enumerate(argv[:-1]) if arg == "-f"]  # the connection file
    return Files(tuple(dict.fromkeys(read)), (cwd, folder, "/dev"))


def probe_confine(
    limits: Limits, must_read: list[str], must_write: str, files: Files | None = None
) -> tuple[list[str], bool]:
    """Try :func:`confine` in a throw-away child: (what it cannot do here, whether kernels may
    drop root). Dropping root is only allowed when the confined child can still read
    ``must_read`` (the Python installation) and create files in ``must_write`` (its sockets)."""
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(read)
        missing = confine(limits, files=files)
        readable = True
        for path in must_read:
            try:
                os.listdir(path)
            except OSError as err:
                readable = False
                missing.append(f"process limit not enforced: nobody cannot read {path} ({err.strerror})")
        try:
            os.close(os.open(os.path.join(must_write, "probe"), os.O_CREAT | os.O_WRONLY, 0o600))
            os.unlink(os.path.join(must_write, "probe"))
        except OSError as err:
            readable = False
            missing.append(
                f"process limit not enforced: nobody cannot write to {must_write} ({err.strerror})"
            )
        os.write(write, json.dumps([missing, readable]).encode())
        os._exit(0)
    os.close(write)
    with os.fdopen(read) as pipe:
        missing, readable = json.loads(pipe.read() or '[["the confinement probe failed"], false]')
    os.waitpid(pid, 0)
    return missing, readable
