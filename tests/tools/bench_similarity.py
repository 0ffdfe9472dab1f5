"""make bench: make similarity's scoring for a large class, every pair of every exercise.

A synthetic class of ``--students`` for every notebook: each student's answer to each exercise
is a catalogue entry (a wrong answer or a correct variant) disguised with one of 8 seeds
(tests/support/disguise.py). Prints the seconds to normalize the answers and to score every
pair, each as a ratio to the baseline of the same run: tokenizing every answer once with
Python's tokenizer (what any reading of the answers costs); and what explaining one listed pair
costs (such a class, drawn from a few texts, lists far more pairs than a real one).

    python -m tests.tools.bench_similarity [--students 1000]
"""

import argparse
import io
import random
import sys
import time
import tokenize

from convlab.grading.results.similarity.evidence import Submission, score
from convlab.grading.results.similarity.normalize import Starter, answer
from tests.catalogue import MUTANTS, VARIANTS
from tests.support.disguise import disguised
from tests.support.graded import inject
from tests.support.notebooks import assignments, load


def _cell(nb, exercise):
    return next(c.source for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == exercise)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.tools.bench_similarity")
    parser.add_argument("--students", type=int, default=1000)
    args = parser.parse_args(argv)
    rng = random.Random(34)
    classes = []
    for aid in assignments():
        key, release = load("solutions", aid), load("notebooks", aid)
        given = Starter.of([c.source for c in release.cells if c.cell_type == "code"])
        entries = MUTANTS.get(aid, []) + VARIANTS.get(aid, [])
        for exercise in dict.fromkeys(e.exercise for e in entries):
            mine = [e for e in entries if e.exercise == exercise]
            pool = [
                _cell(inject(key, disguised(e, _cell(key, exercise), seed=s)), exercise)
                for e in mine
                for s in range(8)
            ]
            classes.append((aid, exercise, given, [rng.choice(pool) for _ in range(args.students)]))
    n_answers = sum(len(c[3]) for c in classes)
    start = time.perf_counter()
    for *_, sources in classes:
        for source in sources:
            list(tokenize.generate_tokens(io.StringIO(source).readline))
    baseline = time.perf_counter() - start
    start = time.perf_counter()
    subs_of = []
    for _, _, given, sources in classes:
        subs_of.append([Submission(f"s{i}", answer(src, given)) for i, src in enumerate(sources)])
    normalized = time.perf_counter() - start
    start = time.perf_counter()
    for subs in subs_of:
        score(subs, threshold=float("inf"))  # every pair scored, none explained
    scored = time.perf_counter() - start
    # explaining a listed pair (its reasons and marks) costs per pair: timed on one exercise's first 200
    subs = subs_of[0]
    start = time.perf_counter()
    pairs, _ = score(subs[:200], threshold=0.0)
    explained = (time.perf_counter() - start) / max(1, len(pairs))
    total = sum(len(c[3]) * (len(c[3]) - 1) // 2 for c in classes)
    print(
        f"similarity: {args.students} students x {len(assignments())} notebooks ({len(classes)} exercises, "
        f"{n_answers} answers, {total:,} pairs): {normalized:.1f} s to normalize and fingerprint the "
        f"answers ({normalized / baseline:.1f}x tokenizing them once, {baseline:.1f} s), {scored:.1f} s to "
        f"score every pair ({scored / baseline:.1f}x); each listed pair's reasons and marks "
        f"{explained * 1e3:.2f} ms"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
