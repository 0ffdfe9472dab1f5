"""Grades to the LMS (LTI Assignment and Grade Services) and deadlines to the students: the hub's
``lms-sync`` service (``python -m convlab.hub.passback --serve``; ``make hub`` starts it), and
``python -m convlab.hub.passback --pending``, which shows an instructor what waits to be posted.

The gradebook is the source: grade on submit and ``make autograde`` write scores there, and
every few seconds this service reads each graded submission's score that counts (nbgrader's
score less its late penalty, which nbgrader computes against the student's own deadline: the
assignment's due date plus their extension). A score that differs from the last one queued is
queued, with the time it was seen, in ``state/lms-outbox.sqlite`` (committed before anything is
sent), then posted to the assignment's line item (one per assignment, found by its resource id
or created, with the due date the gradebook has). Each post is marked ``sending`` before it goes
and ``posted`` once the LMS took it; a post found ``sending`` after a crash or a restart is
first compared with what the LMS holds (its results service) and posted again only if the LMS
does not have it. So a crash, a restart or an LMS that is down loses nothing (the gradebook and
the queue are on disk; an LMS that refuses is tried again, less and less often) and posts
nothing twice.

Each student's deadlines (due date, extension, their own deadline) are published for their
Assignment List (:mod:`convlab.hub.deadlines`) on every round too.
"""

from __future__ import annotations

import argparse
import grp
import json
import os
import sqlite3
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from convlab.grading.course import Course
from convlab.hub import deadlines

POLL_SECONDS = 2.0
PENDING = "lms-pending.txt"  # in the course's autograder/: what waits, for the instructors
RETRY_MAX_S = 300.0  # the longest wait between two tries of an LMS that refuses


@dataclass(frozen=True)
class Score:
    student: str  # the course id
    assignment: str
    score: float  # the score that counts
    maximum: float


def graded(course: Course) -> list[Score]:
    """Every graded submission's score that counts (not the empty ones that hold an extension)."""
    found = []
    with course.gradebook() as gb:
        for a in gb.assignments:
            for s in gb.assignment_submissions(a.name):
                if not deadlines.is_graded(s):
                    continue
                net = max(0.0, (s.score or 0.0) - (s.late_submission_penalty or 0.0))
                found.append(Score(s.student.id, a.name, round(net, 6), float(a.max_score or 0.0)))
    return found


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class Outbox:
    """The scores to post, one row per student and assignment, durable (SQLite, committed)."""

    def __init__(self, path: Path):
        self.path = path
        self.db = sqlite3.connect(path, timeout=30, isolation_level=None)
        self.db.execute(
            "CREATE TABLE IF NOT EXISTS score (student TEXT, assignment TEXT, score REAL, maximum REAL,"
            " seen TEXT, state TEXT, tries INTEGER DEFAULT 0, error TEXT DEFAULT '',"
            " PRIMARY KEY (student, assignment))"
        )
        self.db.execute("CREATE TABLE IF NOT EXISTS lineitem (assignment TEXT PRIMARY KEY, id TEXT)")

    def queue(self, scores: list[Score]) -> list[Score]:
        """Queue every score that differs from the one queued before; returns those."""
        changed = []
        for s in scores:
            row = self.db.execute(
                "SELECT score, maximum FROM score WHERE student = ? AND assignment = ?",
                (s.student, s.assignment),
            ).fetchone()
            if row is not None and (row[0], row[1]) == (s.score, s.maximum):
                continue
            self.db.execute(
                "INSERT OR REPLACE INTO score VALUES (?, ?, ?, ?, ?, 'pending', 0, '')",
                (s.student, s.assignment, s.score, s.maximum, now_iso()),
            )
            changed.append(s)
        return changed

    def waiting(self) -> list[tuple]:
        return self.db.execute(
            "SELECT student, assignment, score, maximum, seen, state, tries, error FROM score"
            " WHERE state != 'posted' ORDER BY assignment, student"
        ).fetchall()

    def mark(self, student: str, assignment: str, state: str, error: str = "") -> None:
        tries = "tries + 1" if error else "tries"
        self.db.execute(
            f"UPDATE score SET state = ?, error = ?, tries = {tries} WHERE student = ? AND assignment = ?",
            (state, error[:500], student, assignment),
        )

    def lineitem(self, assignment: str) -> str | None:
        row = self.db.execute("SELECT id FROM lineitem WHERE assignment = ?", (assignment,)).fetchone()
        return row[0] if row else None

    def note_lineitem(self, assignment: str, url: str) -> None:
        self.db.execute("INSERT OR REPLACE INTO lineitem VALUES (?, ?)", (assignment, url))


