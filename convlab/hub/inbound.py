"""Who handed a submission in, and when: read from the system, never from the folder's name.

nbgrader's exchange names each submission ``student+assignment+timestamp+random`` in ``inbound/``,
a folder every student may write to; nbgrader's own ``collect`` believes that name (it only warns
when the folder's owner differs) and copies what the folder holds, links followed. On the hub a
student could so hand in as someone else (a folder named after them, or ``nbgrader submit
--student B``), block their later submissions with a timestamp of 2099, or name a folder
``..``, ``*`` or ``=2+5``. Here a submission counts for student S only when:

- its student and assignment are ids (:func:`convlab.grading.roster.is_id`) and the assignment
  is one of the course's;
- S is a student of the course's roster (``autograder/roster.csv``) with an account here;
- the folder, and everything in it, is owned by S's account (no one but root can give a file
  away, so this is who made it), and holds only folders and regular files (no links, no pipes);
- its time is the system's: the folder's ``ctime``, which the kernel sets whenever the folder
  changes and which no user can set. nbgrader writes the name's timestamp just before it copies
  the notebook in, so the name's is kept when it lies between :data:`COPY_S` before that time
  and :data:`SKEW_S` after it; otherwise (2099, or a folder backdated or changed later) the
  folder's own time replaces it. Nothing newer than the system's clock can come out of this, so
  no submission can block a later one.

Everything else is refused, with a reason, and left where it is for an instructor: never
collected, never graded, as anyone. :class:`OwnedCollect` is nbgrader's ``collect`` with these
rules (the exchange's public plugin, ``c.ExchangeFactory.collect``): the grading service uses it,
and so do the hub's instructors (the Formgrader's *Collect*, ``nbgrader collect``). It copies a
submission first into a private folder, checking each file as it opens it, so nothing can be
swapped in during the copy; nbgrader's own copy (its ignore patterns and size limits) then takes
it from there, and the ``timestamp.txt`` it leaves is the one decided here.

A student sees what became of each submission: :func:`tell` releases, for one that was not
graded, a short page in the place of its feedback, which nbgrader's *Fetch Feedback* brings them
(the Assignment List says feedback is there). It never replaces a page that exists, so it can
never hide real feedback.
"""

from __future__ import annotations

import html
import os
import pwd
import stat
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from nbgrader.api import Gradebook, MissingEntry
from nbgrader.exchange.default.collect import ExchangeCollect
from nbgrader.utils import check_mode, notebook_hash, parse_utc

from convlab.grading.engine.scratch import Scratch
from convlab.grading.roster import RosterError, is_id, read_roster

SKEW_S = 5  # the name's time may be this much after the folder's own (filesystem clock granularity)
COPY_S = 120  # ... and this much before it: nbgrader copies the notebook in after naming the folder
TIMESTAMP = "%Y-%m-%d %H:%M:%S.%f %Z"  # nbgrader's (Exchange.timestamp_format)
MAX_ENTRIES = 1000  # files and folders in one submission


class Refused(Exception):
    """A submission that does not count; the message says why."""


@dataclass(frozen=True)
class Entry:
    """One folder of ``inbound/`` that counts for its student."""

    name: str  # the folder's name
    student: str
    assignment: str
    uid: int  # the student's account
    timestamp: str  # the submission's time, nbgrader's format, decided here
    note: str = field(default="", compare=False)  # how the time was decided, when not the name's

    @property
    def when(self) -> datetime:
        return parse_utc(self.timestamp)

    @property
    def key(self) -> str:
        return f"{self.student}/{self.assignment}"


@dataclass(frozen=True)
class RefusedFolder:
    name: str  # the folder's name
    reason: str
    uid: int | None = None  # its owner, when it is a folder


def stamp(seconds: float) -> str:
    return datetime.fromtimestamp(seconds, UTC).strftime(TIMESTAMP)


