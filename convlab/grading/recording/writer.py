"""The gradebook's one writer: a batch of executed submissions recorded in one gradebook session.

Workers sanitize and execute each notebook with nbgrader's own preprocessors
(:mod:`convlab.grading.engine.execute`). What is left of ``nbgrader autograde`` is recording, and
:class:`Writer` does it with nbgrader's ``Autograde`` converter's own steps, in its order, for
one submission after another: ``init_destination`` (``--force``: the old autograded folder goes),
``init_assignment`` (the student, the submission with the time in its ``timestamp.txt``, the
submitted and the source files copied, notebooks not submitted scored zero), then for each
notebook nbgrader's autograde preprocessors that write the gradebook (``SaveAutoGrades``,
``AssignLatePenalties``) and the converter's writer, then ``set_permissions``. Its other steps
after ``Execute`` (``IgnorePattern``, ``ClearMetadataPreprocessor``, ``LimitOutput``,
``CheckCellMetadata``) write nothing and ran in the worker, in nbgrader's order, through
nbconvert's exporter (:func:`convlab.grading.engine.execute.autograded`); the two that write
change no cell, so they see here what they see in nbgrader's single pass, and the worker's
notebook is the file. So the gradebook's rows and the files in ``autograded/`` are what plain
``nbgrader autograde`` writes (``tests/test_writer.py`` compares every row and every file).

What changes is the cost around them. nbgrader converts every notebook twice (sanitize, then
autograde, each read from and written to disk) and each step opens the gradebook itself: an
engine, a connection, the schema checked, the course looked up, and a commit after every cell.
Here the sanitize pass happened once, in the worker; the batch opens the gradebook once (and
makes the course's row then, not at every step's opening), and
each submission is one transaction on one connection: the session joins it in SQLAlchemy's
``rollback_only`` mode, so the commits nbgrader's steps make after every cell flush into it, and
a submission whose recording fails rolls back alone, leaving the gradebook as it was before it.

nbgrader gives its steps no way to be handed a gradebook: each calls ``Gradebook(db_url)`` by
the name its module imported. While a writer is open, that name, in the modules of the steps it
runs and only there, gives the batch's session (:class:`_Session`); it is put back on closing.
"""

from __future__ import annotations

import contextlib
import copy
import os
import sys
import time
import warnings
from dataclasses import dataclass
from pathlib import Path

import nbformat
from nbconvert.writers import FilesWriter
from nbgrader import api as nbgrader_api
from nbgrader import utils
from nbgrader.apps import NbGraderAPI
from nbgrader.converters import Autograde
from sqlalchemy.exc import SAWarning
from traitlets.config import Config

from convlab.grading.engine.execute import AUTOGRADE, RECORDING
from convlab.grading.roster import is_id

# nbgrader's own autograde steps that write the gradebook, in its order; the worker ran the others
# (convlab.grading.engine.execute.AFTER_EXECUTE). (The course's configured list is not used: on
# the hub it names a step that refuses to execute, convlab.hub.confined.)
STEPS = [p for p in AUTOGRADE if p in RECORDING]


@dataclass
class Recorded:
    """What recording one submission came to: nbgrader's log (its error on failure) and the
    submission's score as the gradebook now has it (after a failure, what an earlier run left)."""

    ok: bool
    log: str
    score: float | None = None
    max_score: float | None = None
    seconds: float = 0.0  # recording it took


