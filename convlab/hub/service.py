"""Grade on submit: the hub's service that grades each submission as it arrives and releases the
student's feedback (``python -m convlab.hub.service --course PATH``; ``make hub`` starts it).

nbgrader's exchange is the queue: a student's Submit puts a folder in its ``inbound/``, where it
stays. Every second the service lists that folder and takes, per student and assignment, the
newest submission it has not yet handled; it collects them (nbgrader's ``collect``), grades them
in one batch with the course's own pipeline (warm kernels, limits, every kernel confined: the
service refuses to grade where it cannot confine them), then generates and releases each
student's feedback. Only then does it note the submission as handled, in a small file written
atomically, so a service that dies mid-batch grades that batch again when the hub restarts it,
and a flood of submissions waits in ``inbound/`` for the next batch instead of being dropped.
A resubmission is newer than what was handled: it is regraded and its feedback replaces the old.
A submission whose folder holds a symbolic link is refused unread (see :func:`links_in`).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import sys
import time
from collections import defaultdict
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from nbgrader.apps import NbGraderAPI
from nbgrader.utils import parse_utc, temp_attrs

from convlab.grading.autograde import grade
from convlab.grading.course import Course

POLL_SECONDS = 1.0
HANDLED = ".grade-on-submit.json"  # in the course's autograder/: (student/assignment -> timestamp)


@dataclass(frozen=True)
class Submission:
    student: str
    assignment: str
    timestamp: str  # as nbgrader wrote it in the folder's name

    @property
    def key(self) -> str:
        return f"{self.student}/{self.assignment}"

    @property
    def when(self) -> datetime:
        return parse_utc(self.timestamp)


def newest_submissions(inbound: Path) -> dict[str, Submission]:
    """The newest submission per student and assignment in nbgrader's ``inbound/`` folder,
    whose entries are named ``student+assignment+timestamp+random`` (nbgrader's submit)."""
    newest: dict[str, Submission] = {}
    for entry in os.scandir(inbound) if inbound.is_dir() else ():
        parts = entry.name.rsplit("+", 3)
        if len(parts) != 4 or not entry.is_dir(follow_symlinks=False):
            continue
        try:
            submission = Submission(*parts[:3])
            submission.when  # noqa: B018 (an unreadable timestamp is not a submission)
        except ValueError:
            continue
        if submission.key not in newest or submission.when > newest[submission.key].when:
            newest[submission.key] = submission
    return newest


class Handled:
    """What the service has graded and released, one timestamp per student and assignment."""

    def __init__(self, path: Path):
        self.path = path
        self.done: dict[str, str] = json.loads(path.read_text()) if path.is_file() else {}

    def waiting(self, newest: dict[str, Submission]) -> list[Submission]:
        return [
            s for k, s in sorted(newest.items()) if k not in self.done or s.when > parse_utc(self.done[k])
        ]

    def note(self, submissions: list[Submission]) -> None:
        self.done.update({s.key: s.timestamp for s in submissions})
        tmp = self.path.with_suffix(".tmp")
        with open(tmp, "w") as f:
            json.dump(self.done, f, indent=1, sort_keys=True)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, self.path)


def links_in(inbound: Path, submission: Submission) -> list[str]:
    """The symbolic links in the student's submission folders for the assignment (nbgrader's
    collect takes the newest, which may be newer than ``submission``). A student owns those
    folders and could point a link at a file only the grader may read (the answer key, the
    gradebook); collect would copy what it points to, for the student's code to print into
    their feedback."""
    found = []
    for folder in inbound.glob(f"{submission.student}+{submission.assignment}+*"):
        found += [folder] if folder.is_symlink() else []
        for where, folders, files in os.walk(folder):
            found += [Path(where, name) for name in folders + files if Path(where, name).is_symlink()]
    return [p.name for p in found]


def collect(course: Course, api: NbGraderAPI, inbound: Path, submission: Submission) -> bool:
    """nbgrader's collect, for this submission's student only; False (and nothing collected)
    when their folders hold a symbolic link, before or after the copy."""
    links = links_in(inbound, submission)
    if not links:
        with temp_attrs(api.coursedir, student_id=submission.student), stops_wait():
            collected = api.collect(submission.assignment, update=True)
        if not collected["success"]:
            why = (collected.get("log") or "") + (collected.get("error") or "")
            log(f"{submission.key}: nbgrader could not collect it: {why[-800:]}")
            return False
        links = links_in(inbound, submission)  # one swapped in while nbgrader copied
        if links:
            shutil.rmtree(course.submitted / submission.student / submission.assignment, ignore_errors=True)
    if links:
        log(f"{submission.key}: refused, not graded: it holds symbolic links ({', '.join(links[:5])})")
    return not links


