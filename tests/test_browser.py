"""The course as a student sees it: JupyterLab in a real browser (Debian's chromium).

For every notebook of the answer key: run all cells through the UI, then for every
sliding-window player check that it rendered, that Play moves the frames (read from the
DOM), that a control changes the frames, and that the console shows no JavaScript error;
a screenshot of each widget goes to artifacts/browser/. Then nbgrader's Validate on a blank
and on a filled-in notebook (the Formgrader and the whole class loop: tests/test_hub.py).
"""

import contextlib
import json
import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import nbformat
import pytest

from convlab.i18n import gettext
from convlab.widgets.svg import COLOURS
from tests.catalogue import MUTANTS
from tests.support.course import python_m
from tests.support.graded import inject
from tests.support.grading import grade_class, submit
from tests.support.notebooks import ROOT, assignments, load, nbgrader_role

CHROMIUM = Path("/usr/bin/chromium")
if not CHROMIUM.exists():
    pytest.skip("browser tests need Debian's chromium: apt-get install chromium", allow_module_level=True)

from playwright.sync_api import sync_playwright  # noqa: E402

pytestmark = [pytest.mark.slow, pytest.mark.browser]
SHOTS = ROOT / "artifacts" / "browser"
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
STEP = re.compile(r"step (\d+) of (\d+)")
CJK = re.compile(r"[\u4e00-\u9fff]")
# the window's outline: a rect drawn in the window colour, 3 px wide (convlab.widgets.svg)
WINDOW = re.compile(
    r'<rect x="([\d.]+)" y="([\d.]+)" width="([\d.]+)" height="[\d.]+" fill="none" '
    rf'stroke="{COLOURS["window"][1]}" stroke-width="3.0"'
)


@contextlib.contextmanager
def jupyterlab(course: Path, *extra: str, env: dict | None = None):
    """JupyterLab from this environment on ``course``, on a free loopback port: (url, token)."""
    token = secrets.token_hex(16)
    bindir = Path(sys.executable).parent
    env = {**os.environ, "PATH": f"{bindir}{os.pathsep}{os.environ['PATH']}", **(env or {})}
    command = [
        str(bindir / "jupyter"),
        "lab",
        "--no-browser",
        "--ServerApp.ip=127.0.0.1",
        "--ServerApp.port=0",
        f"--IdentityProvider.token={token}",
        f"--ServerApp.root_dir={course}",
        f"--LabApp.workspaces_dir={course / '.workspaces'}",
        "--LabApp.news_url=None",
        *extra,
    ]
    if os.geteuid() == 0:
        command.append("--allow-root")
    logfile = course / f"lab-{token[:6]}.log"
    log = open(logfile, "w")  # noqa: SIM115 (closed below)
    proc = subprocess.Popen(
        command, cwd=course, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
    )
    url = None
    deadline = time.monotonic() + 120
    while url is None and time.monotonic() < deadline and proc.poll() is None:
        found = re.search(r"(http://127\.0\.0\.1:\d+)/", logfile.read_text())
        url = found.group(1) if found else time.sleep(0.3)
    try:
        if url is None:
            pytest.fail(f"JupyterLab did not start:\n{logfile.read_text()[-3000:]}")
        yield url, token
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=30)
        log.close()


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    """JupyterLab from this environment on a copy of the course, on a free loopback port."""
    course = tmp_path_factory.mktemp("course")
    for name in ["source", "notebooks", "solutions", "nbgrader_config.py"]:
        src = ROOT / name
        (shutil.copytree if src.is_dir() else shutil.copy2)(src, course / name)
    (course / "autograder").mkdir()
    with jupyterlab(course) as (url, token):
        yield url, token, course


def shut_down_kernels(url: str, token: str) -> None:
    api = f"{url}/api/kernels?token={token}"
    for kernel in json.loads(urllib.request.urlopen(api, timeout=10).read()):
        request = urllib.request.Request(f"{url}/api/kernels/{kernel['id']}?token={token}", method="DELETE")
        urllib.request.urlopen(request, timeout=30)


@pytest.fixture(autouse=True)
def no_kernels_left(lab):
    """Shut down the kernels a test started, so the next one starts from a quiet server."""
    yield
    shut_down_kernels(*lab[:2])


@pytest.fixture(scope="module")
def browser():
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS, headless=True)
        yield b
        b.close()


