"""environment.yml (conda users) and pyproject.toml (pip, make) install the same pins."""

import re
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
