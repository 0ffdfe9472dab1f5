"""A real PostgreSQL server for the tests: Debian's, in a temporary folder, on loopback only.

``.ci/run`` installs Debian's ``postgresql`` package; the server runs as the ``postgres`` user
it creates when the tests run as root (PostgreSQL refuses to run as root), as the current user
otherwise, with its data, socket and log in a folder removed afterwards.
"""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path


def bindir() -> Path:
    """The newest installed server's programs (Debian keeps them out of PATH)."""
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"), key=lambda p: int(p.parent.parent.name))
    assert found, "no PostgreSQL server: apt-get install postgresql (.ci/run does)"
    return found[-1].parent


class LoopbackPostgres:
    """A server with one database, ``gradebook``, and a trusted role, ``convlab``: :attr:`url`."""

    def __enter__(self) -> LoopbackPostgres:
        self.folder = Path(tempfile.mkdtemp(prefix="convlab-postgres-"))
        self.user = "postgres" if os.geteuid() == 0 else pwd.getpwuid(os.geteuid()).pw_name
        if os.geteuid() == 0:
            shutil.chown(self.folder, self.user)
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        data = self.folder / "data"
        self.run(
            "initdb", "-D", data, "--auth=trust", "--username=convlab", "--encoding=UTF8", "--no-instructions"
        )
        options = f"-k {self.folder} -p {self.port} -c listen_addresses=127.0.0.1"
        self.run("pg_ctl", "-D", data, "-l", self.folder / "server.log", "-o", options, "-w", "start")
        self.run("createdb", "-h", "127.0.0.1", "-p", self.port, "-U", "convlab", "gradebook")
        self.url = f"postgresql://convlab@127.0.0.1:{self.port}/gradebook"
        return self

    def run(self, program: str, *args) -> None:
        argv = [str(bindir() / program), *map(str, args)]
        if os.geteuid() == 0:
            argv = ["runuser", "-u", self.user, "--", *argv]
        done = subprocess.run(argv, capture_output=True, text=True, cwd=self.folder)
        assert done.returncode == 0, f"{program}: {done.stdout}{done.stderr}{self.log()}"

    def log(self) -> str:
        path = self.folder / "server.log"
        return path.read_text()[-2000:] if path.exists() else ""

    def __exit__(self, *exc) -> None:
        self.run("pg_ctl", "-D", self.folder / "data", "-m", "fast", "-w", "stop")
        shutil.rmtree(self.folder)
