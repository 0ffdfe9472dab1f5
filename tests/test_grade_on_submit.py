"""Grade on submit under pressure: a flood of submissions, a resubmission, and the service killed
mid-batch (JupyterHub restarts it), on ``make hub``'s JupyterHub with four students who submit
with nbgrader's own commands, as their own accounts.

Nothing may be dropped: every student ends with feedback for their newest submission, with the
score that running the same cells in-process gives (tests/support/graded.py), not the grader's.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import time
from datetime import UTC, datetime

import nbformat
import pytest

from convlab.grading.course import Course
from tests.catalogue import MUTANTS
from tests.support.graded import answer_key, inject, mistaken_score
from tests.support.grading import points
from tests.support.hub import Hub, hand_in, newest_submissions, running_hub, service_lines

pytestmark = [
    pytest.mark.slow,
    pytest.mark.hub,
    pytest.mark.skipif(
        os.geteuid() != 0, reason="a hub creates an account per person: it needs root (CI is root)"
    ),
]
AID = "01_cross_correlation"
MISTAKE = MUTANTS[AID][0]


def nbgrader(hub: Hub, user: str, *args: str) -> str:
    done = hub.run_as(user, "nbgrader", *args, timeout=120)
    assert done.returncode == 0, f"{user}: nbgrader {' '.join(args)}\n{done.stdout}{done.stderr}"
    return done.stdout + done.stderr


def feedback_score(hub: Hub, student: str, timestamp: str) -> tuple[float, float] | None:
    """Fetch feedback as the student; the score on the page for that submission, if there is one."""
    # until the first feedback of the course is released, nbgrader says the folder is missing
    hub.run_as(student, "nbgrader", "fetch_feedback", AID, timeout=120)
    page = hub.run_as(student, "cat", f"{AID}/feedback/{timestamp}/{AID}.html")
    found = re.search(r"\(Score: ([\d.]+) / ([\d.]+)\)", page.stdout) if page.returncode == 0 else None
    return (float(found[1]), float(found[2])) if found else None


def kill_the_service(hub: Hub) -> None:
    grader = f"{hub.prefix}-grader"
    pids = subprocess.run(
        ["pgrep", "-u", grader, "-f", "convlab.hub.service"], capture_output=True, text=True
    )
    assert pids.stdout.split(), "the grading service is not running"
    for pid in pids.stdout.split():
        os.kill(int(pid), signal.SIGKILL)


def wait_for_feedback(
    hub: Hub, students: list[str], timeout_s: float = 300
) -> dict[str, tuple[float, float]]:
    """Each student's score on the feedback for their newest submission, fetched as they would,
    once the service has noted it handled (polling with nbgrader's command would take the CPU the
    grading needs)."""
    newest = newest_submissions(hub)
    handled = hub.course / "autograder" / ".grade-on-submit.json"
    deadline = time.monotonic() + timeout_s
    while not all(
        f'"{s}/{AID}": "{newest[s]}"' in (handled.read_text() if handled.exists() else "") for s in students
    ):
        if time.monotonic() > deadline:
            break
        time.sleep(0.5)
    scores = {student: feedback_score(hub, student, newest[student]) for student in students}
    return {student: score for student, score in scores.items() if score is not None}


@pytest.fixture(scope="module")
def flooded():
    """Four submissions at once, the service killed mid-batch; then one student resubmits."""
    with running_hub(students=4) as hub:
        nbgrader(hub, hub.instructor, "release_assignment", AID)
        key, mistaken = answer_key(AID), inject(answer_key(AID), MISTAKE)
        plan = dict(zip(hub.students, [key, mistaken, key, mistaken], strict=True))
        for student in hub.students:
            nbgrader(hub, student, "fetch_assignment", AID)
        for student, nb in plan.items():
            hand_in(hub, student, AID, nbformat.writes(nb))
        deadline = time.monotonic() + 120
        while not service_lines(hub, "to grade"):
            assert time.monotonic() < deadline, hub.log_text()[-3000:]
            time.sleep(0.2)
        kill_the_service(hub)  # mid-batch: its first batch is being graded
        first = wait_for_feedback(hub, hub.students)
        resubmitter = hub.students[1]
        hand_in(hub, resubmitter, AID, nbformat.writes(key))
        second = wait_for_feedback(hub, [resubmitter])
        yield hub, plan, key, first, second


@pytest.fixture(scope="module")
def a_linked_submission(flooded):
    """The last student hands in, by hand, a folder whose notebook links to the answer key."""
    hub = flooded[0]
    student = hub.students[-1]
    key = hub.course / "solutions" / AID / f"{AID}.ipynb"
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S.%f UTC")
    folder = hub.exchange / "convlab" / "inbound" / f"{student}+{AID}+{stamp}+planted"
    plant = (
        f"import os; os.mkdir({str(folder)!r}); os.symlink({str(key)!r}, {str(folder / f'{AID}.ipynb')!r})"
    )
    done = hub.run_as(student, "python", "-c", plant)
    assert done.returncode == 0, done.stderr
    deadline = time.monotonic() + 120
    while not service_lines(hub, f"{student}/{AID}: refused"):
        assert time.monotonic() < deadline, hub.log_text()[-3000:]
        time.sleep(0.5)
    return hub, student, key, stamp


def test_every_submission_of_the_flood_gets_its_feedback_after_a_crash(flooded):
    hub, plan, key, first, _ = flooded
    full, mistaken = sum(points(AID).values()), mistaken_score(AID, MISTAKE)
    assert mistaken < full
    expected = {s: (full if nb is key else mistaken, full) for s, nb in plan.items()}
    assert first == expected, hub.log_text()[-4000:]


def test_the_service_was_killed_and_restarted_by_the_hub(flooded):
    hub = flooded[0]
    assert re.search(r"Service grade-on-submit exited with status -?9", hub.log_text()), hub.log_text()[
        -3000:
    ]
    assert len(service_lines(hub, "watching")) >= 2


def test_a_submission_linking_to_the_answer_key_is_refused_unread(a_linked_submission):
    hub, student, key, stamp = a_linked_submission
    collected = hub.course / "autograder" / "submitted" / student / AID / f"{AID}.ipynb"
    assert collected.read_bytes() != key.read_bytes()  # still their own earlier submission
    assert (
        f'"{student}/{AID}": "{stamp}"' in (hub.course / "autograder" / ".grade-on-submit.json").read_text()
    )


def test_a_resubmission_is_regraded_and_its_feedback_replaces_the_old(flooded):
    hub, _, _, first, second = flooded
    full, mistaken = sum(points(AID).values()), mistaken_score(AID, MISTAKE)
    resubmitter = hub.students[1]
    assert first[resubmitter] == (mistaken, full) and second == {resubmitter: (full, full)}
    handled = (hub.course / "autograder" / ".grade-on-submit.json").read_text()
    for student, timestamp in newest_submissions(hub).items():
        assert f'"{student}/{AID}": "{timestamp}"' in handled, handled


def test_plain_nbgrader_autograde_refuses_to_run_student_code_as_the_instructor(flooded):
    """The Formgrader's Autograde button runs plain nbgrader in the instructor's server."""
    hub, plan, key, first, _ = flooded
    student = hub.students[0]
    done = hub.run_as(hub.instructor, "nbgrader", "autograde", AID, "--student", student, "--force")
    assert done.returncode != 0 and "runs only confined" in done.stdout + done.stderr, (
        done.stdout + done.stderr
    )
    with Course(hub.course).gradebook() as gb:
        assert gb.find_submission(AID, student).score == first[student][0]
