"""Benchmark: the local pool against a loopback Dask cluster, and the single writer's ceiling.

    python -m tests.tools.bench_cluster [--students 10]        (make bench)

Grades one synthetic class (tests.tools.bench_grading's) three times, each in its own copy of
the course: ``python -m convlab.grading`` with the local pool; the same with ``--scheduler`` on a
Dask cluster of 2 single-threaded workers on this machine (real ``dask scheduler`` and
``dask worker`` processes, on loopback); and the writer alone, timed on executions already done
(every submission executed first, then recorded): notebooks recorded per second, the rate no
number of workers can pass (tests.tools.bench_writer compares it with plain nbgrader's). Prints
what it takes to grade 5,000 notebooks in 10 minutes from these figures, and fails unless the
pool and the cluster give identical scores.
"""

from __future__ import annotations

import argparse
import math
import os
import sys
import tempfile
import time
from pathlib import Path

import nbformat

from tests.support.cluster import LoopbackCluster
from tests.support.course import copy_course
from tests.tools.bench_grading import grades, rate, run, synthetic_class
from tests.tools.bench_writer import writer_alone

TARGET_NOTEBOOKS, TARGET_SECONDS = 5000, 600


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--students", type=int, default=10)
    args = parser.parse_args(argv)
    submissions = synthetic_class(args.students)
    n, cores = len(submissions), os.cpu_count() or 1
    grader = [sys.executable, "-m", "convlab.grading"]
    with tempfile.TemporaryDirectory() as tmp:
        copies = {name: copy_course(Path(tmp) / name) for name in ("pool", "dask", "writer")}
        for course in copies.values():
            for (student, aid), nb in submissions.items():
                folder = course / "autograder" / "submitted" / student / aid
                folder.mkdir(parents=True)
                nbformat.write(nb, folder / f"{aid}.ipynb")
        print(f"{n} submissions, {cores} cores", flush=True)
        pool, _ = run(copies["pool"], *grader, "--workers", "2")
        print(rate("local pool, 2 workers", pool, n), flush=True)
        began = time.perf_counter()
        with LoopbackCluster(workers=2) as cluster:
            startup = time.perf_counter() - began
            dask, _ = run(copies["dask"], *grader, "--scheduler", cluster.address)
        print(rate("Dask on loopback, 2 workers", dask, n), flush=True)
        print(
            f"Dask / pool throughput: {pool / dask:.2f} (same class, same machine, same run); "
            f"starting the cluster (scheduler, 2 workers) took {startup:.1f} s more"
        )
        recorded, seconds = writer_alone(copies["writer"])
        ceiling = recorded / seconds
        print(f"{'the writer alone (executions done)':34} {seconds:7.1f} s  {ceiling:5.2f} notebooks/s")
        need = TARGET_NOTEBOOKS / TARGET_SECONDS
        per_machine = n / dask  # a machine like this one, 2 workers
        print(
            f"{TARGET_NOTEBOOKS} notebooks in {TARGET_SECONDS // 60} minutes need {need:.1f} notebooks/s: "
            f"the writer's ceiling is {ceiling / need:.1f}x that; "
            f"workers: {math.ceil(need / per_machine)} machines like this one "
            f"({per_machine:.2f} notebooks/s each)"
        )
        a, b = grades(copies["pool"]), grades(copies["dask"])
        differ = {k for k in a.keys() | b.keys() if a.get(k) != b.get(k)}
        print(f"scores: {len(a)} test cells graded by each; {len(differ)} differ between the pool and Dask")
        return 1 if differ or not a else 0


if __name__ == "__main__":
    sys.exit(main())
