"""The class in its LMS: ``make hub --lti`` against an LTI 1.3 platform on loopback
(tests/support/lms.py, built on lti1p3platform), one hub for the whole module.

The roster is the LMS's (Names and Roles). In Chromium the instructor clicks the course's link
on the LMS's page and gets the Formgrader, sets a due date and a student's extension; the
student clicks the same link, lands in JupyterLab logged in, sees the due date and their own
deadline in the Assignment List, fetches, submits, and their score, less the late penalty their
own deadline gives, appears in the LMS's gradebook: the LMS was down while it was graded, the
instructor saw the score pending, the sync service was killed between the grading and the
posting, and once the LMS was back the score arrived, once. Then the launches that must be
refused, one by one, each with a page saying why and a line in the hub's log: a forged
signature, a wrong audience, a replayed launch, an expired token, another deployment, a
missing claim, someone not on the roster; and a student who claims the instructor's role in
unsigned fields stays a student.
"""

from __future__ import annotations

import html
import json
import os
import re
import signal
import sqlite3
import subprocess
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import jwt
import pytest
import requests

from convlab.hub import lti
from tests.support.graded import answer_key
from tests.support.grading import points
from tests.support.hub import choose_language, running_hub
from tests.support.lms import LMS, pem_pair

CHROMIUM = Path("/usr/bin/chromium")
if not CHROMIUM.exists():
    pytest.skip("browser tests need Debian's chromium: apt-get install chromium", allow_module_level=True)

from playwright.sync_api import TimeoutError as PlaywrightTimeout  # noqa: E402
from playwright.sync_api import sync_playwright  # noqa: E402

from tests.test_hub import (  # noqa: E402  (the hub's browser steps, its markers: slow, browser, hub, root)
    AID,
    ARTIFACTS,
    FLAGS,
    answer_cells,
    assignment_list,
    fill_in,
    pytestmark,  # noqa: F401
    release_from_formgrader,
)

CLAIM = "https://purl.imsglobal.org/spec/lti/claim/"
LATE_DAYS, EXTENSION_DAYS = 3, 2  # due three days ago; one student has two more: one day late


def lms_id(account: str) -> str:
    return f"lms-{account}"


@pytest.fixture(scope="module")
def lms_hub():
    with LMS() as lms:

        def setup(root: Path, url: str, instructor: str, students: list[str]) -> list[str]:
            lms.tool_url = url
            lms.tool_jwks = lti.keys(root / "state")  # `python -m convlab.hub.lti keys`, pasted
            lms.enroll(lms_id(instructor), "Test Teacher", f"{instructor}@example.edu", teaching=True)
            for s in students:
                lms.enroll(lms_id(s), f"Student {s}", f"{s}@example.edu")
            path = root.parent / "platform.json"
            path.write_text(json.dumps(lms.platform_file()))
            return ["--lti", str(path)]

        with running_hub(2, setup=setup) as hub:
            yield hub, lms


def launch(lms: LMS, hub, account: str, extra: dict | None = None, keep: dict | None = None, post=True):
    """The launch as a browser makes it, with ``requests``: the LMS's link, the hub's login
    initiation, the LMS's signed form, posted to the hub (with ``extra`` fields, unsigned).
    ``keep`` gets the form and the cookies as they were before the post (to replay them)."""
    s = requests.Session()
    s.get(f"{lms.url}/course", params={"as": lms_id(account)}, timeout=30)
    r = s.get(f"{lms.url}/launch", allow_redirects=False, timeout=30)
    r = s.get(r.headers["Location"], allow_redirects=False, timeout=30)  # the hub's login initiation
    assert r.status_code == 302, r.text[:500]
    r = s.get(r.headers["Location"], timeout=30)  # the LMS: the form that posts the launch
    action = re.search(r'action="([^"]+)"', r.text)[1]
    form = {
        html.unescape(k): html.unescape(v) for k, v in re.findall(r'name="([^"]+)" value="([^"]*)"', r.text)
    }
    if keep is not None:
        keep.update(form=dict(form), cookies=s.cookies.copy(), action=html.unescape(action))
    if not post:
        return s, None
    return s, s.post(html.unescape(action), data={**form, **(extra or {})}, allow_redirects=False, timeout=60)


def refused(response, hub, why: str) -> str:
    """The launch was refused with a page saying ``why``, a log line, and no login."""
    assert response.status_code == 403, (response.status_code, response.text[:800])
    assert "This launch from your course was refused" in response.text
    reason = html.unescape(re.search(r'<p id="lti-refusal">(.*?)</p>', response.text, re.S)[1])
    assert re.search(why, reason), reason
    assert "Traceback" not in response.text
    assert not [c for c in response.cookies if c.name.startswith("jupyterhub-hub-login")], response.cookies
    deadline = time.monotonic() + 10
    while not any("LTI launch refused" in line and reason in line for line in hub.log_text().splitlines()):
        assert time.monotonic() < deadline, f"no log line for the refusal {reason!r}"
        time.sleep(0.2)
    return reason


