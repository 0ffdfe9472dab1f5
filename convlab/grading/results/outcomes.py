"""What grading one student's assignment came to: its :class:`Result`, its row of
``grading-report.csv`` (:func:`write_outcomes`) and the run's summary (:func:`run_summary`).

(``report.html``, what the class got wrong, is :mod:`convlab.grading.results.report`'s.)"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from convlab.grading.results.mistakes import MistakeMade
from convlab.grading.tables import read_csv, write_csv

OUTCOMES = ("graded", "limit", "failed", "skipped")
COLUMNS = ["student", "assignment", "outcome", "score", "max_score", "reasons", "flags"]


@dataclass
class Result:
    """One student's assignment after a grading run."""

    student: str
    assignment: str
    outcome: str  # one of OUTCOMES: graded, hit a limit, failed, unchanged and skipped
    score: float | None = None
    max_score: float | None = None
    reasons: list[str] = field(default_factory=list)  # limits hit, why it failed
    flags: list[str] = field(default_factory=list)  # reasons to review (convlab.grading.results.review)
    seconds: float = 0.0
    mistakes: list[MistakeMade] = field(default_factory=list)  # what its failed checks named
    graded_as: str = ""  # skipped: the outcome of the run that graded it, when known

    def row(self) -> list:
        return [
            self.student,
            self.assignment,
            self.graded_as or self.outcome,
            self.score,
            self.max_score,
            " | ".join(self.reasons),
            " | ".join(self.flags),
        ]


def write_outcomes(results: list[Result], path: Path) -> None:
    """``grading-report.csv``: one row per student and assignment. Rows of earlier runs stay; a
    submission skipped as unchanged keeps the row (reasons, flags) of the run that graded it."""
    rows = {(r["student"], r["assignment"]): [r[k] for k in COLUMNS] for r in read_csv(path)}
    for result in results:
        if result.outcome != "skipped" or (result.student, result.assignment) not in rows:
            rows[(result.student, result.assignment)] = result.row()
    write_csv(path, COLUMNS, (rows[key] for key in sorted(rows)))


def stages(timing: Counter, elapsed: float, n: int, workers: int) -> str:
    """Where the time goes, per submission: each step of a worker's job, the single writer's
    step (in the grading process, on the same cores) and how long the workers waited for work."""
    rest = timing["worker"] - timing["sanitize"] - timing["kernel"] - timing["cells"]
    idle = max(0.0, workers * elapsed - timing["worker"])
    return (
        f"stages per submission: sanitize {timing['sanitize'] / n:.2f} s, kernel start "
        f"{timing['kernel'] / n:.2f} s, cells {timing['cells'] / n:.2f} s, rest of the worker's job "
        f"{rest / n:.2f} s; writer {timing['record'] / n:.2f} s; workers idle {idle / n:.2f} s "
        f"({idle / max(workers * elapsed, 1e-9):.0%} of {workers} workers' time)"
    )


def run_summary(results: list[Result], elapsed: float, n: int, timing: Counter, workers: int) -> str:
    """The lines printed after the progress bar: counts, time per step, and every result to look at."""
    counts = Counter(r.outcome for r in results)
    flagged = sum(bool(r.flags) for r in results)
    lines = [
        f"graded {n} submissions in {elapsed:.1f} s ({n / elapsed:.2f} per second, {workers} workers): "
        f"{counts['graded']} graded, {counts['limit']} hit a limit, {counts['failed']} failed, "
        f"{flagged} flagged for review, {counts['skipped']} unchanged and skipped",
        f"per submission: kernel ready {timing['kernel'] / n:.2f} s, cells {timing['cells'] / n:.2f} s, "
        f"recorded by the writer (nbgrader's gradebook steps) {timing['record'] / n:.2f} s",
        stages(timing, elapsed, n, workers),
    ]
    for r in results:
        if r.outcome in ("limit", "failed") or r.flags:
            lines.append(f"  {r.student}/{r.assignment}: {r.outcome}; " + "; ".join(r.reasons + r.flags))
    return "\n".join(lines)
