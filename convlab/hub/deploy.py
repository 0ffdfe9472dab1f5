"""``make hub``: the course on one server, for a class (``python -m convlab.hub --help``).

Lays out the hub's folder (``--root``, ``/srv/convlab`` by default) and starts JupyterHub on it::

    env/        a Python every account can run: JupyterLab, nbgrader, the widgets, convlab
    course/     nbgrader's course: source, release, answer key, gradebook (instructors only)
    exchange/   nbgrader's exchange: releases out, submissions in, feedback back
    config/     the Jupyter configuration of students' and of instructors' servers
    grader/     the grading service's home
    state/      the hub's own database, cookie secret, settings, first passwords (root only)

Each step is idempotent: a second ``make hub`` keeps the course, the gradebook, the exchange and
every account as they are, and rebuilds ``env/`` only when the course's code changed.
"""

from __future__ import annotations

import argparse
import grp
import json
import os
import pwd
import shutil
import socket
import subprocess
import sys
from dataclasses import asdict
from pathlib import Path

import convlab
from convlab.grading.course import Course
from convlab.grading.recording.fingerprints import digest, files_digest
from convlab.grading.tables import read_csv, write_csv
from convlab.hub import accounts, environment, languages, lti

REPO = Path(__file__).resolve().parents[2]
CONFIG_FILE = Path(__file__).with_name("jupyterhub_config.py")
PROXY = REPO / ".venv" / "proxy" / "node_modules" / ".bin" / "configurable-http-proxy"
# the instructor commands of the course on the hub, for a terminal in an instructor's JupyterLab
# (`cd ~/convlab && make grades`): the same modules as the repository's Makefile runs
COURSE_MAKEFILE = """\
# Written by make hub (convlab/hub/deploy.py): the course's instructor commands on the hub.
.PHONY: autograde feedback grades report
autograde: ## grade every collected submission (GRADE_ARGS="--force")
\tpython -m convlab.grading $(GRADE_ARGS)
feedback: ## HTML feedback for every graded submission
\tnbgrader generate_feedback '*' --force
grades: ## autograder/grades.csv, flags.csv and scores.png; canvas.csv and moodle.csv
\tpython -m convlab.grading.results.grades
report: ## autograder/report.html: what the class got wrong, per exercise
\tpython -m convlab.grading.results.report
"""
COURSE_FILES = ("source", "notebooks", "solutions", "nbgrader_config.py", "autograder/README.md")


def code_digest() -> str:
    """What the shared environment was built from: every file of convlab it copies (not only
    what grading runs, unlike the grader's fingerprint: the environment serves the students'
    servers too) and this Python's packages (the installed distributions' names)."""
    dists = sorted(p.name for p in Path(sys.prefix).glob("lib/python3.11/site-packages/*.dist-info"))
    package = Path(convlab.__file__).parent
    files = [p for p in package.rglob("*") if "__pycache__" not in p.parts]
    return digest(sys.version.encode(), files_digest(files), "\n".join(dists).encode())


def shared_environment(env: Path, say) -> Path:
    stamp = env / ".built-from"
    digest = code_digest()
    if stamp.is_file() and stamp.read_text() == digest:
        return env / "bin" / "python"
    say(f"building the shared Python environment in {env} (hard links to this one)")
    python = environment.build(env)
    stamp.write_text(digest)
    return python


def chown_tree(path: Path, user: str, group: str, dirs: int, files: int) -> None:
    uid, gid = pwd.getpwnam(user).pw_uid, _gid(group)
    for p in [path, *path.rglob("*")]:
        os.chown(p, uid, gid, follow_symlinks=False)
        if not p.is_symlink():
            p.chmod(dirs if p.is_dir() else files)


def _gid(group: str) -> int:
    return grp.getgrnam(group).gr_gid


