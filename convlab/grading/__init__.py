"""The instructor's side: release, grade, review and report, each a command.

Nothing here is imported by a notebook's kernel (which imports :mod:`convlab.checks`,
:mod:`convlab.widgets`, :mod:`convlab.oracle`, ...), and every command reads the course's
folders from nbgrader's configuration through :class:`~convlab.grading.course.Course`:

- ``python -m convlab.grading.release`` (``make release``, ``make check-sync``): the student
  release and the answer key, generated from ``source/``;
- ``python -m convlab.grading`` (``make autograde``): the class, graded in parallel under limits
  (:mod:`~convlab.grading.autograde`, :mod:`~convlab.grading.execute`,
  :mod:`~convlab.grading.forkserver`, :mod:`~convlab.grading.replay`);
- ``python -m convlab.grading.review``: what a check cannot see from inside a notebook;
- ``python -m convlab.grading.grades`` (``make grades``): one row per student, flags, a chart.
"""
