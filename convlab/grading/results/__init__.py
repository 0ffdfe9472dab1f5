"""The results: what grading came to, read back for the instructor and the LMS.

Written while grading: each submission's outcome (``grading-report.csv``,
:mod:`~convlab.grading.results.outcomes`) and the mistakes its checks named (``mistakes.csv``,
:mod:`~convlab.grading.results.mistakes`). Read from the gradebook: scores per exercise
(:mod:`~convlab.grading.results.exercises`), one row per student with flags and LMS files
(:mod:`~convlab.grading.results.grades`, :mod:`~convlab.grading.results.lms`), the class's page
of mistakes (``report.html``, :mod:`~convlab.grading.results.report`), the tamper scan
(:mod:`~convlab.grading.results.review`); and nbgrader's plugins for late penalties
(:mod:`~convlab.grading.results.late`) and the feedback page (:mod:`~convlab.grading.results.feedback`).
"""