def wait(predicate, timeout_s: float, what: str):
    deadline = time.monotonic() + timeout_s
    while not (found := predicate()):
        assert time.monotonic() < deadline, what
        time.sleep(0.5)
    return found


def click_the_course_link(browser, lms: LMS, account: str, target: str = ""):
    lms.target = target
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.goto(f"{lms.url}/course?as={lms_id(account)}")
    page.click("#convlab-link")
    return page


@pytest.fixture(scope="module")
def a_class_in_its_lms(lms_hub):
    """The browser session; what each person saw."""
    hub, lms = lms_hub
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    student, other = hub.students
    seen = {}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS, headless=True)
        try:
            teacher = click_the_course_link(browser, lms, hub.instructor, "/hub/user-redirect/formgrader")
            choose_language(teacher)  # the hub's form before a server starts: English
            teacher.wait_for_url(f"**/user/{hub.instructor}/formgrader**", timeout=180_000)
            teacher.locator("tr", has_text=AID).wait_for(timeout=120_000)
            seen["teacher_url"] = teacher.url
            seen["released"] = release_from_formgrader(teacher, hub)
            # the student hands in within the hour: under a day after their own deadline
            due = datetime.now(UTC).replace(microsecond=0) - timedelta(days=LATE_DAYS) + timedelta(hours=1)
            for argv in (
                ["due", AID, due.strftime("%Y-%m-%d %H:%M:%S UTC")],
                ["extend", student, AID, "--days", str(EXTENSION_DAYS)],
            ):
                course = f"/home/{hub.instructor}/convlab"
                done = hub.run_as(hub.instructor, "python", "-m", "convlab.hub.deadlines", "--course", course,
                                  *argv)  # fmt: skip
                assert done.returncode == 0, done.stderr
            seen["due"], seen["deadline"] = due, due + timedelta(days=EXTENSION_DAYS)
            mine = hub.exchange / "convlab" / "deadlines" / f"{student}.json"
            wait(lambda: mine.is_file() and "extension_s" in mine.read_text(), 30, "no deadlines published")

            page = click_the_course_link(browser, lms, student)
            choose_language(page)
            page.wait_for_url(f"**/user/{student}/lab**", timeout=180_000)
            page.locator(".lm-MenuBar-itemLabel", has_text="Nbgrader").wait_for(timeout=120_000)
            seen["student_url"] = page.url
            assignment_list(page)
            fetch = page.locator("#released_assignments_list .list_item", has_text=AID).get_by_role(
                "button", name="Fetch"
            )
            fetch.click()
            item = page.locator("#fetched_assignments_list .list_item", has_text=AID).first
            item.locator(".assignment-notebooks-link").click()
            shown = page.locator(f"#nbgrader-convlab-{AID}")
            shown.get_by_text("your deadline").wait_for(timeout=60_000)
            seen["assignment_list"] = shown.inner_text()
            page.screenshot(path=str(ARTIFACTS / "lti-assignment-list.png"))
            shown.locator("a", has_text=re.compile(f"^{AID}")).first.click()
            page.locator(".jp-NotebookPanel .jp-Cell").first.wait_for(timeout=60_000)
            try:
                fill_in(page, answer_cells(answer_key(AID)))
            except (
                PlaywrightTimeout
            ):  # changed again after its save (the kernel's metadata, late on a busy machine)
                page.screenshot(path=str(ARTIFACTS / "lti-save.png"))
                page.keyboard.press("Control+S")
                dirty = page.locator(".lm-TabBar-tab.jp-mod-dirty", has_text=f"{AID}.ipynb")
                dirty.wait_for(state="detached", timeout=60_000)
            page.locator(".lm-TabBar-tab", has_text="Assignments").click()
            lms.down = True  # the LMS is down while the submission is graded; the sync service dies
            page.locator("#fetched_assignments_list .list_item", has_text=AID).get_by_role(
                "button", name="Submit"
            ).click()
            page.locator("#submitted_assignments_list .list_item", has_text=AID).first.wait_for(
                timeout=60_000
            )
            seen["pending"] = crash_while_the_lms_is_down(hub, lms, student)
            wait(
                lambda: any(u == lms_id(student) for _, u, _ in lms.score_posts()), 300, "no score in the LMS"
            )
            book = browser.new_page()
            book.goto(f"{lms.url}/gradebook")
            seen["gradebook"] = book.locator(f"#gradebook tr[data-user='{lms_id(student)}']").inner_text()
            seen["due_in_lms"] = book.locator("#due").inner_text()
            book.screenshot(path=str(ARTIFACTS / "lti-gradebook.png"))
            seen["menus"] = page.locator(".lm-MenuBar").inner_text()
        finally:
            browser.close()
    yield hub, lms, seen


