"""``make hub`` before anything starts: a roster it cannot use is refused whole, naming the line,
before any account, group or folder exists; grading on submit can be switched off; its service
stops at once when the hub stops it."""

import grp
import json
import os
import pwd
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from traitlets.config.loader import PyFileConfigLoader

from convlab.grading.environ import tools_first
from convlab.hub import deploy, service
from tests.support.course import copy_course

HEADER = "id,name,role\n"
GOOD = "chbadt,Teacher,instructor\nchbads,Student,student\n"


@pytest.mark.parametrize(
    "rows, line, says",
    [
        (GOOD + "chbadx,Extra,student,oops\n", 4, "4 fields, the header has 3"),
        (GOOD + "chbads,Again,student\n", 4, "already on line 3"),
        (GOOD + "chbadx,Someone,teacher\n", 4, "unknown role 'teacher'"),
        (GOOD + "ChBad,Capital,student\n", 4, "cannot be an account name"),
        (GOOD + "root,Root,student\n", 4, "system account"),
        (GOOD + "chbad-grader,Sneaky,student\n", 4, "the hub's own account name"),
    ],
)
def test_a_bad_roster_is_refused_naming_the_line_before_anything_is_touched(tmp_path, rows, line, says):
    roster = tmp_path / "roster.csv"
    roster.write_text(HEADER + rows)
    root = tmp_path / "hub"
    with pytest.raises(SystemExit) as refused:
        deploy.main(["--roster", str(roster), "--root", str(root), "--prefix", "chbad"])
    message = str(refused.value)
    assert f"{roster}, line {line}" in message and says in message, message
    assert not root.exists()
    with pytest.raises(KeyError):
        grp.getgrnam("chbad-staff")
    for name in ("chbadt", "chbads", "chbadx", "chbad-grader"):
        with pytest.raises(KeyError):
            pwd.getpwnam(name)


def test_a_roster_without_an_instructor_is_refused(tmp_path):
    roster = tmp_path / "roster.csv"
    roster.write_text(HEADER + "chbads,Student,student\n")
    with pytest.raises(SystemExit, match="no instructor"):
        deploy.main(["--roster", str(roster), "--root", str(tmp_path / "hub"), "--prefix", "chbad"])


def test_the_demo_roster_is_a_class():
    members = deploy.accounts.check(deploy.REPO / "autograder" / "demo-roster.csv", deploy.accounts.Names())
    roles = [m.role for m in members]
    assert roles.count("instructor") >= 1 and roles.count("student") >= 2


def hub_config(tmp_path: Path, monkeypatch, grade_on_submit: bool):
    settings = {
        "root": str(tmp_path), "ip": "127.0.0.1", "port": 8000, "python": "/srv/env/bin/python",
        "proxy": "/x/configurable-http-proxy", "course": "/srv/course", "course_id": "convlab",
        "exchange": "/srv/exchange", "config": "/srv/config", "staff": "convlab-staff",
        "grader": "convlab-grader", "instructors": ["teacher"], "students": ["ada", "alan"],
        "grade_on_submit": grade_on_submit, "workers": 2,
    }  # fmt: skip
    (tmp_path / "settings.json").write_text(json.dumps(settings))
    monkeypatch.setenv("CONVLAB_HUB_SETTINGS", str(tmp_path / "settings.json"))
    return PyFileConfigLoader(deploy.CONFIG_FILE.name, path=str(deploy.CONFIG_FILE.parent)).load_config()


def test_grading_on_submit_is_a_service_of_its_own_account_and_can_be_switched_off(tmp_path, monkeypatch):
    on = hub_config(tmp_path, monkeypatch, True)
    services = {s["name"]: s for s in on.JupyterHub.services}
    service = services["grade-on-submit"]
    assert service["user"] == "convlab-grader" and "convlab.hub.service" in service["command"]
    assert on.Authenticator.allowed_users == {"teacher", "ada", "alan"}
    assert on.Authenticator.admin_users == {"teacher"}
    off = hub_config(tmp_path, monkeypatch, False)
    assert [s["name"] for s in off.JupyterHub.services] == ["lms-sync"]
    # deadlines and grades to the LMS: as the hub's own user (root), which holds the tool's key
    assert "user" not in services["lms-sync"] and "convlab.hub.passback" in services["lms-sync"]["command"]
    assert on.JupyterHub.authenticator_class == "pam"