def open_notebook(browser, lab, path: str):
    url, token, _ = lab
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(f"uncaught: {exc}"))
    page.on("console", lambda msg: errors.append(f"console: {msg.text}") if msg.type == "error" else None)
    # a workspace of its own, reset: no tab of an earlier test is restored beside this one
    page.goto(f"{url}/lab/workspaces/{secrets.token_hex(4)}/tree/{path}?reset&token={token}")
    page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=60_000)
    kernel_ready(lab, path)
    # the toolbar starts out "idle" before any kernel is connected: wait for the kernel's name too
    page.wait_for_function(
        "() => { const s = document.querySelector('.jp-Notebook-ExecutionIndicator');"
        " const k = document.querySelector('.jp-KernelName');"
        " return s && s.getAttribute('data-status') === 'idle' && k && /python/i.test(k.textContent); }",
        timeout=60_000,
    )
    return page, errors


# What Run All has reached, read from the page: how many code cells, how many have run, the
# first still running ([*]) or not yet run, whether any has started, and the text of any error
# (Run All stops there).
PROGRESS = """() => {
  const cells = [...document.querySelectorAll('.jp-CodeCell')];
  const prompt = c => (c.querySelector('.jp-InputPrompt') || {}).textContent || '';
  const pending = cells.find(c => !/\\[\\d+\\]/.test(prompt(c)));
  // an error is drawn as stderr; the answer keys write nothing else there
  const error = document.querySelector(
    ".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']");
  const source = c => (c.querySelector('.jp-InputArea-editor') || {}).textContent;
  return {cells: cells.length, done: cells.filter(c => /\\[\\d+\\]/.test(prompt(c))).length,
          pending: pending ? prompt(pending) + ' ' + source(pending) : null,
          started: cells.some(c => /\\[(\\d+|\\*)\\]/.test(prompt(c))),
          error: error ? error.textContent.slice(-2000) : null};
}"""


def kernel_ready(lab, path: str, timeout_s: float = 120) -> None:
    """Wait until the server has a session for ``path`` whose kernel is idle."""
    url, token, _ = lab
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        sessions = json.loads(urllib.request.urlopen(f"{url}/api/sessions?token={token}", timeout=10).read())
        if any(s["path"] == path and s["kernel"]["execution_state"] == "idle" for s in sessions):
            return
        time.sleep(0.5)
    pytest.fail(f"no idle kernel for {path} after {timeout_s:.0f} s")


def menu(page, top: str, item: str) -> None:
    page.locator(".lm-MenuBar-itemLabel", has_text=re.compile(rf"^{top}$")).click()
    page.locator(".lm-Menu-itemLabel", has_text=re.compile(rf"^{item}$")).click()


def click_run_all(page) -> None:
    menu(page, "Run", "Run All Cells")


def run_all(page, timeout_s: float = 420, nothing_started_s: float = 60) -> None:
    """Run All Cells from the menu and wait until every code cell has an execution count. Fails
    at once, with the traceback, if a cell raises (Run All stops there) or a dialog opens; on
    time-out it names the cell still waiting, and leaves a screenshot in artifacts/browser/.
    The answer key is stored with its execution counts: they are cleared first, so a count
    means the cell ran now. A click that started nothing within ``nothing_started_s`` (no cell
    running or run) is repeated once, as a student would click again."""
    menu(page, "Edit", "Clear Outputs of All Cells")
    page.wait_for_function(f"() => !({PROGRESS})().started", timeout=30_000)
    click_run_all(page)
    start, clicked_again = time.monotonic(), False
    while True:
        dialog = page.locator(".jp-Dialog")
        if dialog.count():
            pytest.fail(f"a dialog stopped Run All: {dialog.first.inner_text()[:500]!r}")
        state = page.evaluate(PROGRESS)
        if state["cells"] and state["pending"] is None:
            return
        if state["error"]:
            pytest.fail(
                f"a cell wrote to stderr during Run All (Run All stops at an error):\n{state['error']}"
            )
        waited = time.monotonic() - start
        if not clicked_again and not state["started"] and waited > nothing_started_s:
            print(f"Run All started no cell in {waited:.0f} s: clicking it again")
            click_run_all(page)
            clicked_again = True
        if waited > timeout_s:
            SHOTS.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(SHOTS / "run-all-timeout.png"), full_page=True)
            pytest.fail(
                f"Run All: {state['done']} of {state['cells']} code cells ran in {timeout_s:.0f} s;"
                f" waiting at: {(state['pending'] or '')[:300]!r}"
            )
        time.sleep(1)


