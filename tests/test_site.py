"""The course's website (make site) in a real browser, offline, and checked by axe-core.

One build of the whole site, served by a static file server on loopback; one Chromium whose
every request to anywhere else is blocked (and recorded: a page that asks for nothing outside
the site is a page that works offline, from any static host). Every page opens without a
JavaScript error and with its animations drawn; in every notebook an animation plays (the window
moves, the arithmetic the live region says changes); one is driven by the keyboard alone; and
axe-core (from npm, site/package.json) finds no serious or critical violation on any page, nor
on the class report (make report's page).
"""

import functools
import http.server
import os
import re
import subprocess
import sys
import threading
import time
import zipfile
from pathlib import Path

import nbformat
import pytest

from convlab.grading.course import Course
from convlab.site.build import leaked, page_text, solution_regions
from convlab.widgets.svg import COLOURS
from tests.support.chromium import CHROMIUM, chromium

ROOT = Path(__file__).resolve().parents[1]
AXE = ROOT / "site" / "node_modules" / "axe-core" / "axe.min.js"
if not CHROMIUM.exists():
    pytest.skip("browser tests need Debian's chromium: apt-get install chromium", allow_module_level=True)

pytestmark = [pytest.mark.slow, pytest.mark.browser]
STEP = re.compile(r"step (\d+) of (\d+)")
WINDOW = re.compile(  # the window's outline (convlab.widgets.drawing.input_with_window)
    rf'<rect x="([\d.]+)" y="([\d.]+)" width="[\d.]+" height="[\d.]+" fill="none" '
    rf'stroke="{COLOURS["window"][1]}" stroke-width="3.0"'
)
CELL = re.compile(r'<rect class="window(?:-padding)? ?[^"]*" x="([\d.]+)" y="([\d.]+)"')  # a cell under it
ASSIGNMENTS = Course(ROOT).assignments()


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """The whole site, built once (CONVLAB_SITE names one already built, while developing)."""
    if os.environ.get("CONVLAB_SITE"):
        return Path(os.environ["CONVLAB_SITE"])
    assert AXE.exists(), "site/node_modules is missing: `make site` (or `npm ci --prefix site`) installs it"
    out = tmp_path_factory.mktemp("site")
    done = subprocess.run(
        [sys.executable, "-m", "convlab.site", "--out", str(out)], cwd=ROOT, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return out


@pytest.fixture(scope="module")
def server(site):
    """A static file server of the site on a free loopback port: nothing but files."""
    handler = functools.partial(QuietHandler, directory=str(site))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def browser():
    with chromium() as b:
        yield b


class Visit:
    """A page of the site in its own context: every request outside the site is aborted and noted."""

    def __init__(self, browser, server: str, path: str):
        self.context = browser.new_context(viewport={"width": 1280, "height": 900})
        self.blocked: list[str] = []
        self.errors: list[str] = []
        self.context.route("**/*", self._route(server))
        self.page = self.context.new_page()
        self.page.on("pageerror", lambda exc: self.errors.append(f"uncaught: {exc}"))
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.page.goto(f"{server}/{path}", wait_until="load")

    def _route(self, server: str):
        def route(r):
            url = r.request.url
            if url.startswith(server + "/") or url.startswith(("data:", "blob:")):
                r.continue_()
            else:
                self.blocked.append(url)
                r.abort()

        return route

    def close(self):
        self.context.close()


def expected_players(aid: str) -> int:
    """How many frame players the answer key shows (their text form reads "<...: N frames>")."""
    nb = nbformat.read(ROOT / "solutions" / aid / f"{aid}.ipynb", as_version=4)
    texts = [
        o.get("data", {}).get("text/plain", "") for c in nb.cells if c.cell_type == "code" for o in c.outputs
    ]
    return sum(bool(re.fullmatch(r"<.*: \d+ frames>", t)) for t in texts)


def drawn(page, players: int) -> None:
    """Wait until the widget manager has drawn every player and its live region speaks."""
    page.wait_for_function(
        "n => { const players = [...document.querySelectorAll('.convlab-player')];"
        " const ready = p => (p.querySelector('.convlab-live') || {}).textContent"
        " && p.querySelector('.widget-play button[aria-label]');"
        " return players.length >= n && players.every(ready); }",
        arg=players,
        timeout=60_000,
    )


def visible_frame(player) -> str:
    """The SVG of the frame the player shows now."""
    for svg in player.locator("svg").all():
        if svg.is_visible():
            return svg.evaluate("s => s.outerHTML")
    return ""


def said(player) -> str:
    return player.locator(".convlab-live").text_content() or ""


def window_at(frame: str):
    """Where the window is: its outline, or (a 1×1 window, occlusion's patch) its cells."""
    found = WINDOW.search(frame)
    if found:
        return tuple(float(v) for v in found.groups())
    return frozenset(CELL.findall(frame)) or None


def axe_violations(page) -> list[str]:
    """axe-core's serious and critical violations on the page as it is now."""
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [
        f"{v['id']} ({v['impact']}): {v['help']}: {[n['target'] for n in v['nodes'][:3]]}"
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]


@pytest.mark.parametrize("aid", ASSIGNMENTS)
def test_every_page_plays_offline_and_passes_axe(aid, site, server, browser):
    key = nbformat.read(ROOT / "solutions" / aid / f"{aid}.ipynb", as_version=4)
    text = (site / f"{aid}.html").read_text()
    assert solution_regions(key) and leaked(key, text) == [], "a solution is on the page"
    assert "raise NotImplementedError()" in page_text(text)  # the exercises as students get them
    visit = Visit(browser, server, f"{aid}.html")
    page = visit.page
    players = expected_players(aid)
    assert players > 0, f"{aid} shows no animation"
    drawn(page, players)
    assert page.locator(".convlab-player").count() == players
    # every picture says what it shows: plots, view pictures, every frame
    assert page.locator("img:not([alt]), img[alt='']").count() == 0
    assert page.locator("svg[role='img']:not(:has(title))").count() == 0
    # an animation plays: the first player with a window, else the first
    candidates = [page.locator(".convlab-player").nth(k) for k in range(players)]
    player = next((p for p in candidates if window_at(visible_frame(p))), candidates[0])
    player.scroll_into_view_if_needed()
    frame, words = visible_frame(player), said(player)
    player.locator(".widget-play button").first.click()
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and (visible_frame(player) == frame or said(player) == words):
        time.sleep(0.1)
    assert said(player) != words, f"the live region still says {words!r}"
    assert STEP.search(said(player)) or "=" in said(player), said(player)
    if window_at(frame):
        assert window_at(visible_frame(player)) != window_at(frame), "the window did not move"
    else:
        assert visible_frame(player) != frame
    player.locator(".widget-play button").first.click()  # pause, so axe sees a still page
    assert axe_violations(page) == []
    assert visit.blocked == [], f"the page asked for something outside the site: {visit.blocked[:5]}"
    assert visit.errors == [], visit.errors
    visit.close()


def test_index_links_every_notebook_and_says_how_to_start(site, server, browser):
    visit = Visit(browser, server, "index.html")
    page = visit.page
    links = page.locator("table a").evaluate_all("as => as.map(a => a.getAttribute('href'))")
    assert links == [f"{aid}.html" for aid in ASSIGNMENTS]
    assert "make lab" in page.locator("main").inner_text() and "make hub" in page.locator("main").inner_text()
    for aid in ASSIGNMENTS:  # each page's notebook to download is the student release
        assert (site / "notebooks" / f"{aid}.ipynb").read_bytes() == (
            ROOT / "notebooks" / aid / f"{aid}.ipynb"
        ).read_bytes()
    with zipfile.ZipFile(site / "convlab-notebooks.zip") as release:
        assert {f"notebooks/{aid}/{aid}.ipynb" for aid in ASSIGNMENTS} <= set(release.namelist())
    assert (site / ".nojekyll").exists()
    assert axe_violations(page) == []
    assert visit.blocked == [] and visit.errors == [], (visit.blocked, visit.errors)
    visit.close()


def tab_to(page, selector: str, limit: int = 400) -> None:
    """Press Tab until the element matching ``selector`` has the focus."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate(f"() => document.activeElement && document.activeElement.matches({selector!r})"):
            return
    raise AssertionError(f"Tab never reached {selector}")


def focused(page, label: str) -> None:
    """Wait until the focused control is named ``label`` (names follow the state: play, pause)."""
    page.wait_for_function(
        "label => document.activeElement && document.activeElement.getAttribute('aria-label') === label",
        arg=label,
        timeout=10_000,
    )
    outline = page.evaluate("() => getComputedStyle(document.activeElement).outlineStyle")
    assert outline not in ("none", ""), f"the focused {label} control shows no focus"


def step_said(player, number: int) -> None:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and not said(player).count(f"step {number} of"):
        time.sleep(0.1)
    assert f"step {number} of" in said(player), said(player)


def test_an_animation_by_keyboard_alone(site, server, browser):
    """01's first player: Tab to play, Enter plays and pauses, Tab to the step slider, the arrow
    keys, Home and End move the window; the focus is visible on each control; the live region follows."""
    visit = Visit(browser, server, "01_cross_correlation.html")
    page = visit.page
    drawn(page, expected_players("01_cross_correlation"))
    player = page.locator(".convlab-player").first
    first = said(player)
    tab_to(page, ".convlab-player .widget-play button[aria-label='play']")
    focused(page, "play")
    page.keyboard.press("Enter")
    focused(page, "pause")
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline and said(player) == first:
        time.sleep(0.1)
    assert said(player) != first
    page.keyboard.press("Enter")
    focused(page, "play")
    tab_to(page, ".convlab-player .noUi-handle[aria-label='step']")
    focused(page, "step")
    page.keyboard.press("Home")
    step_said(player, 1)
    where = window_at(visible_frame(player))
    page.keyboard.press("ArrowRight")
    step_said(player, 2)
    assert window_at(visible_frame(player)) != where, "the window did not move"
    page.keyboard.press("End")
    last = STEP.search(said(player)).group(2)
    step_said(player, int(last))
    assert visit.blocked == [] and visit.errors == [], (visit.blocked, visit.errors)
    visit.close()


def small_report() -> str:
    """make report's page for a class of three on 01: a mistake with its example, a flag, a limit."""
    from convlab.grading.results.exercises import Assignment
    from convlab.grading.results.report import ExerciseResults, Ranked, render
    from convlab.grading.results.review import Flag

    scores = {"alice": 5.0, "bob": 2.0, "carol": 0.0}
    by_exercise = {
        "corr2d": {"alice": 3.0, "bob": 0.0, "carol": 0.0},
        "Conv2D": {"alice": 2.0, "bob": 2.0, "carol": 0.0},
    }
    assignment = Assignment(
        "01_cross_correlation", 5.0, {"corr2d": 3.0, "Conv2D": 2.0}, scores, {}, by_exercise
    )
    flipped = Ranked(
        "kernel flipped: this is convolution, not cross-correlation",
        1,
        1 / 3,
        "cross-correlation multiplies X[i + a, j + b] by K[a, b], with no flip",
        "corr2d: kernel flipped",
        "def corr2d(X, K):\n    return conv(X, K.flip(0, 1))",
    )
    exercises = [
        ExerciseResults("01_cross_correlation", name, points, list(by_exercise[name].values()), mistakes)
        for name, points, mistakes in [("corr2d", 3.0, [flipped]), ("Conv2D", 2.0, [])]
    ]
    flags = [Flag("bob", "01_cross_correlation", "rebinds the check check_corr2d")]
    limits = [{"student": "carol", "assignment": "01_cross_correlation", "reasons": "cell 17 ran over 120 s"}]
    return render([assignment], exercises, flags, limits, True)


def test_class_report_passes_axe(browser, tmp_path):
    """The class report: a small one built here, and every one the grading tests left in
    artifacts/report/ (tests/test_grading_e2e.py, earlier in make test)."""
    (tmp_path / "report.html").write_text(small_report())
    reports = [tmp_path / "report.html", *sorted((ROOT / "artifacts" / "report").glob("*.html"))]
    context = browser.new_context()
    context.route("**/*", lambda r: r.continue_() if r.request.url.startswith("file:") else r.abort())
    for report in reports:
        page = context.new_page()
        page.goto(report.as_uri())
        assert axe_violations(page) == [], report
        page.close()
    context.close()
