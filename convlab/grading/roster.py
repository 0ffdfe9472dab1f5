"""The class list: who is in the course, and who they are in the LMS (``autograder/roster.csv``).

One row per person, a header naming the columns::

    id,name,email,lms_id,sis_id,section
    ada,Ada Lovelace,ada@example.edu,1001,S0001,A

- ``id``: the course id, the folder name under ``autograder/submitted/`` (letters, digits, ``._-``,
  beginning with a letter or digit: :func:`is_id`);
- ``name``, ``email``: as the LMS shows them;
- ``lms_id``: Canvas's user ID; ``sis_id``: the student-information-system id (Canvas's SIS User
  ID, Moodle's ID number); ``section``: optional;
- ``role`` (optional column): ``student`` (the default) or ``instructor``; instructors get no grades.

A roster with a bad line is refused whole, naming the line, before anything uses it.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from pathlib import Path

COLUMNS = ("id", "name", "email", "lms_id", "sis_id", "section")
ROLES = ("student", "instructor")
ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")


def is_id(name: str) -> bool:
    """Whether ``name`` can be a student id: what the roster accepts, and what every command
    that takes an id from a folder's name (the exchange, ``autograder/submitted/``) or a
    gradebook checks before using it. It cannot hold a path separator or a glob character, be
    ``.`` or ``..``, or begin with a character a spreadsheet would run (``= + - @``)."""
    return isinstance(name, str) and ID.fullmatch(name) is not None


class RosterError(SystemExit):
    """The roster cannot be used; the message names the file and the line."""


@dataclass(frozen=True)
class Member:
    id: str
    name: str = ""
    email: str = ""
    lms_id: str = ""
    sis_id: str = ""
    section: str = ""
    role: str = "student"


def read_roster(path: Path) -> list[Member]:
    """Every member of ``path``, checked: known columns, an id on every line, valid ids and
    roles, no id twice. Raises :class:`RosterError` naming the first bad line."""
    if not path.is_file():
        raise RosterError(f"{path}: no roster (a CSV file with the columns {', '.join(COLUMNS)})")
    with open(path, newline="", encoding="utf-8-sig") as f:
        reader = csv.reader(f)
        header = [h.strip() for h in next(reader, [])]
        if "id" not in header:
            raise RosterError(f"{path}, line 1: the header must name an id column, got {header}")
        unknown = set(header) - {*COLUMNS, "role"}
        if unknown:
            raise RosterError(
                f"{path}, line 1: unknown column(s) {sorted(unknown)}; known: {COLUMNS} and role"
            )
        members: list[Member] = []
        seen: dict[str, int] = {}
        for line, row in enumerate(reader, start=2):
            if not any(cell.strip() for cell in row):
                continue
            if len(row) != len(header):
                raise RosterError(f"{path}, line {line}: {len(row)} fields, the header has {len(header)}")
            fields = {h: cell.strip() for h, cell in zip(header, row, strict=True)}
            member = Member(**{k: v for k, v in fields.items() if v or k == "id"})
            if not is_id(member.id):
                raise RosterError(f"{path}, line {line}: {member.id!r} is not an id (letters, digits, . _ -)")
            if member.role not in ROLES:
                raise RosterError(
                    f"{path}, line {line}: unknown role {member.role!r} (one of {', '.join(ROLES)})"
                )
            if member.id in seen:
                raise RosterError(f"{path}, line {line}: {member.id!r} is already on line {seen[member.id]}")
            seen[member.id] = line
            members.append(member)
    return members
