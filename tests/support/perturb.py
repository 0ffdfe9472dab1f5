"""Another machine, made on this one: the perturbations under which the answer keys' stored
outputs must come out the same (issue 28), as environment variables for a run of nbval.

- ``no-avx-1-thread-tr_TR``, a CPU without AVX: PyTorch's own kernels in their plain build
  (``ATEN_CPU_CAPABILITY=default``), oneDNN's float32 convolutions capped at SSE4.1 and MKL's
  matrix products at SSE4.2 (MKL picks its paths by Intel model: on an AMD CPU it reports one
  generic path, capped or not), on one thread; in a timezone 12:45 ahead of UTC, the Turkish
  locale (a decimal comma, a dotless i) and another home folder and user name;
- ``avx2-all-threads``, an AVX2 CPU (the same three capped at AVX2), every thread, a timezone
  3:30 behind UTC.

:func:`environ` builds a run's variables and checks, in the interpreter that will run it, that
each took effect (a capability PyTorch ignores would pass for the wrong reason).
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

LOCALE = "tr_TR.UTF-8"

PERTURBATIONS = {
    "no-avx-1-thread-tr_TR": {
        "ATEN_CPU_CAPABILITY": "default",
        "ONEDNN_MAX_CPU_ISA": "SSE41",
        "MKL_ENABLE_INSTRUCTIONS": "SSE4_2",
        "OMP_NUM_THREADS": "1",
        "MKL_NUM_THREADS": "1",
        "TZ": "Pacific/Chatham",
        "LC_ALL": LOCALE,
        "LANG": LOCALE,
        "USER": "öğrenci",
        "LOGNAME": "öğrenci",
    },
    "avx2-all-threads": {
        "ATEN_CPU_CAPABILITY": "avx2",
        "ONEDNN_MAX_CPU_ISA": "AVX2",
        "MKL_ENABLE_INSTRUCTIONS": "AVX2",
        "TZ": "America/St_Johns",
    },
}

# The Python whose nbval run of the answer keys (tests/test_pythons.py) carries each perturbation:
# one run then checks another interpreter (another build of PyTorch) and another machine at once.
# Where that Python is absent, tests/test_portability.py runs the perturbation on the suite's own.
ON_PYTHON = {"no-avx-1-thread-tr_TR": "3.12", "avx2-all-threads": "3.13"}

# UTC offsets, standard and summer time: 45 and 30 minutes past the hour
TIMEZONES = {"Pacific/Chatham": {"+1245", "+1345"}, "America/St_Johns": {"-0330", "-0230"}}

# What a kernel reports under a perturbation, to check it took effect; the convolution goes
# through oneDNN, which then names its instruction set (ONEDNN_VERBOSE).
PROBE = """
import locale, time, torch
locale.setlocale(locale.LC_ALL, "")
torch.nn.functional.conv2d(torch.ones(32, 16, 8, 8), torch.ones(32, 16, 3, 3), padding=1)
print(torch.backends.cpu.get_cpu_capability(), torch.get_num_threads(),
      locale.localeconv()["decimal_point"], time.strftime("%z"))
"""
ONEDNN_ISA = {"SSE41": "isa:Intel SSE4.1", "AVX2": "isa:Intel AVX2"}


def _locale(tmp: Path) -> dict[str, str]:
    """``LOCPATH`` for a folder where :data:`LOCALE` is compiled, unless the system has it."""
    listed = subprocess.run(["locale", "-a"], capture_output=True, text=True).stdout.split()
    if LOCALE.lower().replace("utf-8", "utf8") in [name.lower() for name in listed]:
        return {}
    folder = tmp / "locales"
    folder.mkdir()
    language, charset = LOCALE.split(".")
    done = subprocess.run(
        ["localedef", "-i", language, "-f", charset, str(folder / LOCALE)], capture_output=True, text=True
    )
    if not (folder / LOCALE).is_dir():  # localedef exits 1 on mere warnings: look at what it wrote
        pytest.fail(
            f"cannot compile the {LOCALE} locale ({done.stderr.strip()}): install Debian's `locales` "
            "package (.ci/run does)"
        )
    return {"LOCPATH": str(folder)}


def _has_avx2() -> bool:
    cpuinfo = Path("/proc/cpuinfo")
    return cpuinfo.exists() and " avx2" in cpuinfo.read_text()


def environ(name: str, python: Path | str, base: dict[str, str], tmp: Path) -> dict[str, str]:
    """``base`` under perturbation ``name`` for a run of ``python``, checked to take effect there."""
    changes = dict(PERTURBATIONS[name])
    if "LC_ALL" in changes:
        changes |= _locale(tmp)
        changes["HOME"] = str(tmp / "home")  # a user's own, empty home: caches and all
        (tmp / "home").mkdir()
    env = {**base, **changes}
    env.pop("PYTEST_XDIST_WORKER", None)
    # a student's run, not a grader's: the views and demos behave otherwise while nbgrader grades
    env.pop("NBGRADER_EXECUTION", None)

    probe = subprocess.run(
        [python, "-c", PROBE], env=env | {"ONEDNN_VERBOSE": "1"}, capture_output=True, text=True
    )
    assert probe.returncode == 0, probe.stderr
    capability, threads, point, offset = probe.stdout.splitlines()[-1].split()
    wanted = {"default": "DEFAULT", "avx2": "AVX2"}[changes["ATEN_CPU_CAPABILITY"]]
    # (a CPU without AVX2, an ARM one, ignores those caps: that run then perturbs the rest)
    if _has_avx2():
        assert capability == wanted, probe.stdout
        assert ONEDNN_ISA[changes["ONEDNN_MAX_CPU_ISA"]] in probe.stdout, probe.stdout
    if "OMP_NUM_THREADS" in changes:
        assert threads == "1", probe.stdout
    assert offset in TIMEZONES[changes["TZ"]], probe.stdout
    if "LC_ALL" in changes:
        assert point == ",", f"{LOCALE} did not take effect: decimal point {point!r}"
    return env


def failed_cells(stdout: str) -> list[str]:
    """The cells a run of nbval reported as differing from the answer key."""
    return re.findall(r"^FAILED (\S+::Cell \d+)", stdout, flags=re.M)
