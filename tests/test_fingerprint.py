"""The grading fingerprint hashes exactly the code a graded kernel runs: every convlab module a
kernel loads is in it, and editing code no kernel runs (the class report, the hub) regrades nothing."""

import json
import shutil
import subprocess
import sys
from pathlib import Path

import convlab
from convlab.grading.recording.fingerprints import ENTRY_POINTS, graded_code, grading_digest
from tests.support.notebooks import ROOT

PACKAGE = Path(convlab.__file__).resolve().parent
SOURCES = sorted((ROOT / "source").glob("*/*.ipynb"))

# in a fresh process: the engine a kernel is forked from and run by, then every answer key's
# graded cells (setup, answers, tests) as a graded kernel runs them; which convlab files it loaded
LOADED = f"""
import importlib, json, sys
import nbformat
for name in {list(ENTRY_POINTS)!r}:
    importlib.import_module(name)
for path in sys.argv[1:]:  # (not tests.support.graded: what it imports is no kernel's)
    namespace = {{}}
    for cell in nbformat.read(path, as_version=4).cells:
        graded = cell.metadata.get("nbgrader", {{}}).get("grade_id")
        if cell.cell_type == "code" and (cell.id == "setup" or graded):
            exec(compile(cell.source, path, "exec"), namespace)
print(json.dumps(sorted(m.__file__ for n, m in list(sys.modules.items())
                        if n.split(".")[0] == "convlab" and getattr(m, "__file__", None))))
"""


def test_every_module_a_graded_kernel_loads_is_fingerprinted():
    keys = [str(ROOT / "solutions" / p.parent.name / p.name) for p in SOURCES]
    run = subprocess.run(
        [sys.executable, "-c", LOADED, *keys], cwd=ROOT, capture_output=True, text=True, timeout=600
    )
    assert run.returncode == 0, run.stderr[-3000:]
    loaded = {Path(f).resolve() for f in json.loads(run.stdout.splitlines()[-1])}
    fingerprinted = set(graded_code(SOURCES))
    assert PACKAGE / "checks" / "pooling.py" in loaded  # the run did grade
    assert loaded <= fingerprinted, (
        f"loaded by a graded kernel, not fingerprinted: {sorted(loaded - fingerprinted)}"
    )


def test_editing_a_check_regrades_and_editing_the_report_or_the_hub_does_not(tmp_path):
    package = tmp_path / "convlab"
    shutil.copytree(PACKAGE, package, ignore=shutil.ignore_patterns("__pycache__"))
    before = grading_digest(SOURCES, package)

    for unscored in (
        "grading/results/report.py",
        "hub/deploy.py",
        "grading/recording/state.py",
        "site/build.py",
    ):
        with open(package / unscored, "a") as f:
            f.write("\n# an edit no kernel runs\n")
        assert grading_digest(SOURCES, package) == before, unscored

    for scored in (
        "checks/pooling.py",
        "geometry.py",
        "grading/engine/limits.py",
        "grading/results/review.py",
        "locale/zh_CN/LC_MESSAGES/convlab.po",  # a check's message in Chinese
    ):
        original = (package / scored).read_bytes()
        (package / scored).write_bytes(original + b"\n# an edit a kernel (or its worker) runs\n")
        assert grading_digest(SOURCES, package) != before, scored
        (package / scored).write_bytes(original)
    assert grading_digest(SOURCES, package) == before
