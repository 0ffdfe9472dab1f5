"""Who handed a submission in, and when (convlab/hub/inbound.py), on a folder laid out as
nbgrader's exchange: accounts of this machine stand in for students (``root`` and ``nobody``; a
folder is given to ``nobody`` with chown, hence root). The hub's own test does the same with
real students' accounts (tests/test_grade_on_submit.py)."""

from __future__ import annotations

import os
import pwd
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
from nbgrader.apps import NbGraderAPI
from nbgrader.utils import capture_log, notebook_hash, temp_attrs

from convlab.grading.course import Course
from convlab.grading.environ import scoped, tools_first
from convlab.hub import inbound
from convlab.hub.inbound import OwnedCollect, Refused

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="gives folders to another account: needs root")
AID = "01_cross_correlation"
NOBODY = pwd.getpwnam("nobody").pw_uid
ROSTER = "id,name,role\nroot,Root,student\nnobody,Nobody,student\ndaemon,Daemon,instructor\n"


def now() -> str:
    return datetime.now(UTC).strftime(inbound.TIMESTAMP)


def hand_in(where: Path, name: str, uid: int = 0, files: dict[str, str] | None = None) -> Path:
    folder = where / name
    folder.mkdir()
    default = {f"{AID}.ipynb": "{}", "submission_secret.txt": "s3cret"}
    for file, text in (default if files is None else files).items():
        (folder / file).write_text(text)
    for p in [folder, *folder.iterdir()]:
        os.chown(p, uid, uid)
    return folder


@pytest.fixture
def exchange(tmp_path):
    (tmp_path / "workspace").mkdir()
    (tmp_path / "workspace" / "roster.csv").write_text(ROSTER)
    (tmp_path / "inbound").mkdir()
    return tmp_path


def judged(exchange: Path) -> tuple[dict[str, inbound.Entry], dict[str, str]]:
    entries, refusals = inbound.scan(exchange / "inbound", inbound.students(exchange / "workspace"), {AID})
    return {e.name: e for e in entries}, {r.name: r.reason for r in refusals}


def test_a_folder_counts_only_for_the_account_that_owns_it_on_the_roster(exchange):
    where = exchange / "inbound"
    stamp = now()
    names = {
        "own": f"root+{AID}+{stamp}+a",
        "nobody's own": f"nobody+{AID}+{stamp}+b",
        "for someone else": f"nobody+{AID}+{stamp}+forged",
        "an instructor": f"daemon+{AID}+{stamp}+c",
        "not on the roster": f"bin+{AID}+{stamp}+d",
        "formula": f"=2+5+{AID}+{stamp}+e",
        "dots": f"..+{AID}+{stamp}+f",
        "glob": f"*+{AID}+{stamp}+g",
        "other assignment": f"root+*+{stamp}+h",
        "no name": "garbage",
    }
    for what, name in names.items():
        hand_in(where, name, NOBODY if what == "nobody's own" else 0)
    (where / f"root+{AID}+{stamp}+link").symlink_to(where / names["own"])
    entries, refused = judged(exchange)
    assert set(entries) == {names["own"], names["nobody's own"]}
    assert entries[names["own"]].timestamp == stamp and entries[names["own"]].uid == 0
    assert refused[names["for someone else"]] == "the folder is owned by root, not by nobody"
    assert refused[names["an instructor"]] == "daemon is not a student of the course's roster"
    assert refused[names["not on the roster"]] == "bin is not a student of the course's roster"
    for what in ("formula", "dots", "glob"):
        assert refused[names[what]].endswith("is not a student id"), what
    assert refused[names["other assignment"]] == "'*' is not an assignment of the course"
    assert refused["garbage"].startswith("not a submission's name")
    assert refused[f"root+{AID}+{stamp}+link"] == "not a folder (a symbolic link)"


def test_the_time_is_the_folders_own_and_2099_blocks_nothing(exchange):
    where = exchange / "inbound"
    future = hand_in(where, f"root+{AID}+2099-01-01 00:00:00.000000 UTC+x")
    past = hand_in(where, f"nobody+{AID}+2020-01-01 00:00:00.000000 UTC+x", NOBODY)
    entries, _ = judged(exchange)
    for folder in (future, past):
        entry = entries[folder.name]
        assert entry.timestamp == inbound.stamp(folder.lstat().st_ctime), entry
        assert "is not the folder's own time" in entry.note
    time.sleep(0.01)
    later = hand_in(where, f"root+{AID}+{now()}+y")
    entries, _ = judged(exchange)
    assert inbound.newest(list(entries.values()))[f"root/{AID}"].name == later.name


