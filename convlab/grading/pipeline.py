"""Grade a whole class into nbgrader's gradebook: in parallel, under limits, with progress.

    python -m convlab.grading [ASSIGNMENT ...] [--student ID ...] [--workers N] [--force]

Every submission under ``autograder/submitted/<student>/<assignment>/`` is graded by nbgrader's
own ``Autograde`` converter, preprocessors and gradebook, so scores, the Formgrader, feedback
and ``nbgrader export`` are what plain ``nbgrader autograde`` gives. What changes is where the
time goes:

- worker processes (one per core) sanitize and execute the notebooks, each in a fresh kernel
  forked from a server that imported torch once (:mod:`convlab.grading.forkserver`);
- this process is the gradebook's only writer: it runs nbgrader's ``Autograde`` for each
  executed submission with :class:`Replay` standing in for ``Execute``;
- limits (:mod:`convlab.grading.limits`) stop a runaway notebook without stopping the batch;
- a submission, the assignment's source, the checks and the limits unchanged since the last run
  are skipped (``--force`` regrades them).

It writes ``autograder/grading-report.csv`` (one row per student and assignment: outcome, score,
reasons, review flags) and keeps its memory of what was graded in ``autograder/.grading-state.json``.
"""

from __future__ import annotations

import argparse
import copy
import csv
import functools
import hashlib
import json
import multiprocessing
import os
import subprocess
import sys
import tempfile
import time
from collections import Counter
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
from nbgrader.api import Gradebook, MissingEntry
from nbgrader.apps import NbGraderAPI
from nbgrader.converters import Autograde
from nbgrader.preprocessors import Execute, NbGraderPreprocessor
from tqdm import tqdm
from traitlets.config import Config
from traitlets.config.loader import PyFileConfigLoader

import convlab
from convlab.grading.execute import Executed, configure, run_submission
from convlab.grading.limits import Limits

RELEASE = "autograder/.release"  # where registering an assignment writes its release (not notebooks/)


class Replay(NbGraderPreprocessor):
    """In the grader process, stands in for nbgrader's ``Execute``: it returns the notebook a
    worker executed, after checking it is the one nbgrader just sanitized."""

    executed: dict[tuple[str, str, str], str] = {}  # (student, assignment, notebook) -> JSON

    def preprocess(self, nb, resources):
        info = resources["nbgrader"]
        key = (info["student"], info["assignment"], info["notebook"])
        if key not in Replay.executed:
            raise RuntimeError(f"{key} was not executed by a worker")
        executed = nbformat.reads(Replay.executed.pop(key), as_version=4)
        if [c.source for c in executed.cells] != [c.source for c in nb.cells]:
            raise RuntimeError(f"the executed {info['notebook']} is not the notebook nbgrader sanitized")
        return executed, resources


@dataclass
class Job:
    student: str
    assignment: str
    folder: Path
    fingerprint: str


@dataclass
class Outcome:
    student: str
    assignment: str
    outcome: str  # graded, limit, failed, skipped
    score: float | None = None
    max_score: float | None = None
    reasons: list[str] = field(default_factory=list)
    flags: list[str] = field(default_factory=list)
    seconds: float = 0.0


def load_config(root: Path) -> Config:
    """The course's nbgrader_config.py, as the nbgrader commands read it."""
    return PyFileConfigLoader("nbgrader_config.py", path=str(root)).load_config()


def digest(*parts: bytes) -> str:
    h = hashlib.sha256()
    for part in parts:
        h.update(hashlib.sha256(part).digest())
    return h.hexdigest()


def files_digest(paths) -> bytes:
    return "".join(f"{p.name}:{digest(p.read_bytes())}" for p in sorted(paths) if p.is_file()).encode()