def students(workspace: Path) -> dict[str, int]:
    """The roster's students who have an account here: id -> uid. None without a roster (or
    with one that cannot be read): then nothing counts."""
    try:
        members = read_roster(workspace / "roster.csv")
    except (RosterError, OSError):
        return {}
    found = {}
    for m in members:
        if m.role == "student":
            try:
                found[m.id] = pwd.getpwnam(m.id).pw_uid
            except KeyError:
                continue
    return found


def owner(uid: int | None) -> str:
    try:
        return pwd.getpwuid(uid).pw_name
    except (KeyError, TypeError):
        return f"uid {uid}"


def judge(inbound: Path, name: str, roster: dict[str, int], assignments: set[str]) -> Entry:
    """The entry ``name`` of ``inbound`` as a submission, or :class:`Refused` with the reason.
    Only the folder itself is read here (it runs every second); :func:`copy_owned` checks what
    is inside when it copies it."""
    parts = name.rsplit("+", 3)
    if len(parts) != 4:
        raise Refused("not a submission's name (student+assignment+timestamp+random)")
    student, assignment, named, _ = parts
    if not is_id(student):
        raise Refused(f"{student!r} is not a student id")
    if assignment not in assignments:
        raise Refused(f"{assignment!r} is not an assignment of the course")
    st = os.lstat(inbound / name)
    if not stat.S_ISDIR(st.st_mode):
        raise Refused("not a folder" + (" (a symbolic link)" if stat.S_ISLNK(st.st_mode) else ""))
    if student not in roster:
        raise Refused(f"{student} is not a student of the course's roster")
    if st.st_uid != roster[student]:
        raise Refused(f"the folder is owned by {owner(st.st_uid)}, not by {student}")
    try:
        claimed = parse_utc(named)
    except (ValueError, OverflowError):
        claimed = None
    made = datetime.fromtimestamp(st.st_ctime, UTC).replace(tzinfo=None)
    earliest, latest = made - timedelta(seconds=COPY_S), made + timedelta(seconds=SKEW_S)
    if claimed is not None and earliest <= claimed <= latest:
        return Entry(name, student, assignment, st.st_uid, named)
    note = f"its timestamp {named!r} is not the folder's own time: {stamp(st.st_ctime)} is used"
    return Entry(name, student, assignment, st.st_uid, stamp(st.st_ctime), note)


def scan(
    inbound: Path, roster: dict[str, int], assignments: set[str], only: str | None = None
) -> tuple[list[Entry], list[RefusedFolder]]:
    """Every entry of ``inbound`` (of ``only`` that assignment), judged."""
    entries, refusals = [], []
    for item in os.scandir(inbound) if inbound.is_dir() else ():
        if only is not None and f"+{only}+" not in item.name:
            continue
        try:
            entries.append(judge(inbound, item.name, roster, assignments))
        except Refused as why:
            try:
                st = os.lstat(item.path)
                uid = st.st_uid if stat.S_ISDIR(st.st_mode) else None
            except OSError:
                uid = None
            refusals.append(RefusedFolder(item.name, str(why), uid))
        except OSError:
            continue  # gone while it was read
    return entries, refusals


def newest(entries: list[Entry]) -> dict[str, Entry]:
    """The newest entry per student and assignment (``student/assignment``)."""
    found: dict[str, Entry] = {}
    for e in entries:
        if e.key not in found or e.when > found[e.key].when:
            found[e.key] = e
    return found


