"""Landlock: what a kernel may read, write and connect to, without root (Linux 5.13+).

A process restricts itself, and every process it starts, to the files beneath the folders it
names, with the rights it names; from ABI 4 it can also refuse every TCP bind and connect.
Nothing here needs a capability: ``PR_SET_NO_NEW_PRIVS`` is enough.
"""

from __future__ import annotations

import ctypes
import os

SYS_CREATE_RULESET, SYS_ADD_RULE, SYS_RESTRICT_SELF = 444, 445, 446  # x86_64 and aarch64 alike
CREATE_RULESET_VERSION = 1
RULE_PATH_BENEATH = 1
PR_SET_NO_NEW_PRIVS = 38

EXECUTE, WRITE_FILE, READ_FILE, READ_DIR = 1, 2, 4, 8
REMOVE_DIR, REMOVE_FILE, MAKE_CHAR, MAKE_DIR = 16, 32, 64, 128
MAKE_REG, MAKE_SOCK, MAKE_FIFO, MAKE_BLOCK, MAKE_SYM = 256, 512, 1024, 2048, 4096
REFER, TRUNCATE, IOCTL_DEV = 8192, 16384, 32768  # ABI 2, 3, 5
NET_BIND_TCP, NET_CONNECT_TCP = 1, 2  # ABI 4

READ = EXECUTE | READ_FILE | READ_DIR
FILE_RIGHTS = EXECUTE | WRITE_FILE | READ_FILE | TRUNCATE | IOCTL_DEV  # all a rule on a file may grant


class RulesetAttr(ctypes.Structure):
    _fields_ = [("handled_access_fs", ctypes.c_uint64), ("handled_access_net", ctypes.c_uint64)]


class PathBeneathAttr(ctypes.Structure):
    _pack_ = 1
    _fields_ = [("allowed_access", ctypes.c_uint64), ("parent_fd", ctypes.c_int32)]


_libc = ctypes.CDLL(None, use_errno=True)
_libc.syscall.restype = ctypes.c_long


def abi() -> int:
    """The kernel's Landlock ABI version, 0 where Landlock is missing or disabled."""
    version = _libc.syscall(
        SYS_CREATE_RULESET, None, ctypes.c_size_t(0), ctypes.c_uint32(CREATE_RULESET_VERSION)
    )
    return max(int(version), 0)


def handled(version: int) -> int:
    """Every filesystem right this ABI knows: what the ruleset denies unless a rule allows it."""
    rights = (MAKE_SYM << 1) - 1
    for since, right in ((2, REFER), (3, TRUNCATE), (5, IOCTL_DEV)):
        if version >= since:
            rights |= right
    return rights


def restrict(read: list[str], write: list[str], no_tcp: bool) -> list[str]:
    """Allow reading beneath ``read`` and everything beneath ``write``, nothing else on the
    filesystem, and (``no_tcp``, ABI 4+) no TCP at all. Returns what could not be done; never
    raises (a rule that cannot be added leaves the process unrestricted, and says so)."""
    version = abi()
    if version < 1:
        return ["filesystem not confined: this kernel has no Landlock"]
    missing = []
    fs = handled(version)
    net = NET_BIND_TCP | NET_CONNECT_TCP if no_tcp and version >= 4 else 0
    if no_tcp and not net:
        missing.append(f"TCP not refused by Landlock: ABI {version} < 4")
    attr = RulesetAttr(fs, net)
    size = ctypes.sizeof(attr) if version >= 4 else 8
    ruleset = _libc.syscall(SYS_CREATE_RULESET, ctypes.byref(attr), ctypes.c_size_t(size), ctypes.c_uint32(0))
    if ruleset < 0:
        return [f"filesystem not confined: landlock_create_ruleset: {os.strerror(ctypes.get_errno())}"]
    try:
        try:
            for paths, rights in ((read, READ), (write, fs)):
                for path in paths:
                    _allow(ruleset, path, rights & fs)
        except OSError as err:
            return missing + [f"filesystem not confined: {err.strerror}"]
        if _libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
            return missing + [f"filesystem not confined: no_new_privs: {os.strerror(ctypes.get_errno())}"]
        if _libc.syscall(SYS_RESTRICT_SELF, ctypes.c_int(ruleset), ctypes.c_uint32(0)) != 0:
            return missing + [
                f"filesystem not confined: landlock_restrict_self: {os.strerror(ctypes.get_errno())}"
            ]
    finally:
        os.close(ruleset)
    return missing


def _allow(ruleset: int, path: str, rights: int) -> None:
    try:
        fd = os.open(path, os.O_PATH | os.O_CLOEXEC)
    except OSError:
        return  # nothing there to allow
    try:
        if not os.path.isdir(path):
            rights &= FILE_RIGHTS
        rule = PathBeneathAttr(rights, fd)
        if (
            _libc.syscall(
                SYS_ADD_RULE,
                ctypes.c_int(ruleset),
                ctypes.c_int(RULE_PATH_BENEATH),
                ctypes.byref(rule),
                ctypes.c_uint32(0),
            )
            != 0
        ):
            raise OSError(ctypes.get_errno(), f"landlock_add_rule {path}: {os.strerror(ctypes.get_errno())}")
    finally:
        os.close(fd)
