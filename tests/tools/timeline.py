"""Where make test's time went (tests/support/timeline.py records it in artifacts/timeline/):

    python -m tests.tools.timeline [--top 15]

For each phase: its wall time, each worker's busy seconds and its idle seconds before the
phase's end, and the modules (or classes) that held a worker longest, with their tests' seconds.
"""

from __future__ import annotations

import argparse
import json
from collections import defaultdict

from tests.support.timeline import FOLDER


def scope(nodeid: str) -> str:
    """xdist's --dist loadscope unit: the class for a method, the module for a function."""
    parts = nodeid.split("::")
    return "::".join(parts[:2]) if len(parts) > 2 else parts[0]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tests.tools.timeline", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--top", type=int, default=15, help="how many scopes to list per phase")
    args = parser.parse_args(argv)
    files = sorted(FOLDER.glob("*.jsonl")) if FOLDER.is_dir() else []
    if not files:
        print(f"no timeline in {FOLDER}: run make test first")
        return 1
    phases: dict[str, dict[str, list[dict]]] = defaultdict(dict)
    for path in files:
        phase, worker = path.stem.rsplit("-", 1)
        phases[phase][worker] = [json.loads(line) for line in path.read_text().splitlines()]
    for phase, workers in phases.items():
        spans = [s for tests in workers.values() for s in tests]
        begin, end = min(s["start"] for s in spans), max(s["stop"] for s in spans)
        print(f"{phase}: {end - begin:.0f} s wall, {len(spans)} tests")
        for worker, tests in sorted(workers.items()):
            busy = sum(s["stop"] - s["start"] for s in tests)
            idle_at_end = end - max(s["stop"] for s in tests)
            print(f"  {worker}: busy {busy:.0f} s, idle {idle_at_end:.0f} s at the end")
        by_scope: dict[str, float] = defaultdict(float)
        for s in spans:
            by_scope[scope(s["test"])] += s["stop"] - s["start"]
        for name, seconds in sorted(by_scope.items(), key=lambda kv: -kv[1])[: args.top]:
            print(f"  {seconds:7.0f} s  {name}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