class _Session:
    """The batch's gradebook, as each of nbgrader's steps opens one: ``Gradebook(db_url)`` and
    ``with`` give the batch's session, which the step's ``close`` does not close."""

    def __init__(self, gradebook: nbgrader_api.Gradebook, db_url: str, course_id: str):
        self._gradebook, self._db_url = gradebook, db_url
        # course rows known to be committed (the batch's own was made when it opened); and those
        # looked up in the submission's transaction, known once it commits
        self.courses, self.looked_up = {course_id}, set()

    def __call__(self, db_url: str, course_id: str = "default_course", authenticator=None) -> _Session:
        if db_url != self._db_url or authenticator is not None:
            raise RuntimeError(f"an autograde step opened another gradebook ({db_url}) than the batch's")
        # as opening one does: the course's row, made if missing. (nbgrader's SaveAutoGrades and
        # AssignLatePenalties open theirs without the course id, so plain nbgrader makes a
        # "default_course" row too; the first step to open one in a transaction makes it here.)
        if course_id not in self.courses | self.looked_up:
            self._gradebook.check_course(course_id)
            self.looked_up.add(course_id)
        return self

    def ended(self, committed: bool) -> None:
        """The submission's transaction ended: the rows it looked up or made are known if it committed."""
        if committed:
            self.courses |= self.looked_up
        self.looked_up = set()

    def __getattr__(self, name: str):
        return getattr(self._gradebook, name)

    def __enter__(self) -> _Session:
        return self

    def __exit__(self, *exc) -> None:
        return None

    def close(self) -> None:
        return None


class Writer:
    """Records executed submissions into the course's gradebook, one transaction each.

    ``with Writer(config) as writer: writer.record(student, assignment, notebooks)``."""

    def __init__(self, config: Config):
        config = copy.deepcopy(config)
        config.Autograde.autograde_preprocessors = STEPS
        self.api = NbGraderAPI(config=config)
        self.coursedir = self.api.coursedir
        converter = Autograde(coursedir=self.coursedir, parent=self.api)
        converter.force = True  # as NbGraderAPI.autograde(force=True, create=True)
        converter.create_student = True
        # the writer and exporter nbgrader's converter makes when it starts, made once
        converter.writer = FilesWriter(parent=converter, config=converter.config)
        converter.exporter = converter.exporter_class(parent=converter, config=converter.config)
        # its steps, made as its exporter's register_preprocessor makes them; they run on the
        # notebook the worker's steps left, which is the file already (nothing here changes it)
        self.steps = [step(parent=converter.exporter) for step in converter.autograde_preprocessors]
        self.converter = converter
        self._stack = contextlib.ExitStack()

    def __enter__(self) -> Writer:
        with contextlib.ExitStack() as stack:
            # nbgrader's add_submission makes rows that SQLAlchemy's autoflush notes it does not
            # yet add to their relations, a warning per row on a first run: nothing is lost
            stack.enter_context(warnings.catch_warnings())
            warnings.filterwarnings("ignore", r"Object of type <\w+> not in session", SAWarning)
            db_url = self.coursedir.db_url
            self.gradebook = nbgrader_api.Gradebook(db_url, self.coursedir.course_id)
            stack.callback(self.gradebook.close)
            self.connection = self.gradebook.engine.connect()
            stack.callback(self.connection.close)
            self.gradebook.db.remove()
            # nbgrader's commits after each cell end the session's transaction, not the connection's
            self.gradebook.db.configure(bind=self.connection, join_transaction_mode="rollback_only")
            self.session = session = _Session(self.gradebook, db_url, self.coursedir.course_id)
            for module in {sys.modules[step.__module__] for step in [Autograde, *STEPS]}:
                if getattr(module, "Gradebook", None) is nbgrader_api.Gradebook:
                    stack.callback(setattr, module, "Gradebook", nbgrader_api.Gradebook)
                    module.Gradebook = session
            self._stack = stack.pop_all()
        return self

    def __exit__(self, *exc) -> None:
        self._stack.close()

    def record(self, student: str, assignment: str, notebooks: dict[str, str]) -> Recorded:
        """nbgrader's autograde of one submission, given its executed notebooks (name -> JSON),
        in one transaction: all of it is recorded, or none. A name that is not a student id never
        reaches the gradebook (nbgrader would take it as a pattern of folders)."""
        if not is_id(student):
            return Recorded(False, f"{student!r} is not a student id: not recorded")
        began = time.monotonic()
        submission = _Submission(self.converter, self.steps, notebooks)
        transaction = self.connection.begin()
        with utils.temp_attrs(self.coursedir, assignment_id=assignment, student_id=student):
            # capture_log: nbgrader's log and error, as NbGraderAPI.autograde returns them
            result = utils.capture_log(submission)
            log = result.get("error") or result.get("log") or ""
            try:
                if not result["success"]:
                    raise _Failed
                recorded = self.gradebook.find_submission(assignment, student)
                done = Recorded(True, log, recorded.score, recorded.max_score)
                self.gradebook.db.commit()
                transaction.commit()
                self.session.ended(committed=True)
            except Exception as err:  # noqa: BLE001 (a failed submission fails alone)
                if not isinstance(err, _Failed):
                    log = f"{log}\ncould not commit: {type(err).__name__}: {err}"
                self.gradebook.db.rollback()
                if transaction.is_active:
                    transaction.rollback()
                self.session.ended(committed=False)
                submission.remove_output()
                done = Recorded(False, log, *self.score(student, assignment))
            finally:
                self.gradebook.db.remove()  # the next submission starts from what the database holds
        done.seconds = time.monotonic() - began
        return done

    def score(self, student: str, assignment: str) -> tuple[float, float] | tuple[None, None]:
        """The submission's score as the gradebook holds it (an earlier run's, after a failure)."""
        try:
            submission = self.gradebook.find_submission(assignment, student)
        except nbgrader_api.MissingEntry:
            return None, None
        return submission.score, submission.max_score


