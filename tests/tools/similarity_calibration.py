"""How `make similarity`'s threshold does on answers whose origin is known: the mutation
catalogue's wrong answers and correct variants (different code for the same exercise), and a
disguised copy of each (tests/support/disguise.py: renamed, reordered, reformatted, comments
changed, wrapped in a function). Per exercise: the share of copies shown, the share of
independent pairs shown. No kernel runs: the answers are scored as they are written.

Independent means of different origin. Many catalogue entries are the answer key's text with one
slot changed (tests/catalogue/templated.py): two of those are one text edited, not two authors,
so entries that have half their lines or more verbatim in common are one *family*, and a pair of
one family is not counted as independent. The class each pair is scored in is the exercise's
whole catalogue (and the one copy): its many answers near the key play the students who write
the lesson's obvious code, which makes that code common and weigh little. A mutant's wrong answer is
its hint: a copy makes the same mistake with the same values; two mutants with the same hint
are counted as the same wrong answer too (the strictest reading for independent pairs).

    python -m tests.tools.similarity_calibration [--threshold 0.6]
"""

import argparse
import difflib
import sys
from dataclasses import dataclass

from convlab.grading.results.similarity.evidence import MIN_FINGERPRINTS, THRESHOLD, Submission, score
from convlab.grading.results.similarity.normalize import Starter, answer
from tests.catalogue import MUTANTS, VARIANTS
from tests.catalogue.mutant import Mutant
from tests.support.disguise import disguised
from tests.support.graded import inject
from tests.support.notebooks import assignments, load

FOUND, SHOWN = 0.90, 0.01  # the targets: copies found, independent pairs shown


@dataclass
class Figures:
    assignment: str
    exercise: str
    entries: int
    copies: list[float]  # each copy's score against its original (of an answer long enough to judge)
    independent: list[float]  # each independent pair's score
    short: int  # entries too short for code evidence: their copies are not counted

    def found(self, threshold: float) -> float:
        return sum(s >= threshold for s in self.copies) / len(self.copies) if self.copies else 1.0

    def shown(self, threshold: float) -> float:
        return (
            sum(s >= threshold for s in self.independent) / len(self.independent) if self.independent else 0.0
        )

    @property
    def judged(self) -> bool:
        """Whether some answers are long enough to be told apart by their code."""
        return self.short < self.entries


def _cell(nb, exercise: str) -> str:
    return next(c.source for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == exercise)


def families(bodies: list[str]) -> list[int]:
    """A family number per body: bodies with half their lines or more verbatim in common (one
    text edited), joined transitively."""
    parent = list(range(len(bodies)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    lines = [[line.strip() for line in b.splitlines() if line.strip()] for b in bodies]
    for i in range(len(bodies)):
        for j in range(i + 1, len(bodies)):
            if difflib.SequenceMatcher(None, lines[i], lines[j], autojunk=False).ratio() >= 0.5:
                parent[find(i)] = find(j)
    return [find(i) for i in range(len(bodies))]


def measure(aid: str) -> list[Figures]:
    key, release = load("solutions", aid), load("notebooks", aid)
    starter = Starter.of([c.source for c in release.cells if c.cell_type == "code"])
    entries: list[tuple[Mutant, str | None]] = [(m, m.hint) for m in MUTANTS.get(aid, [])]
    entries += [(v, None) for v in VARIANTS.get(aid, [])]
    out = []
    for exercise in dict.fromkeys(m.exercise for m, _ in entries):
        mine = [(m, h) for m, h in entries if m.exercise == exercise]
        subs = [
            Submission(f"e{i}", answer(_cell(inject(key, m), exercise), starter), {(h, ""): h} if h else {})
            for i, (m, h) in enumerate(mine)
        ]
        family = families([m.body for m, _ in mine])

        copies = []
        for i, (m, _) in enumerate(mine):
            if subs[i].answer.size < MIN_FINGERPRINTS:
                continue
            copy = disguised(m, _cell(key, exercise), seed=i)
            twin = Submission("copy", answer(_cell(inject(key, copy), exercise), starter), subs[i].wrong)
            _, total = score([*subs, twin], threshold=float("inf"))
            copies.append(float(total[i, len(subs)]))
        _, total = score(subs, threshold=float("inf"))
        independent = [
            float(total[i, j])
            for i in range(len(mine))
            for j in range(i + 1, len(mine))
            if family[i] != family[j]
        ]
        short = sum(s.answer.size < MIN_FINGERPRINTS for s in subs)
        out.append(Figures(aid, exercise, len(mine), copies, independent, short))
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.tools.similarity_calibration")
    parser.add_argument("--threshold", type=float, default=THRESHOLD)
    args = parser.parse_args(argv)
    t = args.threshold
    print(
        f"similarity on the catalogue, threshold {t:g}: copies found (target >= {FOUND:.0%}), "
        f"independent pairs shown (target <= {SHOWN:.0%})"
    )
    print(f"{'exercise':<44} {'entries':>7} {'copies found':>18} {'independent shown':>18}")
    figures = [f for aid in assignments() for f in measure(aid)]
    for f in figures:
        note = f"  ({f.short} too short to judge by code)" if f.short else ""
        print(
            f"{f.assignment + ' ' + f.exercise:<44} {f.entries:>7} {f.found(t):>9.0%} of {len(f.copies):<4} "
            f"{f.shown(t):>9.1%} of {len(f.independent):<4}{note}"
        )
    judged = [f for f in figures if f.judged]
    copies = [s for f in judged for s in f.copies]
    pairs = [s for f in judged for s in f.independent]
    found = sum(s >= t for s in copies) / len(copies)
    shown = sum(s >= t for s in pairs) / len(pairs)
    print(
        f"all exercises: {found:.0%} of {len(copies)} copies (of answers long enough to judge) found, "
        f"{shown:.2%} of {len(pairs)} independent pairs shown"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
