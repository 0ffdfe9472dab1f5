"""Recording an executed submission with nbgrader's own ``Autograde``, without running it again.

Workers execute notebooks (:mod:`convlab.grading.engine.execute`); the grading process is the
gradebook's only writer. It runs nbgrader's ``Autograde`` converter for each executed
submission with :class:`Replay` in the place of nbgrader's ``Execute`` step, so the
gradebook, the scores and the files in ``autograded/`` are exactly nbgrader's.
"""

from __future__ import annotations

import copy

import nbformat
from nbgrader.apps import NbGraderAPI
from nbgrader.converters import Autograde
from nbgrader.preprocessors import Execute, NbGraderPreprocessor
from traitlets.config import Config

from convlab.grading.roster import is_id


class Replay(NbGraderPreprocessor):
    """Stands in for nbgrader's ``Execute``: it returns the notebook a worker executed, after
    checking it is the one nbgrader just sanitized."""

    executed: dict[tuple[str, str, str], str] = {}  # (student, assignment, notebook) -> JSON

    def preprocess(self, nb, resources):
        info = resources["nbgrader"]
        key = (info["student"], info["assignment"], info["notebook"])
        if key not in Replay.executed:
            raise RuntimeError(f"{key} was not executed by a worker")
        executed = nbformat.reads(Replay.executed.pop(key), as_version=4)
        if [c.source for c in executed.cells] != [c.source for c in nb.cells]:
            raise RuntimeError(f"the executed {info['notebook']} is not the notebook nbgrader sanitized")
        return executed, resources


def replaying(config: Config) -> NbGraderAPI:
    """nbgrader's API for ``config``, whose ``autograde`` replays instead of executing."""
    config = copy.deepcopy(config)
    config.Autograde.autograde_preprocessors = [
        Replay if p is Execute else p for p in Autograde.class_traits()["autograde_preprocessors"].default()
    ]
    return NbGraderAPI(config=config)


def record(api: NbGraderAPI, student: str, assignment: str, notebooks: dict[str, str]) -> tuple[bool, str]:
    """nbgrader's Autograde for one submission, given its executed notebooks (name -> JSON):
    (success, nbgrader's error or log). A name that is not a student id never reaches the
    gradebook (nbgrader would take it as a pattern of folders)."""
    if not is_id(student):
        return False, f"{student!r} is not a student id: not recorded"
    for name, notebook in notebooks.items():
        Replay.executed[(student, assignment, name)] = notebook
    try:
        result = api.autograde(assignment, student, force=True, create=True)
    finally:
        for name in notebooks:
            Replay.executed.pop((student, assignment, name), None)
    return result["success"], result.get("error") or result.get("log") or ""