def test_a_copy_takes_only_the_owners_folders_and_regular_files(exchange, tmp_path):
    where = exchange / "inbound"
    folder = hand_in(where, f"root+{AID}+{now()}+x")
    (folder / "sub").mkdir()
    (folder / "sub" / "data.txt").write_text("mine")
    assert inbound.copy_owned(where, folder.name, tmp_path / "c1", 0, 10**6) >= folder.lstat().st_ctime
    assert (tmp_path / "c1" / "sub" / "data.txt").read_text() == "mine"
    tries = {
        "it holds a symbolic link (key)": lambda: (folder / "key").symlink_to("/etc/passwd"),
        "it holds a special file (pipe)": lambda: os.mkfifo(folder / "pipe"),
        "sub/data.txt is owned by nobody, not by root": lambda: os.chown(
            folder / "sub" / "data.txt", NOBODY, -1
        ),
    }
    for n, (reason, plant) in enumerate(tries.items()):
        plant()
        with pytest.raises(Refused, match=reason.replace("(", r"\(").replace(")", r"\)")):
            inbound.copy_owned(where, folder.name, tmp_path / f"r{n}", 0, 10**6)
        for undo in ("key", "pipe"):
            if (folder / undo).is_symlink() or (folder / undo).exists():
                (folder / undo).unlink()
    with pytest.raises(Refused, match="larger than 3 bytes"):
        os.chown(folder / "sub" / "data.txt", 0, -1)
        inbound.copy_owned(where, folder.name, tmp_path / "big", 0, 3)


def test_a_page_tells_the_student_and_never_replaces_feedback(exchange):
    where = exchange / "inbound"
    folder = hand_in(where, f"root+{AID}+{now()}+x")
    page = exchange / "feedback" / f"{notebook_hash(secret='s3cret', notebook_id=AID)}.html"
    assert inbound.tell(exchange, where, folder.name, 0, "Not graded", "<b>why</b>") == 1
    text = page.read_text()
    assert "&lt;b&gt;why&lt;/b&gt;" in text and "Content-Security-Policy" in text
    assert page.stat().st_mode & 0o777 == 0o644
    page.write_text("the real feedback")
    assert inbound.tell(exchange, where, folder.name, 0, "Not graded", "again") == 0
    assert page.read_text() == "the real feedback"
    # a secret that is not the folder owner's own is not used
    other = hand_in(where, f"nobody+{AID}+{now()}+y", NOBODY)
    os.chown(other / "submission_secret.txt", 0, 0)
    assert inbound.tell(exchange, where, other.name, NOBODY, "Not graded", "x") == 0


def test_nbgrader_collect_with_the_exchanges_rules(course, tmp_path):
    """What an instructor's ``nbgrader collect`` (the Formgrader's Collect) does on the hub:
    the owner's newest folder, at its own time, never a forged one or one with a link."""
    config = Course(course).config
    config.Exchange.root = str(tmp_path / "exchange")
    where = tmp_path / "exchange" / "convlab" / "inbound"
    where.mkdir(parents=True)
    (course / "autograder" / "roster.csv").write_text(ROSTER)
    key = (course / "solutions" / AID / f"{AID}.ipynb").read_text()
    blank = (course / "notebooks" / AID / f"{AID}.ipynb").read_text()
    early = hand_in(where, f"root+{AID}+{now()}+a", files={f"{AID}.ipynb": key, "timestamp.txt": "x"})
    time.sleep(0.01)
    hand_in(where, f"nobody+{AID}+2099-01-01 00:00:00.000000 UTC+forged", files={f"{AID}.ipynb": blank})
    linked = hand_in(where, f"nobody+{AID}+{now()}+linked", NOBODY, files={})
    (linked / f"{AID}.ipynb").symlink_to(course / "solutions" / AID / f"{AID}.ipynb")
    os.chown(linked / f"{AID}.ipynb", NOBODY, NOBODY, follow_symlinks=False)
    api = NbGraderAPI(config=config)
    with temp_attrs(api.coursedir, assignment_id=AID), scoped(PATH=tools_first()["PATH"]):  # alembic
        app = OwnedCollect(coursedir=api.coursedir, authenticator=api.authenticator, parent=api)
        done = capture_log(app)
    assert done["success"], done
    submitted = course / "autograder" / "submitted"
    assert sorted(p.name for p in submitted.iterdir()) == ["root"]
    assert (submitted / "root" / AID / f"{AID}.ipynb").read_text() == key
    assert (submitted / "root" / AID / "timestamp.txt").read_text() == early.name.split("+")[2]
    assert app.refused[linked.name] == f"it holds a symbolic link ({AID}.ipynb)"
    assert (
        "owned by root, not by nobody" in app.refused[f"nobody+{AID}+2099-01-01 00:00:00.000000 UTC+forged"]
    )
