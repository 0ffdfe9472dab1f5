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


@pytest.fixture(scope="session")
def root() -> Path:
    return ROOT


@pytest.fixture
def course(tmp_path: Path) -> Path:
    """A copy of the course (sources, release, answer key, nbgrader config) to grade in."""
    return copy_course(tmp_path)
