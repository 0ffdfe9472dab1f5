"""The roster's people as accounts of this machine: one Unix identity each, never a shared one.

``make hub`` reads the course roster (``convlab.grading.roster``: ``id`` and ``role`` columns, a
student by default), checks it as a list of system accounts (:func:`check`), and only then
creates the missing accounts (:func:`ensure`). An account that already exists keeps its password
and home; a new one gets a home only its owner can enter and a random first password, which is
written to a file only root can read.
"""

from __future__ import annotations

import csv
import grp
import pwd
import re
import secrets
import subprocess
from dataclasses import dataclass
from pathlib import Path

from convlab.grading.roster import Member, RosterError, read_roster

# useradd's own rule for a portable login name (NAME_REGEX): lower case, 32 characters at most
LOGIN = re.compile(r"[a-z_][a-z0-9_-]{0,31}")
FIRST_UID = 1000  # below: system accounts (root, daemon, ...), never a person of the course


@dataclass(frozen=True)
class Names:
    """The machine's names for one hub: the staff group (instructors and the grading service)
    and the grading service's own account."""

    prefix: str = "convlab"

    @property
    def staff(self) -> str:
        return f"{self.prefix}-staff"

    @property
    def grader(self) -> str:
        return f"{self.prefix}-grader"


def check(path: Path, names: Names) -> list[Member]:
    """The roster at ``path`` if every line can be an account of this machine; otherwise a
    :class:`RosterError` naming the line. Nothing is touched either way."""
    members = read_roster(path)
    lines = _lines_of(path)
    for member in members:
        where = f"{path}, line {lines[member.id]}"
        if not LOGIN.fullmatch(member.id):
            raise RosterError(
                f"{where}: {member.id!r} cannot be an account name "
                "(a lower-case letter or _, then lower-case letters, digits, _ or -; 32 at most)"
            )
        if member.id in (names.staff, names.grader):
            raise RosterError(f"{where}: {member.id!r} is the hub's own account name")
        existing = _account(member.id)
        if existing is not None and existing.pw_uid < FIRST_UID:
            raise RosterError(
                f"{where}: {member.id!r} is a system account of this machine (uid {existing.pw_uid})"
            )
    if not any(m.role == "instructor" for m in members):
        raise RosterError(f"{path}: no instructor (a role column with at least one 'instructor')")
    if not any(m.role == "student" for m in members):
        raise RosterError(f"{path}: no student")
    return members


def _lines_of(path: Path) -> dict[str, int]:
    """The line each id is on (read_roster has already checked the file)."""
    with open(path, newline="", encoding="utf-8-sig") as f:
        rows = list(csv.reader(f))
    column = [h.strip() for h in rows[0]].index("id")
    return {row[column].strip(): n for n, row in enumerate(rows[1:], start=2) if len(row) > column}


def first_password() -> str:
    """A random password that begins with a letter or digit (one beginning with ``-`` would be
    written as text, ``'-...``, in first-passwords.csv: convlab.grading.tables)."""
    while not (password := secrets.token_urlsafe(9))[0].isalnum():
        pass
    return password


def _account(name: str):
    try:
        return pwd.getpwnam(name)
    except KeyError:
        return None


def _run(*argv: str, stdin: str | None = None) -> None:
    done = subprocess.run(argv, input=stdin, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(argv[:2])} failed: {done.stderr.strip() or done.stdout.strip()}")


def _join_staff(name: str, names: Names) -> None:
    staff = grp.getgrnam(names.staff)
    if name not in staff.gr_mem and pwd.getpwnam(name).pw_gid != staff.gr_gid:
        _run("usermod", "--append", "--groups", names.staff, name)


def ensure(members: list[Member], names: Names, say=print) -> dict[str, str]:
    """The staff group, the grading service's account and an account per member; instructors in
    the staff group. Returns the first passwords of the accounts created now (id -> password)."""
    try:
        grp.getgrnam(names.staff)
    except KeyError:
        _run("groupadd", "--system", names.staff)
        say(f"created the group {names.staff}")
    if _account(names.grader) is None:
        _run("useradd", "--system", "--no-create-home", "--home-dir", "/nonexistent",
             "--shell", "/usr/sbin/nologin", "--gid", names.staff, names.grader)  # fmt: skip
        say(f"created the grading service's account {names.grader}")
    _join_staff(names.grader, names)  # an account of that name made before (by hand) joins too
    created: dict[str, str] = {}
    for member in members:
        if _account(member.id) is None:
            comment = member.name.replace(":", " ")
            _run("useradd", "--create-home", "--shell", "/bin/bash", "--comment", comment,
                 "-K", "HOME_MODE=0700", member.id)  # fmt: skip
            created[member.id] = first_password()
            _run("chpasswd", stdin=f"{member.id}:{created[member.id]}\n")
        home = Path(pwd.getpwnam(member.id).pw_dir)
        if home.is_dir() and home.stat().st_mode & 0o007:
            say(f"warning: {member.id}'s home {home} can be read by other users (chmod 700 {home})")
        if member.role == "instructor":
            _join_staff(member.id, names)
    if created:
        say(f"created {len(created)} accounts: {', '.join(created)}")
    return created
