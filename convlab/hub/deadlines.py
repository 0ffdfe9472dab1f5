"""Deadlines on the hub: a due date per assignment, an extension per student, and the student's
own deadline shown in their Assignment List.

An instructor sets them in a terminal of their JupyterLab, in ``~/convlab``::

    python -m convlab.hub.deadlines due 01_cross_correlation "2026-12-10 17:00 UTC"
    python -m convlab.hub.deadlines extend ada 01_cross_correlation --days 2
    python -m convlab.hub.deadlines show

Both live in nbgrader's gradebook (the assignment's ``duedate``, the submission's ``extension``),
so nbgrader computes lateness against the student's own deadline (due date plus extension) and
the late penalty (:mod:`convlab.grading.results.late`) follows it; the due date goes to the LMS with the
assignment's line item (:mod:`convlab.hub.passback`). An extension granted before the student
has handed anything in is held by an empty submission (nbgrader's way): it carries no grade
(:func:`is_graded`).

nbgrader's Assignment List shows no due date (nbgrader #943, #1380), and its frontend has no
hook for one; what it does show comes from the exchange's list plugin, a public one
(``c.ExchangeFactory.list``): :class:`DeadlineList` adds to each assignment the student has
fetched a line "due ... - your deadline ..." among its notebooks, and to each submission's time
the deadline it was judged against. Each student's deadlines are published by the hub's
``lms-sync`` service (:func:`publish`) in a file only they can read.
"""

from __future__ import annotations

import argparse
import getpass
import json
import os
import pwd
import sys
from datetime import timedelta
from pathlib import Path

from nbgrader.api import MissingEntry
from nbgrader.exchange.default.list import ExchangeList
from nbgrader.utils import parse_utc

from convlab.grading.course import Course
from convlab.grading.recording.state import Memory
from convlab.grading.roster import is_id

FOLDER = "deadlines"  # in the exchange's course folder: one file per student, theirs alone
SHOWN = "%Y-%m-%d %H:%M UTC"


def is_graded(submission) -> bool:
    """Whether a gradebook submission holds a grade, not only an extension."""
    grades = [g for nb in submission.notebooks for g in nb.grades]
    return any(g.auto_score is not None or g.manual_score is not None for g in grades)


def due_dates(course: Course) -> dict:
    with course.gradebook() as gb:
        return {a.name: a.duedate for a in gb.assignments if a.duedate is not None}


def of_student(course: Course, students: list[str]) -> dict[str, dict[str, dict]]:
    """student -> assignment -> {due, extension_s, deadline} for every assignment with a due date."""
    found: dict[str, dict[str, dict]] = {s: {} for s in students}
    with course.gradebook() as gb:
        for a in gb.assignments:
            if a.duedate is None:
                continue
            extension = {s.student.id: s.extension for s in gb.assignment_submissions(a.name) if s.extension}
            for student in students:
                ext = extension.get(student) or timedelta(0)
                found[student][a.name] = {
                    "due": a.duedate.strftime(SHOWN),
                    "extension_s": int(ext.total_seconds()),
                    "deadline": (a.duedate + ext).strftime(SHOWN),
                }
    return found


def publish(course: Course, exchange: Path, students: list[str]) -> None:
    """Each student's deadlines in ``<exchange>/<course>/deadlines/<student>.json``, owned by
    them and readable by them alone (the folder cannot be listed). Runs as root."""
    folder = exchange / course.course_id / FOLDER
    folder.mkdir(mode=0o711, exist_ok=True)
    folder.chmod(0o711)
    for student, theirs in of_student(course, students).items():
        try:
            uid = pwd.getpwnam(student).pw_uid
        except KeyError:
            continue
        text = json.dumps(theirs, indent=1, sort_keys=True)
        path = folder / f"{student}.json"
        if path.is_file() and path.read_text() == text:
            continue
        partial = folder / f".{student}.partial"
        partial.write_text(text)
        os.chown(partial, uid, -1)
        partial.chmod(0o400)
        partial.replace(path)


