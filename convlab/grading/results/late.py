"""The course's late-submission penalty, as a plugin of nbgrader's own (``LateSubmissionPlugin``).

nbgrader computes how late a submission is (its ``timestamp.txt`` against the assignment's due
date, set with ``nbgrader db assignment add ID --duedate=...`` or in the Formgrader) and asks
the plugin for a penalty, which it stores beside the score; nothing is late without a due date.
``nbgrader_config.py`` selects this plugin::

    c.AssignLatePenalties.plugin_class = "convlab.grading.results.late.PerDayPenalty"
    c.PerDayPenalty.per_day = 0.1   # a tenth of the score per started day late

``make grades`` and the LMS exports subtract the penalty; the Formgrader shows it.
"""

from __future__ import annotations

import math

from nbgrader.plugins import LateSubmissionPlugin
from traitlets import Float

DAY = 24 * 3600


class PerDayPenalty(LateSubmissionPlugin):
    """``per_day`` of the notebook's score for every started day late, up to the whole score."""

    per_day = Float(0.1, min=0.0, max=1.0, help="share of the score lost per started day late").tag(
        config=True
    )

    def late_submission_penalty(
        self, student_id: str, score: float, total_seconds_late: float
    ) -> float | None:
        if total_seconds_late <= 0:
            return None
        days = math.ceil(total_seconds_late / DAY)
        penalty = min(score, score * self.per_day * days)
        self.log.info("%s: %d started day(s) late, penalty %.2f of %.2f", student_id, days, penalty, score)
        return penalty
