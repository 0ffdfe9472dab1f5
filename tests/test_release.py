"""make check-sync: passes on the committed trees, fails on an edit that was not released."""

import json
import subprocess
import sys

import nbformat
import pytest

from convlab.grading.authoring import release
from convlab.grading.course import Course

pytestmark = pytest.mark.slow


def test_committed_trees_are_in_sync_with_source(root):
    course = Course(root)
    problems = release.out_of_sync(course.assignments(), course)
    assert problems == [], "\n".join(problems)


def test_an_unreleased_edit_to_source_is_caught(course):
    aid = "01_cross_correlation"
    path = course / "source" / aid / f"{aid}.ipynb"
    nb = nbformat.read(path, as_version=4)
    nb.cells[0].source += "\n\nA sentence added in source/ but never released."
    nbformat.write(nb, path)
    problems = release.out_of_sync([aid], Course(course))
    assert any(p.startswith(f"notebooks/{aid}/{aid}.ipynb differs") for p in problems)
    assert any(p.startswith(f"solutions/{aid}/{aid}.ipynb differs") for p in problems)
    assert any("never released" in p for p in problems)  # the diff shows what changed


def test_a_hand_edited_release_and_outputs_in_source_are_caught(course):
    aid = "01_cross_correlation"
    released = course / "notebooks" / aid / f"{aid}.ipynb"
    data = json.loads(released.read_text())
    data["cells"][1]["source"] = ["import torch  # edited by hand\n"]
    released.write_text(json.dumps(data))
    source = course / "source" / aid / f"{aid}.ipynb"
    nb = nbformat.read(source, as_version=4)
    nb.cells[1].outputs = [nbformat.v4.new_output("stream", text="left over\n")]
    nbformat.write(nb, source)
    problems = release.out_of_sync([aid], Course(course))
    assert f"source/{aid}/{aid}.ipynb carries outputs or widget state" in problems
    assert any(p.startswith(f"notebooks/{aid}/{aid}.ipynb differs") for p in problems)


def test_check_sync_command_exit_status(course):
    """The command behind `make check-sync`, on one assignment (every one is checked in-process
    above): 0 when in sync, 1 with a message when not."""
    aid = "01_cross_correlation"
    command = [sys.executable, "-m", "convlab.grading.authoring.release", "--check", aid]
    ok = subprocess.run(command, capture_output=True, text=True, cwd=course)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert "in sync" in ok.stdout
    released = course / "notebooks" / aid / f"{aid}.ipynb"
    released.write_text(released.read_text().replace("cross-correlation", "cross correlation", 1))
    stale = subprocess.run(command, capture_output=True, text=True, cwd=course)
    assert stale.returncode == 1, stale.stdout + stale.stderr
    assert f"notebooks/{aid}/{aid}.ipynb differs" in stale.stdout + stale.stderr


def test_unknown_assignment_is_refused(capsys):
    with pytest.raises(SystemExit):
        release.main(["99_nonexistent"])
    assert "no such assignment" in capsys.readouterr().err