class _Failed(Exception):
    """nbgrader's steps failed on a submission (their error is in its log)."""


class _Submission:
    """One submission through nbgrader's ``Autograde`` converter's steps, as its
    ``convert_notebooks`` takes one submitted folder: an app for nbgrader's ``capture_log``."""

    def __init__(self, converter: Autograde, steps: list, notebooks: dict[str, str]):
        self.converter, self.steps, self.notebooks, self.log = converter, steps, notebooks, converter.log

    def start(self) -> None:
        c = self.converter
        aid, sid = c.coursedir.assignment_id, c.coursedir.student_id
        with contextlib.chdir(c.coursedir.root):  # where nbgrader's converter works from
            c.init_notebooks()  # the submitted notebooks (nbgrader's glob, for this one folder)
            (folder,) = c.assignments
            c.notebooks = sorted(c.assignments[folder])
            if not c.init_destination(aid, sid):
                return  # a student nbgrader is configured to leave out
            c.run_pre_convert_hook()
            c.init_assignment(aid, sid)
            with utils.setenv(NBGRADER_EXECUTION="autograde"):
                for path in c.notebooks:
                    self.convert(path)
            c.set_permissions(aid, sid)
            c.run_post_convert_hook()

    def convert(self, path: str) -> None:
        """nbgrader's autograde pass over one notebook: the steps that write the gradebook, on
        the notebook as the worker's steps left it (``execute.autograded``), which is the file."""
        c = self.converter
        resources = c.init_single_notebook_resources(path)
        name = resources["nbgrader"]["notebook"]
        if name not in self.notebooks:
            raise RuntimeError(f"{name}.ipynb was not executed by a worker")
        resources["metadata"] = {"name": name, "path": os.path.dirname(path)}
        resources["output_extension"] = c.exporter.file_extension  # as the exporter names its file
        output = self.notebooks[name]
        nb = nbformat.v4.reads(output)  # validated in the worker, after its last step
        for step in self.steps:
            nb, resources = step(nb, resources)
        c.write_single_notebook(output, resources)

    def remove_output(self) -> None:
        """What nbgrader does with a submission that failed: its autograded folder goes."""
        coursedir = self.converter.coursedir
        dest = Path(
            coursedir.format_path(
                coursedir.autograded_directory, coursedir.student_id, coursedir.assignment_id
            )
        )
        if dest.exists():
            utils.rmtree(str(dest))
