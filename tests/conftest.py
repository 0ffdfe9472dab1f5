"""Shared fixtures: the repository root and a temporary copy of the course."""

import shutil
from pathlib import Path

import pytest

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
