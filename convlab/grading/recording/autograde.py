"""Grade a whole class into nbgrader's gradebook: in parallel, under limits, with progress.

    python -m convlab.grading [ASSIGNMENT ...] [--student ID ...] [--workers N] [--force]
                              [--scheduler ADDRESS]

Every submission under ``autograder/submitted/<student>/<assignment>/`` is graded by nbgrader's
own ``Autograde`` converter, preprocessors and gradebook, so scores, the Formgrader, feedback
and ``nbgrader export`` are what plain ``nbgrader autograde`` gives. What changes is where the
time goes:

- workers sanitize and execute the notebooks, each in a fresh kernel forked from a server that
  imported torch once (:mod:`convlab.grading.forkserver`): worker processes on this machine, one
  per core (:mod:`convlab.grading.pool`), or the workers of a Dask cluster (``--scheduler``,
  :mod:`convlab.grading.cluster`); either way they work from the run's
  :class:`~convlab.grading.kit.Kit` and never open the gradebook;
- this process is the gradebook's only writer (:mod:`convlab.grading.replay`); it notes each
  submission it recorded as it goes, so a run that is stopped (or killed) and started again
  finishes the batch where it stopped;
- limits (:mod:`convlab.grading.limits`) stop a runaway notebook without stopping the batch;
- a submission, the assignment's source, the checks and the limits unchanged since the last run
  are skipped (``--force`` regrades them).

It writes ``autograder/grading-report.csv`` (one row per student and assignment: outcome, score,
reasons, review flags, :mod:`convlab.grading.results`), ``autograder/mistakes.csv`` (the mistakes
the checks named, :mod:`convlab.grading.mistakes`) and keeps its memory of what was graded in
``autograder/.grading-state.json`` (and, during a run, ``.grading-journal.jsonl``).
"""

from __future__ import annotations

import argparse
import contextlib
import copy
import functools
import hashlib
import json
import os
import sys
import time
from collections import Counter
from dataclasses import asdict, dataclass
from pathlib import Path

from nbgrader.api import MissingEntry
from nbgrader.apps import NbGraderAPI
from tqdm import tqdm

import convlab
from convlab.grading.course import Course
from convlab.grading.environ import scoped, tools_first
from convlab.grading.execute import Executed
from convlab.grading.kit import pack
from convlab.grading.limits import Limits
from convlab.grading.mistakes import Mistake, extract, write_mistakes
from convlab.grading.pool import execute_locally, on_this_machine
from convlab.grading.replay import record, replaying
from convlab.grading.results import Result, summary, write_report
from convlab.grading.roster import is_id


@dataclass
class Job:
    student: str
    assignment: str
    folder: Path
    fingerprint: str


def digest(*parts: bytes) -> str:
    h = hashlib.sha256()
    for part in parts:
        h.update(hashlib.sha256(part).digest())
    return h.hexdigest()


def files_digest(paths) -> bytes:
    return "".join(f"{p.name}:{digest(p.read_bytes())}" for p in sorted(paths) if p.is_file()).encode()


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
        checks = files_digest(Path(convlab.__file__).parent.rglob("*.py"))
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
        mistakes = [Mistake(**{**m, "tests": tuple(m["tests"])}) for m in stored["mistakes"]]
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


def grade(
    root: Path,
    assignments: list[str] = (),
    students: list[str] = (),
    workers: int | None = None,
    force: bool = False,
    limits: Limits | None = None,
    progress: bool = True,
    require_sandbox: bool = False,
    scheduler: str | None = None,
) -> list[Result]:
    """Grade the chosen submissions (all by default); one Result per student and assignment.

    ``require_sandbox``: refuse to grade (before any submission runs) where this platform cannot
    confine every kernel fully. ``scheduler``: execute on the Dask cluster of that scheduler
    (``tcp://host:8786``) instead of worker processes here."""
    # nbgrader runs `alembic` to create or upgrade the gradebook: find it next to this Python
    with scoped(PATH=tools_first()["PATH"]), contextlib.ExitStack() as stack:
        client = None
        if scheduler:  # Dask is imported only for a cluster
            from convlab.grading.cluster import connect

            client = stack.enter_context(connect(scheduler))  # before anything is written
        return _grade(
            Course(root), assignments, students, workers, force, limits, progress, require_sandbox, client
        )