def describe(entry: dict) -> str:
    """What the Assignment List says of one assignment's deadline."""
    if not entry.get("extension_s"):
        return f"Due {entry['due']}"
    ext = timedelta(seconds=entry["extension_s"])
    days, rest = ext.days, ext.seconds
    parts = [f"{days} day{'s' * (days != 1)}"] if days else []
    if rest >= 3600:
        parts.append(f"{rest // 3600} h")
    if rest % 3600 >= 60:
        parts.append(f"{rest % 3600 // 60} min")
    return f"Due {entry['due']}; your extension {' '.join(parts)}: your deadline {entry['deadline']}"


class DeadlineList(ExchangeList):
    """nbgrader's list, with each assignment's due date and the student's own deadline."""

    def mine(self, course_id: str) -> dict:
        path = Path(self.root) / course_id / FOLDER / f"{getpass.getuser()}.json"
        try:
            return json.loads(path.read_text())
        except (OSError, ValueError):
            return {}

    def parse_assignments(self):
        assignments = super().parse_assignments()
        known: dict[str, dict] = {}
        for info in assignments:
            course_id = info.get("course_id", "")
            if course_id not in known:
                known[course_id] = self.mine(course_id)
            entry = known[course_id].get(info.get("assignment_id"))
            if not entry:
                continue
            text = describe(entry)
            if info.get("status") == "fetched" and info.get("notebooks"):
                first = info["notebooks"][0]
                info["notebooks"] = [*info["notebooks"], {**first, "notebook_id": text}]
            for submission in info.get("submissions", []):
                submission["timestamp"] = f"{submission['timestamp']} ({text})"
            info["deadline"] = text
        return assignments


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m convlab.hub.deadlines", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--course", type=Path, default=Path.cwd(), help="the course (default: here)")
    sub = parser.add_subparsers(dest="command", required=True)
    due = sub.add_parser("due", help="set (or, with 'none', remove) an assignment's due date")
    due.add_argument("assignment")
    due.add_argument("when", help='e.g. "2026-12-10 17:00 UTC" (a time without a zone is UTC)')
    extend = sub.add_parser("extend", help="give a student an extension (0 removes it; they do not stack)")
    extend.add_argument("student")
    extend.add_argument("assignment")
    for unit in ("days", "hours", "minutes"):
        extend.add_argument(f"--{unit}", type=float, default=0.0)
    sub.add_parser("show", help="every due date and extension")
    args = parser.parse_args(argv)
    os.umask(0o007)  # the gradebook stays writable by the staff group (convlab/hub/service.py)
    course = Course(args.course)
    if args.command != "show":
        if args.assignment not in course.assignments():
            parser.error(f"{args.assignment!r} is not an assignment of the course")
        # in the gradebook with its notebooks first, as grading puts it there: an extension's
        # empty submission would otherwise stop nbgrader from registering it later
        Memory(course).register(args.assignment, print)
    with course.gradebook() as gb:
        if args.command == "due":
            when = None if args.when.lower() == "none" else parse_utc(args.when)
            gb.update_or_create_assignment(args.assignment, duedate=when)
            print(f"{args.assignment}: due {when.strftime(SHOWN) if when else 'never'}")
        elif args.command == "extend":
            if not is_id(args.student):
                parser.error(f"{args.student!r} is not a student id")
            gb.update_or_create_student(args.student)
            try:
                gb.find_submission(args.assignment, args.student)
            except MissingEntry:
                gb.update_or_create_submission(args.assignment, args.student)
            gb.grant_extension(args.assignment, args.student, days=args.days, hours=args.hours,
                               minutes=args.minutes)  # fmt: skip
            print(
                f"{args.student} {args.assignment}: extension "
                f"{args.days:g} d {args.hours:g} h {args.minutes:g} min"
            )
        else:
            for a in sorted(gb.assignments, key=lambda a: a.name):
                print(f"{a.name}: due {a.duedate.strftime(SHOWN) if a.duedate else 'never'}")
                for s in gb.assignment_submissions(a.name):
                    if s.extension:
                        print(
                            f"  {s.student.id}: extension {s.extension}, deadline {s.duedate.strftime(SHOWN)}"
                        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