def visible_step(player) -> str:
    """The 'step k of n' of the frame the player shows now ('' if none is visible)."""
    for svg in player.locator("svg").all():
        if svg.is_visible():
            found = STEP.search(svg.text_content() or "")
            return found.group(0) if found else svg.text_content()[:80]
    return ""


def frames_seen_while_playing(player, want: int = 3, timeout_s: float = 20) -> set[str]:
    seen = {visible_step(player)}
    player.locator(".widget-play button").first.click()
    deadline = time.monotonic() + timeout_s
    while len(seen) < want and time.monotonic() < deadline:
        time.sleep(0.1)
        seen.add(visible_step(player))
    return seen


def expected_players(aid: str) -> int:
    """How many frame players the answer key displays (their text form reads "<...: N frames>")."""
    nb = load("solutions", aid)
    texts = [
        o.get("data", {}).get("text/plain", "") for c in nb.cells if c.cell_type == "code" for o in c.outputs
    ]
    return sum(bool(re.fullmatch(r"<.*: \d+ frames>", t)) for t in texts)


def redraws_after_a_slider_moves(player, attempts: int = 3) -> bool:
    """Press → on the first slider; the frames come back from the kernel (slow on a busy
    machine), so wait generously and press again if the keystroke was lost."""
    first_frame = player.locator("svg").first
    before = first_frame.text_content()
    slider = player.locator(".convlab-controls .noUi-handle").first
    for _ in range(attempts):
        slider.focus()
        slider.press("ArrowRight")
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if first_frame.text_content() != before:  # show() replaced the frames
                return True
            time.sleep(0.25)
    return False


# What a notebook's view must show after its first slider moved, beyond new frames: 10's
# batch-norm view redraws the running statistics' arithmetic with momentum 0.10 + one step.
AFTER_A_SLIDER = {"10_modern_blocks": "momentum 0.15"}


def relevant(errors: list[str]) -> list[str]:
    """JavaScript errors; a failed request for an optional resource is not one."""
    return [e for e in errors if "Failed to load resource" not in e]


@pytest.mark.parametrize("aid", assignments())
def test_every_animation_renders_plays_and_reacts(aid, lab, browser):
    page, errors = open_notebook(browser, lab, f"solutions/{aid}/{aid}.ipynb")
    run_all(page)
    expected = expected_players(aid)
    # cells finish before their widgets are drawn: wait until every player is on the page
    page.wait_for_function(
        "n => document.querySelectorAll('.convlab-player').length >= n"
        " && !document.body.innerText.includes('Loading widget')",
        arg=expected,
        timeout=90_000,
    )
    assert page.locator(".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']").count() == 0
    players = page.locator(".convlab-player")
    assert players.count() == expected
    assert players.count() > 0, "no animation rendered"
    SHOTS.mkdir(parents=True, exist_ok=True)
    for k in range(players.count()):
        player = players.nth(k)
        player.scroll_into_view_if_needed()
        player.locator("svg").first.wait_for(state="attached", timeout=30_000)
        assert visible_step(player), f"player {k} shows no frame"
        # its accessible side (convlab/widgets/access.js): a live region saying the step, named controls
        live = player.locator(".convlab-live").text_content() or ""
        assert STEP.search(live), f"player {k}: no live region"
        assert player.locator(".widget-play button[aria-label='play']").count() == 1, f"player {k}: no name"
        player.screenshot(path=str(SHOTS / f"{aid}-{k}.png"))
        seen = frames_seen_while_playing(player, timeout_s=30)
        assert len(seen) >= 3, f"player {k}: Play showed only {seen}"
        controls = player.locator(".convlab-controls")
        if controls.count():
            assert redraws_after_a_slider_moves(player), (
                f"player {k}: moving a slider did not change the frames"
            )
            if aid in AFTER_A_SLIDER:
                wait_until(lambda p=player: AFTER_A_SLIDER[aid] in (p.text_content() or ""))
                assert AFTER_A_SLIDER[aid] in player.text_content(), f"player {k}: {AFTER_A_SLIDER[aid]!r}"
            player.screenshot(path=str(SHOTS / f"{aid}-{k}-control.png"))
    for k in range(page.locator(".convlab-explorer").count()):
        explorer = page.locator(".convlab-explorer").nth(k)
        explorer.scroll_into_view_if_needed()
        assert explorer.locator("img").count() == 2
        explorer.screenshot(path=str(SHOTS / f"{aid}-explorer-{k}.png"))
    assert relevant(errors) == [], errors
    page.close()


