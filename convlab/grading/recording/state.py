"""What earlier runs graded and registered: ``autograder/.grading-state.json`` and its journal.

A run notes each submission it recorded as it goes (a line in ``.grading-journal.jsonl``), so a
run that is stopped or killed and started again finishes the batch where it stopped; at the end
the journal is folded into the state file. A submission whose :class:`~convlab.grading.engine.engines.Job`
fingerprint (:mod:`~convlab.grading.recording.fingerprints`) is unchanged is not graded again.
"""

from __future__ import annotations

import contextlib
import copy
import functools
import json
import os
from dataclasses import asdict
from pathlib import Path

from nbgrader.api import MissingEntry
from nbgrader.apps import NbGraderAPI

from convlab.grading.course import Course
from convlab.grading.engine.engines import Job
from convlab.grading.engine.limits import Limits
from convlab.grading.recording.fingerprints import digest, files_digest, grading_digest
from convlab.grading.results.mistakes import MistakeMade
from convlab.grading.results.outcomes import Result
from convlab.grading.roster import is_id


class Memory:
    """What earlier runs graded and registered (``.grading-state.json`` in the workspace)."""

    def __init__(self, course: Course):
        self.course = course
        self.path = course.workspace / ".grading-state.json"
        self.journal = course.workspace / ".grading-journal.jsonl"
        self.state = json.loads(self.path.read_text()) if self.path.exists() else {}
        self.refused: list[str] = []  # submitted folders that are not graded, and why
        if self.journal.exists():  # a run that did not finish: what it recorded still counts
            for line in self.journal.read_text().splitlines():
                with contextlib.suppress(ValueError):  # the line a kill cut short
                    entry = json.loads(line)
                    self.state[entry["key"]] = entry["value"]

    def save(self) -> None:
        """Write the whole state (and fold the journal into it)."""
        partial = self.path.with_suffix(".tmp")
        partial.write_text(json.dumps(self.state, indent=1, sort_keys=True))
        partial.replace(self.path)  # never a half-written state file
        self.journal.unlink(missing_ok=True)

    def note(self, key: str, value: dict) -> None:
        """One entry, appended to the journal at once: a line per submission, however large the state."""
        self.state[key] = value
        with open(self.journal, "a") as journal:
            journal.write(json.dumps({"key": key, "value": value}) + "\n")
            journal.flush()
            os.fsync(journal.fileno())

    @functools.cache  # noqa: B019 (one Memory per run)
    def checks(self) -> bytes:
        """The code graded kernels run (what the course's notebooks import, the engine), not the rest."""
        return grading_digest(sorted(self.course.source.glob("*/*.ipynb")))

    @functools.cache  # noqa: B019 (one Memory per run; the source does not change during it)
    def source_digest(self, assignment: str) -> str:
        return digest(files_digest((self.course.source / assignment).rglob("*")))

    @functools.cache  # noqa: B019 (one Memory per run)
    def due(self, assignment: str) -> str:
        """The assignment's due date, if the gradebook has one: moving it changes late penalties."""
        try:
            with self.course.gradebook() as gb:
                return str(gb.find_assignment(assignment).duedate or "")
        except MissingEntry:
            return ""

    def register(self, assignment: str, log) -> None:
        """Put the assignment's current source (test cells, points) in the gradebook, as
        ``nbgrader generate_assignment`` does, when it changed since it was last registered."""
        key = f"source/{assignment}"
        if self.course.is_registered(assignment) and self.state.get(key) == self.source_digest(assignment):
            return
        log(f"registering {assignment} in the gradebook (nbgrader generate_assignment)")
        config = copy.deepcopy(self.course.config)
        config.CourseDirectory.release_directory = str(self.registered_release)
        result = NbGraderAPI(config=config).generate_assignment(assignment, force=True, create=True)
        if not result["success"]:
            raise SystemExit(f"nbgrader generate_assignment {assignment} failed:\n{result.get('error')}")
        self.state[key] = self.source_digest(assignment)
        self.save()

    @property
    def registered_release(self) -> Path:
        """Where registering an assignment writes its release (not the committed one)."""
        return self.course.workspace / ".release"

    def jobs(self, assignments: list[str], students: list[str], limits: Limits) -> list[Job]:
        checks = self.checks()
        config = self.course.config
        late = {k: dict(v) for k, v in config.items() if k in ("AssignLatePenalties", "PerDayPenalty")}
        policy = json.dumps([limits.as_dict(), late], sort_keys=True, default=str).encode()
        shared = digest(checks, policy)  # a change of limits or of the late policy regrades
        found = []
        for folder in sorted(p for p in self.course.submitted.glob("*/*") if p.is_dir()):
            student, assignment = folder.parent.name, folder.name
            if (assignments and assignment not in assignments) or (students and student not in students):
                continue
            if not is_id(student):  # a name nbgrader would glob, a path, or a formula
                self.refused.append(
                    f"{folder.relative_to(self.course.root)}: not graded, {student!r} is not a student id "
                    "(letters, digits, . _ -, beginning with a letter or digit)"
                )
                continue
            if not (self.course.source / assignment).is_dir():
                continue  # not an assignment of this course: nbgrader would not grade it either
            source = (self.source_digest(assignment) + self.due(assignment)).encode()
            fingerprint = digest(shared.encode(), source, files_digest(folder.iterdir()))
            found.append(Job(student, assignment, folder, fingerprint))
        return found

    def unchanged(self, job: Job) -> bool:
        done = self.state.get(f"{job.student}/{job.assignment}", {})
        graded = self.course.autograded / job.student / job.assignment
        return done.get("fingerprint") == job.fingerprint and graded.is_dir()

    def graded(self, job: Job, result: Result) -> None:
        """``job`` is in the gradebook: remember it, and what its report and mistake rows say."""
        stored = asdict(result)
        del stored["student"], stored["assignment"], stored["seconds"], stored["graded_as"]
        self.note(f"{job.student}/{job.assignment}", {"fingerprint": job.fingerprint, "result": stored})

    def skipped(self, job: Job) -> Result:
        """An unchanged submission, as the run that graded it left it."""
        score, max_score = self.course.score(job.student, job.assignment)
        stored = self.state[f"{job.student}/{job.assignment}"].get("result")
        if stored is None:  # graded before results were kept here
            return Result(job.student, job.assignment, "skipped", score, max_score)
        mistakes = [MistakeMade(**{**m, "tests": tuple(m["tests"])}) for m in stored["mistakes"]]
        return Result(
            job.student,
            job.assignment,
            "skipped",
            score,
            max_score,
            stored["reasons"],
            stored["flags"],
            mistakes=mistakes,
            graded_as=stored["outcome"],
        )
