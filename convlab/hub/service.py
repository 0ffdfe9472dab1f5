"""Grade on submit: the hub's service that grades each submission as it arrives and releases the
student's feedback (``python -m convlab.hub.service --course PATH``; ``make hub`` starts it).

nbgrader's exchange is the queue: a student's Submit puts a folder in its ``inbound/``, where it
stays. Four times a second the service lists that folder and takes, per student and assignment,
the newest submission it has not yet handled; it collects them (nbgrader's ``collect``), grades
them in one batch with the course's own pipeline (warm kernels, limits, every kernel confined:
the service refuses to grade where it cannot confine them), then generates and releases each
student's feedback. The grading engine (the fork server with torch imported, the kit, the worker
processes) is started when the service starts and kept between batches
(:mod:`convlab.grading.recording.warm`): it is started again when the checks, an assignment's
source, the course's configuration or the limits change, or when its fork server died (the
batch it was grading is then graded again); each notebook still runs in a fresh fork.
Only when a batch's feedback is out does it note the submission as handled, in a small file written
atomically, so a service that dies mid-batch grades that batch again when the hub restarts it,
and a flood of submissions waits in ``inbound/`` for the next batch instead of being dropped.
A resubmission is newer than what was handled: it is regraded and its feedback replaces the old.

Who handed a submission in, and when, comes from the system, not from the folder's name
(:mod:`convlab.hub.inbound`): a folder counts for student S only when S's account owns it and
all it holds and S is a student of the roster, and its time is the folder's own. Anything else
(a folder made for someone else, ``nbgrader submit --student``, a timestamp of 2099, an id such
as ``..``, ``*`` or ``=2+5``, a symbolic link inside) is refused, once, with a line in the log
saying why, and left in ``inbound/`` for an instructor. Whoever handed in a submission that was
not graded finds a page saying why in the place of its feedback (*Fetch Feedback*).
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import signal
import sys
import time
from collections import defaultdict
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path

from nbgrader.apps import NbGraderAPI
from nbgrader.utils import capture_log, parse_utc, temp_attrs

from convlab.grading.course import Course
from convlab.grading.engine.limits import Limits
from convlab.grading.recording.autograde import grade
from convlab.grading.recording.state import Memory
from convlab.grading.recording.warm import WarmEngine
from convlab.hub import inbound as exchange
from convlab.hub.inbound import Entry, OwnedCollect

POLL_SECONDS = 0.25  # listing inbound/ costs a few stat calls: cheap to do often
HANDLED = ".grade-on-submit.json"  # in the course's autograder/: (student/assignment -> timestamp)


class Handled:
    """What the service has graded and released, one timestamp per student and assignment."""

    def __init__(self, path: Path):
        self.path = path
        self.done: dict[str, str] = json.loads(path.read_text()) if path.is_file() else {}

    def waiting(self, newest: dict[str, Entry]) -> list[Entry]:
        return [
            s for k, s in sorted(newest.items()) if k not in self.done or s.when > parse_utc(self.done[k])
        ]

    def note(self, submissions: list[Entry]) -> None:
        self.done.update({s.key: s.timestamp for s in submissions})
        tmp = self.path.with_suffix(".tmp")
        with open(tmp, "w") as f:
            json.dump(self.done, f, indent=1, sort_keys=True)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, self.path)


class Inbound:
    """The exchange's ``inbound/`` as the service sees it: the submissions that count, judged
    every poll; each refusal logged, and told to whoever handed it in, once."""

    def __init__(self, course: Course):
        self.course = course
        self.course_path = Path(course.config.Exchange.root) / course.course_id
        self.path = self.course_path / "inbound"
        self.told: set[str] = set()  # entries whose fate was logged and told (this run)

    def newest(self) -> dict[str, Entry]:
        entries, refusals = exchange.scan(
            self.path, exchange.students(self.course.workspace), set(self.course.assignments())
        )
        for r in refusals:
            self.refuse(r.name, r.uid, r.reason)
        for e in entries:
            if e.note and e.name not in self.told:
                log(f"{e.key}: {e.note}")
                self.told.add(e.name)
        self.entries = entries
        return exchange.newest(entries)

    def refuse(self, name: str, uid: int | None, reason: str, key: str = "") -> None:
        if name in self.told:
            return
        self.told.add(name)
        log(f"{key or 'inbound/' + name}: refused, not graded: {reason}")
        if uid is not None:
            what = name.rsplit("+", 1)[0]
            self.tell(name, uid, "Not graded", f"This submission ({what}) was not graded: {reason}.")

    def tell(self, name: str, uid: int, title: str, text: str) -> None:
        try:
            exchange.tell(self.course_path, self.path, name, uid, title, text)
        except OSError as err:  # telling is a courtesy: it never stops grading
            log(f"inbound/{name}: could not release a page saying so ({err})")

    def superseded(self, graded: list[Entry]) -> None:
        """Tell each older submission of those just graded that a newer one was graded instead
        (a graded submission keeps its feedback: :func:`convlab.hub.inbound.tell` replaces none)."""
        latest = {s.key: s for s in graded}
        for e in self.entries:
            s = latest.get(e.key)
            if s is not None and e.name != s.name and e.when < s.when and e.name not in self.told:
                self.told.add(e.name)
                why = f"This submission ({e.timestamp}) was not graded: your later one ({s.timestamp}) was."
                self.tell(e.name, e.uid, "Not graded", why)


def collect(api: NbGraderAPI, submissions: Inbound, submission: Entry) -> bool:
    """nbgrader's collect with the exchange's rules (:class:`~convlab.hub.inbound.OwnedCollect`)
    for this submission's student; False when it did not take it (refused, logged)."""
    with temp_attrs(api.coursedir, student_id=submission.student, assignment_id=submission.assignment):
        app = OwnedCollect(coursedir=api.coursedir, authenticator=api.authenticator, parent=api)
        app.update = True
        with stops_wait():
            collected = capture_log(app)
    if not collected["success"]:
        why = (collected.get("log") or "") + (collected.get("error") or "")
        log(f"{submission.key}: nbgrader could not collect it: {why[-800:]}")
        return False
    for name, reason in getattr(app, "refused", {}).items():
        if name.startswith(f"{submission.student}+{submission.assignment}+"):
            submissions.refuse(name, submission.uid, reason, key=submission.key)
    return submission.name not in getattr(app, "refused", {})


