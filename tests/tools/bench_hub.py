"""Benchmark: grade on submit on this machine - how soon feedback can be fetched after Submit,
and how many submissions a minute the service keeps up with.

    python -m tests.tools.bench_hub [--students 10]        (make bench, as root)

Starts ``make hub``'s JupyterHub on loopback (tests.support.hub) with a class of throwaway
accounts; the instructor releases 01 and every student fetches it, with nbgrader's commands, as
their own account. Then:

1. idle latency: students submit the answer key one after another, each once the previous
   one's feedback is out; from the time ``nbgrader submit`` gives the submission (its timestamp)
   until the service has released the feedback (the moment ``nbgrader fetch_feedback`` can get
   it): a warm service may be done before ``nbgrader submit`` has exited. Warm: on the engine the service
   keeps between batches; cold: each submission after a change of the course's configuration
   (a comment appended to its ``nbgrader_config.py``), which starts the engine again, as the
   service's first batch or a change of the checks or the limits does. Median and p95 of each;
2. a flood: every student submits at once (a thread each); from the first Submit until the last
   feedback is out: submissions per minute. Here the students' ``nbgrader submit`` processes
   share the two cores with the grading, so this rate is at most the rate they hand in at;
3. a backlog: every student submits at once while the service is paused (SIGSTOP), then it goes
   on: from then until the last feedback is out, the service's own rate with N submissions
   waiting, the submit commands' work done;
4. the baseline, in the same run: the same class regraded by one ``make autograde`` batch
   (``python -m convlab.grading --force``, as the grading account): the flood's and the
   backlog's rates as ratios of the batch's, the rate the grader reaches without the service's
   per-batch work (feedback, one page per student, included in the service's).
"""

from __future__ import annotations

import argparse
import json
import math
import statistics
import sys
import threading
import time
from datetime import UTC

import nbformat
import psutil
from nbgrader.utils import parse_utc

from tests.support.graded import answer_key
from tests.support.hub import Hub, hand_in, running_hub, service_lines

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


def latencies(hub: Hub, students: list[str], key: str, cold: bool) -> list[float]:
    """Submit -> feedback for each of ``students`` in turn; ``cold``: the engine started again first."""
    found = []
    for k, student in enumerate(students):
        if cold:  # another configuration: the service starts its engine again for the next batch
            with open(hub.course / "nbgrader_config.py", "a") as config:
                config.write(f"\n# bench_hub: cold start {k}\n")
        timestamp = hand_in(hub, student, AID, key)
        released(hub, student, timestamp)
        found.append(time.time() - parse_utc(timestamp).replace(tzinfo=UTC).timestamp())
    return found


def all_out(hub: Hub, stamps: dict[str, str], since: float) -> float:
    """Seconds from ``since`` until each student's submission (its timestamp) has its feedback out."""
    return max(released(hub, student, stamp) for student, stamp in stamps.items()) - since


def handed_in(hub: Hub) -> dict[str, str]:
    """Every student submits the answer key at once (a thread each): their timestamps."""
    key = nbformat.writes(answer_key(AID))
    stamps: dict[str, str] = {}
    threads = [
        threading.Thread(target=lambda s=s: stamps.__setitem__(s, hand_in(hub, s, AID, key)))
        for s in hub.students
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return stamps


def service_process() -> psutil.Process:
    """The grade-on-submit service's process (``python -m convlab.hub.service``)."""
    found = [
        p
        for p in psutil.process_iter(["cmdline"])
        if "convlab.hub.service" in " ".join(p.info["cmdline"] or [])
    ]
    if len(found) != 1:
        raise SystemExit(f"expected one grade-on-submit service, found {len(found)}")
    return found[0]


def p95(values: list[float]) -> float:
    """The nearest-rank 95th percentile (with few samples, the largest)."""
    return sorted(values)[max(0, math.ceil(0.95 * len(values)) - 1)]


def figures(name: str, values: list[float]) -> str:
    shown = ", ".join(f"{v:.1f}" for v in values)
    middle = statistics.median(values)
    return f"{name}: Submit -> feedback fetchable: {shown} s (median {middle:.1f} s, p95 {p95(values):.1f} s)"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--students", type=int, default=10)
    parser.add_argument("--samples", type=int, default=5, help="submissions timed, cold and warm each")
    args = parser.parse_args(argv)
    key = nbformat.writes(answer_key(AID))
    with running_hub(students=args.students) as hub:
        steps = [(hub.instructor, "release_assignment")] + [(s, "fetch_assignment") for s in hub.students]
        for user, *cmd in [(user, step, AID) for user, step in steps]:
            done = hub.run_as(user, "nbgrader", *cmd)
            if done.returncode:
                raise SystemExit(f"{user}: nbgrader {' '.join(cmd)}: {done.stdout}{done.stderr}")
        print(f"{args.students} students on a hub on loopback; grade on submit of {AID}", flush=True)

        deadline = time.monotonic() + 600
        while not service_lines(hub, "grading engine started"):  # the service's own start, not timed
            if time.monotonic() > deadline:
                raise SystemExit(f"the service's engine did not start:\n{hub.log_text()[-3000:]}")
            time.sleep(0.2)
        samples = [hub.students[k % len(hub.students)] for k in range(args.samples)]
        cold = latencies(hub, samples, key, cold=True)
        print(figures("cold (engine started again)", cold), flush=True)
        warm = latencies(hub, samples, key, cold=False)
        print(figures("warm (engine kept)", warm), flush=True)
        ratio = statistics.median(warm) / statistics.median(cold)
        print(f"ratio: the warm median is {ratio:.2f} x the cold", flush=True)

        began = time.monotonic()
        stamps = handed_in(hub)
        submitted = time.monotonic()
        flood = all_out(hub, stamps, began)
        per_minute = 60 * args.students / flood
        print(
            f"flood: {args.students} submitted within {submitted - began:.1f} s; all feedback out after "
            f"{flood:.1f} s: {per_minute:.1f} submissions/min",
            flush=True,
        )

        service = service_process()
        service.suspend()
        try:
            stamps = handed_in(hub)
        finally:
            service.resume()
        backlog = all_out(hub, stamps, time.monotonic())
        backlog_rate = 60 * args.students / backlog
        print(
            f"backlog: {args.students} handed in while the service was paused; all feedback out "
            f"{backlog:.1f} s after it went on: {backlog_rate:.1f} submissions/min",
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
        print(
            f"ratio: the service's rate on a backlog is {backlog_rate / batch_rate:.2f} x the batch's",
            flush=True,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
