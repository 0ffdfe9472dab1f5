"""A JupyterHub of the course for tests: ``python -m convlab.hub`` (what ``make hub`` runs) on a
temporary folder and free loopback ports, with a class of throwaway accounts that are removed
again, with their homes, when the hub stops."""

from __future__ import annotations

import csv
import os
import pwd
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from convlab.grading.roster import read_roster
from convlab.hub import accounts
from tests.support.notebooks import ROOT


@dataclass
class Hub:
    url: str
    root: Path
    prefix: str
    passwords: dict[str, str]
    instructor: str
    students: list[str]
    log: Path

    @property
    def course(self) -> Path:
        return self.root / "course"

    @property
    def exchange(self) -> Path:
        return self.root / "exchange"

    @property
    def python(self) -> str:
        return str(self.root / "env" / "bin" / "python")

    def log_text(self) -> str:
        return self.log.read_text(errors="replace")

    def run_as(self, user: str, *argv: str, **kwargs) -> subprocess.CompletedProcess:
        """``argv`` as ``user`` in their home, with the environment their JupyterLab's terminal
        has: the hub's Python first on PATH, their role's Jupyter configuration."""
        home = pwd.getpwnam(user).pw_dir
        role = "staff" if user == self.instructor else "students"
        env = [
            f"PATH={self.root / 'env' / 'bin'}:/usr/bin:/bin",
            f"HOME={home}",
            "LANG=C.UTF-8",
            f"JUPYTER_CONFIG_PATH={self.root / 'config' / role}",
        ]
        return subprocess.run(
            ["runuser", "-u", user, "--", "env", "-i", *env, *argv],
            capture_output=True,
            text=True,
            cwd=home,
            **kwargs,
        )


def free_ports(count: int) -> int:
    """The first of ``count`` consecutive free loopback ports (the hub takes its port and the next two)."""
    for _ in range(100):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            first = s.getsockname()[1]
        if first + count > 65535:
            continue
        try:
            held = []
            for port in range(first, first + count):
                sock = socket.socket()
                held.append(sock)
                sock.bind(("127.0.0.1", port))
            return first
        except OSError:
            continue
        finally:
            for sock in held:
                sock.close()
    raise RuntimeError("no free run of loopback ports")


def write_roster(path: Path, prefix: str, students: int) -> tuple[str, list[str]]:
    instructor, learners = f"{prefix}t", [f"{prefix}s{k}" for k in range(1, students + 1)]
    rows = [(instructor, "Test Teacher", "instructor")] + [(s, f"Student {s}", "student") for s in learners]
    with open(path, "w", newline="") as f:
        csv.writer(f).writerows([("id", "name", "role"), *rows])
    return instructor, learners


def remove_account(name: str, timeout_s: float = 30) -> str:
    """Stop every process of the account, then remove it with its home (userdel refuses an
    account that still has processes, and the kill takes a moment)."""
    deadline = time.monotonic() + timeout_s
    while subprocess.run(["pgrep", "-u", name], capture_output=True).returncode == 0:
        subprocess.run(["pkill", "-KILL", "-u", name], capture_output=True)
        if time.monotonic() > deadline:
            break
        time.sleep(0.2)
    done = subprocess.run(["userdel", "--remove", name], capture_output=True, text=True)
    # 6: no such account; 12: its home was already gone
    return "" if done.returncode in (0, 6, 12) else f"{name}: {done.stderr.strip()}"