STOPS = (signal.SIGINT, signal.SIGTERM)
_held: list[int] | None = None  # the stops that arrived during a copy, while one runs


def _stop(signum, frame) -> None:
    if _held is not None:
        _held.append(signum)
        return
    raise KeyboardInterrupt


def stop_on_signals() -> None:
    """JupyterHub stops its services with SIGINT, then SIGTERM: either raises KeyboardInterrupt,
    which unwinds a batch (its kernels stopped, nothing noted handled, so it is graded again
    next time). Set here because a process started with SIGINT ignored (a background job's
    children are) would otherwise keep ignoring it, and the hub would wait for SIGTERM."""
    for signum in STOPS:
        signal.signal(signum, _stop)


@contextmanager
def stops_wait():
    """A stop waits until nbgrader has copied a submission, then takes effect: stopped
    mid-copy, a partial copy with its timestamp would stay, and collect would not replace it
    next time. (Python runs signal handlers in the main thread, whichever thread got the signal.)"""
    global _held
    _held = []
    try:
        yield
    finally:
        arrived, _held = _held, None
    if arrived:
        raise KeyboardInterrupt


def log(message: str) -> None:
    print(f"[grade-on-submit {time.strftime('%H:%M:%S')}] {message}", flush=True)


def handle(
    course: Course, api: NbGraderAPI, inbound: Path, handled: Handled, batch: list[Submission], workers: int
) -> None:
    """Collect, grade and release feedback for one batch; note it handled at the end."""
    started = time.monotonic()
    spent: dict[str, float] = defaultdict(float)  # seconds per step, for the log
    by_assignment: dict[str, list[Submission]] = defaultdict(list)
    for submission in batch:
        by_assignment[submission.assignment].append(submission)
    for assignment, submissions in sorted(by_assignment.items()):
        began = time.monotonic()
        accepted = [s for s in submissions if collect(course, api, inbound, s)]
        spent["collect"] += time.monotonic() - began
        refused = [s for s in submissions if s not in accepted]
        handled.note(refused)  # not graded; the log says why
        if not accepted:
            continue
        submissions = accepted
        students = [s.student for s in submissions]
        began = time.monotonic()
        results = grade(
            course.root,
            [assignment],
            students,
            workers=workers,
            force=True,
            require_sandbox=True,
            progress=False,
        )
        spent["grade"] += time.monotonic() - began
        began = time.monotonic()
        for result in results:
            line = f"{result.student} {assignment}: {result.outcome}, {result.score}/{result.max_score}"
            if result.outcome == "failed":  # nothing to feed back: the report names the reason
                log(line + " - " + "; ".join(result.reasons)[:300])
                continue
            for step in (api.generate_feedback, api.release_feedback):
                done = step(assignment, result.student)
                if not done["success"]:  # logged, not raised: one student's feedback stops no one else's
                    why = (done.get("log") or "") + (done.get("error") or "")
                    log(f"{line}: nbgrader {step.__name__} failed: {why[-800:]}")
                    break
            else:
                log(f"{line}, feedback released")
        # collected now: the timestamps nbgrader copied (a newer submission may be in inbound already)
        collected = [
            Submission(s.student, assignment, (course.submitted / s.student / assignment / "timestamp.txt")
                       .read_text().strip())
            for s in submissions
        ]  # fmt: skip
        handled.note(collected)
        spent["feedback"] += time.monotonic() - began
    steps = ", ".join(f"{step} {seconds:.1f} s" for step, seconds in spent.items())
    log(f"batch of {len(batch)} handled in {time.monotonic() - started:.1f} s ({steps})")


def serve(course: Course, workers: int, once: bool = False) -> None:
    api = NbGraderAPI(config=course.config)
    inbound = Path(course.config.Exchange.root) / course.course_id / "inbound"
    handled = Handled(course.workspace / HANDLED)  # read once: this service is its one writer
    log(f"watching {inbound}; {len(handled.waiting(newest_submissions(inbound)))} submissions waiting")
    while True:
        waiting = handled.waiting(newest_submissions(inbound))
        if waiting:
            log(f"{len(waiting)} to grade: {', '.join(s.key for s in waiting)}")
            handle(course, api, inbound, handled, waiting, workers)
        elif once:
            return
        else:
            time.sleep(POLL_SECONDS)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m convlab.hub.service", description=__doc__.split("\n")[0])
    parser.add_argument("--course", type=Path, default=Path.cwd(), help="the course (default: here)")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--once", action="store_true", help="grade what is waiting, then stop")
    args = parser.parse_args(argv)
    os.umask(0o007)  # the gradebook and feedback stay writable by the staff group, closed to others
    stop_on_signals()
    try:
        serve(Course(args.course), args.workers, args.once)
    except KeyboardInterrupt:
        log("stopped")
    return 0


if __name__ == "__main__":
    sys.exit(main())