def test_an_lms_makes_launch_the_login(tmp_path, monkeypatch):
    settings_with_lti = {
        "issuer": "https://lms.example.edu", "client_id": "tool-1", "deployment_id": "d-1",
        "authorize_url": "https://lms.example.edu/auth", "jwks_url": "https://lms.example.edu/jwks",
        "token_url": "https://lms.example.edu/token", "memberships_url": "", "lineitems_url": "",
        "accounts": {"lms-ada": "ada", "lms-teacher": "teacher"},
    }  # fmt: skip
    hub_config(tmp_path, monkeypatch, True)
    settings = json.loads((tmp_path / "settings.json").read_text())
    (tmp_path / "settings.json").write_text(json.dumps({**settings, "lti": settings_with_lti}))
    c = PyFileConfigLoader(deploy.CONFIG_FILE.name, path=str(deploy.CONFIG_FILE.parent)).load_config()
    assert c.JupyterHub.authenticator_class.__name__ == "CourseLTIAuthenticator"
    assert c.LTI13Authenticator.issuer == "https://lms.example.edu"
    assert c.LTI13Authenticator.client_id == {"tool-1"}
    assert c.CourseLTIAuthenticator.deployment_id == "d-1"
    assert c.CourseLTIAuthenticator.accounts == {"lms-ada": "ada", "lms-teacher": "teacher"}
    assert c.CourseLTIAuthenticator.teaching == {"teacher": True}
    assert c.Authenticator.allowed_users == {"teacher", "ada", "alan"}  # the roster's, as before


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_the_service_stops_at_once_when_the_hub_stops_it(tmp_path, signum):
    """JupyterHub stops a service with SIGINT, then SIGTERM after 10 s: the service stops on
    either, even when started with SIGINT ignored (as a background job's children are)."""
    course = copy_course(tmp_path)
    with open(course / "nbgrader_config.py", "a") as config:
        config.write(f"\nc.Exchange.root = {str(tmp_path / 'exchange')!r}\n")
    running = subprocess.Popen(
        [sys.executable, "-m", "convlab.hub.service", "--course", str(course), "--workers", "1"],
        cwd=course,
        env=tools_first(),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_IGN),
    )
    try:
        assert "watching" in running.stdout.readline()
        running.send_signal(signum)
        out, _ = running.communicate(timeout=10)  # what JupyterHub would wait before its next signal
        assert running.returncode == 0 and "stopped" in out, out
    finally:
        running.kill()


def test_a_stop_waits_for_the_copy_of_a_submission():
    """A stop that arrives while nbgrader copies a submission takes effect once the copy is
    done, not in the middle of it."""
    before = {signum: signal.getsignal(signum) for signum in service.STOPS}
    try:
        service.stop_on_signals()
        copied = []
        with pytest.raises(KeyboardInterrupt):
            with service.stops_wait():
                os.kill(os.getpid(), signal.SIGTERM)
                time.sleep(0.1)  # the handler runs here, during the "copy"
                copied.append("the whole copy")
        assert copied == ["the whole copy"]
        with pytest.raises(KeyboardInterrupt):  # and outside a copy, at once
            os.kill(os.getpid(), signal.SIGINT)
            time.sleep(5)
    finally:
        for signum, handler in before.items():
            signal.signal(signum, handler)


def test_the_hub_refuses_an_environment_of_another_python():
    """The hub's accounts run Debian's Python with this environment's packages: an environment
    made with another Python (make lab PYTHON=python3.13) is refused, saying how to make it."""
    from convlab.hub import environment

    assert environment.other_python(sys.executable) is None
    from tests.support.pythons import VERSIONS, interpreter

    here = f"{sys.version_info.major}.{sys.version_info.minor}"
    found = [interpreter(v) for v in VERSIONS if v != here]
    other = next((str(f[0]) for f in found if f), None)
    if other is None:
        pytest.skip("no interpreter of another version here")
    says = environment.other_python(str(other))
    assert says and f"make hub PYTHON={other}" in says, says
    with pytest.raises(SystemExit, match="this environment is Python"):
        environment.build(Path("/nonexistent/venv"), str(other))
