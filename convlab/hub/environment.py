"""A Python environment every user of the machine can run: the course's packages for the
single-user servers, their kernels and the grading service.

The interpreter that runs ``make`` may live where only root can enter (``/root/.pyenv``), so
the environment is a virtual environment of Debian's ``/usr/bin/python3`` holding this
environment's installed packages (so ``.venv`` must be Debian's version, 3.11), hard-linked where
the file system allows, convlab itself, and the Jupyter data and configuration (extensions, the kernelspec).
Introduced for ``make hub``; ``tests/test_sandbox.py`` grades with it as an ordinary user.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import convlab

DEBIAN_PYTHON = "/usr/bin/python3"


def _copy_tree(source: Path, target: Path) -> None:
    """``cp -a`` from ``source`` into ``target``, as hard links on the same file system."""
    target.mkdir(parents=True, exist_ok=True)
    same = os.stat(source).st_dev == os.stat(target).st_dev
    subprocess.run(["cp", "-al" if same else "-a", f"{source}/.", str(target)], check=True)


def _script(path: Path, python: Path, module: str, call: str) -> None:
    path.write_text(f"#!{python}\nimport sys\nfrom {module} import {call}\nsys.exit({call}())\n")
    path.chmod(0o755)


def _version(python: str) -> str:
    return subprocess.run(
        [python, "-c", "import platform; print(platform.python_version())"],
        capture_output=True, text=True, check=True,
    ).stdout.strip()  # fmt: skip


def other_python(python: str) -> str | None:
    """Why ``python`` cannot run this environment's packages, if it is another Python than the one
    they were installed for (their compiled modules are built for one; ``make hub`` needs
    ``.venv`` made with Debian's 3.11)."""
    theirs, here = _version(python), f"{sys.version_info.major}.{sys.version_info.minor}"
    if theirs.rsplit(".", 1)[0] != here:
        return (
            f"the hub's accounts run {python} (Python {theirs}), and this environment is Python {here}: "
            f"make it again with that Python: make hub PYTHON={python}"
        )
    return None


def unsupported(python: str) -> list[str]:
    """The installed packages whose Requires-Python excludes ``python``'s version (Debian's
    3.11.2 is older than the interpreter these packages were installed for)."""
    from importlib.metadata import distributions

    from packaging.specifiers import SpecifierSet

    version_here = _version(python)
    needs = {d.metadata["Name"]: (d.version, d.metadata.get("Requires-Python")) for d in distributions()}
    return sorted(
        f"{name} {version} (Python {spec})"
        for name, (version, spec) in needs.items()
        if spec and version_here not in SpecifierSet(spec)
    )


def build(venv: Path, python: str = DEBIAN_PYTHON) -> Path:
    """Create ``venv`` (replacing one left half-built) and return its interpreter; refuses when a
    package would not run on ``python``."""
    mismatch = other_python(python)
    if mismatch:
        raise SystemExit(mismatch)
    refused = unsupported(python)
    if refused:
        raise SystemExit(f"{python} is too old for: {'; '.join(refused)}; pin versions that support it")
    if venv.exists():
        shutil.rmtree(venv)
    subprocess.run([python, "-m", "venv", "--without-pip", str(venv)], check=True)
    site = Path(sysconfig.get_path("purelib", vars={"base": str(venv), "platbase": str(venv)}))
    _copy_tree(Path(sysconfig.get_path("purelib")), site)
    for editable in site.glob("__editable__*"):
        editable.unlink()
    shutil.copytree(
        Path(convlab.__file__).parent, site / "convlab", ignore=shutil.ignore_patterns("__pycache__")
    )
    for data in ("share/jupyter", "etc/jupyter"):
        if (Path(sys.prefix) / data).is_dir():
            _copy_tree(Path(sys.prefix) / data, venv / data)
    bindir = venv / "bin"
    # nbgrader runs `alembic` from PATH to create the gradebook; people type `jupyter`, `nbgrader`
    _script(bindir / "alembic", bindir / "python", "alembic.config", "main")
    _script(bindir / "jupyter", bindir / "python", "jupyter_core.command", "main")
    _script(bindir / "nbgrader", bindir / "python", "nbgrader.apps.nbgraderapp", "main")
    return bindir / "python"
