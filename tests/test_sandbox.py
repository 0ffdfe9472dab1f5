"""Grading as an ordinary user: every kernel is confined without root (a user and a network
namespace of its own, Landlock), so a hostile submission cannot touch the gradebook, the other
students' work or the answer key, reach the network, fork without bound or fill the disk,
while the honest submissions in the same batch are graded exactly.

The grader runs as a user created here, with Debian's Python and a copy of the course's
packages that user can read: the default interpreter lives where only root may enter.
"""

import hashlib
import os
import pwd
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from convlab.hub import environment
from tests.support.course import copy_course
from tests.support.graded import answer_key
from tests.support.grading import points, printed, scores, submit

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(os.geteuid() != 0, reason="creating the grading user needs root (CI runs as root)"),
]
AID = "01_cross_correlation"
USER = "convlab-sandbox"  # not make hub's convlab-grader, which a hub on this machine may use


def attack(what: str, code: str) -> str:
    """Code that tries ``what`` and prints whether it got through."""
    body = "\n".join("    " + line for line in code.splitlines())
    got, blocked = repr(f"GOT THROUGH: {what}"), repr(f"BLOCKED: {what}:")
    return f"try:\n{body}\n    print({got})\nexcept Exception as err:\n    print({blocked}, err)"


def hostile(course: Path, port: int) -> dict[str, str]:
    gradebook = course / "autograder" / "gradebook.db"
    submitted = course / "autograder" / "submitted"
    key = course / "solutions" / AID / f"{AID}.ipynb"
    return {
        "deletes_gradebook": attack("delete the gradebook", f"import os\nos.remove({str(gradebook)!r})"),
        "overwrites_gradebook": attack(
            "overwrite the gradebook", f"open({str(gradebook)!r}, 'wb').write(b'gone')"
        ),
        "overwrites_others": attack(
            "truncate another student's submission",
            f"open({str(submitted / 'honest' / AID / f'{AID}.ipynb')!r}, 'w').close()",
        ),
        "reads_key": attack("read the answer key", f"print(len(open({str(key)!r}).read()))"),
        "deletes_source": attack(
            "delete source/", f"import shutil\nshutil.rmtree({str(course / 'source')!r})"
        ),
        "network": attack(
            "connect over TCP", f"import socket\nsocket.create_connection(('127.0.0.1', {port}), timeout=5)"
        ),
        "fork_bomb": attack(
            "fork without bound",
            "import os, time\nfor _ in range(10000):\n"
            "    if os.fork() == 0:\n        time.sleep(60)\n        os._exit(0)",
        ),
        "huge_file": attack(
            "write a 200 MB file", "open('huge.bin', 'wb').write(b'x' * (200 * 1024 * 1024))"
        ),
    }


def with_code(code: str):
    nb = answer_key(AID)
    cell = next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "corr2d")
    cell.source += "\n\n" + code
    return nb


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def tree_digest(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): digest(p) for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module", params=[USER, "root"])
def graded_as_a_user(request):
    """The same batch graded by the user, or by root (whose kernels also become nobody)."""
    as_root = request.param == "root"
    if subprocess.run(["id", USER], capture_output=True).returncode != 0:
        subprocess.run(
            ["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", USER], check=True
        )
    user = pwd.getpwnam(USER)
    base = Path(tempfile.mkdtemp(prefix="convlab-sandbox-", dir="/tmp"))
    base.chmod(0o755)
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0)
    try:
        python = sys.executable if as_root else str(environment.build(base / "venv"))
        course = copy_course(base)
        (base / "home").mkdir()
        submissions = {"honest": answer_key(AID), "honest2": answer_key(AID)}
        submissions |= {
            name: with_code(code) for name, code in hostile(course, listener.getsockname()[1]).items()
        }
        for student, nb in submissions.items():
            submit(course, student, AID, nb)
        for path in [] if as_root else [course, base / "home"]:
            subprocess.run(["chown", "-R", f"{user.pw_uid}:{user.pw_gid}", str(path)], check=True)
        protected = {name: tree_digest(course / name) for name in ("source", "solutions", "notebooks")} | {
            "honest": digest(course / "autograder" / "submitted" / "honest" / AID / f"{AID}.ipynb")
        }
        env = {"PATH": f"{Path(python).parent}:/usr/bin:/bin", "HOME": str(base / "home"), "LANG": "C.UTF-8"}
        argv = [python, "-m", "convlab.grading", "--timeout", "30", "--require-sandbox"]
        runuser = [] if as_root else ["runuser", "-u", USER, "--"]
        done = subprocess.run(
            [*runuser, "env", "-i", *[f"{k}={v}" for k, v in env.items()], *argv],
            cwd=course,
            capture_output=True,
            text=True,
            timeout=900,
        )
        try:
            connection = listener.accept()[0]
            connection.close()
            connected = True
        except OSError:
            connected = False
        yield course, done, protected, connected, request.param
    finally:
        listener.close()
        shutil.rmtree(base, ignore_errors=True)


