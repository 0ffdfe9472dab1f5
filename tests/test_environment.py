"""environment.yml (conda users) and pyproject.toml (pip, make) install the same pins."""

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
    assert "python=3.11" in env["dependencies"]
    assert "-e .[dev]" in pip


def test_every_dependency_is_pinned(root):
    project = tomllib.loads((root / "pyproject.toml").read_text())["project"]
    for requirement in project["dependencies"] + project["optional-dependencies"]["dev"]:
        assert "==" in requirement, f"{requirement} is not pinned"
    assert "torch==2.13.0" in project["dependencies"]
