"""Grade on submit under pressure: a flood of submissions, a resubmission, and the service killed
mid-batch (JupyterHub restarts it), on ``make hub``'s JupyterHub with four students who submit
with nbgrader's own commands, as their own accounts.

Nothing may be dropped: every student ends with feedback for their newest submission, with the
score that running the same cells in-process gives (tests/support/graded.py), not the grader's.

Between the flood and the resubmission, the first student attacks the second (the one who
resubmits) from their own account: a folder in the exchange named for them, ``nbgrader submit
--student``, a timestamp of 2099, and folders for ids nobody has (``=2+5``, ``..``, ``*``). None
is graded, the victim's score and feedback do not move, and the victim's resubmission after them
is graded as usual. One student's submission is hostile to whoever opens its feedback (a script
in an output and in a markdown cell): in Chromium its feedback page runs none, its plot shows.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import time
from datetime import UTC, datetime
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_markdown_cell
from nbgrader.utils import notebook_hash

from convlab.grading.course import Course
from tests.catalogue import MUTANTS
from tests.support.graded import answer_key, inject, mistaken_score
from tests.support.grading import points
from tests.support.hub import Hub, hand_in, newest_submissions, running_hub, service_lines
from tests.support.notebooks import load

pytestmark = [
    pytest.mark.slow,
    pytest.mark.hub,
    pytest.mark.skipif(
        os.geteuid() != 0, reason="a hub creates an account per person: it needs root (CI is root)"
    ),
]
AID = "01_cross_correlation"
MISTAKE = MUTANTS[AID][0]
CHROMIUM = Path("/usr/bin/chromium")
STAMP = "%Y-%m-%d %H:%M:%S.%f UTC"
ODD_IDS = ("=2+5", "..", "*")
# what the hostile student's code and markdown try when its feedback page is opened
SCRIPT = "document.title = 'PWNED'; document.documentElement.dataset.pwned = '{}'"
SHOWN = (
    f'<b>bold</b><script>{SCRIPT.format("output")}</script><img src=x onerror="{SCRIPT.format("onerror")}">'
)
HOSTILE_CODE = (
    "\n\nfrom IPython.display import HTML, display\nimport matplotlib.pyplot as plt\n\n"
    f"display(HTML({SHOWN!r}))\n"
    "plt.figure()\nplt.plot([0, 1, 2], [0, 1, 4])\nplt.title('my plot')\nplt.show()\n"
)
HOSTILE_MARKDOWN = (
    f"My notes <script>{SCRIPT.format('markdown')}</script> "
    f'<img src=x onerror="{SCRIPT.format("markdown-img")}"> [a link](javascript:{SCRIPT.format("link")})'
)


def hostile(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """``nb`` with a script in an output of its first answer cell, beside a plot, and raw HTML
    with scripts in a markdown cell of its own: the same score, a page that would run them."""
    nb = nbformat.from_dict(nb)
    answer = next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("solution"))
    answer.source += HOSTILE_CODE
    nb.cells.insert(nb.cells.index(answer) + 1, new_markdown_cell(HOSTILE_MARKDOWN))
    return nb


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


def released_feedback(hub: Hub, student: str) -> tuple[float, bytes, bytes]:
    """The student's score in the gradebook, their generated feedback and the copy released to them."""
    generated = hub.course / "autograder" / "feedback" / student / AID
    secret = (generated / "submission_secret.txt").read_text()
    released = hub.exchange / "convlab" / "feedback" / f"{notebook_hash(secret=secret, notebook_id=AID)}.html"
    with Course(hub.course).gradebook() as gb:
        score = gb.find_submission(AID, student).score
    return score, (generated / f"{AID}.html").read_bytes(), released.read_bytes()


def attack(hub: Hub, attacker: str, victim: str) -> dict[str, str]:
    """As ``attacker``'s account: a blank notebook handed in for ``victim`` three ways, and for ids
    nobody has. The folders made, by what they are."""
    now = datetime.now(UTC).strftime(STAMP)
    inbound = hub.exchange / "convlab" / "inbound"
    made = {
        "a folder named for the victim": f"{victim}+{AID}+{now}+forged",
        "a timestamp of 2099": f"{victim}+{AID}+2099-01-01 00:00:00.000000 UTC+forged2099",
        **{f"the id {odd!r}": f"{odd}+{AID}+{now}+odd" for odd in ODD_IDS},
    }
    blank = nbformat.writes(load("notebooks", AID))
    for name in made.values():
        folder = inbound / name
        plant = (
            f"import os, sys; os.mkdir({str(folder)!r}); "
            f"open({str(folder / f'{AID}.ipynb')!r}, 'w').write(sys.stdin.read()); "
            f"open({str(folder / 'timestamp.txt')!r}, 'w').write({name.split('+')[-2]!r})"
        )
        done = hub.run_as(attacker, "python", "-c", plant, input=blank)
        assert done.returncode == 0, done.stderr
    before = set(inbound.iterdir())
    overwrite = f"import sys; open('{AID}/{AID}.ipynb', 'w').write(sys.stdin.read())"
    write = hub.run_as(attacker, "python", "-c", overwrite, input=blank)
    assert write.returncode == 0, write.stderr
    nbgrader(hub, attacker, "submit", AID, "--student", victim)
    (submitted,) = set(inbound.iterdir()) - before
    made["nbgrader submit --student"] = submitted.name
    return made


