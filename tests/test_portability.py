"""The answer keys' outputs do not depend on the machine: nbval stays green under perturbed numerics.

``make test`` runs nbval on solutions/ as this machine is: PyTorch's best CPU capability, every
core, its timezone and locale. Here the same suite runs twice more, in subprocesses, each
perturbing several things at once (a full run costs about 45 s of one core):

- a CPU without AVX: PyTorch's own kernels in their plain build (``ATEN_CPU_CAPABILITY=default``),
  oneDNN's float32 convolutions capped at SSE4.1 and MKL's matrix products at SSE4.2 (MKL
  picks its paths by Intel model: on an AMD CPU it reports one generic path, capped or not), on one
  thread; in a timezone 12:45 ahead of UTC, the Turkish locale (a decimal comma, a dotless i)
  and another home folder and user name;
- an AVX2 CPU (the same three capped at AVX2), every thread, a timezone 3:30 behind UTC.

Before the course printed values at rounding level as bounds, built the photo in integers and
trained notebook 09 in float64, the first run failed on 09's ``why-code`` (nbval's "Cell 17"):
float32 training with PyTorch's plain kernels ends at another test accuracy. Each run first checks that its
perturbations took effect (a capability PyTorch ignores would pass for the wrong reason).
"""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.notebooks import ROOT

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


@pytest.mark.slow
@pytest.mark.parametrize("name", PERTURBATIONS)
def test_the_answer_keys_outputs_do_not_depend_on_the_machine(name, tmp_path):
    changes = dict(PERTURBATIONS[name])
    if "LC_ALL" in changes:
        changes |= _locale(tmp_path)
        changes["HOME"] = str(tmp_path / "home")  # a user's own, empty home: caches and all
        (tmp_path / "home").mkdir()
    env = {**os.environ, **changes}
    env.pop("PYTEST_XDIST_WORKER", None)
    # a student's run, not a grader's: the views and demos behave otherwise while nbgrader grades
    env.pop("NBGRADER_EXECUTION", None)

    verbose = env | {"ONEDNN_VERBOSE": "1"}
    probe = subprocess.run([sys.executable, "-c", PROBE], env=verbose, capture_output=True, text=True)
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

    run = subprocess.run(
        [sys.executable, "-m", "pytest", "solutions", "-p", "no:cacheprovider", "-q", "--color=no"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=1200,
    )
    failed = re.findall(r"^FAILED (\S+::Cell \d+)", run.stdout, flags=re.M)
    assert run.returncode == 0, (
        f"nbval under {changes}: {len(failed)} cells differ from the answer key: {failed}\n"
        + run.stdout[-6000:]
    )


def _has_avx2() -> bool:
    cpuinfo = Path("/proc/cpuinfo")
    return cpuinfo.exists() and " avx2" in cpuinfo.read_text()


def test_a_picture_in_a_view_is_compared_by_what_it_shows():
    """nbval's sanitizer (pyproject.toml) replaces a view's PNG bytes, keeping the alt text."""
    from nbval.plugin import get_sanitize_patterns

    from convlab.widgets.player import png_img

    patterns = get_sanitize_patterns((ROOT / "tests/support/nbval-sanitize.cfg").read_text())
    assert patterns

    def compared(html: str) -> str:
        for regex, replace in patterns:
            html = re.sub(regex, replace, html)
        return html

    png = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 3
    other = png[:-1] + b"\x00"
    assert compared(png_img(png, "photo (150, 128)")) == compared(png_img(other, "photo (150, 128)"))
    assert compared(png_img(png, "photo (150, 128)")) != compared(png_img(png, "Sobel x (148, 126)"))
    assert "base64" in compared(png_img(png, "x")) and png_img(png, "x") != compared(png_img(png, "x"))
    assert "--nbval-sanitize-with=tests/support/nbval-sanitize.cfg" in (ROOT / "pyproject.toml").read_text()
