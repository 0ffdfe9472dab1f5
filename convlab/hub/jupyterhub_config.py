"""JupyterHub's configuration for the course, read from the settings ``make hub`` wrote
(convlab/hub/deploy.py). Every person logs in with their own account of this machine (PAM) and
gets their own JupyterLab server, running as them; the grading service runs as its own account.
"""

import json
import os
import sys
from pathlib import Path

from convlab.hub import languages

c = get_config()  # noqa: F821 (provided by JupyterHub when it loads this file)
s = json.loads(Path(os.environ["CONVLAB_HUB_SETTINGS"]).read_text())
root, env = Path(s["root"]), Path(s["python"]).parent.parent

c.JupyterHub.ip = s["ip"]
c.JupyterHub.port = s["port"]
c.JupyterHub.hub_ip = "127.0.0.1"
c.JupyterHub.hub_port = s["port"] + 1  # the hub's API and the proxy's, next to the public port
c.ConfigurableHTTPProxy.api_url = f"http://127.0.0.1:{s['port'] + 2}"
c.JupyterHub.db_url = f"sqlite:///{root / 'state' / 'jupyterhub.sqlite'}"
c.JupyterHub.cookie_secret_file = str(root / "state" / "jupyterhub_cookie_secret")
c.ConfigurableHTTPProxy.command = [s["proxy"]]
c.ConfigurableHTTPProxy.pid_file = str(root / "state" / "proxy.pid")
c.JupyterHub.cleanup_servers = True  # a stopped hub stops its users' servers

c.JupyterHub.authenticator_class = "pam"
c.Authenticator.allowed_users = set(s["instructors"]) | set(s["students"])
c.Authenticator.admin_users = set(s["instructors"])

# Each server: JupyterLab from the shared environment, in the user's home, as the user.
c.Spawner.cmd = [s["python"], "-m", "jupyterhub.singleuser"]
c.Spawner.default_url = "/lab"
c.Spawner.notebook_dir = "~"
c.Spawner.environment = {"PATH": f"{env / 'bin'}:/usr/local/bin:/usr/bin:/bin", "LANG": "C.UTF-8"}
c.Spawner.http_timeout = 120
# group-shared course files stay writable by the other instructors and the grading service
c.LocalProcessSpawner.popen_kwargs = {"umask": 0o007}


def by_role(spawner):
    """Students' servers read the students' configuration (the exchange, no instructor tools);
    instructors' read the course's own nbgrader configuration. Then the language the person
    chose (convlab/hub/languages.py), checked: an unknown one stops the spawn."""
    role = "staff" if spawner.user.name in s["instructors"] else "students"
    spawner.environment["JUPYTER_CONFIG_PATH"] = str(Path(s["config"]) / role)
    languages.apply(spawner, Path(s["config"]))


# English or 中文, asked before each server starts (the last choice preselected)
c.Spawner.options_form = languages.options_form
c.Spawner.options_from_form = languages.options_from_form


c.Spawner.pre_spawn_hook = by_role

if s.get("lti"):  # the class's LMS: its links log in (convlab/hub/lti.py)
    from convlab.hub.lti import configure

    configure(c, s)

# grades to the LMS and deadlines to the students (convlab/hub/passback.py), as root: it holds
# the tool's key, reads the gradebook and gives each student their own deadlines
c.JupyterHub.services = [
    {
        "name": "lms-sync",
        "command": [sys.executable, "-m", "convlab.hub.passback", "--serve"],
        "environment": {"CONVLAB_HUB_SETTINGS": os.environ["CONVLAB_HUB_SETTINGS"], "PYTHONUNBUFFERED": "1"},
    }
]

if s["grade_on_submit"]:
    c.JupyterHub.services += [
        {
            "name": "grade-on-submit",
            "command": [
                s["python"],
                "-m",
                "convlab.hub.service",
                "--course",
                s["course"],
                "--workers",
                str(s["workers"]),
            ],  # fmt: skip
            "user": s["grader"],
            "cwd": s["course"],
            "environment": {
                "PATH": f"{env / 'bin'}:/usr/bin:/bin",
                "HOME": str(root / "grader"),
                "LANG": "C.UTF-8",
                "PYTHONUNBUFFERED": "1",
            },
        }
    ]
