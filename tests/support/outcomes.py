"""One in-process run of a notebook's graded cells per test run, whichever test worker asks first.

The catalogue's tests (tests/test_catalogue.py), the end-to-end grading's (its scores are
checked against these runs) and the hub's run the same mutated answer keys; ``make test``
spreads their modules over several workers, and notebook 08's or 09's graded cells take seconds
a run. The first worker to ask for a notebook runs it and leaves the outcome in the run's shared
folder, holding a lock on it meanwhile; a worker asking for the same notebook waits for the lock
and reads it. The key is the whole notebook as written, so two notebooks share an outcome only
when they are the same; the folder lives as long as the run (:func:`start` and :func:`stop`,
from tests/conftest.py), so a change to the checks between runs is never answered from an
earlier one. A run that raises (an answer cell that does not run) is not kept: it raises again
for whoever asks.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

import nbformat

FOLDER = "CONVLAB_TEST_OUTCOMES"  # the run's shared folder, inherited by its workers
_owned: Path | None = None


def start() -> None:
    """Make the run's folder, unless this process runs inside a run that has one."""
    global _owned
    if not os.environ.get(FOLDER):
        _owned = Path(tempfile.mkdtemp(prefix="convlab-outcomes-"))
        os.environ[FOLDER] = str(_owned)


def stop() -> None:
    """Remove the folder this process made (the workers' runs end before it)."""
    global _owned
    if _owned is not None:
        shutil.rmtree(_owned, ignore_errors=True)
        os.environ.pop(FOLDER, None)
        _owned = None


def remembered(nb: nbformat.NotebookNode, run: Callable[[nbformat.NotebookNode], dict]) -> dict:
    """``run(nb)``, or what it returned when another test of this run asked for the same notebook."""
    folder = os.environ.get(FOLDER)
    if not folder or not Path(folder).is_dir():
        return run(nb)
    digest = hashlib.sha256(nbformat.writes(nb).encode()).hexdigest()
    kept = Path(folder) / f"{digest}.json"
    with open(Path(folder) / f"{digest}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if kept.exists():
            return json.loads(kept.read_text())
        outcome = run(nb)
        kept.write_text(json.dumps(outcome))
        return outcome