@pytest.fixture(scope="module")
def flooded():
    """Four submissions at once, the service killed mid-batch; then the first student attacks the
    second, who resubmits."""
    with running_hub(students=4) as hub:
        nbgrader(hub, hub.instructor, "release_assignment", AID)
        key, mistaken = answer_key(AID), inject(answer_key(AID), MISTAKE)
        plan = dict(zip(hub.students, [key, mistaken, key, hostile(mistaken)], strict=True))
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
        attacker, resubmitter = hub.students[:2]
        victim_before = released_feedback(hub, resubmitter)
        made = attack(hub, attacker, resubmitter)
        deadline = time.monotonic() + 120
        while not all(service_lines(hub, re.escape(f"inbound/{name}: refused")) for name in made.values()):
            assert time.monotonic() < deadline, hub.log_text()[-3000:]
            time.sleep(0.5)
        attacked = {
            "made": made,
            "victim_before": victim_before,
            "victim_after": released_feedback(hub, resubmitter),
            "fetched": nbgrader(hub, attacker, "fetch_feedback", AID),
        }
        hand_in(hub, resubmitter, AID, nbformat.writes(key))
        second = wait_for_feedback(hub, [resubmitter])
        yield hub, plan, key, first, second, attacked


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
    hub, plan, key, first, *_ = flooded
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
    hub, _, _, first, second, _ = flooded
    full, mistaken = sum(points(AID).values()), mistaken_score(AID, MISTAKE)
    resubmitter = hub.students[1]
    assert first[resubmitter] == (mistaken, full) and second == {resubmitter: (full, full)}
    handled = (hub.course / "autograder" / ".grade-on-submit.json").read_text()
    for student, timestamp in newest_submissions(hub).items():
        assert f'"{student}/{AID}": "{timestamp}"' in handled, handled


def test_plain_nbgrader_autograde_refuses_to_run_student_code_as_the_instructor(flooded):
    """The Formgrader's Autograde button runs plain nbgrader in the instructor's server."""
    hub, plan, key, first, *_ = flooded
    student = hub.students[0]
    done = hub.run_as(hub.instructor, "nbgrader", "autograde", AID, "--student", student, "--force")
    assert done.returncode != 0 and "runs only confined" in done.stdout + done.stderr, (
        done.stdout + done.stderr
    )
    with Course(hub.course).gradebook() as gb:
        assert gb.find_submission(AID, student).score == first[student][0]


def test_nothing_handed_in_for_someone_else_or_for_no_one_is_graded(flooded):
    """The victim's score, generated feedback and released feedback are what they were before
    the attacks; each forged folder was refused for the reason it deserved, and left in place."""
    hub, *_, attacked = flooded
    attacker, victim = hub.students[:2]
    assert attacked["victim_after"] == attacked["victim_before"]
    for what, name in attacked["made"].items():
        (line,) = service_lines(hub, re.escape(f"inbound/{name}: refused, not graded: "))
        if what.startswith("the id"):
            assert "is not a student id" in line, line
        else:
            assert f"owned by {attacker}, not by {victim}" in line, line
        assert (hub.exchange / "convlab" / "inbound" / name).is_dir()  # left for an instructor
    with Course(hub.course).gradebook() as gb:
        assert {s.id for s in gb.students} == set(hub.students), [s.id for s in gb.students]
    submitted = {p.name for p in (hub.course / "autograder" / "submitted").iterdir()}
    assert submitted == set(hub.students)


def test_the_student_who_forged_a_submission_is_told_it_was_not_graded(flooded):
    """Their ``nbgrader submit --student`` is in their own Assignment List: Fetch Feedback brings
    a page saying it was not graded and why."""
    hub, *_, attacked = flooded
    attacker, victim = hub.students[:2]
    timestamp = attacked["made"]["nbgrader submit --student"].split("+")[2]
    page = hub.run_as(attacker, "cat", f"{AID}/feedback/{timestamp}/{AID}.html")
    assert page.returncode == 0, attacked["fetched"]
    assert "Not graded" in page.stdout and f"owned by {attacker}, not by {victim}" in page.stdout


def test_a_2099_timestamp_does_not_block_the_victims_next_submission(flooded):
    hub, _, _, first, second, attacked = flooded
    victim = hub.students[1]
    assert "2099" in attacked["made"]["a timestamp of 2099"]
    assert second == {victim: (sum(points(AID).values()), sum(points(AID).values()))}
    handled = (hub.course / "autograder" / ".grade-on-submit.json").read_text()
    assert (
        "2099" not in handled
        and "2099"
        not in (hub.course / "autograder" / "submitted" / victim / AID / "timestamp.txt").read_text()
    )


@pytest.mark.browser
@pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium: apt-get install chromium")
def test_a_hostile_submissions_feedback_runs_no_script_and_shows_its_plot(flooded):
    """Opened as staff open it, a page of its own in Chromium (not JupyterLab's viewer, which runs
    no script anyway): none of the student's scripts runs; the plot and the check's hint show."""
    from playwright.sync_api import sync_playwright

    hub = flooded[0]
    page_path = hub.course / "autograder" / "feedback" / hub.students[3] / AID / f"{AID}.html"
    text = page_path.read_text()
    assert 'http-equiv="Content-Security-Policy"' in text.split("</head>")[0]
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"], headless=True)
        try:
            page = browser.new_page()
            page.goto(page_path.as_uri())
            page.wait_for_load_state("load")
            page.wait_for_timeout(500)  # an onerror handler would have run by now
            ran = page.evaluate("document.documentElement.dataset.pwned || ''")
            title = page.title()
            images = page.eval_on_selector_all(
                "img", "imgs => imgs.map(i => [i.src.slice(0, 22), i.complete && i.naturalWidth])"
            )
            body = page.locator("body").inner_text()
        finally:
            browser.close()
    assert ran == "" and "PWNED" not in title, (ran, title)
    assert ["data:image/png;base64,", 0] not in images and ["data:image/png;base64,", False] not in images
    assert any(src == "data:image/png;base64," and width for src, width in images), images
    assert MISTAKE.hint in body and "My notes" in body
    assert "<script>" in body  # the student's markup is shown as text, not run