@contextmanager
def running_hub(students: int = 2, *extra: str, timeout_s: float = 180, setup=None) -> Iterator[Hub]:
    """A hub with one instructor and ``students`` students (ids ``<prefix>t``, ``<prefix>s1``, ...).
    ``setup(root, url, instructor, students)``, if given, runs before the hub starts and returns
    more arguments for it (the LTI tests' LMS: tests/test_lti.py)."""
    prefix = "ch" + secrets.token_hex(2)
    base = Path(tempfile.mkdtemp(prefix="convlab-hub-", dir="/tmp"))
    base.chmod(0o755)
    roster = base / "roster.csv"
    instructor, learners = write_roster(roster, prefix, students)
    port = free_ports(3)
    if setup is not None:
        extra = (*extra, *setup(base / "hub", f"http://127.0.0.1:{port}", instructor, learners))
    log_path = base / "hub.log"
    log = open(log_path, "w")  # noqa: SIM115 (closed below)
    argv = [sys.executable, "-m", "convlab.hub", "--roster", str(roster), "--root", str(base / "hub"),
            "--ip", "127.0.0.1", "--port", str(port), "--prefix", prefix, *extra]  # fmt: skip
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}"}
    proc = subprocess.Popen(
        argv, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
    )
    try:
        deadline = time.monotonic() + timeout_s
        while "JupyterHub is now running" not in log_path.read_text(errors="replace"):
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the hub did not start:\n{log_path.read_text()[-4000:]}")
            time.sleep(0.3)
        passwords = dict(
            row
            for row in csv.reader((base / "hub" / "state" / "first-passwords.csv").open())
            if row[0] != "id"
        )
        yield Hub(f"http://127.0.0.1:{port}", base / "hub", prefix, passwords, instructor, learners, log_path)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)  # JupyterHub stops the users' servers and its service
            try:
                proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
        log.close()
        names = accounts.Names(prefix)
        left = [remove_account(name) for name in [m.id for m in read_roster(roster)] + [names.grader]]
        subprocess.run(["groupdel", names.staff], capture_output=True)
        keep = os.environ.get("CONVLAB_KEEP_HUB")  # a failing run's hub log, for a person to read
        if keep:
            shutil.copy2(log_path, keep)
        shutil.rmtree(base, ignore_errors=True)
        if any(left):
            raise RuntimeError("test accounts left on this machine: " + "; ".join(filter(None, left)))


def choose_language(page, lang: str = "en", refused: str | None = None) -> str:
    """On the form JupyterHub shows before a server starts (convlab/hub/languages.py), pick
    ``lang`` and start. With ``refused``, first send that value instead (as a tampered form
    would) and return the error the hub shows; else ""."""
    choice = page.locator(f'#spawn_form input[name="lang"][value="{lang}"]')
    choice.wait_for(timeout=60_000)
    shown = ""
    if refused is not None:
        choice.evaluate("(input, value) => { input.value = value; input.checked = true; }", refused)
        page.locator("#spawn_form [type=submit]").click()
        error = page.locator(".spawn-error-msg")
        error.wait_for(timeout=60_000)
        shown = error.inner_text()
        choice.wait_for(timeout=60_000)
    choice.check()
    page.locator("#spawn_form [type=submit]").click()
    return shown


def hand_in(hub: Hub, student: str, aid: str, text: str) -> str:
    """As the student: save ``text`` as their copy of ``aid``'s notebook, then ``nbgrader
    submit``; the submission's timestamp."""
    path = f"{aid}/{aid}.ipynb"
    write = hub.run_as(student, "python", "-c", f"import sys; open({path!r}, 'w').write(sys.stdin.read())",
                       input=text)  # fmt: skip
    done = hub.run_as(student, "nbgrader", "submit", aid, timeout=120)
    if write.returncode or done.returncode:
        raise RuntimeError(f"{student} could not submit: {write.stderr}{done.stdout}{done.stderr}")
    return newest_submissions(hub)[student]


def newest_submissions(hub: Hub) -> dict[str, str]:
    """Each student's newest timestamp in the exchange's ``inbound/`` (entries are nbgrader's
    ``student+assignment+timestamp+random``), among the folders their own account made: one
    named after them by someone else is not theirs (convlab/hub/inbound.py)."""
    newest: dict[str, str] = {}
    for entry in (hub.exchange / "convlab" / "inbound").iterdir():
        parts = entry.name.rsplit("+", 3)
        if len(parts) != 4 or parts[0] not in hub.students:
            continue
        student, _, timestamp, _ = parts
        if entry.lstat().st_uid == pwd.getpwnam(student).pw_uid:
            newest[student] = max(newest.get(student, ""), timestamp)
    return newest


def service_lines(hub: Hub, pattern: str) -> list[str]:
    return [
        line
        for line in hub.log_text().splitlines()
        if "[grade-on-submit" in line and re.search(pattern, line)
    ]
