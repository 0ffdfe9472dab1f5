"""The package and tests stay ruff-clean (what `make lint` runs)."""

import subprocess
import sys

import pytest


@pytest.mark.parametrize("command", [["check"], ["format", "--check"]])
def test_ruff(root, command):
    done = subprocess.run(
        [sys.executable, "-m", "ruff", *command, "convlab", "tests"],
        cwd=root,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stdout + done.stderr