STOPS = (signal.SIGINT, signal.SIGTERM)
_held: list[int] | None = None  # the stops that arrived during a copy, while one runs
_stopping = False  # a stop arrived: what it interrupts may end in SystemExit (nbgrader catches it)


def _stop(signum, frame) -> None:
    global _stopping
    _stopping = True
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


def graded(course: Course, assignment: str, students: list[str], warm: WarmEngine) -> list:
    """The batch's results, graded on the warm engine; graded again on a new engine when the
    fork server died under it (its kernels could not start: those results say nothing)."""
    batch = functools.partial(
        grade,
        course.root,
        assignments=[assignment],
        students=students,
        force=True,
        require_sandbox=True,
        progress=False,
        engine=warm,
    )
    results = batch()
    if warm.broken():
        log(f"the grading engine broke during the batch of {assignment}: grading it again")
        results = batch()
    return results


def handle(
    course: Course, api: NbGraderAPI, inbound: Inbound, handled: Handled, batch: list[Entry], warm: WarmEngine
) -> None:
    """Collect, grade and release feedback for one batch; note it handled at the end."""
    started = time.monotonic()
    spent: dict[str, float] = defaultdict(float)  # seconds per step, for the log
    by_assignment: dict[str, list[Entry]] = defaultdict(list)
    for submission in batch:
        by_assignment[submission.assignment].append(submission)
    for assignment, submissions in sorted(by_assignment.items()):
        began = time.monotonic()
        accepted = [s for s in submissions if collect(api, inbound, s)]
        spent["collect"] += time.monotonic() - began
        refused = [s for s in submissions if s not in accepted]
        handled.note(refused)  # not graded; the log says why
        if not accepted:
            continue
        submissions = accepted
        students = [s.student for s in submissions]
        began = time.monotonic()
        results = graded(course, assignment, students, warm)
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
            replace(
                s, timestamp=(course.submitted / s.student / assignment / "timestamp.txt").read_text().strip()
            )
            for s in submissions
        ]
        handled.note(collected)
        inbound.superseded(collected)
        spent["feedback"] += time.monotonic() - began
    steps = ", ".join(f"{step} {seconds:.1f} s" for step, seconds in spent.items())
    log(f"batch of {len(batch)} handled in {time.monotonic() - started:.1f} s ({steps})")


def warm_up(course: Course, warm: WarmEngine) -> None:
    """Start the engine before the first submission arrives, as a batch would (same limits)."""
    began = time.monotonic()
    fresh = Course(course.root)  # as grade() reads it
    warm.ready(fresh, Memory(fresh), Limits().for_course(fresh.config))
    log(f"grading engine started in {time.monotonic() - began:.1f} s (fork server {warm.server_pid})")


def serve(course: Course, workers: int, once: bool = False) -> None:
    api = NbGraderAPI(config=course.config)
    inbound = Inbound(course)
    handled = Handled(course.workspace / HANDLED)  # read once: this service is its one writer
    log(f"watching {inbound.path}; {len(handled.waiting(inbound.newest()))} submissions waiting")
    with WarmEngine(workers, log) as warm:
        warm_up(course, warm)
        poll(course, api, inbound, handled, warm, once)


def poll(course: Course, api: NbGraderAPI, inbound: Inbound, handled: Handled, warm: WarmEngine, once: bool):
    while True:
        waiting = handled.waiting(inbound.newest())
        if waiting:
            log(f"{len(waiting)} to grade: {', '.join(s.key for s in waiting)}")
            handle(course, api, inbound, handled, waiting, warm)
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
    except SystemExit:
        # nbgrader's API catches every exception, the stop's too, and says it failed: registering
        # an assignment (nbgrader generate_assignment) then raises SystemExit; it was the stop
        if not _stopping:
            raise
        log("stopped")
    return 0


if __name__ == "__main__":
    sys.exit(main())
