"""What one student's notebook may use while it is graded, and how a kernel is held to it.

The kernel limits are applied inside each forked kernel (:mod:`convlab.grading.forkserver`)
before any student code runs; the time and output limits are enforced by the executor
(:mod:`convlab.grading.execute`). A notebook that hits a limit loses the cells that did not
finish, and the report says which limit it hit; the batch carries on.
"""

from __future__ import annotations

import ctypes
import os
import pwd
import resource
from dataclasses import asdict, dataclass

MB = 1024 * 1024
CLONE_NEWNET = 0x40000000


@dataclass(frozen=True)
class Limits:
    cell_seconds: int = 120  # one cell; nbgrader's Execute.timeout (nbgrader_config.py) when set
    notebook_seconds: int = 600  # the whole notebook, kernel start included
    memory_mb: int = 4096  # address space of the kernel (RLIMIT_AS)
    output_mb: int = 4  # text and images a notebook may print; the rest is dropped, with a note
    file_mb: int = 64  # largest file student code may write (RLIMIT_FSIZE)
    processes: int = 256  # tasks (processes and threads) of the grading user (RLIMIT_NPROC)
    network: bool = False  # False: the kernel's code runs in an empty network namespace
    threads: int = 1  # torch threads per kernel: the workers, not one kernel, use the cores

    def as_dict(self) -> dict:
        return asdict(self)


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


def confine(limits: Limits) -> list[str]:
    """Once the kernel's sockets are bound: cut the network and bound the number of processes.

    Run as root, the kernel leaves the host's network namespace and becomes ``nobody``, so
    RLIMIT_NPROC holds (root is exempt from it). Run as a user, the limit counts that user's
    own processes, so it is set above what the user already runs. Returns what could not be
    done on this platform (for the report), never raises.
    """
    missing = []
    if not limits.network:
        libc = ctypes.CDLL(None, use_errno=True)
        if libc.unshare(CLONE_NEWNET) != 0:
            missing.append(f"network left on: unshare: {os.strerror(ctypes.get_errno())}")
    if os.geteuid() == 0:
        try:
            nobody = pwd.getpwnam("nobody")
            os.setgroups([])
            os.setgid(nobody.pw_gid)
            os.setuid(nobody.pw_uid)
        except (KeyError, OSError) as err:
            missing.append(f"still root, process limit not enforced: {err}")
            return missing
    budget = _tasks_of(os.getuid()) + limits.processes
    resource.setrlimit(resource.RLIMIT_NPROC, (budget, budget))
    return missing
