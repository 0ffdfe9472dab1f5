"""The class on a server, in a real browser: ``make hub``'s JupyterHub with one instructor and
two students logged in at once, each in their own Chromium context, as people would use it.

The instructor releases 01 from the Formgrader; each student fetches it from the Assignment List,
fills in the answer cells in the notebook (one the answer key, one a catalogued mistake),
validates, submits, and fetches the feedback the grading service released; the instructor sees
both in the Formgrader and ``make grades`` lists them. Then the fences: a student can reach
neither another student's server, work or feedback, nor the answer key. Expected scores come
from running the same cells in-process (tests/support/graded.py), not from the grader.
"""

from __future__ import annotations

import csv
import json
import os
import pwd
import re
import time
from pathlib import Path

import pytest

from convlab.i18n import gettext
from tests.catalogue import MUTANTS
from tests.support.editions import LANG
from tests.support.graded import answer_key, inject, mistaken_score
from tests.support.grading import points
from tests.support.hub import Hub, choose_language, running_hub
from tests.support.notebooks import ROOT

CHROMIUM = Path("/usr/bin/chromium")
if not CHROMIUM.exists():
    pytest.skip("browser tests need Debian's chromium: apt-get install chromium", allow_module_level=True)

from playwright.sync_api import sync_playwright  # noqa: E402

pytestmark = [
    pytest.mark.slow,
    pytest.mark.browser,
    pytest.mark.hub,
    pytest.mark.skipif(
        os.geteuid() != 0, reason="a hub creates an account per person: it needs root (CI is root)"
    ),
]
AID = "01_cross_correlation"
MISTAKE = MUTANTS[AID][0]  # the first catalogued mistake of 01 (a flipped kernel)
HINT_ZH = gettext(MISTAKE.hint, LANG)  # the same hint in convlab/locale's Chinese catalogue
REFUSED = "../../../etc/zh_CN"  # a language the form never offers, sent by a tampered form
LOCALE_SETTING = "lab/api/settings/@jupyterlab/translation-extension:plugin"
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"]
ARTIFACTS = ROOT / "artifacts" / "hub"


def answer_cells(nb) -> list[str]:
    """The sources a student types into the answer cells, in notebook order."""
    return [
        c.source for c in nb.cells if c.metadata.get("nbgrader", {}).get("solution") and c.cell_type == "code"
    ]


def log_in(browser, hub: Hub, user: str, lang: str = "en", seen: dict | None = None):
    """Log in, pick ``lang`` on the hub's form (with ``seen``, after a refused value: the hub's
    error goes in ``seen["refused"]``), wait for JupyterLab; its interface's locale setting and
    menu bar go in ``seen``."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.goto(f"{hub.url}/hub/login")
    page.fill("#username_input", user)
    page.fill("#password_input", hub.passwords[user])
    page.click("#login_submit")
    refused = choose_language(page, lang, REFUSED if seen is not None else None)
    page.wait_for_url(f"**/user/{user}/lab**", timeout=180_000)
    page.locator(".lm-MenuBar-itemLabel", has_text="Nbgrader").wait_for(timeout=120_000)
    if seen is not None:
        setting = page.request.get(f"{hub.url}/user/{user}/{LOCALE_SETTING}").json()
        seen["refused"][user] = refused
        seen["locale"][user] = setting["schema"]["properties"]["locale"]["default"]
        seen["menu_bar"][user] = page.locator(".lm-MenuBar-itemLabel").all_inner_texts()
    return page


def chinese_edition_in_the_course(hub: Hub) -> bytes:
    """The course's Chinese edition of AID (make release's, copied to the hub with the course)."""
    return (hub.course / "notebooks" / LANG / AID / f"{AID}.ipynb").read_bytes()


def release_from_formgrader(page, hub: Hub) -> str:
    page.goto(f"{hub.url}/user/{hub.instructor}/formgrader")
    row = page.locator("tr", has_text=AID)
    row.locator(".release a").click()
    page.locator("#success-modal").wait_for(timeout=120_000)
    text = page.locator("#success-modal").inner_text()
    page.locator("#success-modal button", has_text="OK").click()
    return text


def nbgrader_menu(page) -> list[str]:
    """What the Nbgrader menu offers this person."""
    page.locator(".lm-MenuBar-itemLabel", has_text="Nbgrader").click()
    items = page.locator(".lm-Menu-itemLabel")
    items.first.wait_for(timeout=30_000)
    offered = [text for text in items.all_inner_texts() if text.strip()]  # hidden items are blank
    page.keyboard.press("Escape")
    return offered


def assignment_list(page):
    page.locator(".lm-MenuBar-itemLabel", has_text="Nbgrader").click()
    page.locator(".lm-Menu-itemLabel", has_text="Assignment List").click()
    page.locator("#released_assignments_list, #fetched_assignments_list").first.wait_for(timeout=60_000)


def fetch_and_open(page) -> None:
    assignment_list(page)
    fetch = page.locator("#released_assignments_list .list_item", has_text=AID).get_by_role(
        "button", name="Fetch"
    )
    fetch.wait_for(timeout=60_000)
    fetch.click()
    item = page.locator("#fetched_assignments_list .list_item", has_text=AID).first
    item.locator(".assignment-notebooks-link").click()
    page.locator(f"#nbgrader-convlab-{AID} a", has_text=AID).click()
    page.locator(".jp-NotebookPanel .jp-Cell").first.wait_for(timeout=60_000)


def fill_in(page, sources: list[str]) -> None:
    """Type each answer into its cell, in place of the release's ``raise NotImplementedError()``."""
    for source in sources:
        cell = page.locator(".jp-NotebookPanel .jp-CodeCell", has_text="raise NotImplementedError").first
        cell.scroll_into_view_if_needed()
        cell.locator(".cm-content").click()
        page.keyboard.press("Control+A")
        page.keyboard.insert_text(source)
        page.keyboard.press("Escape")
    # the notebook's tab is marked dirty, then clean once saved: Validate saves again first, and a
    # second save racing this one finds the file newer than it knows ("File Changed")
    dirty = page.locator(".lm-TabBar-tab.jp-mod-dirty", has_text=f"{AID}.ipynb")
    dirty.wait_for(timeout=30_000)
    page.keyboard.press("Control+S")
    dirty.wait_for(state="detached", timeout=60_000)


