"""environment.yml (conda users) and pyproject.toml (pip, make) install the same pins."""

import os
import re
import subprocess
import sys
import tomllib

import yaml


def test_environment_yml_pins_what_pyproject_pins(root):
    project = tomllib.loads((root / "pyproject.toml").read_text())["project"]
    wanted = set(project["dependencies"]) | set(project["optional-dependencies"]["dev"])
    env = yaml.safe_load((root / "environment.yml").read_text())
    pip = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict))
    listed = {p for p in pip if not p.startswith("-e")}
    assert listed == wanted, (
        f"only in environment.yml: {listed - wanted}; only in pyproject: {wanted - listed}"
    )
    pythons = [d for d in env["dependencies"] if isinstance(d, str) and d.startswith("python")]
    assert pythons == [f"python{project['requires-python']}"], (pythons, project["requires-python"])
    assert "-e .[dev]" in pip


def test_every_dependency_is_pinned(root):
    project = tomllib.loads((root / "pyproject.toml").read_text())["project"]
    for requirement in project["dependencies"] + project["optional-dependencies"]["dev"]:
        assert "==" in requirement, f"{requirement} is not pinned"
    assert "torch==2.13.0" in project["dependencies"]


def test_make_asks_for_the_pythons_pyproject_allows(root):
    """The Makefile checks the interpreter before it makes .venv (a clear message, not pip's)."""
    project = tomllib.loads((root / "pyproject.toml").read_text())["project"]
    makefile = (root / "Makefile").read_text()
    low, high = re.search(r"\(3, (\d+)\) <= sys\.version_info\[:2\] <= \(3, (\d+)\)", makefile).groups()
    assert project["requires-python"] == f">=3.{low},<3.{int(high) + 1}"
    assert f"needs Python 3.{low} to 3.{high}" in makefile


def test_naming_another_python_makes_the_venv_again_and_a_missing_one_is_refused(root, tmp_path):
    """``make lab PYTHON=python3.13`` over a .venv of another version makes it again; over one of
    the same version keeps it; a PYTHON that does not run stops make, saying so (``make -n``:
    the recipe make would run, nothing run)."""
    venv = tmp_path / "venv"
    (venv / "bin").mkdir(parents=True)
    (venv / "bin" / "python").symlink_to(sys.executable)
    (venv / ".ready").touch()

    def make(python: str, fake_version: str | None = None) -> subprocess.CompletedProcess:
        wrapper = tmp_path / "python-wrapper"
        if fake_version:  # an interpreter that says it is another version
            wrapper.write_text(f"#!/bin/sh\necho {fake_version}\n")
            wrapper.chmod(0o755)
            python = str(wrapper)
        env = {k: v for k, v in os.environ.items() if k != "MAKEFLAGS"}
        return subprocess.run(
            ["make", "-n", "venv", f"VENV={venv}", f"PYTHON={python}"],
            cwd=root, capture_output=True, text=True, env=env,
        )  # fmt: skip

    same = make(sys.executable)
    assert same.returncode == 0 and "rm -rf" not in same.stdout, same.stdout + same.stderr
    other = make("", fake_version="3.99")
    assert other.returncode == 0 and f"rm -rf {venv}" in other.stdout, other.stdout + other.stderr
    assert "making it again" in other.stdout
    missing = make(str(tmp_path / "no-such-python"))
    assert missing.returncode != 0 and "does not run here" in missing.stderr, missing.stderr
