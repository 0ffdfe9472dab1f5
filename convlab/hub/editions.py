"""Each student fetches the edition of their language, under the assignment's usual name.

The course releases every notebook in English (``notebooks/<id>/``) and in each other language
of :data:`convlab.hub.languages.CHOICES` (``notebooks/<lang>/<id>/``): the same file names, cells
and grade ids, other markdown and lesson comments. Both go into nbgrader's exchange through its
public plugins:

- :class:`EditionRelease` (``c.ExchangeFactory.release_assignment``, in the course's
  configuration on the hub): nbgrader's release of the English into ``outbound/<id>/``, as ever,
  then each edition into ``editions/<lang>/<id>/``: a copy of that English folder (its other
  files too) with each notebook the edition has in its place. An edition whose notebooks are
  not the English assignment's (another file name, other graded cells) is not released, and the
  log says why: its students would hand in what the gradebook cannot grade. nbgrader's own
  commands never look into ``editions/``: ``nbgrader list`` shows the assignment once, and plain
  nbgrader's fetch gives the English.
- :class:`EditionFetch` (``c.ExchangeFactory.fetch_assignment``, in the students'
  configuration): nbgrader's fetch, from ``editions/<lang>/<id>/`` instead of ``outbound/<id>/``
  when the server's ``CONVLAB_LANG`` (set by the hub from the student's choice,
  :mod:`convlab.hub.languages`) names an edition that was released. Same destination, same
  name: *Submit*, grade on submit and the gradebook see one assignment, whichever edition the
  student has, and its kernel (the edition's first code cell sets ``CONVLAB_LANG``) writes the
  feedback's messages in the student's language.

Who controls what: the language comes from the student's own server (they can also set
``CONVLAB_LANG`` in a terminal), so it only chooses among folders every student may read anyway;
it is checked against :data:`~convlab.hub.languages.CHOICES` before it names a folder. The
editions' folders are written by instructors only (the exchange's course folder is the staff's).
A student who switches language keeps what they fetched (nbgrader never overwrites a fetched
assignment); to read the other edition they rename their folder and fetch again.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import nbformat
from nbgrader.exchange.default.fetch_assignment import ExchangeFetchAssignment
from nbgrader.exchange.default.release_assignment import ExchangeReleaseAssignment
from nbgrader.utils import check_mode

from convlab.hub.languages import CHOICES, ENGLISH

EDITIONS = "editions"  # in the exchange's course folder, beside outbound/ and inbound/


def graded_cells(path: Path) -> list[tuple[str, str]]:
    """What nbgrader grades a notebook by: its nbgrader cells' (grade id, cell type), in order."""
    nb = nbformat.read(path, as_version=4)
    return [
        (c.metadata["nbgrader"].get("grade_id", ""), c.cell_type)
        for c in nb.cells
        if "nbgrader" in c.metadata
    ]


def mismatch(english: Path, edition: Path) -> str | None:
    """Why ``edition`` (a folder of an edition's notebooks) cannot stand in for the English
    release ``english``, if it cannot."""
    theirs = sorted(p.name for p in edition.glob("*.ipynb"))
    ours = sorted(p.name for p in english.glob("*.ipynb"))
    if not theirs or not set(theirs) <= set(ours):
        return f"its notebooks {theirs} are not among the English release's {ours}"
    for name in theirs:
        if graded_cells(edition / name) != graded_cells(english / name):
            return f"{name} has other graded cells than the English"
    return None


class EditionRelease(ExchangeReleaseAssignment):
    """nbgrader's release, then each language's edition beside it (``editions/<lang>/<id>``)."""

    def copy_files(self):
        super().copy_files()
        english = Path(self.dest_path)
        for lang in CHOICES:
            if lang == ENGLISH:
                continue
            source = (
                Path(self.coursedir.root)
                / self.coursedir.release_directory
                / lang
                / self.coursedir.assignment_id
            )
            if not source.is_dir():
                self.log.info("No %s edition of %s to release", lang, self.coursedir.assignment_id)
                continue
            why = mismatch(english, source)
            if why:
                self.log.warning(
                    "The %s edition of %s is not released: %s", lang, self.coursedir.assignment_id, why
                )
                continue
            folder = Path(self.course_path) / EDITIONS / lang
            for path in (folder.parent, folder):
                self.ensure_directory(str(path), os.stat(self.outbound_path).st_mode & 0o7777)
            dest = folder / self.coursedir.assignment_id
            if dest.exists():
                shutil.rmtree(dest)  # the English was just (re)released: so is its edition
            shutil.copytree(english, dest)  # nbgrader's copy: its ignore patterns, its modes
            for notebook in source.glob("*.ipynb"):
                shutil.copyfile(notebook, dest / notebook.name)  # the English file's mode stays
            self.log.info("Released the %s edition as: %s", lang, dest)


class EditionFetch(ExchangeFetchAssignment):
    """nbgrader's fetch, from the edition of the server's ``CONVLAB_LANG`` when one was released."""

    def init_src(self):
        super().init_src()  # the course, the student's access, the English release
        lang = os.environ.get("CONVLAB_LANG", ENGLISH)
        if lang == ENGLISH or lang not in CHOICES:
            return
        edition = os.path.join(self.course_path, EDITIONS, lang, self.coursedir.assignment_id)
        if os.path.isdir(edition) and check_mode(edition, read=True, execute=True):
            self.src_path = edition
        else:
            self.log.warning(
                "No %s edition of %s was released: fetching the English", lang, self.coursedir.assignment_id
            )
