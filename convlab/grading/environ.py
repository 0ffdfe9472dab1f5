"""Environment variables for the work that needs them, and only for as long as it runs."""

from __future__ import annotations

import contextlib
import os
import sys
from pathlib import Path


def tools_first(env: dict[str, str] | None = None) -> dict[str, str]:
    """``env`` (default: this process's) with this Python's scripts first on PATH: nbgrader runs
    ``alembic``, and the course's commands run ``jupyter`` and ``nbgrader``, from there."""
    env = dict(os.environ if env is None else env)
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    return env


@contextlib.contextmanager
def scoped(**changes: str):
    """Set environment variables while the block runs, then restore them as they were."""
    saved = {name: os.environ.get(name) for name in changes}
    os.environ.update(changes)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