def player_with(page, *texts: str):
    """The first player whose text (every frame's, hidden ones included) has all ``texts``."""
    test = " && ".join(f"p.textContent.includes({json.dumps(t)})" for t in texts)
    find = f"() => [...document.querySelectorAll('.convlab-player')].findIndex(p => {test})"
    page.wait_for_function(f"() => ({find})() >= 0", timeout=90_000)
    player = page.locator(".convlab-player").nth(page.evaluate(find))
    player.scroll_into_view_if_needed()
    return player


def wait_until(condition, timeout_s: float = 60) -> None:
    """Poll ``condition`` (a redraw comes back from the kernel) until it holds or time runs out;
    the caller asserts it."""
    deadline = time.monotonic() + timeout_s
    while not condition() and time.monotonic() < deadline:
        time.sleep(0.25)


def window_outline(player) -> tuple[float, float, float]:
    """(x, y, width) of the window's outline in the frame the player shows now."""
    for svg in player.locator("svg").all():
        if svg.is_visible():
            found = WINDOW.search(svg.inner_html())
            return tuple(float(v) for v in found.groups())
    raise AssertionError("no frame visible")


def window_steps(player) -> tuple[float, float]:
    """Cells the window moves from step 1 to step 2 (across) and to step 3 (down): press → on
    the step slider and read the outline of each frame."""
    handle = player.locator(".noUi-handle").last  # the step slider, under the controls
    x0, y0, width = window_outline(player)
    cell = width / 2  # the 2×2 kernel's outline spans two cells
    positions = []
    for _ in range(2):
        handle.focus()
        handle.press("ArrowRight")
        time.sleep(0.3)
        positions.append(window_outline(player))
    return (positions[0][0] - x0) / cell, (positions[1][1] - y0) / cell


def test_per_axis_stride_moves_the_window_by_different_steps_across_and_down(lab, browser):
    """The notes' figure in 04: stride 3 down and 2 across; then the → slider alone changes."""
    aid = "04_padding_stride"
    page, errors = open_notebook(browser, lab, f"solutions/{aid}/{aid}.ipynb")
    run_all(page)
    player = player_with(page, "stride (3, 2)")
    assert window_steps(player) == (2.0, 3.0)
    across = player.locator(".widget-slider", has_text="stride →").locator(".noUi-handle")
    across.focus()
    across.press("ArrowRight")  # stride → from 2 to 3, stride ↓ stays 3
    wait_until(lambda: "stride (3, 3)" in (player.text_content() or ""))
    assert window_steps(player) == (3.0, 3.0)
    player.screenshot(path=str(SHOTS / f"{aid}-per-axis-stride.png"))
    assert relevant(errors) == [], errors
    page.close()


def test_pooling_switches_and_a_chained_kernel_redraw(lab, browser):
    """07's pooling view: unticking ceil_mode drops the overhanging windows (9 frames -> 4).
    02's explorer: a second kernel after the first changes the response picture."""
    aid = "07_pooling"
    page, errors = open_notebook(browser, lab, f"solutions/{aid}/{aid}.ipynb")
    run_all(page)
    player = player_with(page, "ceil_mode", "of 9")
    assert visible_step(player) == "step 1 of 9"
    player.locator(".widget-checkbox", has_text="ceil_mode").locator("input").click()
    wait_until(lambda: visible_step(player) == "step 1 of 4")
    assert visible_step(player) == "step 1 of 4"
    assert relevant(errors) == [], errors
    page.close()

    aid = "02_edge_detection"
    page, errors = open_notebook(browser, lab, f"solutions/{aid}/{aid}.ipynb")
    run_all(page)
    explorer = page.locator(".convlab-explorer").first
    explorer.wait_for(timeout=90_000)
    explorer.scroll_into_view_if_needed()
    response = explorer.locator("img").nth(1)
    before = response.get_attribute("src")
    explorer.locator("select").nth(1).select_option("Sobel x")
    wait_until(lambda: response.get_attribute("src") != before)
    assert response.get_attribute("src") != before
    assert explorer.locator("code").count() == 2  # both kernels written under the pictures
    explorer.screenshot(path=str(SHOTS / f"{aid}-explorer-chained.png"))
    assert relevant(errors) == [], errors
    page.close()