def test_the_user_grades_the_batch_fully_confined(graded_as_a_user):
    course, done, _, _, grader = graded_as_a_user
    assert done.returncode == 0, done.stdout + done.stderr
    assert "cannot enforce" not in done.stderr and "--require-sandbox" not in done.stderr, done.stderr
    assert os.stat(course / "autograder" / "gradebook.db").st_uid == pwd.getpwnam(grader).pw_uid


def test_honest_submissions_are_graded_exactly(graded_as_a_user):
    course, _, protected, _, _ = graded_as_a_user
    for student in ("honest", "honest2"):
        assert scores(course, AID, student) == points(AID)
    path = course / "autograder" / "submitted" / "honest" / AID / f"{AID}.ipynb"
    assert digest(path) == protected["honest"]


@pytest.mark.parametrize(
    "student",
    [
        "deletes_gradebook",
        "overwrites_gradebook",
        "overwrites_others",
        "reads_key",
        "deletes_source",
        "network",
        "huge_file",
    ],
)
def test_every_attack_fails_inside_the_kernel(graded_as_a_user, student):
    course, _, _, _, _ = graded_as_a_user
    out = printed(course, AID, student)
    assert "BLOCKED" in out and "GOT THROUGH" not in out, out[-2000:]
    assert scores(course, AID, student) == points(AID)  # the rest of the notebook still ran


def test_a_fork_bomb_is_refused(graded_as_a_user):
    course, _, _, _, _ = graded_as_a_user
    out = printed(course, AID, "fork_bomb")
    assert "BLOCKED: fork without bound" in out, out[-2000:]


def test_the_course_is_intact(graded_as_a_user):
    course, done, protected, connected, _ = graded_as_a_user
    for name in ("source", "solutions", "notebooks"):
        assert tree_digest(course / name) == protected[name], name
    assert not connected, "a kernel reached a TCP listener on loopback"
    graded = {
        p.parent.parent.name for p in (course / "autograder" / "autograded").glob(f"*/{AID}/{AID}.ipynb")
    }
    assert len(graded) == 10, done.stderr[-3000:]  # the summary names what failed, and why


def test_no_process_of_the_user_outlives_the_batch(graded_as_a_user):
    kernels = graded_as_a_user[-1]
    if kernels == "root":
        pytest.skip(
            "root's kernels run as nobody, like every other grading test's: test_grading_pipeline checks them"
        )
    uid = pwd.getpwnam(kernels).pw_uid
    for _ in range(20):  # the fork server's last kernels may take a moment to be reaped
        left = {}
        for pid in filter(str.isdigit, os.listdir("/proc")):
            try:
                if os.stat(f"/proc/{pid}").st_uid == uid:
                    left[pid] = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ")[:200]
            except OSError:
                continue
        if not left:
            return
        time.sleep(0.5)
    pytest.fail(f"still running as {kernels}: {left}")


@pytest.fixture(autouse=True)
def _python_is_debian_311():
    assert sys.version_info[:2] == (3, 11)
    assert (
        subprocess.run(
            [environment.DEBIAN_PYTHON, "-c", "import sys; assert sys.version_info[:2] == (3, 11)"]
        ).returncode
        == 0
    )