def test_the_instructors_launch_opens_the_formgrader(a_class_in_its_lms):
    hub, _, seen = a_class_in_its_lms
    assert f"/user/{hub.instructor}/formgrader" in seen["teacher_url"]
    assert f"Successfully released '{AID}'" in seen["released"]


def test_the_students_launch_lands_in_jupyterlab_logged_in(a_class_in_its_lms):
    hub, _, seen = a_class_in_its_lms
    assert f"/user/{hub.students[0]}/lab" in seen["student_url"]


def test_the_assignment_list_shows_the_due_date_and_the_students_own_deadline(a_class_in_its_lms):
    _, _, seen = a_class_in_its_lms
    text = seen["assignment_list"]
    assert f"Due {seen['due'].strftime('%Y-%m-%d %H:%M UTC')}" in text, text
    assert f"your extension {EXTENSION_DAYS} days" in text, text
    assert f"your deadline {seen['deadline'].strftime('%Y-%m-%d %H:%M UTC')}" in text, text


def test_the_score_less_the_late_penalty_of_their_own_deadline_is_in_the_lms_gradebook(a_class_in_its_lms):
    hub, lms, seen = a_class_in_its_lms
    full = sum(points(AID).values())
    late_days = LATE_DAYS - EXTENSION_DAYS  # started days late: under a day past their own deadline
    expected = full - min(full, full * 0.1 * late_days)  # nbgrader_config.py: PerDayPenalty 0.1
    assert expected < full
    cells = seen["gradebook"].split("\t")
    assert float(cells[-1]) == pytest.approx(expected), seen["gradebook"]
    posts = [s for _, u, s in lms.score_posts() if u == lms_id(hub.students[0])]
    assert len(posts) == 1 and posts[0]["scoreMaximum"] == full, posts
    assert seen["due"].strftime("%Y-%m-%d") in seen["due_in_lms"], seen["due_in_lms"]  # the line item's


def kill_the_sync_service() -> None:
    pids = subprocess.run(["pgrep", "-f", "convlab.hub.passback --serve"], capture_output=True, text=True)
    assert pids.stdout.split(), "the lms-sync service is not running"
    for pid in pids.stdout.split():
        os.kill(int(pid), signal.SIGKILL)


def crash_while_the_lms_is_down(hub, lms: LMS, student: str) -> str:
    """Once the student's score waits for the LMS, which is down: what the instructor sees
    pending; then the sync service is killed (JupyterHub starts it again) and the LMS comes back."""
    pending = hub.course / "autograder" / "lms-pending.txt"
    wait(lambda: pending.is_file() and student in pending.read_text(), 300, "the score never waited")
    shown = hub.run_as(hub.instructor, "python", "-m", "convlab.hub.passback", "--pending",
                       "--course", f"/home/{hub.instructor}/convlab")  # fmt: skip
    kill_the_sync_service()

    def restarted():
        return len([x for x in hub.log_text().splitlines() if "[lms-sync" in x and "watching" in x]) >= 2

    wait(restarted, 60, "the lms-sync service was not started again")
    assert not lms.score_posts()
    lms.down = False
    return shown.stdout + shown.stderr


def test_a_crash_while_the_lms_is_down_loses_no_score_and_posts_it_once(a_class_in_its_lms):
    hub, lms, seen = a_class_in_its_lms
    student = hub.students[0]
    assert f"{student} {AID}: " in seen["pending"], seen["pending"]  # what the instructor saw waiting
    time.sleep(4)  # a second post would come within a round or two of the first
    assert [u for _, u, _ in lms.score_posts()] == [lms_id(student)]
    pending = hub.course / "autograder" / "lms-pending.txt"
    wait(lambda: student not in pending.read_text(), 30, "still pending once the LMS took it")


# ---- refusals -----------------------------------------------------------------------------------


def test_a_forged_signature_is_refused(lms_hub):
    hub, lms = lms_hub
    forger, _ = pem_pair()
    keep = {}
    session, _ = launch(lms, hub, hub.students[0], keep=keep, post=False)
    claims = jwt.decode(keep["form"]["id_token"], options={"verify_signature": False})
    claims["sub"] = lms_id(hub.instructor)  # who would not want to be the instructor
    kid = jwt.get_unverified_header(keep["form"]["id_token"])["kid"]  # the LMS's key's id, another key
    forged = jwt.encode(claims, forger, algorithm="RS256", headers={"kid": kid})
    r = session.post(
        keep["action"], data={**keep["form"], "id_token": forged}, allow_redirects=False, timeout=60
    )
    refused(r, hub, "[Ss]ignature")


