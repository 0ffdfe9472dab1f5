"""Temporary folders that a killed run does not leave behind for ever.

Each folder a grader, worker or service makes (``convlab-grading-*``, ``convlab-run-*``, ...)
holds a ``.owner`` file its maker keeps locked (``flock``) for the folder's lifetime; the
kernel drops every lock of a process that dies, however it dies (SIGKILL, the out-of-memory
killer), and a reused pid holds none. :func:`sweep` (at the start of every grading run)
removes the folders whose lock it can take: their owner is gone; and a folder whose maker died
while making it (no named lock a minute after it was made, its unnamed one free). It never
touches a folder whose lock is held (a live run), one without a lock file younger than that (it
is being made), one
that is not this user's, or a symbolic link (anyone can plant one in ``/tmp``), and never
follows a link inside a folder it removes.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import stat
import tempfile
import time
from pathlib import Path

PREFIXES = (
    "convlab-grading-",
    "convlab-run-",
    "convlab-kit-",
    "convlab-submitted-",
    "convlab-worker-",
    "convlab-collect-",
)
OWNER = ".owner"
# a folder still without its named lock this long after it was made was made by a run that died
# making it (a live maker names the lock microseconds after mkdtemp)
HALF_MADE_SECONDS = 60


class Scratch:
    """``tempfile.TemporaryDirectory`` with its owner's lock: ``name``, ``cleanup()``, a context."""

    def __init__(self, prefix: str, dir: str | None = None):  # noqa: A002 (tempfile's name)
        assert prefix in PREFIXES, f"{prefix} is not swept: add it to PREFIXES"
        self.name = tempfile.mkdtemp(prefix=prefix, dir=dir)
        # locked before it is named: the sweep never sees it unlocked
        partial = os.path.join(self.name, f"{OWNER}.partial")
        self._lock = os.open(
            partial, os.O_RDWR | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600
        )
        fcntl.flock(self._lock, fcntl.LOCK_EX)
        os.write(self._lock, f"{os.getpid()}\n".encode())
        os.rename(partial, os.path.join(self.name, OWNER))

    def cleanup(self) -> None:
        if self._lock is None:
            return
        shutil.rmtree(self.name, ignore_errors=True)
        os.close(self._lock)  # the lock goes with the folder, not before it
        self._lock = None

    def __enter__(self) -> str:
        return self.name

    def __exit__(self, *exc) -> None:
        self.cleanup()


def sweep(folder: str | None = None) -> list[Path]:
    """Remove this user's convlab folders in ``folder`` (the temporary folder) whose owner is dead."""
    folder = folder or tempfile.gettempdir()
    removed = []
    with contextlib.suppress(OSError), os.scandir(folder) as entries:
        candidates = [e for e in entries if e.name.startswith(PREFIXES)]
    for entry in candidates:
        with contextlib.suppress(OSError):
            if _dead(entry):
                shutil.rmtree(entry.path)  # fd-based on Linux: never follows a link inside
                removed.append(Path(entry.path))
    return removed


def _exists(name: str, here: int) -> bool:
    try:
        os.stat(name, dir_fd=here, follow_symlinks=False)
        return True
    except FileNotFoundError:
        return False


def _unlocked(name: str, here: int) -> bool:
    """Whether the lock file ``name`` in the folder ``here`` is this user's and nobody holds it."""
    try:
        lock = os.open(name, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC, dir_fd=here)
    except FileNotFoundError:
        return False
    try:
        owner = os.fstat(lock)
        if not stat.S_ISREG(owner.st_mode) or owner.st_uid != os.geteuid():
            return False
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False  # its run is alive
        return True
    finally:
        os.close(lock)


def _dead(entry: os.DirEntry) -> bool:
    """Whether ``entry`` is a real folder of this user whose owner's lock can be taken."""
    info = entry.stat(follow_symlinks=False)
    if not stat.S_ISDIR(info.st_mode) or info.st_uid != os.geteuid():
        return False
    here = os.open(entry.path, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC)
    try:
        mine = os.fstat(here)
        if (mine.st_dev, mine.st_ino) != (info.st_dev, info.st_ino):
            return False  # replaced since it was listed
        if _unlocked(OWNER, here):
            return True
        # killed while making it (between mkdtemp and naming its lock): its lock, or the folder,
        # is still "being made" long after any live maker would have named it
        half_made = time.time() - info.st_mtime > HALF_MADE_SECONDS
        return (
            half_made
            and not _exists(OWNER, here)
            and (_unlocked(f"{OWNER}.partial", here) or not os.listdir(here))
        )
    finally:
        os.close(here)
