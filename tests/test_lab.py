"""`make lab` serves JupyterLab on the course: /lab answers, the notebook opens, nbgrader is on;
the same with every other Python here (``make lab PYTHON=python3.13``)."""

import json
import os
import re
import secrets
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request

import pytest

from tests.support.pythons import VERSIONS, Absent, clean_environ, environment

pytestmark = pytest.mark.slow


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as err:
        return err.code, err.read()


@pytest.fixture(params=[None, *VERSIONS], ids=lambda v: f"python{v}" if v else ".venv")
def lab(root, request):
    """``make lab``, and ``make lab PYTHON=python3.X`` with each other Python's environment
    (tests/support/pythons.py: the one tests/test_pythons.py builds and checks)."""
    make_args, env = [], None
    if request.param:
        try:
            python = environment(request.param)
        except Absent as why:
            pytest.skip(str(why))
        venv = python.parent.parent
        make_args, env = [f"VENV={venv}", f"PYTHON={python}"], clean_environ(venv)
    port, token = free_port(), secrets.token_hex(16)
    args = f"--no-browser --ServerApp.ip=127.0.0.1 --ServerApp.port={port} --IdentityProvider.token={token}"
    proc = subprocess.Popen(
        ["make", "--no-print-directory", "lab", f"LAB_ARGS={args}", *make_args],
        cwd=root,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"make lab exited with {proc.returncode}:\n{proc.stdout.read().decode()}")
        try:
            if get(f"{base}/api/status?token={token}")[0] == 200:
                break
        except OSError:
            time.sleep(0.5)
    else:
        pytest.fail("JupyterLab did not answer within 120 s")
    yield base, token
    os.killpg(proc.pid, signal.SIGTERM)
    proc.wait(timeout=30)


def test_make_lab_serves_the_course(lab):
    base, token = lab
    status, page = get(f"{base}/lab?token={token}")
    assert status == 200 and b"JupyterLab" in page
    aid = "01_cross_correlation"
    status, page = get(f"{base}/lab/tree/notebooks/{aid}/{aid}.ipynb?token={token}")
    assert status == 200
    status, body = get(f"{base}/api/contents/notebooks/{aid}/{aid}.ipynb?token={token}")
    assert status == 200
    notebook = json.loads(body)["content"]
    assert any(
        c.get("metadata", {}).get("nbgrader", {}).get("grade_id") == "corr2d" for c in notebook["cells"]
    )
    # the instructor's side: nbgrader's formgrader is served by the same server
    assert get(f"{base}/formgrader?token={token}")[0] == 200
    # the page loads the widget, anywidget (the views' live region) and nbgrader extensions, none off
    config = json.loads(
        re.search(rb'id="jupyter-config-data" type="application/json">(.*?)</script>', page, re.S).group(1)
    )
    loaded = {e["name"] for e in config["federated_extensions"]}
    wanted = {"@jupyter/nbgrader", "@jupyter-widgets/jupyterlab-manager", "anywidget"}
    assert wanted <= loaded
    assert not any(d.split(":")[0] in wanted for d in config.get("disabledExtensions", []))
