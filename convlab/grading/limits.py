"""What one student's notebook may use while it is graded, and how a kernel is held to it.

The kernel limits are applied inside each forked kernel (:mod:`convlab.grading.forkserver`)
before any student code runs; the time and output limits are enforced by the executor
(:mod:`convlab.grading.execute`). A notebook that hits a limit loses the cells that did not
finish, and the report says which limit it hit; the batch carries on.
"""

from __future__ import annotations

import ctypes
import json
import os
import pwd
import resource
from dataclasses import asdict, dataclass, replace

MB = 1024 * 1024
CLONE_NEWNET = 0x40000000


@dataclass(frozen=True)
class Limits:
    cell_seconds: int | None = None  # one cell; None: nbgrader's Execute.timeout, else 120
    notebook_seconds: int = 600  # the whole notebook, kernel start included
    memory_mb: int = 4096  # address space of the kernel (RLIMIT_AS)
    output_mb: int = 4  # text and images a notebook may print; the rest is dropped, with a note
    file_mb: int = 64  # largest file student code may write (RLIMIT_FSIZE)
    processes: int = 256  # tasks (processes and threads) of the grading user (RLIMIT_NPROC)
    network: bool = False  # False: the kernel's code runs in an empty network namespace
    threads: int = 1  # torch threads per kernel: the workers, not one kernel, use the cores

    def as_dict(self) -> dict:
        return asdict(self)

    def for_course(self, config) -> Limits:
        """These limits with the cell limit settled: as given, else the course's
        ``Execute.timeout`` (nbgrader_config.py), else 120 s."""
        if self.cell_seconds is not None:
            return self
        return replace(self, cell_seconds=config.get("Execute", {}).get("timeout") or 120)


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


def apply_memory_and_files(limits: Limits) -> None:
    """Caps that hold for the kernel's whole life: address space, file size, no core dumps."""
    resource.setrlimit(resource.RLIMIT_AS, (limits.memory_mb * MB,) * 2)
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


def confine(limits: Limits, drop_root: bool = True) -> list[str]:
    """Before the kernel starts (and any thread): cut the network, bound the processes.

    Run as root (and ``drop_root``, which :func:`probe_confine` decides once per batch), the
    kernel leaves the host's network namespace and becomes ``nobody``, so RLIMIT_NPROC holds
    (root is exempt from it). Run as a user, the limit counts that user's own processes, so it
    is set above what the user already runs. Returns what could not be done on this platform
    (for the report), never raises.
    """
    missing = []
    libc = ctypes.CDLL(None, use_errno=True)
    if not limits.network and libc.unshare(CLONE_NEWNET) != 0:
        missing.append(f"network left on: unshare: {os.strerror(ctypes.get_errno())}")
    if os.geteuid() == 0:
        if not drop_root:
            return missing + ["process limit not enforced: kernels run as root"]
        try:
            _become_nobody(libc)
        except (KeyError, OSError) as err:
            return missing + [f"process limit not enforced: {err}"]
    budget = _tasks_of(os.getuid()) + limits.processes
    resource.setrlimit(resource.RLIMIT_NPROC, (budget, budget))
    return missing


def probe_confine(limits: Limits, must_read: list[str], must_write: str) -> tuple[list[str], bool]:
    """Try :func:`confine` in a throw-away child: (what it cannot do here, whether kernels may
    drop root). Dropping root is only allowed when the confined child can still read
    ``must_read`` (the Python installation) and create files in ``must_write`` (its sockets)."""
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(read)
        missing = confine(limits)
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
