"""The class's grades in the formats LMS gradebooks import: Canvas's and Moodle's CSV.

Both have a row per student of the roster (:mod:`convlab.grading.roster`), in roster order,
and a column per assignment holding the score that counts (nbgrader's score less its late
penalty). A student with no graded submission for an assignment gets an empty cell: both LMSs
leave that grade as it was.

- **Canvas** (Grades, Import): ``Student, ID, SIS User ID, SIS Login ID, Section``, then one
  column per assignment, and a ``Points Possible`` row under the header. Canvas finds each
  student by ``ID`` (or ``SIS User ID``); a column whose name is not an assignment of the
  course becomes a new assignment on import.
- **Moodle** (Grades, Import, CSV file): ``ID number, Email address, Full name``, then one
  column per assignment; on import, map "Email address" (or "ID number") to the user and each
  assignment column to a grade item (or a new one).
"""

from __future__ import annotations

from pathlib import Path

from convlab.grading.results.exercises import Assignment
from convlab.grading.roster import Member
from convlab.grading.tables import write_csv


def _cell(assignment: Assignment, student: str) -> str:
    return f"{assignment.net(student):g}" if student in assignment.scores else ""


def write_canvas(path: Path, assignments: list[Assignment], students: list[Member]) -> None:
    header = ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", *(a.name for a in assignments)]
    possible = ["Points Possible", "", "", "", "", *(f"{a.max_score:g}" for a in assignments)]
    rows = [
        [s.name or s.id, s.lms_id, s.sis_id, "", s.section, *(_cell(a, s.id) for a in assignments)]
        for s in students
    ]
    write_csv(path, header, [possible, *rows])


def write_moodle(path: Path, assignments: list[Assignment], students: list[Member]) -> None:
    header = ["ID number", "Email address", "Full name", *(a.name for a in assignments)]
    rows = [[s.sis_id, s.email, s.name or s.id, *(_cell(a, s.id) for a in assignments)] for s in students]
    write_csv(path, header, rows)
