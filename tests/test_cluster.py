"""Grading on a Dask cluster (``python -m convlab.grading --scheduler ADDRESS``), against a real
``dask scheduler`` and ``dask worker`` processes on loopback: a worker killed mid-batch costs
nothing, an unreachable scheduler or one without workers writes nothing. (Its scores are plain
nbgrader's: tests/test_grading_plain.py.)"""

import os
import socket
import time

import pytest
from distributed import Client

from convlab.grading.tables import read_csv
from tests.support.cluster import LoopbackCluster
from tests.support.course import copy_course, python_m, start_python_m
from tests.support.graded import answer_key
from tests.support.grading import points, scores, submit
from tests.support.notebooks import load

pytestmark = pytest.mark.slow
CLASS = ("01_cross_correlation",)


@pytest.fixture(scope="module")
def cluster():
    with LoopbackCluster(workers=2) as running:
        yield running


def test_a_worker_killed_mid_batch_loses_nothing(tmp_path, cluster):
    """A third worker joins, takes submissions and is killed while it holds them: they are
    executed by the others, every submission is recorded exactly once, with its right score."""
    aid = CLASS[0]
    course = copy_course(tmp_path)
    students = [f"s{i}" for i in range(8)]
    for i, student in enumerate(students):
        submit(course, student, aid, answer_key(aid) if i % 2 == 0 else load("notebooks", aid))
    victim = cluster.add_worker()
    with Client(cluster.address, timeout=30) as client:
        client.wait_for_workers(3, timeout=120)
        address = next(a for a, pid in client.run(os.getpid).items() if pid == victim.pid)
        grading = start_python_m(course, "convlab.grading", "--scheduler", cluster.address)
        deadline = time.monotonic() + 300
        while True:
            assert time.monotonic() < deadline and grading.poll() is None, "the victim never got a submission"
            if client.processing(address).get(address):
                break
            time.sleep(0.05)
        cluster.kill(victim)
        out, err = grading.communicate(timeout=600)
    assert grading.returncode == 0, out + err
    assert "graded 8 submissions" in err and "8 graded, 0 hit a limit, 0 failed" in err, err
    for i, student in enumerate(students):
        assert scores(course, aid, student) == (
            points(aid) if i % 2 == 0 else dict.fromkeys(points(aid), 0.0)
        ), student
    rows = read_csv(course / "autograder" / "grading-report.csv")
    assert sorted(r["student"] for r in rows) == students  # each once


def test_an_unreachable_scheduler_is_a_clear_error_and_nothing_is_written(tmp_path):
    course = copy_course(tmp_path)
    submit(course, "key", CLASS[0], answer_key(CLASS[0]))
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    before = sorted(p.relative_to(course) for p in course.rglob("*"))
    done = python_m(course, "convlab.grading", "--scheduler", f"tcp://127.0.0.1:{port}")
    assert done.returncode != 0
    assert f"cannot reach the Dask scheduler at tcp://127.0.0.1:{port}" in done.stderr, done.stderr
    assert "nothing was graded" in done.stderr
    assert "Traceback" not in done.stderr, done.stderr
    assert sorted(p.relative_to(course) for p in course.rglob("*")) == before  # no gradebook, no state


def test_a_scheduler_without_workers_is_a_clear_error_and_nothing_is_written(tmp_path):
    course = copy_course(tmp_path)
    submit(course, "key", CLASS[0], answer_key(CLASS[0]))
    before = sorted(p.relative_to(course) for p in course.rglob("*"))
    with LoopbackCluster(workers=0) as empty:
        done = python_m(course, "convlab.grading", "--scheduler", empty.address)
    assert done.returncode != 0
    assert f"the Dask scheduler at {empty.address} has no workers" in done.stderr, done.stderr
    assert "Traceback" not in done.stderr, done.stderr
    assert sorted(p.relative_to(course) for p in course.rglob("*")) == before