def validate(page, expected: str, who: str) -> str:
    """Validate from the toolbar; the result dialog's text (nbgrader titles it "Validation
    Results", or "Validation failed" when it could not run), then OK. A result without
    ``expected`` fails here with what the student was shown, and a screenshot."""
    page.locator(".jp-NotebookPanel").get_by_role("button", name="Validate").click()
    result = page.locator(".jp-Dialog", has=page.locator(".jp-Dialog-header", has_text="Validation"))
    try:
        result.wait_for(timeout=300_000)
    except Exception as error:  # say what the page showed instead: the toolbar, any dialog
        page.screenshot(path=str(ARTIFACTS / f"{who}-validate.png"), full_page=True)
        toolbar = page.locator(".jp-NotebookPanel-toolbar").inner_text()
        dialogs = page.locator(".jp-Dialog").all_inner_texts()
        raise AssertionError(
            f"{who}: no validation result; toolbar {toolbar!r}, dialogs {dialogs}"
        ) from error
    text = result.inner_text()
    if expected not in text:
        page.screenshot(path=str(ARTIFACTS / f"{who}-validate.png"), full_page=True)
    result.get_by_role("button").last.click()
    page.locator(".jp-Dialog").wait_for(state="detached", timeout=30_000)
    assert expected in text, f"{who} validated and was shown, instead of {expected!r}:\n{text}"
    return text


def submit(page) -> float:
    page.locator(".lm-TabBar-tab", has_text="Assignments").click()
    page.locator("#fetched_assignments_list .list_item", has_text=AID).get_by_role(
        "button", name="Submit"
    ).click()
    page.locator("#submitted_assignments_list .list_item", has_text=AID).first.wait_for(timeout=60_000)
    return time.monotonic()


def wait_for_feedback(page, timeout_s: float = 300) -> float:
    """Refresh the Assignment List (as a waiting student would) until it says feedback is there."""
    ready = page.locator("#submitted_assignments_list", has_text="feedback available to fetch")
    deadline = time.monotonic() + timeout_s
    while not ready.is_visible():
        assert time.monotonic() < deadline, "no feedback to fetch"
        page.locator("#refresh_assignments_list").click()
        time.sleep(1)
    return time.monotonic()


def read_feedback(page) -> str:
    """Fetch Feedback, follow "view feedback" to its folder, open the page there."""
    page.locator("#submitted_assignments_list").get_by_role("button", name="Fetch Feedback").first.click()
    page.locator("#submitted_assignments_list a", has_text="view feedback").first.click()
    page.locator(".jp-DirListing-item", has_text=f"{AID}.html").dblclick()
    body = page.frame_locator(".jp-HTMLViewer iframe").locator("body")
    body.get_by_text("Score").first.wait_for(timeout=60_000)
    return body.inner_text()


