"""Temporary folders of a killed run are swept by the next one; a live run's, another user's,
a planted symbolic link and what a link points to are never touched."""

import os
import signal
import subprocess
import sys

import pytest

from convlab.grading.engine.scratch import OWNER, Scratch, sweep

MAKES = """
import sys, time
from convlab.grading.engine.scratch import Scratch
folders = [Scratch(p, dir=sys.argv[1]) for p in ("convlab-grading-", "convlab-run-", "convlab-kit-")]
print(" ".join(f.name for f in folders), flush=True)
time.sleep(600)
"""


def start_run(tmp):
    run = subprocess.Popen([sys.executable, "-c", MAKES, str(tmp)], stdout=subprocess.PIPE, text=True)
    return run, run.stdout.readline().split()


def test_a_killed_runs_folders_go_and_a_live_runs_stay(tmp_path):
    killed, its_folders = start_run(tmp_path)
    live, live_folders = start_run(tmp_path)
    try:
        killed.send_signal(signal.SIGKILL)
        killed.wait()
        assert all(os.path.isdir(f) for f in its_folders)  # SIGKILL cleans nothing up
        mine = Scratch("convlab-run-", dir=str(tmp_path))  # this process's own, in use
        removed = sweep(str(tmp_path))
        assert sorted(map(str, removed)) == sorted(its_folders)
        assert all(os.path.isdir(f) for f in [*live_folders, mine.name])
        mine.cleanup()
        assert not os.path.exists(mine.name)
    finally:
        live.kill()
        live.wait()
    assert sorted(map(str, sweep(str(tmp_path)))) == sorted(live_folders)


def dead_folder(path):
    """A folder that looks like a dead run's: an owner file nobody locks."""
    path.mkdir()
    (path / OWNER).write_text("1\n")
    return path


def test_a_planted_link_and_what_links_point_to_are_left_alone(tmp_path):
    victim = dead_folder(tmp_path / "victim")  # what a hostile user wants removed
    (victim / "precious").write_text("keep")
    (tmp_path / "convlab-run-planted").symlink_to(victim)
    inside = dead_folder(tmp_path / "convlab-kit-dead")
    (inside / "link").symlink_to(victim)
    (tmp_path / "convlab-grading-unlocked").mkdir()  # no owner file: being made, or not ours
    (tmp_path / "convlab-run-lock-is-a-link").mkdir()
    (tmp_path / "convlab-run-lock-is-a-link" / OWNER).symlink_to(victim / OWNER)

    assert sweep(str(tmp_path)) == [inside]
    assert (victim / "precious").read_text() == "keep"
    assert (tmp_path / "convlab-run-planted").is_symlink()
    assert (tmp_path / "convlab-grading-unlocked").is_dir()
    assert (tmp_path / "convlab-run-lock-is-a-link").is_dir()


@pytest.mark.skipif(os.geteuid() != 0, reason="making a folder another user owns needs root")
def test_another_users_folder_is_left_alone(tmp_path):
    theirs = dead_folder(tmp_path / "convlab-grading-theirs")
    os.chown(theirs / OWNER, 65534, 65534)
    os.chown(theirs, 65534, 65534)
    lock_theirs = dead_folder(tmp_path / "convlab-run-their-lock")  # our folder, their owner file
    os.chown(lock_theirs / OWNER, 65534, 65534)
    assert sweep(str(tmp_path)) == []
    assert theirs.is_dir() and lock_theirs.is_dir()
