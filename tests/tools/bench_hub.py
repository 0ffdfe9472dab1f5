"""Benchmark: grade on submit on this machine - how soon feedback can be fetched after Submit,
and how many submissions a minute the service keeps up with.

    python -m tests.tools.bench_hub [--students 10]        (make bench, as root)

Starts ``make hub``'s JupyterHub on loopback (tests.support.hub) with a class of throwaway
accounts; the instructor releases 01 and every student fetches it, with nbgrader's commands, as
their own account. Then:

1. idle latency: three students submit the answer key one after another, each once the previous
   one's feedback is out; from the end of ``nbgrader submit`` until the service has released the
   feedback (the moment ``nbgrader fetch_feedback`` can get it);
2. a flood: every student submits at once (a thread each); from the first Submit until the last
   feedback is out: submissions per minute, and each submission's wait;
3. the baseline, in the same run: the same class regraded by one ``make autograde`` batch
   (``python -m convlab.grading --force``, as the grading account): the flood's rate as a ratio
   of the batch's, the rate the grader reaches without the service's per-batch work.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import threading
import time

import nbformat

from tests.support.graded import answer_key
from tests.support.hub import Hub, hand_in, running_hub

AID = "01_cross_correlation"


def handled(hub: Hub) -> dict[str, str]:
    path = hub.course / "autograder" / ".grade-on-submit.json"
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return {}


def released(hub: Hub, student: str, timestamp: str, timeout_s: float = 600) -> float:
    """Wait until the service has released this submission's feedback; when it did."""
    deadline = time.monotonic() + timeout_s
    while handled(hub).get(f"{student}/{AID}") != timestamp:
        if time.monotonic() > deadline:
            raise SystemExit(f"no feedback for {student} after {timeout_s} s:\n{hub.log_text()[-3000:]}")
        time.sleep(0.05)
    return time.monotonic()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--students", type=int, default=10)
    args = parser.parse_args(argv)
    key = nbformat.writes(answer_key(AID))
    with running_hub(students=args.students) as hub:
        steps = [(hub.instructor, "release_assignment")] + [(s, "fetch_assignment") for s in hub.students]
        for user, *cmd in [(user, step, AID) for user, step in steps]:
            done = hub.run_as(user, "nbgrader", *cmd)
            if done.returncode:
                raise SystemExit(f"{user}: nbgrader {' '.join(cmd)}: {done.stdout}{done.stderr}")
        print(f"{args.students} students on a hub on loopback; grade on submit of {AID}", flush=True)

        idle = []
        for student in hub.students[:3]:
            timestamp = hand_in(hub, student, AID, key)
            began = time.monotonic()
            idle.append(released(hub, student, timestamp) - began)
        print(f"idle: Submit -> feedback fetchable: {', '.join(f'{s:.1f}' for s in idle)} s "
              f"(median {statistics.median(idle):.1f} s)", flush=True)  # fmt: skip

        stamps: dict[str, str] = {}
        began = time.monotonic()
        threads = [
            threading.Thread(target=lambda s=s: stamps.__setitem__(s, hand_in(hub, s, AID, key)))
            for s in hub.students
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        submitted = time.monotonic()
        waits = sorted(released(hub, s, stamps[s]) for s in hub.students)
        flood = waits[-1] - began
        per_minute = 60 * args.students / flood
        print(
            f"flood: {args.students} submitted within {submitted - began:.1f} s; all feedback out after "
            f"{flood:.1f} s: {per_minute:.1f} submissions/min",
            flush=True,
        )

        batch_began = time.monotonic()
        grader = f"{hub.prefix}-grader"
        done = hub.run_as(
            grader, "python", "-m", "convlab.grading", "--force", "--root", str(hub.course), AID
        )
        if done.returncode:
            raise SystemExit(f"make autograde failed: {done.stdout}{done.stderr}")
        batch = time.monotonic() - batch_began
        batch_rate = 60 * args.students / batch
        print(f"baseline: one make autograde batch of the same {args.students}: {batch:.1f} s, "
              f"{batch_rate:.1f} submissions/min", flush=True)  # fmt: skip
        print(f"ratio: the service's flood rate is {per_minute / batch_rate:.2f} x the batch's", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
