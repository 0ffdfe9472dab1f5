"""How long an operation takes, for the timing plots of notebook 08 (a leaf: imports nothing of
convlab). Timings are shown, never checked: a check that asserted a time would fail on a slow
machine and pass a wrong answer on a fast one."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence


def seconds(fn: Callable, *args, repeat: int = 3) -> float:
    """The best of ``repeat`` runs of ``fn(*args)``, in seconds (the best is the least disturbed),
    after one run that is not timed (a first call may set things up)."""
    fn(*args)
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        fn(*args)
        best = min(best, time.perf_counter() - start)
    return best


def scaling(
    functions: dict[str, Callable], sizes: Sequence[int], inputs: Callable[[int], tuple], limit_s: float = 0.5
) -> dict[str, list[float | None]]:
    """Seconds per size for every function, on ``inputs(size)``. A function stops at the first
    size that takes longer than ``limit_s`` (the larger ones would only take longer); one that
    raises ``NotImplementedError`` (an exercise not done yet) is skipped with a note."""
    times: dict[str, list[float | None]] = {}
    for name, fn in functions.items():
        row: list[float | None] = []
        for size in sizes:
            if row and (row[-1] is None or row[-1] > limit_s):
                row.append(None)
                continue
            try:
                row.append(seconds(fn, *inputs(size)))
            except NotImplementedError:
                print(f"{name}: not implemented yet, left out of the plot")
                row = [None] * len(sizes)
                break
        times[name] = row
    return times
