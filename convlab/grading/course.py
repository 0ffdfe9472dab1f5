"""The course as its ``nbgrader_config.py`` describes it: every folder, the gradebook.

Every instructor command (release, autograde, review, grades) and the tests find the
course's folders here, read from nbgrader's own configuration, so moving a folder is one
line of ``nbgrader_config.py``.
"""

from __future__ import annotations

from pathlib import Path

from nbgrader.api import Gradebook, MissingEntry
from nbgrader.coursedir import CourseDirectory
from traitlets.config import Config
from traitlets.config.loader import PyFileConfigLoader

CONFIG = "nbgrader_config.py"
# Seconds a cell may run while grading or generating the answer key: the course's
# Execute.timeout (nbgrader_config.py sets it from here), and the grader's when a course has none.
CELL_SECONDS = 120


class NotACourse(SystemExit):
    """The folder has no nbgrader_config.py or no source/: nothing to release or grade."""


class Course:
    """One course: its configuration, its folders and its gradebook.

    ``source``, ``release`` and ``solution`` are nbgrader's source, release and solution
    directories; ``submitted``, ``autograded`` and ``feedback`` its grading folders;
    ``workspace`` (their parent, ``autograder/``) holds what the grading commands write.
    """

    def __init__(self, root: Path, config: Config | None = None):
        root = Path(root).resolve()
        if not (root / CONFIG).is_file():
            raise NotACourse(f"{root} is not a course: it has no {CONFIG}")
        self.config = config or PyFileConfigLoader(CONFIG, path=str(root)).load_config()
        self.coursedir = CourseDirectory(config=self.config)
        self.root = Path(self.coursedir.root).resolve()
        self.source = self.root / self.coursedir.source_directory
        self.release = self.root / self.coursedir.release_directory
        self.solution = self.root / self.coursedir.solution_directory
        self.submitted = self.root / self.coursedir.submitted_directory
        self.autograded = self.root / self.coursedir.autograded_directory
        self.feedback = self.root / self.coursedir.feedback_directory
        self.workspace = self.submitted.parent
        self.db_url = self.coursedir.db_url
        self.course_id = self.coursedir.course_id
        if not self.source.is_dir():
            raise NotACourse(f"{self.root} is not a course: it has no {self.coursedir.source_directory}/")

    def assignments(self) -> list[str]:
        """Assignment ids, in course order: the ``NN_topic`` folders of the source directory."""
        return sorted(p.name for p in self.source.iterdir() if p.is_dir() and p.name[:2].isdigit())

    def notebook(self, tree: Path, assignment: str) -> Path:
        """An assignment's notebook in one tree (``course.release``, ``course.solution``, ...)."""
        return tree / assignment / f"{assignment}.ipynb"

    def gradebook(self) -> Gradebook:
        return Gradebook(self.db_url, self.course_id)

    def notebooks_of(self, assignment: str) -> list[str]:
        with self.gradebook() as gb:
            return [n.name for n in gb.find_assignment(assignment).notebooks]

    def is_registered(self, assignment: str) -> bool:
        try:
            with self.gradebook() as gb:
                gb.find_assignment(assignment)
            return True
        except MissingEntry:
            return False

    def score(self, student: str, assignment: str) -> tuple[float, float] | tuple[None, None]:
        with self.gradebook() as gb:
            try:
                submission = gb.find_submission(assignment, student)
            except MissingEntry:
                return None, None
            return submission.score, submission.max_score
