"""The class's grades from the gradebook: one CSV row per student, flags, a chart, LMS imports.

    python -m convlab.grading.results.grades [--root COURSE]

writes, under ``autograder/``:

- ``grades.csv``: a row per student of the gradebook: the score of each assignment (after any
  late penalty, :mod:`convlab.grading.results.late`; empty when nothing was graded), total, the
  maximum, the late penalties and the review flags (:mod:`convlab.grading.results.review`) joined by
  `` | ``;
- ``flags.csv``: one row per flag (student, assignment, reason);
- ``scores.png``: the distribution of scores for each assignment;
- with a roster (``autograder/roster.csv``, :mod:`convlab.grading.roster`): ``canvas.csv`` and
  ``moodle.csv``, the same grades in the formats Canvas's and Moodle's gradebooks import
  (:mod:`convlab.grading.results.lms`). A graded student missing from the roster is named, and the
  command exits with status 1 after writing everything else.
"""

from __future__ import annotations

import argparse
import sys
from collections import defaultdict
from pathlib import Path

from convlab.grading.course import Course
from convlab.grading.results.exercises import Assignment, class_scores
from convlab.grading.results.lms import write_canvas, write_moodle
from convlab.grading.results.review import Flag, review, write_flags
from convlab.grading.roster import is_id, read_roster
from convlab.grading.tables import write_csv


def write_grades(path: Path, assignments: list[Assignment], students: list[str], flags: list[Flag]) -> None:
    by_student = defaultdict(list)
    for flag in flags:
        by_student[flag.student].append(f"{flag.assignment}: {flag.reason}")
    top = sum(a.max_score for a in assignments)
    rows = []
    for student in students:
        mine = [a for a in assignments if student in a.scores]
        late = [f"{a.name}: -{a.penalties[student]:g}" for a in mine if a.penalties.get(student)]
        rows.append(
            [
                student,
                *[f"{a.net(student):g}" if student in a.scores else "" for a in assignments],
                f"{sum(a.net(student) for a in mine):g}",
                f"{top:g}",
                " | ".join(late),
                " | ".join(by_student[student]),
            ]
        )
    write_csv(path, ["student", *(a.name for a in assignments), "total", "max", "late", "flags"], rows)


def score_grid(
    panels: list[tuple[str, float, list[float], str]], cols: int, panel: tuple[float, float], ylabel: str
):
    """A figure of histograms, one per ``(title, top, scores, xlabel)`` panel: how many got each
    whole score from 0 to ``top``; cells left over are blank. ``make grades``'s scores.png and the
    report's plots (:mod:`convlab.grading.results.report`) are drawn with it. Returns (figure, axes)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    cols = min(cols, max(1, len(panels)))
    rows = -(-len(panels) // cols)
    fig, axes = plt.subplots(rows, cols, figsize=(panel[0] * cols, panel[1] * rows), squeeze=False)
    for ax, (title, top, scores, xlabel) in zip(axes.flat, panels, strict=False):
        ax.hist(scores, bins=[b - 0.5 for b in range(int(top) + 2)], color="#4c72b0", edgecolor="white")
        ax.set_title(title, fontsize=9)
        ax.set_xlabel(xlabel, fontsize=8)
        ax.set_xlim(-0.5, top + 0.5)
    for ax in list(axes.flat)[len(panels) :]:
        ax.axis("off")
    axes[0][0].set_ylabel(ylabel)
    return fig, axes


def chart(path: Path, assignments: list[Assignment]) -> None:
    """One histogram per assignment: how many students got each score."""
    import matplotlib.pyplot as plt

    panels = []
    for a in assignments:
        got, top = [a.net(student) for student in a.scores], a.max_score or 1
        panels.append((f"{a.name} (n={len(got)})", top, got, f"score / {top:g}"))
    fig, axes = score_grid(panels, 4, (3.2, 2.6), "students")
    for ax, (_, top, _, _) in zip(axes.flat, panels, strict=False):
        ax.set_xticks(range(int(top) + 1))
    fig.suptitle("Scores per assignment")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m convlab.grading.results.grades", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--root", type=Path, default=Path.cwd(), help="the course (default: here)")
    args = parser.parse_args(argv)
    course = Course(args.root)  # the gradebook nbgrader's commands use
    assignments = class_scores(course)
    graded = sorted({s for a in assignments for s in a.scores})
    if not graded:
        print("no grades yet: run `make autograde` first", file=sys.stderr)
        return 1
    with course.gradebook() as gb:  # students the gradebook knows with nothing graded get a row too
        everyone = sorted(set(graded) | {s.id for s in gb.students})
    odd = [s for s in everyone if not is_id(s)]  # put there by hand, or by plain nbgrader
    if odd:
        print(
            f"left out, not student ids (letters, digits, . _ -): {', '.join(map(repr, odd))}",
            file=sys.stderr,
        )
        everyone, graded = [s for s in everyone if is_id(s)], [s for s in graded if is_id(s)]
    out = course.workspace
    roster_path = out / "roster.csv"
    # a bad roster stops the command before it writes anything (RosterError names the line)
    roster = read_roster(roster_path) if roster_path.exists() else None
    flags = review(course)
    write_grades(out / "grades.csv", assignments, everyone, flags)
    write_flags(out / "flags.csv", flags)
    chart(out / "scores.png", assignments)
    print(
        f"{len(everyone)} students, {len(assignments)} assignments: autograder/grades.csv, "
        f"autograder/flags.csv ({len(flags)} flags), autograder/scores.png",
        file=sys.stderr,
    )
    if roster is None:
        print("no autograder/roster.csv: no Canvas or Moodle file (the README says how)", file=sys.stderr)
        return 0
    students = [m for m in roster if m.role == "student"]
    write_canvas(out / "canvas.csv", assignments, students)
    write_moodle(out / "moodle.csv", assignments, students)
    print(
        f"{len(students)} students of the roster: autograder/canvas.csv, autograder/moodle.csv",
        file=sys.stderr,
    )
    missing = sorted(set(graded) - {m.id for m in students})
    if missing:
        print(
            f"{len(missing)} graded student(s) not in autograder/roster.csv, so in neither LMS file: "
            + ", ".join(missing),
            file=sys.stderr,
        )
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
