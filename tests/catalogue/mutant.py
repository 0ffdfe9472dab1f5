"""A catalogue entry: one body that replaces the solution of an answer cell of the answer key."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Mutant:
    exercise: str  # the answer cell's grade_id
    name: str
    body: str  # replaces the solution region, indented as the region is
    hint: str  # a phrase the failure message must contain
    region: int = 0  # which solution region of the cell (Conv2D has two: __init__, forward)


def template(text: str, correct: dict[str, str]):
    """A function that fills ``text``'s slots: ``correct`` (the answer key's pieces) unless a
    mutant names a piece to change, e.g. ``train(reduce="mean")``."""

    def fill(**change: str) -> str:
        unknown = change.keys() - correct.keys()
        assert not unknown, f"no such slot: {unknown}"
        return text.format(**(correct | change))

    return fill
