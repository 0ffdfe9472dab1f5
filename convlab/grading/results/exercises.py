"""The class's scores per assignment and per exercise, from nbgrader's gradebook.

An exercise is an answer cell (its ``grade_id``); its points are those of the test cells that
check it (:func:`convlab.grading.results.mistakes.exercise_of`), in the order of the assignment's source
notebook. What the report (:mod:`convlab.grading.results.report`) and the LMS exports read.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import nbformat

from convlab.grading.course import Course
from convlab.grading.results.mistakes import exercise_of


@dataclass
class Assignment:
    name: str
    max_score: float
    exercises: dict[str, float] = field(default_factory=dict)  # exercise -> its points, in course order
    scores: dict[str, float] = field(default_factory=dict)  # student -> score, before any late penalty
    penalties: dict[str, float] = field(default_factory=dict)  # student -> late penalty (nbgrader's plugin)
    by_exercise: dict[str, dict[str, float]] = field(default_factory=dict)  # exercise -> student -> score

    def net(self, student: str) -> float:
        """The score that counts: nbgrader's score less its late-submission penalty."""
        return self.scores[student] - self.penalties.get(student, 0.0)


def _order(course: Course, assignment: str) -> list[str]:
    """Answer-cell ids in the order the source notebook has them (none if it is gone)."""
    path = course.notebook(course.source, assignment)
    if not path.exists():
        return []
    cells = nbformat.read(path, as_version=4).cells
    return [
        c.metadata["nbgrader"]["grade_id"]
        for c in cells
        if c.get("metadata", {}).get("nbgrader", {}).get("solution")
    ]


def class_scores(course: Course) -> list[Assignment]:
    """Every assignment in the gradebook, with every submission's score per exercise."""
    found = []
    with course.gradebook() as gb:
        for a in sorted(gb.assignments, key=lambda a: a.name):
            order = _order(course, a.name)
            solutions = {c.name for nb in a.notebooks for c in nb.solution_cells}
            exercises = [e for e in order if e in solutions] + sorted(solutions - set(order))
            points: dict[str, float] = dict.fromkeys(exercises, 0.0)
            of_test: dict[tuple[str, str], str] = {}
            for nb in a.notebooks:
                for cell in nb.grade_cells:
                    if cell.name in solutions:  # a manually graded answer: its own exercise
                        exercise = cell.name
                    else:
                        exercise = exercise_of(cell.name, exercises)
                    of_test[(nb.name, cell.name)] = exercise
                    points[exercise] = points.get(exercise, 0.0) + (cell.max_score or 0.0)
            entry = Assignment(a.name, a.max_score, points)
            entry.by_exercise = {e: {} for e in points}
            for submission in gb.assignment_submissions(a.name):
                grades = [g for nb in submission.notebooks for g in nb.grades]
                if grades and all(g.auto_score is None and g.manual_score is None for g in grades):
                    continue  # an empty submission that holds an extension (convlab/hub/deadlines.py)
                student = submission.student.id
                entry.scores[student] = submission.score
                if submission.late_submission_penalty:
                    entry.penalties[student] = submission.late_submission_penalty
                for nb in submission.notebooks:
                    for grade in nb.grades:
                        exercise = of_test.get((nb.name, grade.name), grade.name)
                        per = entry.by_exercise.setdefault(exercise, {})
                        per[student] = per.get(student, 0.0) + (grade.score or 0.0)
            found.append(entry)
    return found
