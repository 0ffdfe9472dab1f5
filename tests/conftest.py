"""Shared fixtures: the repository root, a temporary copy of the course, commands run in it."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from convlab.release import venv_env

ROOT = Path(__file__).resolve().parent.parent
COURSE_FILES = ["source", "notebooks", "solutions", "nbgrader_config.py"]


@pytest.fixture(scope="session")
def root() -> Path:
    return ROOT


@pytest.fixture
def course(tmp_path: Path) -> Path:
    """A copy of the course (sources, release, answer key, nbgrader config) to grade in."""
    return copy_course(tmp_path)


def copy_course(parent: Path) -> Path:
    dest = parent / "course"
    dest.mkdir(parents=True)
    for name in COURSE_FILES:
        src = ROOT / name
        if src.is_dir():
            shutil.copytree(src, dest / name, ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
        else:
            shutil.copy2(src, dest / name)
    (dest / "autograder").mkdir()
    return dest


def python_m(course: Path, *argv: str, timeout: int = 1800) -> subprocess.CompletedProcess:
    """``python -m ...`` run from the course's folder with the course's environment, as an
    instructor runs nbgrader or ``make autograde`` there."""
    return subprocess.run(
        [sys.executable, "-m", *argv],
        cwd=course,
        env=venv_env(),
        capture_output=True,
        text=True,
        timeout=timeout,
    )