class Course:
    """The course's folders, its gradebook and what the last run graded."""

    def __init__(self, root: Path, config: Config):
        self.root = root
        self.config = config
        self.api = NbGraderAPI(config=config)
        self.coursedir = self.api.coursedir
        self.db_url = self.coursedir.db_url
        self.submitted = root / self.coursedir.submitted_directory
        self.autograded = root / self.coursedir.autograded_directory
        self.source = root / self.coursedir.source_directory
        self.state_path = root / "autograder" / ".grading-state.json"
        self.state = json.loads(self.state_path.read_text()) if self.state_path.exists() else {}

    def save_state(self) -> None:
        partial = self.state_path.with_suffix(".tmp")
        partial.write_text(json.dumps(self.state, indent=1, sort_keys=True))
        partial.replace(self.state_path)  # never a half-written state file

    def notebooks_of(self, assignment: str) -> list[str]:
        with Gradebook(self.db_url, self.coursedir.course_id) as gb:
            return [n.name for n in gb.find_assignment(assignment).notebooks]

    def register(self, assignment: str, log) -> None:
        """Put the assignment's current source (test cells, points) in the gradebook, as
        ``nbgrader generate_assignment`` does, when it changed since it was last registered."""
        source = self.source_digest(assignment)
        key = f"source/{assignment}"
        try:
            with Gradebook(self.db_url, self.coursedir.course_id) as gb:
                gb.find_assignment(assignment)
            known = self.state.get(key) == source
        except MissingEntry:
            known = False
        if known:
            return
        log(f"registering {assignment} in the gradebook (nbgrader generate_assignment)")
        config = copy.deepcopy(self.config)
        config.CourseDirectory.release_directory = RELEASE
        api = NbGraderAPI(config=config)
        result = api.generate_assignment(assignment, force=True, create=True)
        if not result["success"]:
            raise SystemExit(f"nbgrader generate_assignment {assignment} failed:\n{result.get('error')}")
        self.state[key] = source
        self.save_state()

    def jobs(self, assignments: list[str], students: list[str], limits: Limits) -> list[Job]:
        checks = files_digest(Path(convlab.__file__).parent.rglob("*.py"))
        shared = digest(checks, json.dumps(limits.as_dict(), sort_keys=True).encode())
        found = []
        for folder in sorted(p for p in self.submitted.glob("*/*") if p.is_dir()):
            student, assignment = folder.parent.name, folder.name
            if (assignments and assignment not in assignments) or (students and student not in students):
                continue
            if not (self.source / assignment).is_dir():
                continue  # not an assignment of this course: nbgrader would not grade it either
            source = self.source_digest(assignment).encode()
            found.append(
                Job(
                    student,
                    assignment,
                    folder,
                    digest(shared.encode(), source, files_digest(folder.iterdir())),
                )
            )
        return found

    @functools.cache  # noqa: B019 (one Course per run; the source does not change during it)
    def source_digest(self, assignment: str) -> str:
        return digest(files_digest((self.source / assignment).rglob("*")))

    def unchanged(self, job: Job) -> bool:
        done = self.state.get(f"{job.student}/{job.assignment}", {})
        graded = self.autograded / job.student / job.assignment
        return done.get("fingerprint") == job.fingerprint and graded.is_dir()

    def record(self, executed: Executed, names: list[str]) -> tuple[bool, str]:
        """nbgrader's Autograde for one submission, with Replay in place of Execute."""
        for name, notebook in executed.notebooks.items():
            Replay.executed[(executed.student, executed.assignment, name)] = notebook
        result = self.api.autograde(executed.assignment, executed.student, force=True, create=True)
        for name in names:
            Replay.executed.pop((executed.student, executed.assignment, name), None)
        return result["success"], result.get("error") or result.get("log") or ""

    def score(self, student: str, assignment: str) -> tuple[float, float] | tuple[None, None]:
        with Gradebook(self.db_url, self.coursedir.course_id) as gb:
            try:
                submission = gb.find_submission(assignment, student)
            except MissingEntry:
                return None, None
            return submission.score, submission.max_score


