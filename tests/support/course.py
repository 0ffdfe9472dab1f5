"""A temporary copy of the course to grade in, and commands run in it as an instructor runs them."""

import shutil
import subprocess
import sys
from pathlib import Path

from convlab.grading.environ import tools_first
from tests.support.notebooks import COURSE, ROOT

COURSE_FILES = [COURSE.source, COURSE.release, COURSE.solution, COURSE.root / "nbgrader_config.py"]


def copy_course(parent: Path) -> Path:
    """The course's sources, release, answer key and nbgrader config, with an empty workspace."""
    dest = parent / "course"
    dest.mkdir(parents=True)
    for src in COURSE_FILES:
        target = dest / src.relative_to(COURSE.root)
        if src.is_dir():
            shutil.copytree(src, target, ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
        else:
            shutil.copy2(src, target)
    (dest / COURSE.workspace.relative_to(COURSE.root)).mkdir()
    return dest


def python_m(course: Path, *argv: str, timeout: int = 1800) -> subprocess.CompletedProcess:
    """``python -m ...`` run from the course's folder with the course's environment, as an
    instructor runs nbgrader or ``make autograde`` there."""
    return subprocess.run(
        [sys.executable, "-m", *argv],
        cwd=course,
        env=tools_first(),
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def start_python_m(course: Path, *argv: str) -> subprocess.Popen:
    """:func:`python_m` started in the background, in a session of its own (so that a test can
    kill it with everything it started, as a machine that goes down)."""
    return subprocess.Popen(
        [sys.executable, "-m", *argv],
        cwd=course,
        env=tools_first(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )


def python_c(code: str) -> subprocess.CompletedProcess:
    """``python -c code`` in a fresh interpreter at the repository's root: whatever the code
    imports or patches dies with it."""
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
