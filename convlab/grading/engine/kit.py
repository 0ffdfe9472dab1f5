"""What a grading worker needs to execute any submission of a run, as data.

A worker sanitizes a submission with nbgrader's own preprocessors, which read the assignment's
cells (test cells, their points, locked sources, the kernelspec) from a gradebook, reviews it
against the student release and runs it beside the files the assignment ships. The writer
packs all of that once per run into a :class:`Kit`: the gradebook as a small SQLite file that
holds only the graded assignments' cells (no student, no score), the release notebooks and the
assignment's other files. A worker unpacks it into a folder of its own, so it never opens the
course's gradebook (SQLite or PostgreSQL) and needs no shared filesystem: the local pool
(:mod:`convlab.grading.recording.autograde`) and Dask workers on other machines
(:mod:`convlab.grading.engine.cluster`) work from the same kit.
"""

from __future__ import annotations

import contextlib
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from nbgrader.api import Gradebook
from sqlalchemy import text
from traitlets.config import Config

from convlab.grading.course import Course
from convlab.grading.engine.limits import Limits
from convlab.grading.engine.scratch import Scratch


@dataclass
class Kit:
    config: Config  # the course's nbgrader configuration
    limits: Limits
    gradebook: bytes  # a SQLite gradebook: the graded assignments' cells only
    files: dict[str, bytes]  # "release/<aid>/<nb>.ipynb" and "source/<aid>/<file>" (not notebooks)

    def unpack(self, folder: Path) -> tuple[str, Path, Path]:
        """Write the kit into ``folder``: (the gradebook's db_url, the release, the source)."""
        (folder / "gradebook.db").write_bytes(self.gradebook)
        for name, data in self.files.items():
            (folder / name).parent.mkdir(parents=True, exist_ok=True)
            (folder / name).write_bytes(data)
        for tree in ("release", "source"):
            (folder / tree).mkdir(exist_ok=True)
        return f"sqlite:///{folder / 'gradebook.db'}", folder / "release", folder / "source"


def stamped(path: Path, version: str) -> None:
    """An SQLite file at ``path`` that holds only the gradebook's migration, ``version``.

    Opening a gradebook file that has no table, nbgrader runs ``alembic heads`` in a new process
    to learn which migration to record: two seconds of every run's start. A file that has a
    table it opens as an existing gradebook, creating the tables it lacks; the migration
    is the course's own gradebook's, which nbgrader has opened (and upgraded) already."""
    with contextlib.closing(sqlite3.connect(path)) as db, db:
        db.execute("CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL)")
        db.execute("INSERT INTO alembic_version (version_num) VALUES (?)", (version,))


def cells_of(course: Course, assignments: list[str], path: Path) -> None:
    """A new SQLite gradebook at ``path`` with the assignments' notebooks and cells as the
    course's gradebook has them (what nbgrader's sanitize preprocessors read), and nothing else."""
    with course.gradebook() as source:
        stamped(path, source.db.execute(text("SELECT version_num FROM alembic_version")).scalar_one())
        with Gradebook(f"sqlite:///{path}", course.course_id) as copy:
            for aid in assignments:
                copy.add_assignment(aid)
                for nb in source.find_assignment(aid).notebooks:
                    copy.add_notebook(nb.name, aid, kernelspec=nb.kernelspec)
                    for c in nb.grade_cells:
                        copy.add_grade_cell(
                            c.name, nb.name, aid, max_score=c.max_score, cell_type=c.cell_type
                        )
                    for c in nb.solution_cells:
                        copy.add_solution_cell(c.name, nb.name, aid)
                    for c in nb.task_cells:
                        copy.add_task_cell(c.name, nb.name, aid, max_score=c.max_score, cell_type=c.cell_type)
                    for c in nb.source_cells:
                        copy.add_source_cell(
                            c.name,
                            nb.name,
                            aid,
                            cell_type=c.cell_type,
                            locked=c.locked,
                            source=c.source,
                            checksum=c.checksum,
                        )
    # nbgrader's sanitize steps open it without a course id, and opening adds that course when
    # it is missing: add it now, or the workers sharing the file would race to insert it
    Gradebook(f"sqlite:///{path}").close()


def pack(course: Course, assignments: list[str], limits: Limits, release: Path) -> Kit:
    """The kit for grading ``assignments`` (registered in the gradebook, their release in ``release``)."""
    files = {}
    for aid in assignments:
        for path in sorted((release / aid).glob("*.ipynb")):
            files[f"release/{aid}/{path.name}"] = path.read_bytes()
        for path in sorted((course.source / aid).rglob("*")):
            if path.is_file() and path.suffix != ".ipynb" and ".ipynb_checkpoints" not in path.parts:
                files[f"source/{aid}/{path.relative_to(course.source / aid)}"] = path.read_bytes()
    with Scratch("convlab-kit-") as tmp:
        db = Path(tmp) / "gradebook.db"
        cells_of(course, assignments, db)
        return Kit(course.config, limits, db.read_bytes(), files)
