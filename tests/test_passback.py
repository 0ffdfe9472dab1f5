"""Grades to the LMS without a hub: the durable queue (convlab/hub/passback.py) against an LTI 1.3
platform on loopback (tests/support/lms.py, built on lti1p3platform), through pylti1p3.

A crash between the LMS taking a score and the queue noting it, an LMS that is down, and a
score that changes: each score arrives, once, and the latest wins."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from convlab.hub import lti, passback
from convlab.hub.passback import LMS as ToolSide
from convlab.hub.passback import Outbox, Score, post_all
from tests.support.lms import LMS

AID = "01_cross_correlation"


@pytest.fixture
def platform(tmp_path):
    state = tmp_path / "state"
    with LMS() as lms:
        lms.tool_jwks = lti.keys(state)  # as the administrator pastes it
        lms.enroll("lms-ada", "Ada", "ada@example.edu")
        lms.enroll("lms-bob", "Bob", "bob@example.edu")
        lms.enroll("lms-teach", "Teach", "Grace.Hopper@example.edu", teaching=True)
        platform = lti.Platform(**lms.platform_file())
        yield lms, platform, state


def tool(platform, state) -> ToolSide:
    return ToolSide(platform, state, platform.lineitems_url)


USERS = {"ada": "lms-ada", "bob": "lms-bob"}


def test_the_roster_comes_from_the_lms_checked_like_a_csv_one(platform, tmp_path):
    lms, platform, state = platform
    path = lti.roster_from_lms(platform, state, tmp_path / "roster.csv")
    from convlab.grading.roster import read_roster

    members = {m.id: m for m in read_roster(path)}
    assert set(members) == {"ada", "bob", "grace_hopper"}
    assert members["grace_hopper"].role == "instructor" and members["ada"].role == "student"
    assert members["ada"].lms_id == "lms-ada" and members["ada"].email == "ada@example.edu"
    lms.enroll("lms-evil", "Evil", "=cmd|'/c calc'!A0@example.edu")
    from convlab.hub import accounts

    path = lti.roster_from_lms(platform, state, tmp_path / "roster.csv")
    with pytest.raises(SystemExit, match="cannot be an account name|is not an id"):
        accounts.check(path, accounts.Names("convlab"))


def test_a_crash_after_the_lms_took_a_score_posts_it_once(platform, tmp_path, monkeypatch):
    lms, platform, state = platform
    outbox = Outbox(tmp_path / "outbox.sqlite")
    outbox.queue([Score("ada", AID, 9.0, 10.0), Score("bob", AID, 4.0, 10.0)])
    real_mark = Outbox.mark

    def crash_after_post(self, student, assignment, state_, error=""):
        if state_ == "posted" and student == "ada":
            raise KeyboardInterrupt("the service dies here")
        real_mark(self, student, assignment, state_, error)

    monkeypatch.setattr(Outbox, "mark", crash_after_post)
    with pytest.raises(KeyboardInterrupt):
        post_all(outbox, tool(platform, state), USERS, {})
    monkeypatch.setattr(Outbox, "mark", real_mark)
    assert [u for _, u, _ in lms.score_posts()] == ["lms-ada"]  # taken, not noted
    restarted = Outbox(tmp_path / "outbox.sqlite")
    assert [r[0] for r in restarted.waiting()] == ["ada", "bob"]
    post_all(restarted, tool(platform, state), USERS, {})
    posts = [(u, s["scoreGiven"]) for _, u, s in lms.score_posts()]
    assert posts == [("lms-ada", 9.0), ("lms-bob", 4.0)], posts
    assert restarted.waiting() == []
    assert passback.pending_lines(restarted) == []
    assert len(lms.store.lineitems) == 1  # one line item per assignment, found again, not remade


def test_an_lms_that_is_down_keeps_the_scores_queued_then_takes_the_latest(platform, tmp_path):
    lms, platform, state = platform
    outbox = Outbox(tmp_path / "outbox.sqlite")
    outbox.queue([Score("ada", AID, 5.0, 10.0)])
    lms.down = True
    with pytest.raises(Exception, match="503|down"):
        post_all(outbox, tool(platform, state), USERS, {})
    assert "ada 01_cross_correlation: 5/10" in passback.pending_lines(outbox)[0]
    assert outbox.queue([Score("ada", AID, 5.0, 10.0)]) == []  # the same score: nothing new
    assert outbox.queue([Score("ada", AID, 8.0, 10.0)]) != []  # regraded before the LMS came back
    lms.down = False
    post_all(outbox, tool(platform, state), USERS, {})
    assert [(u, s["scoreGiven"]) for _, u, s in lms.score_posts()] == [("lms-ada", 8.0)]
    post_all(outbox, tool(platform, state), USERS, {})  # nothing waits: nothing is sent again
    assert len(lms.score_posts()) == 1


def test_an_extension_before_any_submission_is_a_deadline_not_a_grade(tmp_path, monkeypatch):
    """``deadlines extend`` holds the extension in an empty submission (nbgrader's way): no
    score for the LMS, none in make grades; the student's own deadline, for their list."""
    from convlab.grading.course import Course
    from convlab.grading.results.exercises import class_scores
    from convlab.hub import deadlines
    from tests.support.course import copy_course

    course = copy_course(tmp_path)
    monkeypatch.setenv("PATH", f"{Path(sys.executable).parent}:{os.environ['PATH']}")  # nbgrader's alembic
    for argv in (["due", AID, "2026-12-10 17:00 UTC"], ["extend", "ada", AID, "--days", "2", "--hours", "3"]):
        assert deadlines.main(["--course", str(course), *argv]) == 0
    c = Course(course)
    assert passback.graded(c) == []
    assert all("ada" not in a.scores for a in class_scores(c))
    theirs = deadlines.of_student(c, ["ada", "bob"])
    assert theirs["ada"][AID] == {"due": "2026-12-10 17:00 UTC", "extension_s": 2 * 86400 + 3 * 3600,
                                  "deadline": "2026-12-12 20:00 UTC"}  # fmt: skip
    assert theirs["bob"][AID]["extension_s"] == 0
    assert deadlines.describe(theirs["ada"][AID]) == (
        "Due 2026-12-10 17:00 UTC; your extension 2 days 3 h: your deadline 2026-12-12 20:00 UTC"
    )
    assert deadlines.describe(theirs["bob"][AID]) == "Due 2026-12-10 17:00 UTC"
