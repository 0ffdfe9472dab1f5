"""On the hub, student code runs only confined: this stands in for nbgrader's ``Execute`` in
plain ``nbgrader autograde`` (the Formgrader's *Autograde* button, the command in an
instructor's terminal), which would run a submission unconfined with the instructor's rights.
The course's pipeline (``make autograde``, grade on submit) executes in confined kernels and
records through its own list of steps (convlab.grading.recording.writer), so it never meets this one.
"""

from nbgrader.preprocessors import NbGraderPreprocessor

REFUSAL = (
    "on this hub, student code runs only confined, never with an instructor's rights: grade with "
    "`make autograde` in ~/convlab (python -m convlab.grading), or let grade on submit do it"
)


class OnlyConfined(NbGraderPreprocessor):
    def preprocess(self, nb, resources):
        raise RuntimeError(REFUSAL)


def autograde_steps() -> list[str]:
    """nbgrader's autograde steps, by name, with this one in the place of ``Execute``."""
    from nbgrader.converters import Autograde

    return [
        f"{__name__}.OnlyConfined" if step.__name__ == "Execute" else f"{step.__module__}.{step.__name__}"
        for step in Autograde.class_traits()["autograde_preprocessors"].default()
    ]
