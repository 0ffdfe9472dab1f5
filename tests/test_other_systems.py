"""The student side on macOS and Windows: convlab's notebook library, its checks and its widgets
use nothing only Linux has. Landlock, namespaces and ``resource`` limits are the grader's
(``convlab.grading``), which a kernel never imports.

Proven two ways: notebooks run through nbval with tests/support/elsewhere loaded in every
process (the instructor's side cannot be imported at all, and convlab's modules and the
notebook's cells cannot import ``resource``, ``fcntl``, ``termios``, ``pty``, ``pwd``, ``grp`` or
``ctypes``), and every student-side module read for calls that exist only on Unix.
tests/test_pythons.py runs every answer key so on Python 3.13.
"""

import ast
import os
import subprocess
import sys
from pathlib import Path

import pytest

import convlab
from tests.support.notebooks import ROOT, load

ELSEWHERE = ROOT / "tests" / "support" / "elsewhere"
PACKAGE = Path(convlab.__file__).parent
STUDENT_SIDE = sorted(
    p for p in PACKAGE.rglob("*.py") if p.relative_to(PACKAGE).parts[0] not in {"grading", "hub", "site"}
)
# os and signal names Windows lacks (Python's documentation: "Availability: Unix")
UNIX_ONLY = {
    "os": {"fork", "forkpty", "unshare", "setns", "sched_getaffinity", "sched_setaffinity", "setsid",
           "setpgid", "getpgid", "killpg", "getuid", "geteuid", "setuid", "setgid", "chown", "lchown",
           "wait3", "wait4", "sysconf", "getloadavg", "nice", "pipe2", "mkfifo", "posix_spawn"},
    "signal": {"SIGALRM", "SIGKILL", "SIGHUP", "SIGUSR1", "SIGUSR2", "SIGCHLD", "alarm", "setitimer",
               "getitimer", "pthread_sigmask", "pthread_kill", "sigwait", "siginterrupt"},
}  # fmt: skip


def elsewhere_env(log: Path) -> dict[str, str]:
    return os.environ | {"PYTHONPATH": str(ELSEWHERE), "CONVLAB_ELSEWHERE_LOG": str(log)}


def run(code: str, log: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=elsewhere_env(log), capture_output=True, text=True
    )


def test_the_blocker_refuses_what_it_says(tmp_path):
    """So that a green notebook run below means something: the grader's modules, and a Linux-only
    module asked for by convlab, fail under it, even one another library has already loaded."""
    log = tmp_path / "log"
    code = (
        "import importlib\n"
        "exec('import psutil, resource', {'__name__': 'somelib'})  # other libraries keep them\n"
        "for name in ['resource', 'fcntl', 'ctypes', 'pwd']:\n"
        "    try:\n"
        "        exec(f'import {name}', {'__name__': 'convlab.checks.runner'})\n"
        "    except ModuleNotFoundError as err:\n"
        "        print('refused', name)\n"
        "for name in ['convlab.grading.engine.limits', 'convlab.grading.engine.landlock',\n"
        "             'convlab.hub.accounts']:\n"
        "    try:\n"
        "        importlib.import_module(name)\n"
        "    except ModuleNotFoundError:\n"
        "        print('refused', name)\n"
    )
    done = run(code, log)
    assert done.returncode == 0, done.stderr
    refused = [line.split()[1] for line in done.stdout.splitlines()]
    assert refused == ["resource", "fcntl", "ctypes", "pwd", "convlab.grading.engine.limits",
                       "convlab.grading.engine.landlock", "convlab.hub.accounts"]  # fmt: skip


def test_the_student_side_imports_without_what_only_linux_has(tmp_path):
    log = tmp_path / "log"
    code = (
        "import convlab, convlab.checks, convlab.widgets, convlab.plots, convlab.data, convlab.oracle\n"
        "import convlab.timing, convlab.watch, convlab.geometry, convlab.failure\n"
        "from convlab.checks import *\n"
        "import sys; print(sorted(m for m in sys.modules if m.startswith('convlab')))\n"
    )
    done = run(code, log)
    assert done.returncode == 0, done.stderr
    loaded = set(eval(done.stdout))  # noqa: S307 (our own printed list)
    student = {
        ".".join(p.relative_to(PACKAGE.parent).with_suffix("").parts).removesuffix(".__init__")
        for p in STUDENT_SIDE
    }
    assert loaded <= student and "convlab.checks.runner" in loaded, loaded - student
    assert " refused " not in log.read_text()


@pytest.mark.slow
def test_notebooks_with_checks_and_widgets_pass_nbval_without_what_only_linux_has(tmp_path):
    """01 (checks, the sliding-window animations) and 02 (the kernel explorer's sliders)."""
    log = tmp_path / "log"
    notebooks = ["solutions/01_cross_correlation", "solutions/02_edge_detection"]
    done = subprocess.run(
        [sys.executable, "-m", "pytest", *notebooks, "-q", "-p", "no:cacheprovider"],
        cwd=ROOT, env=elsewhere_env(log), capture_output=True, text=True, timeout=900,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout[-6000:] + done.stderr[-2000:]
    cells = sum(1 for n in notebooks for c in load("solutions", Path(n).name).cells if c.cell_type == "code")
    assert f"{cells} passed" in done.stdout.splitlines()[-1], done.stdout[-500:]
    lines = log.read_text().splitlines()
    assert len([line for line in lines if " loaded " in line and " -f " in line]) == 2, lines  # both kernels
    assert not [line for line in lines if " refused " in line], lines


@pytest.mark.parametrize("path", STUDENT_SIDE, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_no_student_side_module_calls_what_only_unix_has(path):
    tree = ast.parse(path.read_text())
    found = [
        f"{node.value.id}.{node.attr} (line {node.lineno})"
        for node in ast.walk(tree)
        if isinstance(node, ast.Attribute)
        and isinstance(node.value, ast.Name)
        and node.attr in UNIX_ONLY.get(node.value.id, ())
    ]
    found += [
        f"from {node.module} import {a.name} (line {node.lineno})"
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom)
        for a in node.names
        if a.name in UNIX_ONLY.get(node.module or "", ())
    ]
    found += [
        f"{node.value!r} (line {node.lineno})"
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and node.value.startswith(("/proc", "/dev/", "/tmp/", "/sys/"))
    ]
    assert not found, f"{path.name} uses what Windows lacks: {found}"
