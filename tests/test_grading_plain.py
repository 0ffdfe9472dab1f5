"""Plain ``nbgrader autograde``, the pipeline (``make autograde``) and the pipeline on a Dask
cluster (``--scheduler``, real ``dask scheduler`` and ``dask worker`` processes on loopback) give
every test cell the same score, on a sample of every notebook: the answer key with its first
catalogued mistake, graded once by each. That one submission passes some test cells and fails
others, so each notebook's comparison covers both. (The key, the blank release and every other
mistake: tests/test_grading_e2e.py grades them all through the pipeline, against scores from
running the cells in-process.)"""

import csv
import html
import re

import pytest
from distributed import Client

from convlab.grading.results.mistakes import OTHER, extract
from convlab.grading.tables import read_csv
from tests.catalogue import MUTANTS
from tests.support.cluster import LoopbackCluster
from tests.support.course import copy_course
from tests.support.graded import inject
from tests.support.grading import grade_class, nbgrader, points, scores, submit
from tests.support.notebooks import assignments, load

pytestmark = pytest.mark.slow
STUDENTS = ("mutant",)
ZH = "zh_CN"
CJK = re.compile(r"[\u4e00-\u9fff]")


def executed(address: str) -> int:
    """How many tasks the cluster's workers have executed."""
    with Client(address, timeout=30) as client:
        return sum(client.run(lambda dask_worker: dask_worker.state.executed_count).values())


def test_plain_nbgrader_make_autograde_and_the_cluster_give_identical_scores(tmp_path):
    """Plain ``nbgrader autograde`` (then generate_feedback and export, as documented), the
    pipeline and the pipeline on Dask: every test cell scores the same."""
    plain, fast, distributed = (copy_course(tmp_path / name) for name in ("plain", "pipeline", "dask"))
    for course in (plain, fast, distributed):
        for aid in assignments():
            submit(course, "mutant", aid, inject(load("solutions", aid), MUTANTS[aid][0]))
    for aid in assignments():  # the Chinese edition through plain nbgrader (the pipeline: test_grading_e2e)
        key_zh = load("solutions", aid, edition=ZH)
        submit(plain, "blank_zh", aid, load("notebooks", aid, edition=ZH))
        submit(plain, "key_zh", aid, key_zh)
        submit(plain, "mutant_zh", aid, inject(key_zh, MUTANTS[aid][0]))
    # every assignment at once ("*", nbgrader's own wildcard): one process per step, not nine
    nbgrader(plain, "generate_assignment", "*", "--force")
    nbgrader(plain, "autograde", "*", "--create")
    nbgrader(plain, "generate_feedback", "*")
    nbgrader(plain, "export", "--to=autograder/grades.csv")
    grade_class(fast)
    with LoopbackCluster(workers=2) as cluster:
        log = grade_class(distributed, "--scheduler", cluster.address)
        assert executed(cluster.address) >= len(STUDENTS) * len(assignments())  # the workers ran them
    assert "2 workers" in log, log
    for aid in assignments():
        for student in STUDENTS:
            expected = scores(plain, aid, student)
            assert 0 < sum(expected.values()) < sum(points(aid).values()), (aid, "passes some cells, not all")
            assert scores(fast, aid, student) == expected, (aid, student)
            assert scores(distributed, aid, student) == expected, (aid, student, "dask")
        # the Chinese edition: blank 0, key full, the same mistake the same scores, in Chinese
        assert scores(plain, aid, "blank_zh") == dict.fromkeys(points(aid), 0), aid
        assert scores(plain, aid, "key_zh") == points(aid), aid
        assert scores(plain, aid, "mutant_zh") == scores(plain, aid, "mutant"), aid
        feedback_zh = (plain / "autograder" / "feedback" / "mutant_zh" / aid / f"{aid}.html").read_text()
        graded_zh = plain / "autograder" / "autograded" / "mutant_zh" / aid / f"{aid}.ipynb"
        named = [m for m in extract("mutant_zh", aid, graded_zh.read_text()) if m.mistake != OTHER]
        assert named, aid  # the records its failed checks left: the mistake named, in Chinese
        for made in named:
            head = made.message.splitlines()[0]
            assert CJK.search(head) and html.escape(head, quote=False) in feedback_zh, (aid, head)
            assert MUTANTS[aid][0].hint not in made.message + made.hint, (aid, "an English hint")
        feedback = (plain / "autograder" / "feedback" / "mutant" / aid / f"{aid}.html").read_text()
        assert html.escape(MUTANTS[aid][0].hint, quote=False) in feedback, aid
    with open(plain / "autograder" / "grades.csv") as f:
        assert len(list(csv.DictReader(f))) == (len(STUDENTS) + 3) * len(assignments())
    for course in (fast, distributed):  # the mistakes the checks named, whichever engine ran them
        named = {(r["student"], r["assignment"]) for r in read_csv(course / "autograder" / "mistakes.csv")}
        assert named == {("mutant", aid) for aid in assignments()}, course.name
