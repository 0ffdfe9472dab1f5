"""make similarity: the pairs of submissions whose evidence of a shared origin is strong enough
for an instructor to look at, per exercise, and their section of the class report.

    python -m convlab.grading.results.similarity [--root COURSE]
    python -m convlab.grading.results.similarity --not-a-concern ASSIGNMENT EXERCISE STUDENT STUDENT
        [--note TEXT]

Reads the graded answer cells (``autograder/autograded/``), the release (the starter code every
student received) and ``autograder/mistakes.csv``; writes ``autograder/similarity.csv`` (a row per
pair shown), ``autograder/similarity.json`` (what the page shows) and, when the class has been
graded, ``report.html`` again with its section. It changes no score and no flag. A pair marked
"reviewed: not a concern" is kept in ``autograder/similarity-reviewed.csv`` and stays so on every
rerun, until one of its two answers changes.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from datetime import UTC, datetime
from pathlib import Path

import nbformat

from convlab.failure import NOT_ATTEMPTED
from convlab.grading.course import Course
from convlab.grading.results.mistakes import NOT_RUN, read_mistakes
from convlab.grading.results.similarity.evidence import THRESHOLD, Submission, clusters, score
from convlab.grading.results.similarity.normalize import Starter, answer
from convlab.grading.roster import RosterError, is_id, read_roster
from convlab.grading.tables import read_csv, write_csv

REVIEWED = "similarity-reviewed.csv"
REVIEWED_COLUMNS = ["assignment", "exercise", "student_a", "student_b", "answers", "note"]
COLUMNS = [
    "assignment", "exercise", "rank", "student_a", "name_a", "student_b", "name_b", "score",
    "code", "same_wrong_answer", "oddities", "cluster", "reviewed", "reasons",
]  # fmt: skip


def _grade_id(cell) -> str | None:
    meta = cell.get("metadata")
    nbgrader = meta.get("nbgrader") if isinstance(meta, dict) else None
    return nbgrader.get("grade_id") if isinstance(nbgrader, dict) else None


def starter(course: Course, assignment: str) -> tuple[Starter, list[str]]:
    """What every student of ``assignment`` received (every code cell of the release), and its
    exercises (the answer cells' ids), in order."""
    path = course.notebook(course.release, assignment)
    if not path.exists():
        return Starter.of([]), []
    cells = nbformat.read(path, as_version=4).cells
    exercises = [_grade_id(c) for c in cells if c.get("metadata", {}).get("nbgrader", {}).get("solution")]
    return Starter.of([c.source for c in cells if c.cell_type == "code"]), [e for e in exercises if e]


def _source(cell: dict) -> str:
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else str(source)


def answers(course: Course, assignment: str) -> dict[str, dict[str, str]]:
    """student -> exercise -> the answer cell as graded (read as JSON: a class has thousands)."""
    found: dict[str, dict[str, str]] = {}
    for folder in sorted(course.autograded.glob(f"*/{assignment}")):
        student = folder.parent.name
        if not is_id(student):
            continue
        cells: dict[str, str] = {}
        for path in sorted(folder.glob("*.ipynb")):
            try:
                nb = json.loads(path.read_text(encoding="utf-8"))
                code = [c for c in nb["cells"] if isinstance(c, dict) and c.get("cell_type") == "code"]
            except (OSError, ValueError, KeyError, TypeError):  # unreadable: no answers to compare
                continue
            for cell in code:
                grade_id = _grade_id(cell)
                if isinstance(grade_id, str):
                    cells.setdefault(grade_id, _source(cell))
        found[student] = cells
    return found


def digest(*sources: str) -> str:
    return hashlib.sha256("\x00".join(sources).encode()).hexdigest()[:16]


def names(course: Course) -> dict[str, str]:
    """id -> name, from the roster where there is one (nothing otherwise, or if it is refused)."""
    path = course.workspace / "roster.csv"
    if not path.exists():
        return {}
    try:
        return {m.id: m.name for m in read_roster(path) if m.name}
    except RosterError as err:
        print(f"similarity: students shown by id only: {err}", file=sys.stderr)
        return {}


def analyse(course: Course, threshold: float = THRESHOLD) -> dict:
    """Everything the page and the CSV show, per assignment and exercise."""
    wrong: dict[tuple[str, str, str], dict] = {}
    for m in read_mistakes(course.workspace / "mistakes.csv"):
        if m.mistake in (NOT_ATTEMPTED, NOT_RUN):
            continue
        first = (m.message.splitlines() or [""])[0]
        shown = first if m.mistake in first else f"{m.mistake}: {first}".rstrip(": ")
        wrong.setdefault((m.student, m.assignment, m.exercise), {})[(m.mistake, m.message)] = shown
    reviewed = {
        (r["assignment"], r["exercise"], r["student_a"], r["student_b"]): r
        for r in read_csv(course.workspace / REVIEWED)
    }
    who = names(course)
    computed = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    result = {"threshold": threshold, "computed": computed, "exercises": []}
    for assignment in course.assignments():
        cells = answers(course, assignment)
        if not cells:
            continue
        given, exercises = starter(course, assignment)
        for exercise in exercises:
            students = [s for s in sorted(cells) if exercise in cells[s]]
            subs = [
                Submission(s, answer(cells[s][exercise], given), wrong.get((s, assignment, exercise), {}))
                for s in students
            ]
            pairs, _ = score(subs, threshold)
            groups = clusters(pairs)
            group_of = {s: i + 1 for i, g in enumerate(groups) for s in g}
            shown = []
            for rank, p in enumerate(pairs, start=1):
                a, b = cells[p.a][exercise], cells[p.b][exercise]
                mark = reviewed.get((assignment, exercise, p.a, p.b))
                shown.append(
                    {
                        "rank": rank,
                        "a": p.a,
                        "b": p.b,
                        "name_a": who.get(p.a, ""),
                        "name_b": who.get(p.b, ""),
                        "score": round(p.score, 3),
                        "code": round(p.code, 3),
                        "mistakes": round(p.mistakes, 3),
                        "oddities": round(p.oddities, 3),
                        "reasons": p.reasons,
                        "source_a": a,
                        "source_b": b,
                        "marks_a": p.marks[0],
                        "marks_b": p.marks[1],
                        "cluster": group_of.get(p.a, 0),
                        "reviewed": bool(mark and mark["answers"] == digest(a, b)),
                        "reviewed_before": bool(mark and mark["answers"] != digest(a, b)),
                        "note": mark["note"] if mark else "",
                    }
                )
            result["exercises"].append(
                {
                    "assignment": assignment,
                    "exercise": exercise,
                    "submissions": len(subs),
                    "pairs": shown,
                    "clusters": groups,
                }
            )
    return result


def write(course: Course, result: dict) -> None:
    rows = [
        [
            e["assignment"],
            e["exercise"],
            p["rank"],
            p["a"],
            p["name_a"],
            p["b"],
            p["name_b"],
            p["score"],
            p["code"],
            p["mistakes"],
            p["oddities"],
            p["cluster"] or "",
            "not a concern" if p["reviewed"] else "",
            "; ".join(p["reasons"]),
        ]  # fmt: skip
        for e in result["exercises"]
        for p in e["pairs"]
    ]
    write_csv(course.workspace / "similarity.csv", COLUMNS, rows)
    path = course.workspace / "similarity.json"
    partial = path.with_name(f".{path.name}.partial")
    partial.write_text(json.dumps(result))
    partial.replace(path)


def not_a_concern(course: Course, assignment: str, exercise: str, one: str, other: str, note: str) -> int:
    """Mark a pair reviewed: kept across reruns until one of the two answers changes."""
    a, b = sorted((one, other))
    cells = answers(course, assignment)
    if exercise not in cells.get(a, {}) or exercise not in cells.get(b, {}):
        print(f"similarity: no graded {exercise} of {assignment} for both {a} and {b}", file=sys.stderr)
        return 1
    path = course.workspace / REVIEWED
    rows = [
        r
        for r in read_csv(path)
        if (r["assignment"], r["exercise"], r["student_a"], r["student_b"]) != (assignment, exercise, a, b)
    ]
    rows.append(
        {
            "assignment": assignment,
            "exercise": exercise,
            "student_a": a,
            "student_b": b,
            "answers": digest(cells[a][exercise], cells[b][exercise]),
            "note": note,
        }
    )
    write_csv(path, REVIEWED_COLUMNS, [[r[c] for c in REVIEWED_COLUMNS] for r in rows])
    print(f"{assignment} {exercise}: {a} and {b} reviewed, not a concern ({path})", file=sys.stderr)
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m convlab.grading.results.similarity", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--root", type=Path, default=Path.cwd(), help="the course (default: here)")
    parser.add_argument(
        "--not-a-concern",
        nargs=4,
        metavar=("ASSIGNMENT", "EXERCISE", "STUDENT", "STUDENT"),
        help="mark a pair reviewed: not a concern (kept across reruns)",
    )
    parser.add_argument("--note", default="", help="with --not-a-concern: why")
    args = parser.parse_args(argv)
    course = Course(args.root)
    if args.not_a_concern:
        done = not_a_concern(course, *args.not_a_concern, args.note)
        if done:
            return done
    result = analyse(course)
    if not any(e["submissions"] for e in result["exercises"]):
        print("nothing graded yet: run `make autograde` first", file=sys.stderr)
        return 1
    write(course, result)
    print(f"similar submissions, per exercise (shown from a score of {result['threshold']:g}):")
    print(f"{'exercise':<44} {'submissions':>11} {'pairs shown':>11} {'clusters':>8} {'reviewed':>8}")
    for e in result["exercises"]:
        if not e["submissions"]:
            continue
        reviewed = sum(p["reviewed"] for p in e["pairs"])
        print(
            f"{e['assignment'] + ' ' + e['exercise']:<44} {e['submissions']:>11} {len(e['pairs']):>11} "
            f"{len(e['clusters']):>8} {reviewed:>8}"
        )
    where = course.workspace / "similarity.csv"
    print(f"{where}: evidence for review, never a verdict (no score or flag changed)")
    from convlab.grading.results import report  # (it shows this page's section: imported when used)

    with course.gradebook() as gb:
        graded = any(gb.assignment_submissions(a.name) for a in gb.assignments)
    if graded:
        return report.main(["--root", str(course.root)])
    return 0