@pytest.fixture(scope="module")
def a_class_session():
    """The whole loop, three people at once; what each saw, for the tests below."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with running_hub(students=2) as hub, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS, headless=True)
        try:
            key_student, mistake_student = hub.students
            languages = {key_student: "en", mistake_student: LANG}  # the mistake is made in Chinese
            chosen = {"refused": {}, "locale": {}, "menu_bar": {}}
            teacher = log_in(browser, hub, hub.instructor)
            students = {s: log_in(browser, hub, s, languages[s], chosen) for s in hub.students}
            seen_menus = {
                user: nbgrader_menu(page) for user, page in [(hub.instructor, teacher), *students.items()]
            }
            edition = chinese_edition_in_the_course(hub)
            released = release_from_formgrader(teacher, hub)
            key = answer_cells(answer_key(AID))
            typed = {key_student: key, mistake_student: answer_cells(inject(answer_key(AID), MISTAKE))}
            seen = {
                "released": released,
                "menus": seen_menus,
                "validated": {},
                "feedback": {},
                "latency_s": {},
                "fetched": {},
                "edition": edition,
                **chosen,
            }
            submitted_at = {}
            for student, page in students.items():
                fetch_and_open(page)
                seen["fetched"][student] = (
                    Path(pwd.getpwnam(student).pw_dir) / AID / f"{AID}.ipynb"
                ).read_bytes()
                fill_in(page, typed[student])
                expected = "Success!" if student == key_student else HINT_ZH
                seen["validated"][student] = validate(page, expected, student)
                submitted_at[student] = submit(page)
            for student, page in students.items():
                seen["latency_s"][student] = round(wait_for_feedback(page) - submitted_at[student], 1)
                seen["feedback"][student] = read_feedback(page)
                page.screenshot(path=str(ARTIFACTS / f"{student}-assignments.png"))
            teacher.goto(f"{hub.url}/user/{hub.instructor}/formgrader/manage_students")
            teacher.locator("#main-table tr", has_text=key_student).wait_for(timeout=60_000)
            seen["formgrader"] = teacher.locator("table").first.inner_text()
            teacher.screenshot(path=str(ARTIFACTS / "formgrader-students.png"))
            seen["make_grades"] = hub.run_as(
                hub.instructor, "make", "-C", f"/home/{hub.instructor}/convlab", "grades"
            )
            seen["grades_csv"] = list(csv.DictReader((hub.course / "autograder" / "grades.csv").open()))
            seen["other_server"] = {
                s: students[s].request.get(f"{hub.url}/user/{other}/api/contents", max_redirects=0).status
                for s, other in ((key_student, mistake_student), (mistake_student, key_student))
            }
            (ARTIFACTS / "latency.json").write_text(json.dumps(seen["latency_s"], indent=1))
            print(f"Submit -> fetchable feedback, seconds: {seen['latency_s']}")
            yield hub, seen
        finally:
            browser.close()


def test_each_student_gets_the_interface_and_the_notebook_of_the_language_they_picked(a_class_session):
    hub, seen = a_class_session
    key_student, mistake_student = hub.students
    english = (hub.course / "notebooks" / AID / f"{AID}.ipynb").read_bytes()
    assert seen["fetched"][key_student] == english
    assert seen["fetched"][mistake_student] == seen["edition"] != english
    assert json.loads(seen["edition"])["metadata"]["convlab"]["edition"] == LANG
    assert seen["locale"] == {key_student: "default", mistake_student: LANG}, seen["locale"]
    assert "File" in seen["menu_bar"][key_student] and "File" not in seen["menu_bar"][mistake_student]
    assert "文件" in seen["menu_bar"][mistake_student], seen["menu_bar"]


def test_a_language_the_form_does_not_offer_is_refused_with_a_message(a_class_session):
    """(That it never reaches an environment or a path: tests/test_hub_languages.py.)"""
    hub, seen = a_class_session
    for student in hub.students:
        shown = seen["refused"][student]
        assert "Unknown language / 未知语言" in shown and "zh_CN (中文)" in shown, shown


def test_students_get_the_assignment_list_and_only_instructors_the_formgrader(a_class_session):
    hub, seen = a_class_session
    assert "Formgrader" in seen["menus"][hub.instructor], seen["menus"]
    for student in hub.students:
        assert seen["menus"][student] == ["Assignment List"], seen["menus"]


def test_the_instructor_releases_from_the_formgrader(a_class_session):
    hub, seen = a_class_session
    assert f"Successfully released '{AID}'" in seen["released"]
    assert (hub.exchange / "convlab" / "outbound" / AID / f"{AID}.ipynb").is_file()


def test_validate_tells_each_student_how_they_did(a_class_session):
    hub, seen = a_class_session
    key_student, mistake_student = hub.students
    assert "Success! Your notebook passes all the tests." in seen["validated"][key_student]
    assert HINT_ZH in seen["validated"][mistake_student], seen["validated"][mistake_student][-2000:]
    assert MISTAKE.hint not in seen["validated"][mistake_student]


def expected_scores(hub: Hub) -> dict[str, float]:
    """Each student's score, from running what they typed in-process (not through the grader)."""
    key_student, mistake_student = hub.students
    return {key_student: sum(points(AID).values()), mistake_student: mistaken_score(AID, MISTAKE)}


