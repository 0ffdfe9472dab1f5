"""The kernel command jupyter_client runs when grading: it asks the fork server for a kernel.

    python -I launcher.py SOCKET -f CONNECTION_FILE [kernel arguments...]

It stands in for the kernel process: it forwards the signals jupyter_client sends (interrupt,
terminate) and exits with the kernel's exit code; if it is killed, the server kills the kernel
and everything the kernel started. Run as a script, not through ``convlab``, so that starting
it costs only an interpreter (importing the package would import torch).
"""

import json
import os
import signal
import socket
import sys


def main(argv: list[str]) -> int:
    path, kernel_args = argv[0], argv[1:]
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.connect(path)
    request = {"argv": kernel_args, "env": dict(os.environ), "cwd": os.getcwd()}
    server.sendall(json.dumps(request).encode() + b"\n")

    def forward(signum, _frame):
        server.sendall(f"signal {signum}\n".encode())

    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGQUIT, signal.SIGHUP):
        signal.signal(signum, forward)
    reply = server.makefile("r")
    for line in reply:
        if line.startswith("exit "):
            return int(line.split()[1])
    return 1  # the server went away


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