def test_a_wrong_audience_is_refused(lms_hub):
    hub, lms = lms_hub
    lms.tamper = lambda claims: {**claims, "aud": "another-tool", "azp": "another-tool"}
    try:
        _, r = launch(lms, hub, hub.students[0])
    finally:
        lms.tamper = None
    refused(r, hub, "[Aa]udience")


def test_a_replayed_launch_is_refused_even_with_its_cookies(lms_hub):
    hub, lms = lms_hub
    keep = {}
    _, first = launch(lms, hub, hub.students[0], keep=keep)
    assert first.status_code == 302, first.text[:500]
    replay = requests.Session()
    replay.cookies.update(keep["cookies"])
    r = replay.post(keep["action"], data=keep["form"], allow_redirects=False, timeout=60)
    refused(r, hub, "used before")


def test_an_expired_token_is_refused(lms_hub):
    hub, lms = lms_hub
    lms.expiration = -120
    try:
        _, r = launch(lms, hub, hub.students[0])
    finally:
        lms.expiration = 300
    refused(r, hub, "expired")


def test_another_deployment_a_missing_claim_and_someone_not_on_the_roster_are_refused(lms_hub):
    hub, lms = lms_hub
    lms.tamper = lambda claims: {**claims, CLAIM + "deployment_id": "deployment-2"}
    try:
        _, r = launch(lms, hub, hub.students[0])
    finally:
        lms.tamper = None
    refused(r, hub, "deployment")
    for claim in ("sub", CLAIM + "deployment_id", CLAIM + "message_type", "nonce"):
        lms.tamper = lambda claims, claim=claim: {k: v for k, v in claims.items() if k != claim}
        try:
            _, r = launch(lms, hub, hub.students[0])
        finally:
            lms.tamper = None
        refused(r, hub, ".")  # a page and a log line, whatever the library says
    lms.enroll("lms-stranger", "Stranger", "stranger@example.edu")
    try:
        _, r = launch(lms, hub, "stranger")
    finally:
        del lms.store.people["lms-stranger"]
    refused(r, hub, "not on the hub's roster")


def test_a_student_claiming_the_instructors_role_in_unsigned_fields_stays_a_student(lms_hub):
    hub, lms = lms_hub
    student = hub.students[1]
    instructor_role = "http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor"
    unsigned = {
        "roles": "Instructor",
        CLAIM + "roles": instructor_role,
        "custom_role": "instructor",
        "username": hub.instructor,
    }
    _, r = launch(lms, hub, student, extra=unsigned)
    assert r.status_code == 302, r.text[:500]  # logged in: as themselves, a student
    db = sqlite3.connect(hub.root / "state" / "jupyterhub.sqlite")
    (admin,) = db.execute("SELECT admin FROM users WHERE name = ?", (student,)).fetchone()
    assert not admin
    assert not db.execute("SELECT 1 FROM users WHERE name = ?", ("stranger",)).fetchone()
    login = [line for line in hub.log_text().splitlines() if "User logged in" in line]
    assert login and student in login[-1] and hub.instructor not in login[-1], login[-3:]


def test_a_login_initiation_without_its_arguments_is_refused(lms_hub):
    hub, _ = lms_hub
    r = requests.get(f"{hub.url}/hub/lti13/oauth_login", allow_redirects=False, timeout=30)
    refused(r, hub, "iss")


def test_behind_https_the_logins_cookies_come_back_with_the_lmss_cross_site_post(lms_hub):
    hub, lms = lms_hub
    start = {
        "iss": lms.url,
        "login_hint": "x",
        "target_link_uri": f"{hub.url}/hub",
        "client_id": "convlab-tool",
    }
    cookies = {}
    for proto in ("http", "https"):
        r = requests.get(f"{hub.url}/hub/lti13/oauth_login", params=start, allow_redirects=False,
                         headers={"X-Forwarded-Proto": proto}, timeout=30)  # fmt: skip
        assert r.status_code == 302, r.text[:300]
        cookies[proto] = [c for c in r.raw.headers.getlist("Set-Cookie") if "lti13authenticator" in c]
    assert len(cookies["https"]) == 2 and all(
        "SameSite=None" in c and "Secure" in c for c in cookies["https"]
    )
    assert len(cookies["http"]) == 2 and not any("SameSite=None" in c for c in cookies["http"])


def test_the_tool_publishes_the_key_the_lms_was_given(lms_hub):
    hub, lms = lms_hub
    published = requests.get(f"{hub.url}/hub/lti13/jwks", timeout=30).json()
    assert published == lms.tool_jwks
    assert "BEGIN" not in json.dumps(published)  # the public half only
