"""Grade a whole class into nbgrader's gradebook: in parallel, under limits, with progress.

    python -m convlab.grading [ASSIGNMENT ...] [--student ID ...] [--workers N] [--force]
                              [--scheduler ADDRESS] [--writers N]

Every submission under ``autograder/submitted/<student>/<assignment>/`` is graded by nbgrader's
own ``Autograde`` converter, preprocessors and gradebook, so scores, the Formgrader, feedback
and ``nbgrader export`` are what plain ``nbgrader autograde`` gives. What changes is where the
time goes:

- workers sanitize and execute the notebooks, each in a fresh kernel forked from a server that
  imported torch once (:mod:`convlab.grading.engine.forkserver`): worker processes on this machine, one
  per core (:mod:`convlab.grading.engine.pool`), or the workers of a Dask cluster (``--scheduler``,
  :mod:`convlab.grading.engine.cluster`); either way they work from the run's
  :class:`~convlab.grading.engine.kit.Kit` and never open the gradebook;
- this process is the gradebook's only writer (:mod:`convlab.grading.recording.writer`): one
  gradebook session for the batch, one transaction per submission (into PostgreSQL, ``--writers``
  processes may share the recording, :mod:`convlab.grading.recording.lanes`); it notes each
  submission recorded as it goes, so a run that is stopped (or killed) and started again
  finishes the batch where it stopped;
- limits (:mod:`convlab.grading.engine.limits`) stop a runaway notebook without stopping the batch;
- a submission, the assignment's source, the code its kernel runs and the limits unchanged since the last run
  are skipped (``--force`` regrades them).

It writes ``autograder/grading-report.csv`` (one row per student and assignment: outcome, score,
reasons, review flags, :mod:`convlab.grading.results.outcomes`), ``autograder/mistakes.csv`` (the mistakes
the checks named, :mod:`convlab.grading.results.mistakes`) and keeps its memory of what was graded in
``autograder/.grading-state.json`` (and, during a run, ``.grading-journal.jsonl``).
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import functools
import sys
import time
from collections import Counter
from pathlib import Path

from tqdm import tqdm

from convlab.grading.course import Course
from convlab.grading.engine.engines import Engine, Executed, Job
from convlab.grading.engine.kit import pack
from convlab.grading.engine.limits import Limits
from convlab.grading.engine.pool import LocalPool
from convlab.grading.environ import scoped, tools_first
from convlab.grading.recording.lanes import record_all, recorder
from convlab.grading.recording.state import Memory
from convlab.grading.recording.warm import WarmEngine
from convlab.grading.recording.writer import Recorded
from convlab.grading.results.mistakes import write_mistakes
from convlab.grading.results.outcomes import Result, run_summary, write_outcomes
from convlab.grading.roster import is_id


def grade(
    root: Path,
    *,
    assignments: list[str] = (),
    students: list[str] = (),
    workers: int | None = None,
    force: bool = False,
    limits: Limits | None = None,
    progress: bool = True,
    require_sandbox: bool = False,
    scheduler: str | None = None,
    engine: WarmEngine | None = None,
    writers: int = 1,
) -> list[Result]:
    """Grade the chosen submissions (all by default); one Result per student and assignment.

    ``require_sandbox``: refuse to grade (before any submission runs) where this platform cannot
    confine every kernel fully. ``scheduler``: execute on the Dask cluster of that scheduler
    (``tcp://host:8786``) instead of worker processes here. ``engine``: execute on this engine,
    kept started between runs (:mod:`convlab.grading.recording.warm`; ``workers`` is its own).
    ``writers``: record with that many processes (a PostgreSQL gradebook; :mod:`~.lanes`)."""
    say = functools.partial(tqdm.write, file=sys.stderr) if progress else (lambda _msg: None)
    # nbgrader runs `alembic` to create or upgrade the gradebook: find it next to this Python
    with scoped(PATH=tools_first()["PATH"]), contextlib.ExitStack() as stack:
        course = Course(root)
        if engine is not None:
            executing = engine
        elif scheduler:  # Dask is imported only for a cluster
            from convlab.grading.engine.cluster import DaskCluster, connect

            executing = DaskCluster(stack.enter_context(connect(scheduler)))  # before anything is written
        else:
            executing = LocalPool(workers, say)
            # its fork server imports torch while the run registers and packs the assignments
            stack.enter_context(executing.early((limits or Limits()).for_course(course.config)))
        return _grade(
            course,
            executing,
            assignments=assignments,
            students=students,
            force=force,
            limits=limits,
            progress=progress,
            require_sandbox=require_sandbox,
            writers=writers,
        )


def _grade(
    course: Course,
    engine: Engine | WarmEngine,
    *,
    assignments: list[str],
    students: list[str],
    force: bool,
    limits: Limits | None,
    progress: bool,
    require_sandbox: bool,
    writers: int = 1,
) -> list[Result]:
    limits = (limits or Limits()).for_course(course.config)
    recording = recorder(course.config, course.db_url, writers)  # refused before anything runs
    memory = Memory(course)
    say = functools.partial(tqdm.write, file=sys.stderr) if progress else (lambda _msg: None)

    jobs = memory.jobs(list(assignments), list(students), limits)
    for refusal in memory.refused:
        say(refusal)
    graded_assignments = sorted({j.assignment for j in jobs})
    for assignment in graded_assignments:
        memory.register(assignment, say)
    names = {a: tuple(course.notebooks_of(a)) for a in graded_assignments}
    todo = [
        dataclasses.replace(j, notebooks=names[j.assignment])
        for j in jobs
        if force or not memory.unchanged(j)
    ]
    regraded = {(j.student, j.assignment) for j in todo}
    results = [memory.skipped(j) for j in jobs if (j.student, j.assignment) not in regraded]
    if not todo:
        if progress and results:
            print(
                f"all {len(results)} submissions unchanged since they were graded (--force regrades)",
                file=sys.stderr,
            )
        return results

    if isinstance(engine, WarmEngine):  # started already, for every assignment (again if need be)
        engine, context = engine.ready(course, memory, limits, graded_assignments), contextlib.nullcontext()
    else:
        context = engine.started(pack(course, graded_assignments, limits, memory.registered_release))
    started = time.monotonic()
    timing = Counter()
    with context, recording:
        missing, workers = engine.missing, engine.workers
        if missing and require_sandbox:
            raise SystemExit(
                "--require-sandbox: this platform cannot confine the kernels fully, nothing was graded:\n  "
                + "\n  ".join(missing)
            )
        if missing:
            say("limits this platform cannot enforce: " + "; ".join(missing))
        with tqdm(total=len(todo), unit="notebook", desc="grading", disable=not progress) as bar:

            def finish(k: int, executed: Executed, recorded: Recorded) -> None:
                results.append(finished(memory, todo[k], executed, recorded))
                timing.update(
                    record=recorded.seconds,
                    kernel=executed.kernel_seconds,
                    cells=executed.execute_seconds,
                    sanitize=executed.sanitize_seconds,
                    worker=executed.worker_seconds,
                )
                bar.update()
                bar.set_postfix(Counter(r.outcome for r in results if r.outcome != "graded"), refresh=False)

            record_all(recording, engine.execute(todo), finish)
    memory.save()
    elapsed = time.monotonic() - started
    if progress:
        print(run_summary(results, elapsed, len(todo), timing, min(workers, len(todo))), file=sys.stderr)
    return results


def finished(memory: Memory, job: Job, executed: Executed, recorded: Recorded) -> Result:
    """A submission recorded: its result, and a line in the journal unless it failed."""
    result = summarise(executed, recorded.ok, recorded.log, (recorded.score, recorded.max_score))
    if result.outcome != "failed":
        memory.graded(job, result)
    return result


def summarise(executed: Executed, ok: bool, log: str, scored: tuple) -> Result:
    """``executed`` as the report has it, given how recording went and the submission's
    (score, max score) in the gradebook."""
    score, max_score = scored
    reasons = list(executed.reasons) + [f"{name}: {why}" for name, why in executed.problems.items()]
    if not ok and not executed.problems:
        last = [line for line in log.strip().splitlines() if line.strip()][-1:] or ["nbgrader failed"]
        reasons.append(f"nbgrader: {last[0][:300]}")
    kind = "failed" if (executed.problems or not ok) else "limit" if executed.reasons else "graded"
    return Result(
        executed.student,
        executed.assignment,
        kind,
        score,
        max_score,
        reasons,
        sorted(set(executed.flags)),
        executed.kernel_seconds + executed.execute_seconds,
        list(executed.mistakes) if kind != "failed" else [],
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m convlab.grading", description=__doc__.split("\n")[0])
    parser.add_argument("assignments", nargs="*", help="assignment ids (default: every one submitted)")
    parser.add_argument("--student", action="append", default=[], help="grade only this student (repeatable)")
    parser.add_argument("--root", type=Path, default=Path.cwd(), help="the course (default: here)")
    parser.add_argument("--workers", type=int, help="parallel workers (default: one per core)")
    parser.add_argument("--force", action="store_true", help="regrade submissions that did not change")
    parser.add_argument(
        "--writers",
        type=int,
        default=1,
        help="gradebook writer processes (default 1; more for a PostgreSQL gradebook fed by many workers)",
    )
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
        assignments=args.assignments,
        students=args.student,
        workers=args.workers,
        force=args.force,
        limits=limits,
        require_sandbox=args.require_sandbox,
        scheduler=args.scheduler,
        writers=args.writers,
    )
    if not results:
        print(
            f"nothing to grade: no submissions under {course.submitted.relative_to(course.root)}"
            "/<student>/<assignment>/",
            file=sys.stderr,
        )
        return 0
    outcomes = course.workspace / "grading-report.csv"
    write_outcomes(results, outcomes)
    # a submission recorded by a run that was stopped comes back skipped, with what that run found
    known = [r for r in results if r.outcome in ("graded", "limit") or r.graded_as]
    regraded = {(r.student, r.assignment): r.mistakes for r in known}
    write_mistakes(regraded, course.workspace / "mistakes.csv")
    print(
        f"report: {outcomes.relative_to(course.root)}; the mistakes checks named: autograder/mistakes.csv",
        file=sys.stderr,
    )
    return 0