class ForkServer:
    """The fork server as a context: started before the workers, stopped (with any kernel
    still running) when grading ends, however it ends."""

    def __init__(self, limits: Limits):
        self.limits = limits

    def __enter__(self) -> ForkServer:
        self.folder = tempfile.TemporaryDirectory(prefix="convlab-grading-")  # the server opens it to nobody
        self.socket = os.path.join(self.folder.name, "kernels.sock")
        argv = [
            sys.executable,
            "-m",
            "convlab.grading.forkserver",
            self.socket,
            json.dumps(self.limits.as_dict()),
        ]
        self.process = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        line = self.process.stdout.readline()
        if not line:
            raise SystemExit("the kernel fork server did not start (run it alone to see why)")
        self.missing = json.loads(line)["missing"]
        return self

    def __exit__(self, *exc) -> None:
        self.process.stdin.close()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
        self.folder.cleanup()


def grade(
    root: Path,
    assignments: list[str] = (),
    students: list[str] = (),
    workers: int | None = None,
    force: bool = False,
    limits: Limits | None = None,
    progress: bool = True,
) -> list[Outcome]:
    """Grade the chosen submissions (all by default); one Outcome per student and assignment."""
    root = root.resolve()
    # nbgrader runs `alembic` to create or upgrade the gradebook: find it next to this Python
    os.environ["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"
    config = load_config(root)
    limits = (limits or Limits()).for_course(config)
    workers = workers or os.cpu_count() or 1
    course = Course(root, config)
    say = tqdm.write if progress else (lambda _msg: None)

    jobs = course.jobs(list(assignments), list(students), limits)
    for assignment in sorted({j.assignment for j in jobs}):
        course.register(assignment, say)
    names = {a: course.notebooks_of(a) for a in {j.assignment for j in jobs}}
    todo = [j for j in jobs if force or not course.unchanged(j)]
    outcomes = [
        Outcome(j.student, j.assignment, "skipped", *course.score(j.student, j.assignment))
        for j in jobs
        if j not in todo
    ]
    if not todo:
        if progress and outcomes:
            print(
                f"all {len(outcomes)} submissions unchanged since they were graded (--force regrades)",
                file=sys.stderr,
            )
        return outcomes

    replay = copy.deepcopy(config)
    replay.Autograde.autograde_preprocessors = [
        Replay if p is Execute else p for p in Autograde.class_traits()["autograde_preprocessors"].default()
    ]
    course.api = NbGraderAPI(config=replay)
    os.environ["NBGRADER_EXECUTION"] = "autograde"  # what nbgrader sets while it executes
    started = time.monotonic()
    timing = Counter()
    with ForkServer(limits) as server:
        if server.missing:
            say("limits this platform cannot enforce: " + "; ".join(server.missing))
        pool = ProcessPoolExecutor(
            max_workers=min(workers, len(todo)),
            mp_context=multiprocessing.get_context("spawn"),
            initializer=configure,
            initargs=(config, course.db_url, server.socket, limits, str(root / RELEASE), str(course.source)),
        )
        with pool, tqdm(total=len(todo), unit="notebook", desc="grading", disable=not progress) as bar:
            futures = {
                pool.submit(run_submission, j.student, j.assignment, str(j.folder), names[j.assignment]): j
                for j in todo
            }
            for future in as_completed(futures):
                job = futures[future]
                try:
                    executed = future.result()
                except Exception as err:  # noqa: BLE001 (a crashed worker fails its job, not the batch)
                    executed = Executed(
                        job.student, job.assignment, problems={"*": f"the worker failed: {err!r}"}
                    )
                began = time.monotonic()
                ok, log = course.record(executed, names[job.assignment])
                timing.update(
                    record=time.monotonic() - began,
                    kernel=executed.kernel_seconds,
                    cells=executed.execute_seconds,
                )
                outcome = summarise(course, executed, ok, log)
                outcome.seconds = executed.kernel_seconds + executed.execute_seconds
                outcomes.append(outcome)
                if outcome.outcome != "failed":
                    course.state[f"{job.student}/{job.assignment}"] = {"fingerprint": job.fingerprint}
                    course.save_state()
                bar.update()
                bar.set_postfix(Counter(o.outcome for o in outcomes if o.outcome != "graded"), refresh=False)
    elapsed = time.monotonic() - started
    if progress:
        print(summary(outcomes, elapsed, len(todo), timing, min(workers, len(todo))), file=sys.stderr)
    return outcomes


def summarise(course: Course, executed: Executed, ok: bool, log: str) -> Outcome:
    score, max_score = course.score(executed.student, executed.assignment)
    reasons = list(executed.reasons) + [f"{name}: {why}" for name, why in executed.problems.items()]
    if not ok and not executed.problems:
        last = [line for line in log.strip().splitlines() if line.strip()][-1:] or ["nbgrader failed"]
        reasons.append(f"nbgrader: {last[0][:300]}")
    kind = "failed" if (executed.problems or not ok) else "limit" if executed.reasons else "graded"
    return Outcome(
        executed.student, executed.assignment, kind, score, max_score, reasons, sorted(set(executed.flags))
    )


def summary(outcomes: list[Outcome], elapsed: float, n: int, timing: Counter, workers: int) -> str:
    counts = Counter(o.outcome for o in outcomes)
    flagged = sum(bool(o.flags) for o in outcomes)
    lines = [
        f"graded {n} submissions in {elapsed:.1f} s ({n / elapsed:.2f} per second, {workers} workers): "
        f"{counts['graded']} graded, {counts['limit']} hit a limit, {counts['failed']} failed, "
        f"{flagged} flagged for review, {counts['skipped']} unchanged and skipped",
        f"per submission: kernel ready {timing['kernel'] / n:.2f} s, cells {timing['cells'] / n:.2f} s, "
        f"nbgrader's gradebook steps {timing['record'] / n:.2f} s",
    ]
    for o in outcomes:
        if o.outcome in ("limit", "failed") or o.flags:
            lines.append(f"  {o.student}/{o.assignment}: {o.outcome}; " + "; ".join(o.reasons + o.flags))
    return "\n".join(lines)


REPORT_COLUMNS = ["student", "assignment", "outcome", "score", "max_score", "reasons", "flags"]


def write_report(outcomes: list[Outcome], path: Path) -> None:
    """One row per student and assignment. Rows of earlier runs stay; a submission skipped as
    unchanged keeps the row (reasons, flags) of the run that graded it."""
    rows: dict[tuple[str, str], list] = {}
    if path.exists():
        with open(path, newline="") as f:
            rows = {
                (r["student"], r["assignment"]): [r[k] for k in REPORT_COLUMNS] for r in csv.DictReader(f)
            }
    for o in outcomes:
        if o.outcome != "skipped" or (o.student, o.assignment) not in rows:
            reasons, flags = " | ".join(o.reasons), " | ".join(o.flags)
            rows[(o.student, o.assignment)] = [
                o.student,
                o.assignment,
                o.outcome,
                o.score,
                o.max_score,
                reasons,
                flags,
            ]
    with open(path, "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(REPORT_COLUMNS)
        writer.writerows(rows[key] for key in sorted(rows))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m convlab.grading", description=__doc__.split("\n")[0])
    parser.add_argument("assignments", nargs="*", help="assignment ids (default: every one submitted)")
    parser.add_argument("--student", action="append", default=[], help="grade only this student (repeatable)")
    parser.add_argument("--root", type=Path, default=Path.cwd(), help="the course (default: here)")
    parser.add_argument("--workers", type=int, help="parallel workers (default: one per core)")
    parser.add_argument("--force", action="store_true", help="regrade submissions that did not change")
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
    args = parser.parse_args(argv)
    root = args.root.resolve()
    limits = Limits(
        cell_seconds=args.timeout,
        notebook_seconds=args.notebook_timeout,
        memory_mb=args.memory_mb,
        output_mb=args.output_mb,
        network=args.allow_network,
    )
    outcomes = grade(root, args.assignments, args.student, args.workers, args.force, limits)
    if not outcomes:
        print(
            "nothing to grade: no submissions under autograder/submitted/<student>/<assignment>/",
            file=sys.stderr,
        )
        return 0
    report = root / "autograder" / "grading-report.csv"
    write_report(outcomes, report)
    print(f"report: {report.relative_to(root)}", file=sys.stderr)
    return 0