def course_folder(course: Path, exchange: Path, roster: Path, names: accounts.Names, say) -> None:
    """The instructors' course: a copy of this repository's course the first time (never
    overwritten after: it holds the gradebook and the class's work), told where the exchange is;
    group-shared by the staff, closed to everyone else (it holds the answer key)."""
    if not course.exists():
        say(f"copying the course into {course}")
        course.mkdir(parents=True)
        for name in COURSE_FILES:
            src, dst = REPO / name, course / name
            dst.parent.mkdir(parents=True, exist_ok=True)
            (shutil.copytree if src.is_dir() else shutil.copy2)(src, dst)
        with open(course / "nbgrader_config.py", "a") as f:
            f.write(
                "\n# On the hub (convlab/hub/deploy.py): the exchange, shared by the staff group.\n"
                f"c.Exchange.root = {str(exchange)!r}\n"
                "c.CourseDirectory.groupshared = True\n"
                "# Student code runs only confined: plain `nbgrader autograde` refuses to execute it.\n"
                "from convlab.hub.confined import autograde_steps  # noqa: E402\n"
                "c.Autograde.autograde_preprocessors = autograde_steps()\n"
                "# A submission counts only for the account that owns it (convlab/hub/inbound.py).\n"
                'c.ExchangeFactory.collect = "convlab.hub.inbound.OwnedCollect"\n'
                "# Each language's edition beside the English (convlab/hub/editions.py).\n"
                'c.ExchangeFactory.release_assignment = "convlab.hub.editions.EditionRelease"\n'
            )
    (course / "autograder").mkdir(exist_ok=True)
    (course / "Makefile").write_text(COURSE_MAKEFILE)
    # made here, so chown_tree makes it group-writable: SQLite creates its files 0644 whatever
    # the umask allows, and a gradebook the first instructor created would be theirs alone
    Course(course).gradebook().close()
    shutil.copy2(roster, course / "autograder" / "roster.csv")  # make grades names the class
    chown_tree(course, names.grader, names.staff, dirs=0o2770, files=0o660)


def exchange_folder(exchange: Path, course_id: str, names: accounts.Names) -> None:
    """nbgrader's exchange: open to all (nbgrader's own folders inside decide who reads what);
    the course's folder belongs to the staff, so any instructor and the grader can collect."""
    exchange.mkdir(parents=True, exist_ok=True)
    exchange.chmod(0o1777)
    mine = exchange / course_id
    mine.mkdir(exist_ok=True)
    os.chown(mine, pwd.getpwnam(names.grader).pw_uid, _gid(names.staff))
    mine.chmod(0o2775)


def jupyter_config(config: Path, exchange: Path, course: Course, env: Path) -> None:
    """What each role's server reads first (JUPYTER_CONFIG_PATH): students find the exchange and
    the course id, fetch their language's edition, and see no instructor tools; instructors read
    the course's own config. Each language's interface: :func:`convlab.hub.languages.lab_settings`."""
    students, staff = config / "students", config / "staff"
    for folder in (students, staff, students / "labconfig"):
        folder.mkdir(parents=True, exist_ok=True)
    (students / "nbgrader_config.py").write_text(
        "c = get_config()  # noqa: F821\n"
        f"c.CourseDirectory.course_id = {course.course_id!r}\n"
        f"c.Exchange.root = {str(exchange)!r}\n"
        "# each assignment's due date and the student's own deadline (convlab/hub/deadlines.py)\n"
        'c.ExchangeFactory.list = "convlab.hub.deadlines.DeadlineList"\n'
        "# the edition of the student's language (convlab/hub/editions.py)\n"
        'c.ExchangeFactory.fetch_assignment = "convlab.hub.editions.EditionFetch"\n'
    )
    hidden = ["formgrader", "create-assignment", "course-list"]
    (students / "labconfig" / "page_config.json").write_text(
        json.dumps({"disabledExtensions": {f"@jupyter/nbgrader:{p}": True for p in hidden}}, indent=1)
    )
    (students / "jupyter_server_config.json").write_text(
        json.dumps({"ServerApp": {"jpserver_extensions": {"nbgrader.server_extensions.formgrader": False}}})
    )
    # nbgrader's Formgrader wants the course under the server's root (the home): reach it
    # through the link each instructor has there (instructor_links)
    (staff / "nbgrader_config.py").write_text(
        "import os\n"
        "c = get_config()  # noqa: F821\n"
        f"load_subconfig({str(course.root / 'nbgrader_config.py')!r})  # noqa: F821\n"
        f"c.CourseDirectory.root = os.path.expanduser({'~/' + course.course_id!r})\n"
    )
    languages.lab_settings(config, env / "share" / "jupyter" / "lab")
    for p in [config, *config.rglob("*")]:
        if not p.is_symlink():
            p.chmod(0o755 if p.is_dir() else 0o644)


def instructor_links(instructors: list[str], course: Course, say) -> None:
    """``~/<course id>`` in each instructor's home: the course, as the Formgrader needs it."""
    for name in instructors:
        account = pwd.getpwnam(name)
        link = Path(account.pw_dir) / course.course_id
        if link.is_symlink() and link.resolve() == course.root:
            continue
        if link.exists() or link.is_symlink():
            say(f"warning: {link} exists and is not the course: {name}'s Formgrader will not find it")
            continue
        link.symlink_to(course.root)
        os.chown(link, account.pw_uid, account.pw_gid, follow_symlinks=False)


def first_passwords(state: Path, created: dict[str, str], say) -> None:
    if not created:
        return
    path = state / "first-passwords.csv"
    kept = [[r["id"], r["password"]] for r in read_csv(path) if r["id"] not in created]
    write_csv(path, ["id", "password"], kept + [list(item) for item in created.items()], mode=0o600)
    say(f"first passwords of the new accounts: {path} (root only; hand them out, ask for a change)")


