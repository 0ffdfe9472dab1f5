"""Every command the guides show exists: each ``make`` target is one ``make help`` lists, and
each ``python -m`` module answers ``--help`` under its own name. The guides: the README and the
role guides next to the code they describe."""

import re
import subprocess
import sys

import pytest

from tests.support.notebooks import ROOT

GUIDES = [
    "README.md",
    "autograder/README.md",
    "convlab/README.md",
    "convlab/grading/README.md",
    "convlab/hub/README.md",
    "convlab/site/README.md",
]


def code_of(path: str) -> list[str]:
    """The guide's code: its fenced blocks and its inline code spans."""
    text = (ROOT / path).read_text()
    fenced = re.findall(r"```.*?```", text, re.S)
    inline = re.findall(r"`[^`\n]+`", re.sub(r"```.*?```", "", text, flags=re.S))
    return fenced + inline


def shown(pattern: str) -> dict[str, list[str]]:
    """What the guides show matching ``pattern`` -> the guides that show it."""
    found: dict[str, list[str]] = {}
    for guide in GUIDES:
        for code in code_of(guide):
            for name in re.findall(pattern, code):
                found.setdefault(name, []).append(guide)
    return found


TARGETS = shown(r"(?<![\w.-])make ([a-z][a-z-]*)")
MODULES = shown(r"python -m ((?:convlab|tests)[\w.]*)")


def test_the_guides_show_commands():
    assert {"lab", "test", "release", "autograde", "feedback", "grades", "hub"} <= set(TARGETS)
    assert "convlab.grading" in MODULES


def test_every_make_target_a_guide_shows_is_one_make_help_lists():
    listed = subprocess.run(["make", "help"], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    targets = set(re.findall(r"^  make (\S+)", listed, re.M))
    missing = {t: guides for t, guides in TARGETS.items() if t not in targets}
    assert not missing, f"not in make help: {missing}"


ANSWER = """
import contextlib, io, runpy, sys
for module in sys.argv[1:]:
    sys.argv = [module, "--help"]
    out = io.StringIO()
    try:
        with contextlib.redirect_stdout(out):
            runpy.run_module(module, run_name="__main__", alter_sys=True)
        code = "no exit"
    except SystemExit as done:
        code = done.code
    print(module, code, out.getvalue().splitlines()[0] if out.getvalue() else "")
"""


def test_every_python_module_a_guide_shows_answers_help():
    done = subprocess.run(
        [sys.executable, "-c", ANSWER, *sorted(MODULES)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    answers = {line.split(" ", 1)[0]: line.split(" ", 2)[1:] for line in done.stdout.splitlines()}
    for module, guides in MODULES.items():
        code, usage = answers[module]
        assert code in ("0", "None") and usage.startswith(f"usage: python -m {module} "), (
            module,
            guides,
            code,
            usage,
        )


@pytest.mark.parametrize("guide", GUIDES)
def test_every_guide_the_readme_links_exists(guide):
    readme = (ROOT / "README.md").read_text()
    assert (ROOT / guide).is_file()
    assert guide == "README.md" or f"]({guide}" in readme, f"the README does not link {guide}"