class LMS:
    """The course's line items and scores in the LMS, through pylti1p3 (the tool's side)."""

    def __init__(self, platform, state: Path, lineitems_url: str):
        from pylti1p3.assignments_grades import AssignmentsGradesService

        from convlab.hub.lti import AGS_SCOPES, connector

        self.ags = AssignmentsGradesService(
            connector(platform, state), {"scope": AGS_SCOPES, "lineitems": lineitems_url}
        )

    def lineitem(self, assignment: str, maximum: float, due: datetime | None):
        from pylti1p3.lineitem import LineItem

        item = LineItem().set_label(assignment).set_resource_id(assignment).set_score_maximum(maximum)
        item.set_tag(assignment)
        if due is not None:
            item.set_end_date_time(due.replace(tzinfo=UTC).isoformat())
        return self.ags.find_or_create_lineitem(item, find_by="resource_id")

    def result(self, lineitem, lms_user: str) -> float | None:
        for r in self.ags.get_grades(lineitem):
            if str(r.get("userId")) == lms_user and r.get("resultScore") is not None:
                return float(r["resultScore"])
        return None

    def post(self, lineitem, lms_user: str, score: float, maximum: float, seen: str) -> None:
        from pylti1p3.grade import Grade

        grade = (
            Grade()
            .set_score_given(score)
            .set_score_maximum(maximum)
            .set_timestamp(seen)
            .set_activity_progress("Completed")
            .set_grading_progress("FullyGraded")
            .set_user_id(lms_user)
        )
        self.ags.put_grade(grade, lineitem)


def log(message: str) -> None:
    print(f"[lms-sync {time.strftime('%H:%M:%S')}] {message}", flush=True)


class Sync:
    """One hub's rounds: queue what the gradebook changed, post what waits, publish deadlines."""

    def __init__(self, settings: dict):
        self.settings = settings
        self.course = Course(Path(settings["course"]))
        self.state = Path(settings["root"]) / "state"
        self.outbox = Outbox(self.state / "lms-outbox.sqlite")
        self.lti = settings.get("lti")
        self.lms_users = dict((v, k) for k, v in (self.lti or {}).get("accounts", {}).items())
        self.next_try = 0.0
        self.backoff = POLL_SECONDS
        self._lms = None

    def lms(self) -> LMS:
        if self._lms is None:
            from convlab.hub.lti import Platform, services

            fields = {k: v for k, v in self.lti.items() if k in Platform.__dataclass_fields__}
            platform = Platform(**fields)
            url = services(self.state, platform)["lineitems_url"]
            if not url:
                raise RuntimeError("no line items URL yet (lineitems_url, or a launch from the course)")
            self._lms = LMS(platform, self.state, url)
        return self._lms

    def round(self) -> None:
        deadlines.publish(self.course, Path(self.settings["exchange"]), self.settings["students"])
        if not self.lti:
            return
        for s in self.outbox.queue([s for s in graded(self.course) if s.student in self.lms_users]):
            log(f"queued {s.student} {s.assignment}: {s.score:g}/{s.maximum:g}")
        try:
            if time.monotonic() < self.next_try:
                return
            self.post_waiting()
            self.backoff = POLL_SECONDS
        except Exception as err:  # the LMS is down or refuses: everything stays queued
            self._lms = None
            self.error = f"{type(err).__name__}: {str(err)[:300]}"
            self.backoff = min(RETRY_MAX_S, self.backoff * 2)
            self.next_try = time.monotonic() + self.backoff
            log(f"the LMS did not take the scores ({self.error}); "
                f"{len(self.outbox.waiting())} waiting, next try in {self.backoff:.0f} s")  # fmt: skip
        finally:
            self.tell_staff()

    def tell_staff(self) -> None:
        """What waits, for the instructors (``state/`` is root's): ``autograder/lms-pending.txt``."""
        lines = pending_lines(self.outbox)
        text = "\n".join(lines) + "\n" if lines else ""
        path = self.course.workspace / PENDING
        if path.is_file() and path.read_text() == text:
            return
        partial = path.with_suffix(".partial")
        partial.write_text(text)
        os.chown(partial, -1, grp.getgrnam(self.settings["staff"]).gr_gid)
        partial.chmod(0o640)
        partial.replace(path)

    def post_waiting(self) -> None:
        if self.outbox.waiting():
            post_all(self.outbox, self.lms(), self.lms_users, deadlines.due_dates(self.course))


