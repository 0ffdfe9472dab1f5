"""make similarity's section of the class report in Chromium: opens from the file with no
console error, and a pair's side-by-side view unfolds with the shared code marked."""

from pathlib import Path

import pytest

from tests.catalogue import MUTANTS, VARIANTS
from tests.support.course import copy_course, python_m
from tests.support.disguise import disguised
from tests.support.graded import inject
from tests.support.grading import grade_class, submit
from tests.support.notebooks import ROOT, load

CHROMIUM = Path("/usr/bin/chromium")
if not CHROMIUM.exists():
    pytest.skip("browser tests need Debian's chromium: apt-get install chromium", allow_module_level=True)

from playwright.sync_api import sync_playwright  # noqa: E402

pytestmark = [pytest.mark.slow, pytest.mark.browser]
AID = "01_cross_correlation"


def test_the_side_by_side_view_opens_with_the_shared_code_marked(tmp_path):
    course = copy_course(tmp_path)
    key = load("solutions", AID)
    cell = next(c.source for c in key.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "corr2d")
    entries = [
        e for e in MUTANTS[AID] + VARIANTS[AID] if e.exercise == "corr2d" and len(e.body.splitlines()) > 3
    ]
    for i, entry in enumerate(entries[:5]):
        submit(course, f"s{i}", AID, inject(key, entry))
    submit(course, "copy", AID, inject(key, disguised(entries[0], cell, seed=7)))
    grade_class(course)
    done = python_m(course, "convlab.grading.results.similarity")
    assert done.returncode == 0, done.stdout + done.stderr
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=str(CHROMIUM), args=["--no-sandbox", "--disable-gpu"], headless=True
        )
        page = browser.new_page(viewport={"width": 1300, "height": 900})
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(f"uncaught: {exc}"))
        page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
        page.goto((course / "autograder" / "report.html").as_uri())
        view = page.locator("details.side-by-side").first
        panes = view.locator(".pair-view pre")
        assert not panes.first.is_visible()
        view.locator("summary").click()
        assert panes.count() == 2 and panes.nth(0).is_visible() and panes.nth(1).is_visible()
        left, right = panes.nth(0).bounding_box(), panes.nth(1).bounding_box()
        assert left and right and left["x"] + left["width"] <= right["x"] + 1  # side by side
        assert abs(left["y"] - right["y"]) < 40
        for pane in (panes.nth(0), panes.nth(1)):
            marks = pane.locator("mark.shared")
            assert marks.count() > 0 and "def corr2d" in pane.inner_text()
        shots = ROOT / "artifacts" / "browser"
        shots.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(shots / "similarity.png"), full_page=True)
        assert errors == [], errors
        browser.close()