def copy_owned(inbound: Path, name: str, dest: Path, uid: int, max_bytes: int) -> float:
    """Copy the folder ``inbound/name`` to ``dest`` (which must not exist), opening every file
    and folder without following links and checking, on what was opened, that it is a folder or
    a regular file owned by ``uid``; :class:`Refused` otherwise (``dest`` is then left partial,
    for the caller to remove). Returns the newest ``ctime`` of what it copied."""
    flags = os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC
    parent = os.open(inbound, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    newest_ctime, copied, entries = 0.0, 0, 0

    def opened(at: int, child: str, rel: str, folder: bool) -> tuple[int, os.stat_result]:
        try:
            fd = os.open(child, flags | (os.O_DIRECTORY if folder else os.O_NONBLOCK), dir_fd=at)
        except OSError as err:
            kind = "folder" if folder else "file"
            raise Refused(f"{rel} cannot be opened as a {kind} ({err.strerror})") from None
        st = os.fstat(fd)
        if st.st_uid != uid:
            os.close(fd)
            raise Refused(f"{rel} is owned by {owner(st.st_uid)}, not by {owner(uid)}")
        if not (stat.S_ISDIR(st.st_mode) if folder else stat.S_ISREG(st.st_mode)):
            os.close(fd)
            raise Refused(f"{rel} is not a regular file")
        return fd, st

    stack: list[tuple[int, Path, str]] = []
    try:
        top, st = opened(parent, name, "the folder", True)
        stack.append((top, dest, ""))
        newest_ctime = st.st_ctime
        dest.mkdir()
        while stack:
            fd, target, rel = stack[-1]
            items = list(os.scandir(fd))
            stack.pop()
            try:
                for item in items:
                    entries += 1
                    where = f"{rel}{item.name}"
                    if entries > MAX_ENTRIES:
                        raise Refused(f"more than {MAX_ENTRIES} files and folders")
                    kind = os.stat(item.name, dir_fd=fd, follow_symlinks=False).st_mode
                    if stat.S_ISLNK(kind):
                        raise Refused(f"it holds a symbolic link ({where})")
                    if stat.S_ISDIR(kind):
                        sub, st = opened(fd, item.name, where, True)
                        stack.append((sub, target / item.name, where + "/"))
                        (target / item.name).mkdir()
                    elif stat.S_ISREG(kind):
                        src, st = opened(fd, item.name, where, False)
                        with open(src, "rb") as f, open(target / item.name, "xb") as out:
                            while chunk := f.read(1 << 20):
                                copied += len(chunk)
                                if copied > max_bytes:
                                    raise Refused(f"larger than {max_bytes} bytes")
                                out.write(chunk)
                    else:
                        raise Refused(f"it holds a special file ({where})")
                    newest_ctime = max(newest_ctime, st.st_ctime)
            finally:
                os.close(fd)
    finally:
        for fd, _, _ in stack:
            os.close(fd)
        os.close(parent)
    return newest_ctime


def read_small(folder: Path, name: str, uid: int, limit: int = 4096) -> str | None:
    """A small regular file of the student's own, or None."""
    try:
        fd = os.open(folder / name, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError:
        return None
    with open(fd, "rb") as f:
        st = os.fstat(f.fileno())
        if not stat.S_ISREG(st.st_mode) or st.st_uid != uid:
            return None
        return f.read(limit).decode("utf-8", "replace")


PAGE = """<!DOCTYPE html>
<html><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<title>{title}</title>
<style>body {{ font-family: sans-serif; margin: 2em; max-width: 50em; }}</style></head>
<body><h1>{title}</h1><p>{text}</p></body></html>
"""


def tell(exchange_course: Path, inbound: Path, name: str, uid: int, title: str, text: str) -> int:
    """Release a page saying ``text`` in the place of the feedback of the submission
    ``inbound/name`` (owned by ``uid``): nbgrader's *Fetch Feedback* finds it by the secret
    nbgrader's submit left in the folder, which only the student who handed it in also has. A
    page that exists is never replaced. Returns the pages written."""
    folder = inbound / name
    secret = read_small(folder, "submission_secret.txt", uid)
    if not secret:
        return 0
    try:
        notebooks = sorted(
            p.name[: -len(".ipynb")]
            for p in folder.iterdir()
            if p.name.endswith(".ipynb") and p.is_file() and not p.is_symlink()
        )[:20]
    except OSError:
        return 0
    feedback = exchange_course / "feedback"
    if not feedback.is_dir():  # as nbgrader's release_feedback makes it: students may not list it
        feedback.mkdir(mode=0o700)
        feedback.chmod(0o2771)
    page = PAGE.format(title=html.escape(title), text=html.escape(text))
    written = 0
    for notebook in notebooks:
        path = feedback / f"{notebook_hash(secret=secret, notebook_id=notebook)}.html"
        if path.exists():
            continue
        partial = feedback / f".{path.name}.partial"
        partial.unlink(missing_ok=True)
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        os.fchmod(fd, 0o644)
        with open(fd, "w") as f:
            f.write(page)
        try:
            os.link(partial, path)  # never over a page that appeared meanwhile
            written += 1
        except FileExistsError:
            pass
        finally:
            partial.unlink()
    return written


class OwnedCollect(ExchangeCollect):
    """nbgrader's ``collect`` that takes, per student, the newest submission that counts
    (:func:`judge`), copies it through :func:`copy_owned`, and leaves the decided time in its
    ``timestamp.txt``. ``refused`` maps the folders it did not take to the reason."""

    def init_src(self):
        if self.coursedir.course_id == "":
            self.fail("No course id specified. Re-run with --course flag.")
        assignment, student = self.coursedir.assignment_id, self.coursedir.student_id or "*"
        if not is_id(assignment):
            self.fail(f"{assignment!r} is not an assignment id")
        if student != "*" and not is_id(student):
            self.fail(f"{student!r} is not a student id")
        self.course_path = os.path.join(self.root, self.coursedir.course_id)
        self.inbound_path = os.path.join(self.course_path, "inbound")
        if not os.path.isdir(self.inbound_path):
            self.fail(f"Course not found: {self.inbound_path}")
        if not check_mode(self.inbound_path, read=True, execute=True):
            self.fail(f"You don't have read permissions for the directory: {self.inbound_path}")
        workspace = (Path(self.coursedir.root) / self.coursedir.submitted_directory).parent
        roster = students(workspace)
        if not roster:
            self.log.error("no students: %s has none with an account here", workspace / "roster.csv")
        entries, refusals = scan(Path(self.inbound_path), roster, {assignment}, only=assignment)
        self.refused = {r.name: r.reason for r in refusals}
        for r in refusals:
            self.log.warning("refused %s: %s", r.name, r.reason)
        with Gradebook(self.coursedir.db_url, self.coursedir.course_id) as gb:
            try:
                self.duedate = gb.find_assignment(assignment).duedate
            except MissingEntry:
                self.duedate = None
        mine = [e for e in entries if student in ("*", e.student)]
        if self.before_duedate and self.duedate is not None:
            due = [e for e in mine if e.when <= self.duedate]
            mine = due + [e for e in mine if e.key not in {d.key for d in due}]
        self.chosen = {e.name: e for e in newest(mine).values()}
        self.src_records = [
            {"username": e.student, "filename": e.name, "timestamp": e.when} for e in self.chosen.values()
        ]

    def copy_files(self):
        """Copy each chosen submission into a private folder first; those that do not pass
        are refused before nbgrader touches the collected copy they would replace."""
        with Scratch("convlab-collect-") as private:
            self.staged: dict[str, Path] = {}
            kept = []
            for record in self.src_records:
                entry = self.chosen[record["filename"]]
                staged = Path(private) / entry.name
                try:
                    limit = 1000 * self.coursedir.max_dir_size  # nbgrader's, in kB
                    newest_ctime = copy_owned(Path(self.inbound_path), entry.name, staged, entry.uid, limit)
                except Refused as why:
                    self.refused[entry.name] = str(why)
                    self.log.error("refused %s: %s", entry.name, why)
                    continue
                if newest_ctime > entry.when.replace(tzinfo=UTC).timestamp() + COPY_S:
                    # changed after it was handed in: it counts from when it was changed
                    note = f"changed after it was handed in: {stamp(newest_ctime)} is used"
                    entry = Entry(
                        entry.name, entry.student, entry.assignment, entry.uid, stamp(newest_ctime), note
                    )
                    self.chosen[entry.name] = entry
                    record["timestamp"] = entry.when
                (staged / "timestamp.txt").write_text(entry.timestamp)
                self.staged[entry.name] = staged
                kept.append(record)
            self.src_records = kept
            super().copy_files()

    def do_copy(self, src, dest, log=None):
        super().do_copy(str(self.staged[os.path.basename(src)]), dest, log)