def _grade(course, assignments, students, workers, force, limits, progress, require_sandbox, client):
    limits = (limits or Limits()).for_course(course.config)
    workers = workers or os.cpu_count() or 1
    memory = Memory(course)
    say = functools.partial(tqdm.write, file=sys.stderr) if progress else (lambda _msg: None)

    jobs = memory.jobs(list(assignments), list(students), limits)
    for refusal in memory.refused:
        say(refusal)
    graded_assignments = sorted({j.assignment for j in jobs})
    for assignment in graded_assignments:
        memory.register(assignment, say)
    names = {a: course.notebooks_of(a) for a in graded_assignments}
    todo = [j for j in jobs if force or not memory.unchanged(j)]
    regraded = {(j.student, j.assignment) for j in todo}
    results = [memory.skipped(j) for j in jobs if (j.student, j.assignment) not in regraded]
    if not todo:
        if progress and results:
            print(
                f"all {len(results)} submissions unchanged since they were graded (--force regrades)",
                file=sys.stderr,
            )
        return results

    api = replaying(course.config)
    kit = pack(course, graded_assignments, limits, memory.registered_release)
    tasks = [(j.student, j.assignment, str(j.folder), names[j.assignment]) for j in todo]
    started = time.monotonic()
    timing = Counter()
    with contextlib.ExitStack() as stack:
        if client is not None:
            from convlab.grading.cluster import execute_on_cluster, on_cluster

            missing = stack.enter_context(on_cluster(client, kit))
            executions = execute_on_cluster(client, tasks)
            workers = sum(client.nthreads().values())
        else:
            missing, setup = stack.enter_context(on_this_machine(kit))
            executions = execute_locally(tasks, setup, workers, say)
        if missing and require_sandbox:
            raise SystemExit(
                "--require-sandbox: this platform cannot confine the kernels fully, nothing was graded:\n  "
                + "\n  ".join(missing)
            )
        if missing:
            say("limits this platform cannot enforce: " + "; ".join(missing))
        with tqdm(total=len(todo), unit="notebook", desc="grading", disable=not progress) as bar:
            for k, executed in executions:
                began = time.monotonic()
                results.append(write(api, course, memory, todo[k], executed))
                timing.update(
                    record=time.monotonic() - began,
                    kernel=executed.kernel_seconds,
                    cells=executed.execute_seconds,
                )
                bar.update()
                bar.set_postfix(Counter(r.outcome for r in results if r.outcome != "graded"), refresh=False)
    memory.save()
    elapsed = time.monotonic() - started
    if progress:
        print(summary(results, elapsed, len(todo), timing, min(workers, len(todo))), file=sys.stderr)
    return results


def write(api: NbGraderAPI, course: Course, memory: Memory, job: Job, executed: Executed) -> Result:
    """The single writer's step for one executed submission: nbgrader's autograde (replaying the
    worker's execution) into the gradebook, its result, and a line in the journal."""
    ok, log = record(api, executed.student, executed.assignment, executed.notebooks)
    result = summarise(course, executed, ok, log)
    if result.outcome != "failed":
        memory.graded(job, result)
    return result


def summarise(course: Course, executed: Executed, ok: bool, log: str) -> Result:
    score, max_score = course.score(executed.student, executed.assignment)
    reasons = list(executed.reasons) + [f"{name}: {why}" for name, why in executed.problems.items()]
    if not ok and not executed.problems:
        last = [line for line in log.strip().splitlines() if line.strip()][-1:] or ["nbgrader failed"]
        reasons.append(f"nbgrader: {last[0][:300]}")
    kind = "failed" if (executed.problems or not ok) else "limit" if executed.reasons else "graded"
    named = [
        m for nb in executed.notebooks.values() for m in extract(executed.student, executed.assignment, nb)
    ]
    return Result(
        executed.student,
        executed.assignment,
        kind,
        score,
        max_score,
        reasons,
        sorted(set(executed.flags)),
        executed.kernel_seconds + executed.execute_seconds,
        named if kind != "failed" else [],
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m convlab.grading", description=__doc__.split("\n")[0])
    parser.add_argument("assignments", nargs="*", help="assignment ids (default: every one submitted)")
    parser.add_argument("--student", action="append", default=[], help="grade only this student (repeatable)")
    parser.add_argument("--root", type=Path, default=Path.cwd(), help="the course (default: here)")
    parser.add_argument("--workers", type=int, help="parallel workers (default: one per core)")
    parser.add_argument("--force", action="store_true", help="regrade submissions that did not change")
    parser.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        help="execute on the workers of this Dask scheduler (tcp://host:8786) instead of here",
    )
    defaults = Limits()
    parser.add_argument("--timeout", type=int, help="seconds per cell (default: nbgrader's Execute.timeout)")
    parser.add_argument(
        "--notebook-timeout", type=int, default=defaults.notebook_seconds, help="seconds per notebook"
    )
    parser.add_argument("--memory-mb", type=int, default=defaults.memory_mb, help="memory per kernel")
    parser.add_argument(
        "--output-mb", type=int, default=defaults.output_mb, help="printed output per notebook"
    )
    parser.add_argument("--allow-network", action="store_true", help="let student code reach the network")
    parser.add_argument(
        "--allow-files", action="store_true", help="let student code read and write beyond its scratch folder"
    )
    parser.add_argument(
        "--require-sandbox",
        action="store_true",
        help="refuse to grade where a kernel cannot be fully confined (network, files, processes)",
    )
    args = parser.parse_args(argv)
    bad = [s for s in args.student if not is_id(s)]
    if bad:
        parser.error(f"not a student id: {', '.join(map(repr, bad))} (letters, digits, . _ -)")
    course = Course(args.root)
    limits = Limits(
        cell_seconds=args.timeout,
        notebook_seconds=args.notebook_timeout,
        memory_mb=args.memory_mb,
        output_mb=args.output_mb,
        network=args.allow_network,
        files=args.allow_files,
    )
    results = grade(
        course.root,
        args.assignments,
        args.student,
        args.workers,
        args.force,
        limits,
        True,
        args.require_sandbox,
        args.scheduler,
    )
    if not results:
        print(
            f"nothing to grade: no submissions under {course.submitted.relative_to(course.root)}"
            "/<student>/<assignment>/",
            file=sys.stderr,
        )
        return 0
    report = course.workspace / "grading-report.csv"
    write_report(results, report)
    # a submission recorded by a run that was stopped comes back skipped, with what that run found
    known = [r for r in results if r.outcome in ("graded", "limit") or r.graded_as]
    regraded = {(r.student, r.assignment): r.mistakes for r in known}
    write_mistakes(regraded, course.workspace / "mistakes.csv")
    print(
        f"report: {report.relative_to(course.root)}; the mistakes checks named: autograder/mistakes.csv",
        file=sys.stderr,
    )
    return 0