def test_training_monitor_fills_and_the_activation_slider_redraws(lab, browser):
    """09: the monitor reaches epoch 20 while the training cell runs; moving the digit slider
    redraws every layer's maps."""
    aid = "09_cnn_digits"
    page, errors = open_notebook(browser, lab, f"solutions/{aid}/{aid}.ipynb")
    run_all(page)
    monitor = page.locator(".convlab-monitor").first
    monitor.wait_for(timeout=90_000)
    wait_until(lambda: "epoch 20" in (monitor.text_content() or ""))
    assert "epoch 20" in monitor.text_content()
    assert monitor.locator("img").get_attribute("src")  # the curves were drawn
    view = page.locator(".convlab-activations").first
    view.scroll_into_view_if_needed()
    picture = view.locator("img").first
    before = picture.get_attribute("src")
    handle = view.locator(".noUi-handle").first
    handle.focus()
    handle.press("ArrowRight")
    wait_until(lambda: picture.get_attribute("src") != before)
    assert picture.get_attribute("src") != before
    view.screenshot(path=str(SHOTS / f"{aid}-activations.png"))
    monitor.screenshot(path=str(SHOTS / f"{aid}-monitor.png"))
    assert relevant(errors) == [], errors
    page.close()


# every picture the output areas draw: its alt text, and the start of its source
OUTPUT_IMAGES = """() => [...document.querySelectorAll('.jp-OutputArea-output img')]
  .map(i => [i.getAttribute('alt') || '', i.src.slice(0, 22)])"""


def figures_shown(nb: nbformat.NotebookNode) -> int:
    """How many matplotlib figures ``nb``'s stored outputs show (their text form: <Figure size ...>)."""
    return sum(
        o.get("data", {}).get("text/plain", "").startswith("<Figure size")
        for c in nb.cells
        if c.cell_type == "code"
        for o in c.outputs
    )


def named_figures(page) -> list[str]:
    """The accessible names of the pictures that are figures: what a screen reader reads."""
    pictures = page.locator(".jp-OutputArea-output").get_by_role("img", name=re.compile(r"^Figure"))
    return [p.get_attribute("alt") for p in pictures.all()]


def test_every_figure_has_a_text_alternative_in_jupyterlab(lab, browser):
    """A screen reader reads what each plot draws (convlab.alt), in the answer key's stored
    outputs opened untrusted, as a fresh download is, and in the outputs of a new run."""
    url, token, course = lab
    aid = "01_cross_correlation"
    key = load("solutions", aid)
    figures = figures_shown(key)
    assert figures >= 2, figures
    # content new to the notary (so untrusted), with an HTML output whose onclick only an untrusted
    # output loses: JupyterLab's sanitizer at work on the stored figures too
    key.metadata["convlab_untrusted"] = secrets.token_hex(8)
    markup = '<b class="convlab-probe" onclick="1">p</b>'
    probe = nbformat.v4.new_output("display_data", data={"text/html": markup})
    key.cells.append(nbformat.v4.new_code_cell("1", outputs=[probe]))
    path = f"solutions/{aid}/untrusted-{secrets.token_hex(4)}.ipynb"
    nbformat.write(key, course / path)
    page, errors = open_notebook(browser, lab, path)
    page.wait_for_selector(".convlab-probe", state="attached", timeout=60_000)
    assert page.locator(".convlab-probe").get_attribute("onclick") is None, "the notebook is trusted"
    stored = page.evaluate(OUTPUT_IMAGES)
    assert all(alt.strip() for alt, _ in stored), stored
    assert len(named_figures(page)) == figures, (named_figures(page), stored)
    run_all(page)
    page.wait_for_function(
        "n => document.querySelectorAll('.jp-OutputArea-output img[alt^=\"Figure\"]').length >= n",
        arg=figures,
        timeout=90_000,
    )
    fresh = page.evaluate(OUTPUT_IMAGES)
    assert all(alt.strip() for alt, _ in fresh), fresh
    names = named_figures(page)
    assert len(names) == figures and all(len(n) > len("Figure") for n in names), names
    assert sum(src == "data:image/png;base64," for _, src in fresh) >= figures, fresh
    SHOTS.mkdir(parents=True, exist_ok=True)
    figure = page.locator(".jp-OutputArea-output img[alt^='Figure']").first
    figure.scroll_into_view_if_needed()
    figure.screenshot(path=str(SHOTS / f"{aid}-figure.png"))
    assert relevant(errors) == [], errors
    page.close()


