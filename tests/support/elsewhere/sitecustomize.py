"""Python as a student has it on macOS or Windows, for convlab's student side: put this folder
on PYTHONPATH and every process (the test runner, the notebook's kernel) loads it first.

Refused, with ModuleNotFoundError:
- the instructor's side (``convlab.grading``, ``convlab.hub``), by any route: a kernel never
  imports it, and its confinement (Landlock, namespaces, ``resource`` limits) is Linux's;
- from convlab's modules and from a notebook's cells (``__main__``): the standard modules
  Windows lacks (``resource``, ``fcntl``, ``termios``, ``pty``, ``pwd``, ``grp``) and
  ``ctypes`` (the route to Linux's system calls). Other libraries keep them: on Linux psutil
  or subprocess import them, on Windows their own modules instead.

Each process that loaded this appends ``<pid> loaded <argv>`` to ``$CONVLAB_ELSEWHERE_LOG``, and
each refusal ``<pid> refused <module> for <importer>``, so a test sees it took effect.
Used by tests/test_other_systems.py and tests/test_pythons.py.
"""

import builtins
import os
import sys

LINUX_ONLY = {"resource", "fcntl", "termios", "pty", "pwd", "grp", "ctypes"}
INSTRUCTOR = ("convlab.grading", "convlab.hub")
STUDENT_SIDE = ("convlab", "__main__")
LOG = os.environ.get("CONVLAB_ELSEWHERE_LOG")


def _note(line: str) -> None:
    if LOG:
        with open(LOG, "a") as log:
            log.write(f"{os.getpid()} {line}\n")


def _refuse(name: str, importer: str) -> ModuleNotFoundError:
    _note(f"refused {name} for {importer}")
    return ModuleNotFoundError(
        f"No module named {name!r} (not on every system; imported by {importer})", name=name
    )


def _is_instructor(name: str) -> bool:
    return any(name == side or name.startswith(side + ".") for side in INSTRUCTOR)


class Instructor:
    """A meta path finder: the instructor's packages cannot be loaded at all."""

    def find_spec(self, name, path=None, target=None):
        if _is_instructor(name):
            raise _refuse(name, "an import")
        return None


_import = builtins.__import__


def _student_import(name, globals=None, locals=None, fromlist=(), level=0):
    """``__import__`` that knows who imports: even a module another library already loaded
    (psutil loads ``resource``) is refused to the student side."""
    importer = (globals or {}).get("__name__") or ""
    if level == 0 and (importer == "__main__" or importer.split(".")[0] in STUDENT_SIDE):
        if name.split(".")[0] in LINUX_ONLY or _is_instructor(name):
            raise _refuse(name, importer)
    return _import(name, globals, locals, fromlist, level)


sys.meta_path.insert(0, Instructor())
builtins.__import__ = _student_import
_note("loaded " + " ".join(sys.argv))