def post_all(outbox: Outbox, lms: LMS, lms_users: dict[str, str], due: dict) -> None:
    """Post every score that waits, each marked ``sending`` before it goes and ``posted`` after;
    one found ``sending`` (a crash between the two) is posted only if the LMS does not have it."""
    items = {}
    for student, assignment, score, maximum, seen, state, _, _ in outbox.waiting():
        if assignment not in items:
            items[assignment] = lms.lineitem(assignment, maximum, due.get(assignment))
            outbox.note_lineitem(assignment, items[assignment].get_id() or "")
        user = lms_users[student]
        if state == "sending" and lms.result(items[assignment], user) == score:
            log(f"{student} {assignment}: the LMS has {score:g} already (posted before a restart)")
        else:
            outbox.mark(student, assignment, "sending")
            lms.post(items[assignment], user, score, maximum, seen)
            log(f"posted {student} {assignment}: {score:g}/{maximum:g}")
        outbox.mark(student, assignment, "posted")


def pending_lines(outbox: Outbox) -> list[str]:
    """A line per score the LMS does not have yet."""
    return [
        f"{student} {assignment}: {score:g}/{maximum:g} ({state} since {seen}"
        + (f"; {tries} failed tries, the last: {error}" if tries else "")
        + ")"
        for student, assignment, score, maximum, seen, state, tries, error in outbox.waiting()
    ]


def pending(settings: dict) -> list[str]:
    """What waits to be posted: queued and not yet taken by the LMS, or graded and not queued."""
    sync = Sync(settings)
    lines = pending_lines(sync.outbox)
    known = {
        (r[0], r[1]): (r[2], r[3])
        for r in sync.outbox.db.execute("SELECT student, assignment, score, maximum FROM score")
    }
    for s in graded(sync.course):
        if s.student in sync.lms_users and known.get((s.student, s.assignment)) != (s.score, s.maximum):
            lines.append(f"{s.student} {s.assignment}: {s.score:g}/{s.maximum:g} (graded, not queued yet)")
    return lines


def serve(settings: dict) -> None:
    sync = Sync(settings)
    log(f"watching {sync.course.root}'s gradebook" + (" for the LMS" if sync.lti else " (no LMS)"))
    while True:
        try:
            sync.round()
        except Exception as err:  # one bad round (a gradebook being written) stops nothing
            log(f"round failed: {type(err).__name__}: {str(err)[:300]}")
        time.sleep(POLL_SECONDS)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m convlab.hub.passback", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--settings", type=Path, default=os.environ.get("CONVLAB_HUB_SETTINGS"),
                        help="the hub's settings (default: $CONVLAB_HUB_SETTINGS)")  # fmt: skip
    parser.add_argument("--root", type=Path, help="the hub's folder, instead (its state/settings.json)")
    parser.add_argument("--course", type=Path,
                        help="an instructor course (~/convlab): what last waited")  # fmt: skip
    what = parser.add_mutually_exclusive_group(required=True)
    what.add_argument("--serve", action="store_true", help="post and publish, every few seconds")
    what.add_argument("--pending", action="store_true", help="list the scores waiting for the LMS")
    args = parser.parse_args(argv)
    if args.pending and args.course:
        path = Course(args.course).workspace / PENDING
        text = path.read_text() if path.is_file() else ""
        print(text.rstrip() or "nothing waits: the LMS has every score")
        return 0
    path = args.root / "state" / "settings.json" if args.root else args.settings
    if not path:
        parser.error("--root or --settings (or $CONVLAB_HUB_SETTINGS)")
    settings = json.loads(Path(path).read_text())
    if args.pending:
        lines = pending(settings)
        print("\n".join(lines) if lines else "nothing waits: the LMS has every score")
        return 0
    try:
        serve(settings)
    except KeyboardInterrupt:
        log("stopped")
    return 0


if __name__ == "__main__":
    sys.exit(main())