def test_animation_plays_while_the_kernel_is_busy(lab, browser):
    """Frames are switched in the browser: a busy kernel does not stop the window."""
    aid = "01_cross_correlation"
    page, errors = open_notebook(browser, lab, f"solutions/{aid}/{aid}.ipynb")
    run_all(page)
    last = page.locator(".jp-CodeCell").last
    last.click()
    page.keyboard.press("Escape")
    page.keyboard.press("b")
    page.keyboard.press("Enter")
    page.keyboard.type("import time; time.sleep(15)")
    page.keyboard.press("Shift+Enter")
    page.wait_for_function(
        "() => [...document.querySelectorAll('.jp-InputPrompt')].some(e => e.textContent.includes('*'))"
    )
    player = page.locator(".convlab-player").first
    player.scroll_into_view_if_needed()
    seen = frames_seen_while_playing(player, want=3, timeout_s=10)
    busy = page.locator(".jp-Notebook-ExecutionIndicator").get_attribute("data-status")
    assert len(seen) >= 3 and busy == "busy", (seen, busy)
    page.close()


# 01's Validate, on the answer key and on a catalogued mistake, and the Formgrader's pages are
# driven on a JupyterHub by tests/test_hub.py; here 08, the longest notebook, blank and filled.
@pytest.mark.parametrize("aid", ["08_backprop_im2col"])
def test_validate_button_in_the_browser(lab, browser, aid):
    _, _, course = lab
    tests = sum(nbgrader_role(c) == "test" for c in load("solutions", aid).cells)
    filled = course / "filled"
    filled.mkdir(exist_ok=True)
    shutil.copy2(course / "solutions" / aid / f"{aid}.ipynb", filled / f"{aid}.ipynb")
    for path, expected in [
        (f"notebooks/{aid}/{aid}.ipynb", "The following cell failed:"),
        (f"filled/{aid}.ipynb", "Success! Your notebook passes all the tests."),
    ]:
        page, _ = open_notebook(browser, lab, path)
        page.get_by_role("button", name="Validate").click()
        page.get_by_text(expected).first.wait_for(timeout=180_000)
        page.screenshot(path=str(SHOTS / f"validate-{aid}-{path.split('/')[0]}.png"))
        if path.startswith("notebooks"):  # the blank release: each of its test cells is reported
            assert page.get_by_text(expected).count() == tests
        page.close()


def make_lab_arguments(edition: str) -> list[str]:
    """The JupyterLab options ``make lab EDITION=<edition>`` passes (read from make's dry run),
    its settings folder made as ``make lab`` makes it."""
    subprocess.run(["make", "-s", "lab-settings", f"EDITION={edition}"], cwd=ROOT, check=True)
    done = subprocess.run(
        ["make", "-n", "lab", f"EDITION={edition}"], cwd=ROOT, capture_output=True, text=True, check=True
    )
    return re.findall(r"--LabApp\.app_settings_dir=\S+", done.stdout.replace('"', ""))


