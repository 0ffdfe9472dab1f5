"""The student side on every Python a student may have (3.11 to 3.14): for each interpreter this
machine offers, ``make venv`` builds the course's environment with it (the pins of
pyproject.toml, as ``make lab PYTHON=python3.13`` does), then, in that environment, every
notebook's answer key runs through nbval and the local grader (``make autograde``'s code path)
scores each blank notebook 0 and each answer key full marks.

The interpreter running this suite is the rest of the suite's business and is skipped here; one
that is absent is skipped, saying where it was looked for. Environments are kept in ``.venvs/``
under a stamp of the pins and the interpreter (tests/support/pythons.py): a second run reuses
them; a fresh clone builds each once, ``make test`` in the background while the first tests run
(PyPI has only torch's CUDA build on Linux: 2.5 GB to download for each Python).

3.13's answer keys run without what only Linux has, too (tests/support/elsewhere, as on macOS
or Windows). 3.12's and 3.13's nbval runs are also another machine's: each under one of
tests/support/perturb.py's perturbations (another CPU, thread count, timezone and locale), so
tests/test_portability.py runs those only where this Python is absent.
"""

import subprocess
from pathlib import Path

import pytest

from convlab.grading.course import Course
from tests.support import perturb
from tests.support.course import copy_course
from tests.support.grading import points, scores, submit
from tests.support.notebooks import ROOT, assignments, load
from tests.support.pythons import Absent, clean_environ, environment

pytestmark = pytest.mark.slow
ELSEWHERE = ROOT / "tests" / "support" / "elsewhere"


class Interpreter:
    """One Python: its environment, the answer keys through nbval, blank and key graded."""

    version = ""
    elsewhere = False  # its nbval run without what only Linux has
    # the editions of the answer keys its nbval runs (None: the English); the code is the same
    # in every edition, so each other Python runs one, and the Chinese its fonts and catalogues
    editions: tuple[str | None, ...] = (None,)

    @pytest.fixture(scope="class")
    @classmethod
    def python(cls) -> Path:
        try:
            return environment(cls.version)
        except Absent as why:
            pytest.skip(str(why))

    def test_every_answer_key_passes_nbval(self, python, tmp_path):
        extra = {}
        log = tmp_path / "elsewhere.log"
        if self.elsewhere:
            extra = {"PYTHONPATH": str(ELSEWHERE), "CONVLAB_ELSEWHERE_LOG": str(log)}
        env = clean_environ(python.parent.parent, **extra)
        perturbed = [name for name, version in perturb.ON_PYTHON.items() if version == self.version]
        for name in perturbed:
            env = perturb.environ(name, python, env, tmp_path)
        english = [f"solutions/{aid}" for aid in assignments()]
        trees = [tree for e in self.editions for tree in ([f"solutions/{e}"] if e else english)]
        done = subprocess.run(
            [python, "-m", "pytest", *trees, "-q", "-p", "no:cacheprovider", "--color=no"],
            cwd=ROOT, env=env, capture_output=True, text=True, timeout=1800,
        )  # fmt: skip
        summary = done.stdout.strip().splitlines()[-1] if done.stdout.strip() else ""
        assert done.returncode == 0, (
            f"Python {self.version}, {extra}, under {perturbed}: cells that differ from the answer key: "
            f"{perturb.failed_cells(done.stdout)}\n"
            f"{done.stdout[-6000:]}{done.stderr[-2000:]}"
        )
        assert " passed" in summary and "failed" not in summary and "error" not in summary, summary
        cells = sum(
            1
            for edition in self.editions
            for aid in assignments()
            for c in load("solutions", aid, edition=edition).cells
            if c.cell_type == "code"
        )
        assert int(summary.split(" passed")[0].split()[-1]) == cells, (summary, cells)
        if self.elsewhere:
            lines = log.read_text().splitlines()
            kernels = [line for line in lines if " loaded " in line and " -f " in line]
            assert len(kernels) == len(assignments()), lines  # every notebook's kernel had it
            assert not [line for line in lines if " refused " in line], lines

    def test_blank_scores_0_and_the_key_full_marks(self, python, tmp_path):
        course = copy_course(tmp_path)
        for aid in assignments():
            submit(course, "blank", aid, load("notebooks", aid))
            submit(course, "key", aid, load("solutions", aid))
        done = subprocess.run(
            [python, "-m", "convlab.grading"],
            cwd=course, env=clean_environ(python.parent.parent),
            capture_output=True, text=True, timeout=1800,
        )  # fmt: skip
        assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
        for aid in assignments():
            full = points(aid)
            assert scores(course, aid, "blank") == dict.fromkeys(full, 0), aid
            assert scores(course, aid, "key") == full, aid
        with Course(course).gradebook() as gb:
            assert {s.id for s in gb.students} == {"blank", "key"}


class TestPython311(Interpreter):
    version = "3.11"


class TestPython312(Interpreter):
    version = "3.12"
    editions = ("zh_CN",)  # the Chinese keys: the course's code, its Chinese fonts and catalogues


class TestPython313(Interpreter):
    version = "3.13"
    elsewhere = True


class TestPython314(Interpreter):
    version = "3.14"