def login_url(ip: str, port: int) -> str:
    host = ip
    if ip in ("0.0.0.0", ""):
        host = socket.getfqdn()
    return f"http://{host}:{port}/hub/login"


def prepare(args, say=print) -> tuple[Path, dict]:
    """Everything before JupyterHub starts; returns the settings file and its content."""
    names = accounts.Names(args.prefix)
    platform = None
    if getattr(args, "lti", None):  # the roster is the LMS's (convlab/hub/lti.py)
        platform, args.roster = lti.prepare(args.lti, args.root.resolve() / "state", say)
    members = accounts.check(args.roster, names)  # a bad roster stops here, before any account
    if os.geteuid() != 0:
        raise SystemExit("make hub must run as root: it creates an account per person on the roster")
    if not PROXY.exists():
        raise SystemExit(f"JupyterHub's proxy is missing ({PROXY}): run `make hub`, which installs it")
    root = args.root.resolve()
    state, grader_home = root / "state", root / "grader"
    for folder, mode in ((root, 0o755), (state, 0o700)):
        folder.mkdir(parents=True, exist_ok=True)
        folder.chmod(mode)
    created = accounts.ensure(members, names, say)
    first_passwords(state, created, say)
    grader_home.mkdir(exist_ok=True)
    chown_tree(grader_home, names.grader, names.staff, dirs=0o700, files=0o600)
    if pwd.getpwnam(names.grader).pw_dir != str(grader_home):
        moved = subprocess.run(
            ["usermod", "--home", str(grader_home), names.grader], capture_output=True, text=True
        )
        if moved.returncode:
            raise SystemExit(f"cannot give {names.grader} its home {grader_home}: {moved.stderr.strip()}")
    python = shared_environment(root / "env", say)
    exchange = root / "exchange"
    course_folder(root / "course", exchange, args.roster, names, say)
    course = Course(root / "course")
    exchange_folder(exchange, course.course_id, names)
    jupyter_config(root / "config", exchange, course, root / "env")
    instructor_links([m.id for m in members if m.role == "instructor"], course, say)
    settings = {
        "root": str(root),
        "ip": args.ip,
        "port": args.port,
        "python": str(python),
        "proxy": str(PROXY),
        "course": str(course.root),
        "course_id": course.course_id,
        "exchange": str(exchange),
        "config": str(root / "config"),
        "staff": names.staff,
        "grader": names.grader,
        "instructors": sorted(m.id for m in members if m.role == "instructor"),
        "students": sorted(m.id for m in members if m.role == "student"),
        "grade_on_submit": args.grade_on_submit,
        "workers": args.workers,
    }
    if platform is not None:
        settings["lti"] = {**asdict(platform), "accounts": {m.lms_id: m.id for m in members if m.lms_id}}
    path = state / "settings.json"
    path.write_text(json.dumps(settings, indent=1))
    return path, settings


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m convlab.hub", description=__doc__.split("\n")[0])
    parser.add_argument("--roster", type=Path, default=REPO / "autograder" / "demo-roster.csv",
                        help="the class: id, name and role columns (default: the demo roster)")  # fmt: skip
    parser.add_argument("--root", type=Path, default=Path("/srv/convlab"), help="the hub's folder")
    parser.add_argument("--ip", default="0.0.0.0", help="where to listen (default: every interface)")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--prefix", default="convlab", help="names the staff group and the grading account")
    parser.add_argument("--no-grade-on-submit", dest="grade_on_submit", action="store_false",
                        help="instructors collect and grade; nothing is graded on arrival")  # fmt: skip
    parser.add_argument("--lti", type=Path, metavar="PLATFORM.json",
                        help="the LMS (LTI 1.3): launch is login, its roster, grades back")  # fmt: skip
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1,
                        help="submissions the grading service runs at once")  # fmt: skip
    args = parser.parse_args(argv)
    say = print
    path, settings = prepare(args, say)
    if "lti" in settings:
        base = login_url(args.ip, args.port).removesuffix("/hub/login")
        say(f"the LMS's links log in; what its administrator enters: python -m convlab.hub.lti urls {base}")
    say(f"log in at {login_url(args.ip, args.port)} (the roster's ids; Ctrl-C stops the hub)")
    os.chdir(Path(settings["root"]) / "state")
    env = {**os.environ, "CONVLAB_HUB_SETTINGS": str(path)}
    jupyterhub = [sys.executable, "-m", "jupyterhub", "-f", str(CONFIG_FILE)]
    sys.stdout.flush()
    os.execvpe(jupyterhub[0], jupyterhub, env)
    return 0  # not reached
