"""The one failure type of the course's checks (a leaf: it imports nothing of convlab)."""


class CheckFailure(AssertionError):
    """A check found a mistake. The message names it, the input, and gives a hint.

    An ``AssertionError``, so that nbgrader and pytest read it as a failed test.
    """
