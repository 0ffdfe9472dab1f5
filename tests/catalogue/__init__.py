"""The mutation catalogue: what every exercise's check must reject, and what it must accept.

- :data:`MUTANTS`: plausible wrong answers, at least six per exercise, each with the hint its
  feedback must contain (:mod:`~tests.catalogue.handwritten`, :mod:`~tests.catalogue.templated`,
  :mod:`~tests.catalogue.overlooked`: arguments ignored and layers added,
  :mod:`~tests.catalogue.strided_backward`, and notebook 10's
  :mod:`~tests.catalogue.modern_blocks`),
  and the forbidden routes and patches each exercise must refuse (:mod:`~tests.catalogue.routes`);
- :data:`VARIANTS`: correct answers written differently from the key, at least two per
  exercise, each keeping full marks unflagged (:mod:`~tests.catalogue.variants`);
- :data:`TAMPERING`: code that attacks the checks themselves (:mod:`~tests.catalogue.tampering`).

Each :class:`~tests.catalogue.mutant.Mutant` replaces the solution body of one answer cell of
the answer key. ``tests/test_catalogue.py`` runs every entry in-process, the grading tests
through nbgrader and ``make autograde``; ``make catalogue`` prints the kill rate.
"""

from tests.catalogue import handwritten, modern_blocks, overlooked, routes, strided_backward, templated
from tests.catalogue.mutant import Mutant
from tests.catalogue.tampering import TAMPERING
from tests.catalogue.variants import VARIANTS

MUTANTS: dict[str, list[Mutant]] = {
    aid: handwritten.MUTANTS.get(aid, [])
    + templated.MORE.get(aid, [])
    + overlooked.OVERLOOKED.get(aid, [])
    + strided_backward.STRIDED_BACKWARD.get(aid, [])
    + modern_blocks.MUTANTS.get(aid, [])
    + routes.ROUTES.get(aid, [])
    for aid in sorted(
        handwritten.MUTANTS.keys()
        | templated.MORE.keys()
        | overlooked.OVERLOOKED.keys()
        | modern_blocks.MUTANTS.keys()
    )
}
VARIANTS = VARIANTS | modern_blocks.VARIANTS

__all__ = ["MUTANTS", "TAMPERING", "VARIANTS", "Mutant"]
