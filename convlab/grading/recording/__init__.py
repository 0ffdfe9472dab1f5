"""The recording: the class graded into nbgrader's gradebook by its only writer.

:mod:`~convlab.grading.recording.autograde` runs a batch (``python -m convlab.grading``) on an
engine and records each executed submission with nbgrader's own ``Autograde``
(:mod:`~convlab.grading.recording.replay`); what earlier runs graded is kept in
:mod:`~convlab.grading.recording.state`, keyed by :mod:`~convlab.grading.recording.fingerprints`.
"""
