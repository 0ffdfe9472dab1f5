"""Where a test run's time goes, as a pytest plugin that ``make test`` loads (``-p
tests.support.timeline``): each test's start, end and worker, one JSON line per test in
``artifacts/timeline/<phase>-<worker>.jsonl``; ``python -m tests.tools.timeline`` reads them.
CI's clean clone runs on a 2-core machine under a time target: this says which module held a
worker, and how long a worker sat idle before the end of a phase."""

from __future__ import annotations

import json
import os
import time

import pytest

from tests.support.notebooks import ROOT

FOLDER = ROOT / "artifacts" / "timeline"


def phase_of(config) -> str:
    """make test's phase, from its -m expression: the browser and hub tests, or the rest."""
    return "browser-hub" if config.option.markexpr.startswith("browser") else "parallel"


def pytest_configure(config):
    if not hasattr(config, "workerinput"):  # the run's first process: forget the last run's spans
        for old in FOLDER.glob(f"{phase_of(config)}-*.jsonl"):
            old.unlink()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_protocol(item, nextitem):
    """One test's span, setup to teardown, appended to this worker's file."""
    start = time.time()
    try:
        return (yield)
    finally:
        worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
        span = {"test": item.nodeid, "start": round(start, 3), "stop": round(time.time(), 3)}
        FOLDER.mkdir(parents=True, exist_ok=True)
        with open(FOLDER / f"{phase_of(item.config)}-{worker}.jsonl", "a") as f:
            f.write(json.dumps(span) + "\n")
