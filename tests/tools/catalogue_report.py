"""The mutation catalogue's report (``make catalogue``): per notebook, how many catalogued
mistakes the checks kill with their specific hint, how many correct variants keep full
marks, and what each tampering attempt ends with. In-process (fast); the test suite grades
the same submissions with nbgrader."""

import tempfile
from pathlib import Path

from convlab.grading.results.review import review_notebook
from tests.catalogue import MUTANTS, VARIANTS
from tests.catalogue.routes import ROUTES
from tests.catalogue.tampering import AID, TAMPERING, tampered
from tests.support.graded import answer_key, inject, mutant_outcome, run_graded_cells, run_in_fresh_process
from tests.support.notebooks import assignments, load


def killed(aid: str, mutant) -> bool:
    """Loses only its exercise's points, with its hint in at least one lost test cell."""
    results, failed, own = mutant_outcome(aid, mutant)
    return bool(failed) and failed <= own and any(mutant.hint in results[t] for t in failed)


def main() -> None:
    print(
        f"{'notebook':<22} {'exercises':>9} {'mutants':>8} {'killed':>7} {'kill rate':>10} "
        f"{'routes refused':>15} {'variants full, unflagged':>25}"
    )
    total = done = 0
    for aid in assignments():
        mutants = MUTANTS.get(aid, [])
        kills = sum(killed(aid, m) for m in mutants)
        routes = ROUTES.get(aid, [])
        refused = sum(killed(aid, m) for m in routes)
        variants = VARIANTS.get(aid, [])
        release = load("notebooks", aid)
        accepted = 0
        for variant in variants:
            nb = inject(answer_key(aid), variant)
            full = all(v is None for v in run_graded_cells(nb).values())
            accepted += full and not review_notebook(nb, release)
        exercises = len({m.exercise for m in mutants})
        print(
            f"{aid:<22} {exercises:>9} {len(mutants):>8} {kills:>7} {kills / max(len(mutants), 1):>10.0%} "
            f"{refused:>7} of {len(routes):<4} {accepted:>16} of {len(variants):<4}"
        )
        total, done = total + len(mutants), done + kills
    print(f"{'all':<22} {'':>9} {total:>8} {done:>7} {done / total:>10.0%}\n")
    print(f"tampering with {AID} (a wrong corr2d plus the code below):")
    with tempfile.TemporaryDirectory() as tmp:
        for name, code, _, _ in TAMPERING:
            nb = tampered(code)
            results = run_in_fresh_process(nb, Path(tmp))
            lost = [t for t, m in results.items() if m]
            flags = review_notebook(nb, load("notebooks", AID))
            outcome = f"loses {', '.join(lost)}" if lost else "passes the tests"
            print(f"  {name:<30} {outcome}; flagged: {'; '.join(flags) or 'no'}")


if __name__ == "__main__":
    main()
