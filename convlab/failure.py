"""The one failure type of the course's checks, and the record a failed check leaves for the
class report (a leaf: it imports nothing of convlab)."""

from __future__ import annotations

# The record a failed check displays in the notebook (invisible: no front end renders this
# type), read back by the grader (convlab.grading.results.mistakes) to count the mistakes of a class.
RECORD_MIME = "application/vnd.convlab.check+json"
NOT_ATTEMPTED = "not attempted"  # the mistake of a stub still raising NotImplementedError


class CheckFailure(AssertionError):
    """A check found a mistake. The message names it, the input, and gives a hint.

    An ``AssertionError``, so that nbgrader and pytest read it as a failed test. ``mistake`` is
    the name the class report counts it under (``None``: the failure names no mistake, e.g.
    wrong values); ``problem`` and ``hint`` are the message's problem and its hint, in the
    student's language. ``hint_data`` is the hint in no language (``{"msgid", "params"}``, JSON
    data, ``convlab.i18n.as_data``), so that the report can word it in its own.
    """

    def __init__(
        self,
        message: str = "",
        *,
        mistake: str | None = None,
        problem: str = "",
        hint: str = "",
        hint_data: dict | None = None,
    ):
        super().__init__(message)
        self.mistake, self.problem, self.hint = mistake, problem, hint
        self.hint_data = hint_data

    def record(self, exercise: str, part: str) -> dict:
        return {
            "exercise": exercise,
            "part": part,
            "mistake": self.mistake,
            "problem": self.problem,
            "hint": self.hint,
            "message": str(self),
            "hint_msgid": (self.hint_data or {}).get("msgid"),
            "hint_params": (self.hint_data or {}).get("params", {}),
        }


def announce(record: dict) -> None:
    """Display ``record`` in the running notebook, if there is one (a kernel); elsewhere (a
    test calling a check directly) do nothing. Front ends render nothing for it."""
    try:
        from IPython import get_ipython
        from IPython.display import publish_display_data
    except ImportError:  # pragma: no cover (IPython comes with every kernel)
        return
    shell = get_ipython()
    if shell is not None and getattr(shell, "display_pub", None) is not None:
        publish_display_data({RECORD_MIME: record, "text/plain": ""})
