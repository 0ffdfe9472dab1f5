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


HALF_MADE = """
import fcntl, os, sys, time
folder = sys.argv[1]
os.mkdir(folder)
lock = os.open(os.path.join(folder, ".owner.partial"), os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o600)
fcntl.flock(lock, fcntl.LOCK_EX)  # a maker stopped between locking its lock and naming it
print("ready", flush=True)
time.sleep(600)
"""


def aged(path, seconds: float) -> None:
    then = os.stat(path).st_mtime - seconds
    os.utime(path, (then, then))


def test_a_folder_whose_maker_died_making_it_goes_once_it_is_stale(tmp_path):
    """A run killed between making a folder and naming its lock (a test's SIGKILL landed there)
    left a folder no sweep removed: it is removed once older than a live maker could be, if its
    half-made lock is free; a live maker's, or a young one, stays."""
    from convlab.grading.engine.scratch import HALF_MADE_SECONDS

    dead = tmp_path / "convlab-run-half-made"
    dead.mkdir()
    (dead / f"{OWNER}.partial").write_text("1\n")
    empty = tmp_path / "convlab-kit-empty"
    empty.mkdir()
    young = tmp_path / "convlab-grading-young"
    young.mkdir()
    (young / f"{OWNER}.partial").write_text("1\n")
    held = tmp_path / "convlab-run-held"
    maker = subprocess.Popen([sys.executable, "-c", HALF_MADE, str(held)], stdout=subprocess.PIPE, text=True)
    try:
        assert maker.stdout.readline().strip() == "ready"
        assert sweep(str(tmp_path)) == []  # none is stale yet
        for path in (dead, empty, held):
            aged(path, HALF_MADE_SECONDS + 5)
        assert sorted(sweep(str(tmp_path))) == sorted([dead, empty])
        assert young.is_dir() and held.is_dir()  # too young; its maker holds its lock
    finally:
        maker.kill()
        maker.wait()
    aged(held, HALF_MADE_SECONDS + 5)
    assert sweep(str(tmp_path)) == [held]
