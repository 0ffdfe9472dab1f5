"""The course's environment for each Python a student may have (3.11 to 3.14), as
``make lab PYTHON=python3.13`` builds it, kept in ``.venvs/`` under a stamp of the pins and the
interpreter. Used by tests/test_pythons.py; ``make test`` first runs ``python -m
tests.support.pythons`` in the background, so that the downloads (PyPI's CUDA build of PyTorch
on Linux, 2.5 GB for each Python) overlap the first tests instead of holding a test worker.
"""

import fcntl
import filecmp
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
ENVS = ROOT / ".venvs"
VERSIONS = ("3.11", "3.12", "3.13", "3.14")


def candidates(version: str) -> list[Path]:
    """Where a user's machine offers Python ``version``: on PATH, then pyenv's, uv's and
    Homebrew's folders and the system's."""
    name = f"python{version}"
    found = [Path(p) for p in [shutil.which(name)] if p]
    pyenv = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv")) / "versions"
    uv = Path.home() / ".local" / "share" / "uv" / "python"
    for folder, pattern in [(pyenv, f"{version}.*/bin/{name}"), (uv, f"cpython-{version}.*/bin/{name}")]:
        try:  # another user's folder (PYENV_ROOT=/root/.pyenv) may not be ours to enter
            found += sorted(folder.glob(pattern), reverse=True) if folder.is_dir() else []
        except OSError:
            continue
    found += [Path(d) / name for d in ("/usr/local/bin", "/opt/homebrew/bin", "/usr/bin")]
    return found


def interpreter(version: str) -> tuple[Path, str] | None:
    """The first candidate that runs, is ``version`` and can make a virtual environment, with its
    full version (pyenv's shims are on PATH for every version, and fail for those not chosen)."""
    for python in candidates(version):
        try:
            done = subprocess.run(
                [python, "-c", "import sys, venv, ensurepip; print('%d.%d.%d' % sys.version_info[:3])"],
                capture_output=True, text=True, timeout=60,
            )  # fmt: skip
        except OSError:
            continue
        full = done.stdout.strip()
        if done.returncode == 0 and full.rsplit(".", 1)[0] == version:
            return python, full
    return None


def stamp(python: Path, full: str) -> dict[str, str]:
    """What an environment was built from: the interpreter, and the pins with make's recipe."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    pins = {k: project[k] for k in ("requires-python", "dependencies", "optional-dependencies")}
    recipe = (ROOT / "Makefile").read_text().split("$(READY): pyproject.toml", 1)[1].split("\n\n", 1)[0]
    digest = hashlib.sha256(json.dumps([pins, recipe]).encode()).hexdigest()
    return {"python": f"{python} {full}", "pins": digest}


def clean_environ(venv: Path, **extra: str) -> dict[str, str]:
    """This process's environment for another interpreter's tools: its venv first on PATH, no
    outer make's flags nor this runner's xdist or coverage settings."""
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"MAKEFLAGS", "MFLAGS", "MAKELEVEL", "PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME"}
        and not k.startswith(("PYTEST_", "COV_"))
    }
    env["PATH"] = f"{venv / 'bin'}:{env.get('PATH', '')}"
    return env | extra


class Absent(Exception):
    """No environment for this Python here, and why."""


def environment(version: str) -> Path:
    """The course's environment for Python ``version``, built with ``make venv`` unless one of the
    same stamp is there; its interpreter. Raises :class:`Absent` for the suite's own Python and
    for one this machine lacks."""
    if sys.version_info[:2] == tuple(map(int, version.split("."))):
        raise Absent(f"Python {version} runs this suite: every other test checks the course on it")
    found = interpreter(version)
    if found is None:
        places = [
            str(Path(d) / "python{v}")
            for d in (
                "~/.pyenv/versions/{v}.*/bin",
                "~/.local/share/uv/python/cpython-{v}.*/bin",
                "/usr/local/bin",
                "/opt/homebrew/bin",
                "/usr/bin",
            )
        ]
        where = ", ".join(places).format(v=version)
        raise Absent(f"Python {version} is not on this machine (looked for python{version} on PATH, {where})")
    python, full = found
    venv = ENVS / f"py{version}"
    ENVS.mkdir(exist_ok=True)
    with open(ENVS / f"py{version}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # another test run in this checkout builds it: wait
        wanted = stamp(python, full)
        stamp_file = venv / ".pins.json"
        built = json.loads(stamp_file.read_text()) if stamp_file.exists() else {}
        if built == wanted and (venv / ".ready").exists():
            return venv / "bin" / "python"
        if built.get("python") != wanted["python"]:
            shutil.rmtree(venv, ignore_errors=True)  # another interpreter: start afresh
        else:
            (venv / ".ready").unlink(missing_ok=True)  # new pins: make installs them over the old
        done = subprocess.run(
            ["make", "venv", f"VENV={venv}", f"PYTHON={python}"],
            # no byte-compiling of every module installed (torch's thousands): what runs compiles
            # itself; no copy of the downloads in pip's cache (3 GB for each Python, read once)
            cwd=ROOT, env=clean_environ(venv, PIP_COMPILE="0", PIP_NO_CACHE_DIR="1"),
            capture_output=True, text=True, timeout=3600,
        )  # fmt: skip
        if done.returncode != 0:
            raise RuntimeError(f"make venv PYTHON={python}:\n{done.stdout[-3000:]}{done.stderr[-3000:]}")
        stamp_file.write_text(json.dumps(wanted))
    return venv / "bin" / "python"


def share_identical_files(venvs: list[Path]) -> int:
    """Make the files that several Pythons' environments hold byte for byte alike (the CUDA
    libraries of PyPI's PyTorch, 2.7 GB in each) one file on disk, hard-linked; the bytes freed.
    pip replaces a file rather than writing into it, so an upgrade in one leaves the others be."""
    first: dict[tuple[str, int], Path] = {}
    freed = 0
    for venv in venvs:
        for site in venv.glob("lib/python3.*/site-packages"):
            for path in sorted((site / "nvidia").rglob("*")):
                if path.is_symlink() or not path.is_file():
                    continue
                other = first.setdefault((path.relative_to(site).as_posix(), path.stat().st_size), path)
                if other.stat().st_ino != path.stat().st_ino and filecmp.cmp(other, path, shallow=False):
                    link = path.with_name(path.name + ".shared")
                    os.link(other, link)
                    os.replace(link, path)
                    freed += path.stat().st_size
    return freed


def build(version: str) -> str:
    try:
        return f"Python {version}: {environment(version)}"
    except Absent as why:
        return str(why)


if __name__ == "__main__":
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(len(VERSIONS)) as pool:  # side by side: each mostly waits for its downloads
        for line in pool.map(build, VERSIONS):
            print(line, flush=True)
    built = [p for p in sorted(ENVS.glob("py3.*")) if (p / ".ready").exists()]
    freed = share_identical_files(built)
    print(f"{freed / 2**30:.1f} GiB shared between {len(built)} environments", flush=True)
