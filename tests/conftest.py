"""Shared fixtures: the repository root and a temporary copy of the course."""

from pathlib import Path

import pytest

from tests.support import outcomes
from tests.support.course import copy_course
from tests.support.notebooks import ROOT


def pytest_configure(config):
    outcomes.start()  # in the run's first process: its workers inherit the folder


def pytest_unconfigure(config):
    outcomes.stop()


# The modules that hold a worker longest, handed out first (xdist's loadscope gives each module
# to one worker, in collection order): started last, one kept a worker busy for two minutes
# while the other sat idle (python -m tests.tools.timeline, on a clean clone's run). Only the
# order changes; a module missing here only costs time.
FIRST = ("tests/test_grading_e2e.py", "tests/test_grading_plain.py")


def pytest_collection_modifyitems(config, items):
    rank = {path: i for i, path in enumerate(FIRST)}
    items.sort(key=lambda item: rank.get(item.nodeid.split("::")[0], len(FIRST)))  # stable


@pytest.fixture(scope="session")
def root() -> Path:
    return ROOT


@pytest.fixture
def course(tmp_path: Path) -> Path:
    """A copy of the course (sources, release, answer key, nbgrader config) to grade in."""
    return copy_course(tmp_path)