def test_each_student_fetches_feedback_with_the_right_score_and_the_hint(a_class_session):
    hub, seen = a_class_session
    key_student, mistake_student = hub.students
    full = sum(points(AID).values())
    expected = expected_scores(hub)
    for student in hub.students:
        text = seen["feedback"][student]
        score = re.search(r"Score:\s*([\d.]+)\s*/\s*([\d.]+)", text)
        assert score, text[:1500]
        assert (float(score[1]), float(score[2])) == (expected[student], full), text[:1500]
    assert expected[mistake_student] < full
    # graded with the English assignment, its messages in the language the student picked
    assert (
        HINT_ZH in seen["feedback"][mistake_student] and MISTAKE.hint not in seen["feedback"][mistake_student]
    )
    assert MISTAKE.hint not in seen["feedback"][key_student] and HINT_ZH not in seen["feedback"][key_student]


def test_the_instructor_sees_both_and_make_grades_lists_them(a_class_session):
    hub, seen = a_class_session
    key_student, mistake_student = hub.students
    assert key_student in seen["formgrader"] and mistake_student in seen["formgrader"], seen["formgrader"]
    assert seen["make_grades"].returncode == 0, seen["make_grades"].stdout + seen["make_grades"].stderr
    rows = {r["student"]: r for r in seen["grades_csv"]}
    assert set(hub.students) <= set(rows), rows
    for student, score in expected_scores(hub).items():
        assert float(rows[student][AID]) == score, (student, rows[student])


def test_a_student_cannot_reach_another_students_server(a_class_session):
    _, seen = a_class_session
    for student, status in seen["other_server"].items():
        assert status in (302, 403, 404), f"{student} got {status} from another student's server"


def test_a_student_cannot_read_others_work_feedback_or_the_key(a_class_session):
    hub, _ = a_class_session
    key_student, mistake_student = hub.students
    exchange = hub.exchange / "convlab"
    tries = {
        "list the submissions": f"os.listdir({str(exchange / 'inbound')!r})",
        "list the feedback": f"os.listdir({str(exchange / 'feedback')!r})",
        "read the other's notebook": f"open('/home/{key_student}/{AID}/{AID}.ipynb').read()",
        "list the other's home": f"os.listdir('/home/{key_student}')",
        "read the answer key": f"open({str(hub.course / 'solutions' / AID / f'{AID}.ipynb')!r}).read()",
        "read the source": f"open({str(hub.course / 'source' / AID / f'{AID}.ipynb')!r}).read()",
        "read the gradebook": f"open({str(hub.course / 'autograder' / 'gradebook.db')!r}, 'rb').read()",
    }
    for what, code in tries.items():
        done = hub.run_as(mistake_student, "/usr/bin/python3", "-c", f"import os; {code}")
        assert done.returncode != 0 and "PermissionError" in done.stderr, f"{mistake_student} could {what}"
    # the same reads work for their owners: the fences are not just missing files
    assert (
        hub.run_as(
            key_student, "/usr/bin/python3", "-c", f"open('/home/{key_student}/{AID}/{AID}.ipynb')"
        ).returncode
        == 0
    )
    own = hub.run_as(hub.instructor, "/usr/bin/python3", "-c", f"import os; {tries['read the answer key']}")
    assert own.returncode == 0, own.stderr