def test_validate_in_chinese_in_the_chinese_interface(lab, browser):
    """The Chinese edition with a catalogued mistake, in JupyterLab as ``make lab EDITION=zh_CN``
    starts it: the menus are Chinese, and Validate reports the mistake with its Chinese hint."""
    _, _, course = lab
    aid, mistake = "01_cross_correlation", MUTANTS["01_cross_correlation"][0]
    hint = gettext(mistake.hint, "zh_CN")
    assert hint != mistake.hint and CJK.search(hint), "the hint has a Chinese translation"
    mine = course / "zh-filled" / f"{aid}.ipynb"
    mine.parent.mkdir(exist_ok=True)
    nbformat.write(inject(load("solutions", aid, edition="zh_CN"), mistake), mine)
    arguments = make_lab_arguments("zh_CN")
    assert arguments, "make lab EDITION=zh_CN sets JupyterLab's language"
    with jupyterlab(course, *arguments, env={"CONVLAB_LANG": "zh_CN"}) as (url, token):
        page, _ = open_notebook(browser, (url, token, course), f"zh-filled/{aid}.ipynb")
        assert page.get_by_role("menuitem", name="文件").count() == 1  # File, in Chinese
        assert page.get_by_role("menuitem", name="File").count() == 0
        page.get_by_role("button", name=re.compile("Validate|验证")).click()
        page.get_by_text("The following cell failed:").first.wait_for(timeout=180_000)
        dialog = page.locator(".jp-Dialog").inner_text()
        assert hint[:12] in dialog and mistake.hint not in dialog, dialog[-2000:]
        page.screenshot(path=str(SHOTS / f"validate-{aid}-zh_CN.png"))
        page.close()
        shut_down_kernels(url, token)


def test_class_report_opens_offline_with_its_plots(lab, browser):
    """make report's page, from a small graded class, in the browser from a file: no errors,
    every plot drawn, an example unfolds."""
    _, _, course = lab
    key = load("solutions", "01_cross_correlation")
    submit(course, "key", "01_cross_correlation", key)
    submit(course, "blank", "01_cross_correlation", load("notebooks", "01_cross_correlation"))
    for i, mutant in enumerate(MUTANTS["01_cross_correlation"][:3]):
        submit(course, f"m{i}", "01_cross_correlation", inject(key, mutant))
    grade_class(course)
    done = python_m(course, "convlab.grading.results.report")
    assert done.returncode == 0, done.stderr
    page = browser.new_page(viewport={"width": 1200, "height": 900})
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(f"uncaught: {exc}"))
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.goto((course / "autograder" / "report.html").as_uri())
    plots = page.locator("figure.plot svg")
    assert plots.count() == 1
    box = plots.first.bounding_box()
    assert box and box["width"] > 300 and box["height"] > 100, box
    assert page.locator("figure.plot svg path").count() > 10  # bars and axes were drawn
    example = page.locator("details").first
    example.locator("summary").click()
    assert example.locator("pre").is_visible() and "def " in example.locator("pre").inner_text()
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "class-report.png"), full_page=True)
    assert errors == [], errors
    page.close()


def test_a_chinese_view_names_its_controls_in_chinese(lab, browser):
    """access.js names Play's buttons and the sliders with what Python sends, translated: a
    notebook that sets CONVLAB_LANG=zh_CN before it makes a view gets Chinese names."""
    from convlab.i18n import N_, translate
    from convlab.widgets.access import NAMES

    _, _, course = lab
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_code_cell('import os\nos.environ["CONVLAB_LANG"] = "zh_CN"'),
        nbformat.v4.new_code_cell(
            "import torch\nfrom convlab.widgets import corr2d_view\n"
            "corr2d_view(torch.arange(16.).reshape(4, 4), torch.ones(2, 2), controls=('stride',))"
        ),
    ]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, course / "zh_view.ipynb")
    page, errors = open_notebook(browser, lab, "zh_view.ipynb")
    run_all(page)
    player = page.locator(".convlab-player").first
    player.locator("svg").first.wait_for(state="attached", timeout=60_000)
    zh = {key: translate(name, "zh_CN") for key, name in NAMES.items()}
    buttons = player.locator(".widget-play button")
    buttons.first.wait_for(state="attached", timeout=30_000)
    page.wait_for_function(
        "([el, name]) => el.getAttribute('aria-label') === name",
        arg=[buttons.nth(0).element_handle(), zh["play"]],
        timeout=30_000,
    )
    assert buttons.nth(1).get_attribute("aria-label") == zh["stop"]
    handles = [h.get_attribute("aria-label") for h in player.locator(".noUi-handle").all()]
    step = translate(N_("step"), "zh_CN")  # the step slider's name (player.py)
    assert step in handles and all(h and not re.search(r"[a-z]{3}", h) for h in handles), handles
    readouts = [r.get_attribute("aria-label") for r in player.locator(".widget-readout").all()]
    assert zh["readout"].replace("{name}", step) in readouts, readouts
    assert not relevant(errors), errors
