"""The instructor's side: release, grade, review and report, each a command.

Nothing here is imported by a notebook's kernel (which imports :mod:`convlab.checks`,
:mod:`convlab.widgets`, :mod:`convlab.oracle`, ...), and every command reads the course's
folders from nbgrader's configuration through :class:`~convlab.grading.course.Course`:

The commands, by room (``authoring``, ``engine`` + ``recording``, ``results``; README.md here):

- ``python -m convlab.grading.authoring.release`` (``make release``, ``make check-sync``): the
  student release and the answer key, generated from ``source/``;
- ``python -m convlab.grading`` (``make autograde``): the class, graded in parallel under limits
  by an engine (:mod:`~convlab.grading.engine`) into the gradebook by its one writer
  (:mod:`~convlab.grading.recording`);
- ``python -m convlab.grading.results.review``: what a check cannot see from inside a notebook;
- ``python -m convlab.grading.results.grades`` (``make grades``): one row per student, flags, a
  chart, the LMS files;
- ``python -m convlab.grading.results.report`` (``make report``): ``report.html``, what the
  class got wrong, per exercise.
"""
