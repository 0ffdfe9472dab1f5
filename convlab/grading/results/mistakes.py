"""The mistakes a class made, recorded while grading: one row per student, exercise and mistake.

A check that fails names the mistake it found (``convlab.failure.CheckFailure.mistake``) and
displays it in the notebook as a record no front end renders (``RECORD_MIME``). The grader
reads those records from each executed notebook as it grades, so the counts are exact, never
re-derived from feedback text. A failed test cell without a record (the student's answer cell
raised, a limit stopped the notebook) is counted too, under "other" with the error's first line.

``autograder/mistakes.csv`` holds them: ``student, assignment, exercise, mistake`` (the name, or
``other``), then ``tests`` (the failed test cells), ``points_lost``, ``message`` (the failure as the
feedback shows it) and ``hint`` (both in the student's language), then ``hint_msgid`` and
``hint_params`` (a JSON object): the hint in no language, for the report to word in its own
(``convlab.i18n.from_data``); empty in a file written before they were added, or where the
check's hint was no catalogued message. A record only describes its own submission: forging one
changes no score, only how that student's mistake is counted.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import nbformat

from convlab.failure import NOT_ATTEMPTED, RECORD_MIME
from convlab.grading.tables import read_csv, write_csv

OTHER = "other"
NOT_RUN = "not run: a limit stopped the notebook"
UNNAMED = (NOT_ATTEMPTED, NOT_RUN, OTHER)  # no mistake named: ranked after the named ones
COLUMNS = [
    "student", "assignment", "exercise", "mistake", "tests", "points_lost", "message", "hint",
    "hint_msgid", "hint_params",
]  # fmt: skip


@dataclass(frozen=True)
class MistakeMade:
    """One exercise one student got wrong, and why."""

    student: str
    assignment: str
    exercise: str
    mistake: str
    tests: tuple[str, ...]
    points_lost: float
    message: str
    hint: str
    hint_msgid: str = ""
    hint_params: str = ""  # a JSON object, or ""

    def hint_data(self) -> dict | None:
        """The hint in no language, as ``convlab.i18n.from_data`` reads it (``None``: none kept)."""
        if not self.hint_msgid:
            return None
        try:
            params = json.loads(self.hint_params or "{}")
        except ValueError:
            return None
        return {"msgid": self.hint_msgid, "params": params}

    def row(self) -> list:
        return [
            self.student,
            self.assignment,
            self.exercise,
            self.mistake,
            " ".join(self.tests),
            f"{self.points_lost:g}",
            self.message,
            self.hint,
            self.hint_msgid,
            self.hint_params,
        ]


def exercise_of(test_id: str, exercises: Iterable[str]) -> str:
    """The exercise a test cell checks: the longest answer-cell id its own id starts with
    (``test_corr2d_random`` -> ``corr2d``); the test's own id if none does."""
    matching = [e for e in exercises if test_id.startswith(f"test_{e}")]
    return max(matching, key=len) if matching else test_id


def _nbgrader(cell) -> dict:
    return cell.get("metadata", {}).get("nbgrader", {})


def _text(value, limit: int = 300) -> str:
    """One line of at most ``limit`` characters."""
    return " ".join(str(value or "").split())[:limit]


def _message(value, limit: int = 1500) -> str:
    """The message as the student saw it (lines kept), at most ``limit`` characters."""
    return str(value or "").strip()[:limit]


def _hint_source(record: dict, limit: int = 4000) -> tuple[str, str]:
    """(``hint_msgid``, ``hint_params`` as JSON) of a record; ('', '') when it has none, or they
    are not text and a JSON object, or too long to be one of the course's messages."""
    msgid, params = record.get("hint_msgid"), record.get("hint_params") or {}
    if not isinstance(msgid, str) or not msgid or not isinstance(params, dict):
        return "", ""
    text = json.dumps(params, ensure_ascii=False, sort_keys=True)
    return (msgid, text) if len(msgid) + len(text) <= limit else ("", "")


def failures(nb: nbformat.NotebookNode) -> list[tuple[str, float, dict | None, dict]]:
    """(test id, points, the check's record or None, the error output) of every failed test cell."""
    found = []
    for cell in nb.cells:
        meta = _nbgrader(cell)
        if cell.cell_type != "code" or not meta.get("grade") or meta.get("solution"):
            continue
        outputs = cell.get("outputs", [])
        errors = [o for o in outputs if o.get("output_type") == "error"]
        if not errors:
            continue
        records = [
            o["data"][RECORD_MIME]
            for o in outputs
            if o.get("output_type") == "display_data" and isinstance(o.get("data", {}).get(RECORD_MIME), dict)
        ]
        found.append(
            (
                meta.get("grade_id", "?"),
                float(meta.get("points", 0) or 0),
                (records or [None])[-1],
                errors[-1],
            )
        )
    return found


def extract(student: str, assignment: str, notebook_json: str) -> list[MistakeMade]:
    """The mistakes of one executed notebook, given as JSON (:func:`mistakes_of`)."""
    return mistakes_of(student, assignment, nbformat.reads(notebook_json, as_version=4))


def mistakes_of(student: str, assignment: str, nb: nbformat.NotebookNode) -> list[MistakeMade]:
    """The mistakes of one executed notebook: one per exercise and mistake, its test cells merged."""
    exercises = [
        _nbgrader(c)["grade_id"]
        for c in nb.cells
        if _nbgrader(c).get("solution") and _nbgrader(c).get("grade_id")
    ]
    merged: dict[tuple[str, str], dict] = {}
    for test, points, record, error in failures(nb):
        source = ("", "")
        if error.get("ename") == "NotGraded":
            name, message, hint = NOT_RUN, _text(error.get("evalue")), ""
        elif record is not None:
            name = _text(record.get("mistake"), 200) or OTHER
            message = _message(record.get("message")) or _text(record.get("problem"))
            hint = _text(record.get("hint"), 600)
            source = _hint_source(record)
        else:
            name, hint = OTHER, ""
            message = _text(
                f"{error.get('ename', 'Error')}: {(str(error.get('evalue', '')).splitlines() or [''])[0]}"
            )
        key = (exercise_of(test, exercises), name)
        entry = merged.setdefault(
            key, {"tests": [], "points": 0.0, "message": message, "hint": hint, "source": source}
        )
        entry["tests"].append(test)
        entry["points"] += points
    return [
        MistakeMade(
            student,
            assignment,
            exercise,
            name,
            tuple(e["tests"]),
            e["points"],
            e["message"],
            e["hint"],
            *e["source"],
        )  # fmt: skip
        for (exercise, name), e in merged.items()
    ]


def write_mistakes(graded: dict[tuple[str, str], list[MistakeMade]], path: Path) -> None:
    """Replace the rows of every (student, assignment) in ``graded`` (regraded: its old mistakes
    go, even when it now has none); keep the rows of the others, from earlier runs."""
    rows = [r for r in read_csv(path) if (r["student"], r["assignment"]) not in graded]
    kept = [[r.get(c) or "" for c in COLUMNS] for r in rows]  # an older file: new columns empty
    new = [m.row() for found in graded.values() for m in found]
    write_csv(path, COLUMNS, sorted(kept + new, key=lambda r: (r[1], r[0], r[2], r[3])))


def read_mistakes(path: Path) -> list[MistakeMade]:
    return [
        MistakeMade(
            r["student"],
            r["assignment"],
            r["exercise"],
            r["mistake"],
            tuple(r["tests"].split()),
            float(r["points_lost"] or 0),
            r["message"],
            r["hint"],
            r.get("hint_msgid") or "",
            r.get("hint_params") or "",
        )
        for r in read_csv(path)
    ]
