"""The recording: the class graded into nbgrader's gradebook by its only writer.

:mod:`~convlab.grading.recording.autograde` runs a batch (``python -m convlab.grading``) on an
engine and records the executed submissions with nbgrader's own ``Autograde`` steps, in one
gradebook session (:mod:`~convlab.grading.recording.writer`); what earlier runs graded is kept in
:mod:`~convlab.grading.recording.state`, keyed by :mod:`~convlab.grading.recording.fingerprints`.
"""
