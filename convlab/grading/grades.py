"""The class's grades from the gradebook: one CSV row per student, flags, and a chart.

    python -m convlab.grading.grades [--root COURSE]

writes, under ``autograder/``:

- ``grades.csv``: student, the score of each assignment (empty when nothing was submitted),
  total, the maximum, and the review flags (:mod:`convlab.grading.review`) joined by `` | ``;
- ``flags.csv``: one row per flag (student, assignment, reason);
- ``scores.png``: the distribution of scores for each assignment.
"""

from __future__ import annotations

import argparse
import sys
from collections import defaultdict
from pathlib import Path

from convlab.grading.course import Course
from convlab.grading.review import Flag, review, write_flags
from convlab.grading.tables import write_csv


def table(course: Course) -> tuple[list[str], dict[str, dict[str, float]], dict[str, float]]:
    """(assignments, student -> assignment -> score, assignment -> max score) from the gradebook."""
    with course.gradebook() as gb:
        assignments = sorted(a.name for a in gb.assignments)
        maxima = {a.name: a.max_score for a in gb.assignments}
        scores: dict[str, dict[str, float]] = {s.id: {} for s in gb.students}
        for assignment in assignments:
            for submission in gb.assignment_submissions(assignment):
                scores[submission.student.id][assignment] = submission.score
    return assignments, scores, maxima


def write_grades(path: Path, assignments, scores, maxima, flags: list[Flag]) -> None:
    by_student = defaultdict(list)
    for flag in flags:
        by_student[flag.student].append(f"{flag.assignment}: {flag.reason}")
    top = sum(maxima.values())
    rows = (
        [student, *[scores[student].get(a, "") for a in assignments], sum(scores[student].values()), top]
        + [" | ".join(by_student[student])]
        for student in sorted(scores)
    )
    write_csv(path, ["student", *assignments, "total", "max", "flags"], rows)


def chart(path: Path, assignments, scores, maxima) -> None:
    """One histogram per assignment: how many students got each score."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    cols = min(4, max(1, len(assignments)))
    rows = -(-len(assignments) // cols)
    fig, axes = plt.subplots(rows, cols, figsize=(3.2 * cols, 2.6 * rows), squeeze=False)
    for ax, assignment in zip(axes.flat, assignments, strict=False):
        got = [s[assignment] for s in scores.values() if assignment in s]
        top = maxima[assignment] or 1
        ax.hist(got, bins=[b - 0.5 for b in range(int(top) + 2)], color="#4c72b0", edgecolor="white")
        ax.set_title(f"{assignment} (n={len(got)})", fontsize=9)
        ax.set_xlabel(f"score / {top:g}", fontsize=8)
        ax.set_xlim(-0.5, top + 0.5)
        ax.set_xticks(range(int(top) + 1))
    for ax in list(axes.flat)[len(assignments) :]:
        ax.axis("off")
    axes[0][0].set_ylabel("students")
    fig.suptitle("Scores per assignment")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m convlab.grading.grades", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--root", type=Path, default=Path.cwd(), help="the course (default: here)")
    args = parser.parse_args(argv)
    course = Course(args.root)  # the gradebook nbgrader's commands use
    assignments, scores, maxima = table(course)
    if not scores:
        print("no grades yet: run `make autograde` first", file=sys.stderr)
        return 1
    flags = review(course)
    out = course.workspace
    write_grades(out / "grades.csv", assignments, scores, maxima, flags)
    write_flags(out / "flags.csv", flags)
    chart(out / "scores.png", assignments, scores, maxima)
    print(
        f"{len(scores)} students, {len(assignments)} assignments: autograder/grades.csv, "
        f"autograder/flags.csv ({len(flags)} flags), autograder/scores.png",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
