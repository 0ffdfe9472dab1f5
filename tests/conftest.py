"""Shared fixtures: the repository root and a temporary copy of the course."""

import os
from pathlib import Path

import pytest

from tests.support import outcomes
from tests.support.course import copy_course
from tests.support.notebooks import ROOT


def pytest_configure(config):
    outcomes.start()  # in the run's first process: its workers inherit the folder


def pytest_unconfigure(config):
    outcomes.stop()


# The order make test's parallel phase hands modules to its workers (xdist's loadscope gives each
# module, or class, to one worker; make test keeps this order with --no-loadscope-reorder, where
# xdist would put the modules with the most tests first). Read off a clean clone's timeline
# (python -m tests.tools.timeline): the longest modules first, then the rest; the other Pythons'
# tests after them, when their environments (built in the background) are ready; the answer
# keys' nbval runs, many and short, last, to even out the workers' ends. Only the order changes:
# a module missing here costs time, never a check.
FIRST = ("tests/test_grading_e2e.py", "tests/test_grading_plain.py", "tests/test_writer.py")
AFTER_THE_REST = ("tests/test_lab.py", "tests/test_pythons.py")


def handed_out(path: str) -> tuple[int, int]:
    if path in FIRST:
        return 0, FIRST.index(path)
    if path in AFTER_THE_REST:
        return 2, AFTER_THE_REST.index(path)
    return (3 if path.startswith("solutions/") else 1), 0


def pytest_collection_modifyitems(config, items):
    items.sort(key=lambda item: handed_out(item.nodeid.split("::")[0]))  # stable within a group


@pytest.fixture(autouse=True)
def _umask_kept():
    """Each test leaves the worker's umask as it found it. A command's main() called in-process
    sets the umask its process needs (``deadlines``: 007, for the hub's staff group); left
    behind, it closed the sandbox test's folders to the account that grades in them."""
    before = os.umask(0o022)
    os.umask(before)
    yield
    os.umask(before)


@pytest.fixture(scope="session")
def root() -> Path:
    return ROOT


@pytest.fixture
def course(tmp_path: Path) -> Path:
    """A copy of the course (sources, release, answer key, nbgrader config) to grade in."""
    return copy_course(tmp_path)
