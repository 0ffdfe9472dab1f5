"""Benchmark: plain serial ``nbgrader autograde`` against ``python -m convlab.grading``.

    python -m tests.tools.bench_grading [--students 10]        (make bench)

Builds a synthetic class in two identical copies of the course: every student submits every
assignment, a seeded mix of answer keys (about half), catalogued wrong answers and blank
notebooks. One copy is graded by nbgrader's own command, one assignment after another; the
other by the pipeline. Prints the throughput of each, their ratio, the time per notebook,
where the pipeline's time goes per stage (sanitize, kernel start, cells, the writer, workers
idle: :func:`convlab.grading.results.outcomes.stages`), and fails unless the two gradebooks
hold identical scores for every test cell.
"""

from __future__ import annotations

import argparse
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat
from nbgrader.api import Gradebook

from convlab.grading.environ import tools_first
from tests.catalogue import MUTANTS
from tests.support.course import copy_course
from tests.support.graded import answer_key, inject
from tests.support.notebooks import assignments, load


def synthetic_class(students: int, seed: int = 0) -> dict[tuple[str, str], nbformat.NotebookNode]:
    rng = random.Random(seed)
    submissions = {}
    for i in range(students):
        for aid in assignments():
            roll = rng.random()
            if roll < 0.5:
                nb = answer_key(aid)
            elif roll < 0.8:
                nb = inject(answer_key(aid), rng.choice(MUTANTS[aid]))
            else:
                nb = load("notebooks", aid)
            submissions[(f"student{i:03d}", aid)] = nb
    return submissions


def run(course: Path, *argv: str) -> tuple[float, str]:
    started = time.perf_counter()
    done = subprocess.run(argv, cwd=course, env=tools_first(), capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
    return time.perf_counter() - started, done.stderr


def fresh_kernel() -> str:
    """Where a plain nbgrader kernel's time goes before the first cell: measured now."""
    from jupyter_client.manager import start_new_kernel

    started = time.perf_counter()
    km, kc = start_new_kernel(kernel_name="python3", stderr=subprocess.DEVNULL)
    steps = {"kernel start": time.perf_counter() - started}
    try:
        for label, code in [("import torch", "import torch"), ("pyplot, ipywidgets, convlab", IMPORTS)]:
            began = time.perf_counter()
            kc.execute_interactive(code, timeout=120, output_hook=lambda _msg: None)
            steps[label] = time.perf_counter() - began
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)
    return ", ".join(f"{k} {v:.2f} s" for k, v in steps.items())


IMPORTS = "import matplotlib.pyplot, ipywidgets, convlab"


def grades(course: Path) -> dict[tuple[str, str, str], float]:
    with Gradebook(f"sqlite:///{course / 'autograder' / 'gradebook.db'}", "convlab") as gb:
        return {
            (s.student.id, s.assignment.name, g.name): g.score
            for a in gb.assignments
            for s in gb.assignment_submissions(a.name)
            for nb in s.notebooks
            for g in nb.grades
        }


def rate(label: str, seconds: float, n: int) -> str:
    return f"{label:34} {seconds:7.1f} s  {n / seconds:5.2f} notebooks/s  {seconds / n:.2f} s each"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--students", type=int, default=10)
    args = parser.parse_args(argv)
    submissions = synthetic_class(args.students)
    n = len(submissions)
    nbgrader = [sys.executable, "-m", "nbgrader"]
    with tempfile.TemporaryDirectory() as tmp:
        plain, fast = copy_course(Path(tmp) / "plain"), copy_course(Path(tmp) / "pipeline")
        for course in (plain, fast):
            for (student, aid), nb in submissions.items():
                folder = course / "autograder" / "submitted" / student / aid
                folder.mkdir(parents=True)
                nbformat.write(nb, folder / f"{aid}.ipynb")
            for aid in assignments():  # registering is the same one-off step for both: not timed
                run(
                    course,
                    *nbgrader,
                    "generate_assignment",
                    aid,
                    "--force",
                    "--CourseDirectory.release_directory=autograder/.release",
                )
        print(f"{args.students} students x {len(assignments())} notebooks = {n} submissions", flush=True)
        serial = sum(run(plain, *nbgrader, "autograde", aid, "--create")[0] for aid in assignments())
        print(rate("plain nbgrader autograde, serial", serial, n), flush=True)
        pipeline, log = run(fast, sys.executable, "-m", "convlab.grading")
        print(rate("python -m convlab.grading", pipeline, n))
        print(f"throughput ratio: {serial / pipeline:.1f}x (same machine, same run)")
        # the same class again, kernels without the network namespace and Landlock: their cost
        open_kernels, _ = run(
            fast, sys.executable, "-m", "convlab.grading", "--force", "--allow-network", "--allow-files"
        )
        print(rate("python -m convlab.grading, kernels not confined", open_kernels, n))
        print(
            f"confinement cost: {(pipeline - open_kernels) / n * 1000:+.0f} ms per notebook "
            f"({pipeline / open_kernels:.2f}x the unconfined time)"
        )
        print(f"plain, per notebook before its cells run: {fresh_kernel()}")
        for prefix in ("per submission", "stages per submission"):
            print("pipeline, " + next((line for line in log.splitlines() if line.startswith(prefix)), "?"))
        a, b = grades(plain), grades(fast)
        differ = {k: (a.get(k), b.get(k)) for k in a.keys() | b.keys() if a.get(k) != b.get(k)}
        print(f"scores: {len(a)} test cells graded by each; {len(differ)} differ")
        for key, pair in sorted(differ.items())[:20]:
            print(f"  {key}: plain {pair[0]}, pipeline {pair[1]}")
        return 1 if differ or not a else 0


if __name__ == "__main__":
    sys.exit(main())
