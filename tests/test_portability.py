"""The answer keys' outputs do not depend on the machine: nbval stays green under perturbed numerics.

``make test`` runs nbval on solutions/ as this machine is: PyTorch's best CPU capability, every
core, its timezone and locale. The same suite runs twice more, each run under one of the
perturbations of tests/support/perturb.py (a CPU without AVX on one thread in the Turkish locale
at UTC+12:45; an AVX2 CPU on every thread at UTC-3:30), each checked to take effect first. Each
run is also another Python's where this machine has one: tests/test_pythons.py's nbval of 3.12's
answer keys carries the first, 3.13's the second (one run of about 45 s of one core checks both
the interpreter and the machine). Here, a perturbation whose Python is absent runs on the
suite's own.

Before the course printed values at rounding level as bounds, built the photo in integers and
trained notebook 09 in float64, the first run failed on 09's ``why-code`` (nbval's "Cell 17"):
float32 training with PyTorch's plain kernels ends at another test accuracy.
"""

import os
import re
import subprocess
import sys

import pytest

from tests.support import perturb
from tests.support.notebooks import ROOT
from tests.support.pythons import interpreter


@pytest.mark.slow
@pytest.mark.parametrize("name", perturb.PERTURBATIONS)
def test_the_answer_keys_outputs_do_not_depend_on_the_machine(name, tmp_path):
    version = perturb.ON_PYTHON[name]
    if f"{sys.version_info.major}.{sys.version_info.minor}" != version and interpreter(version):
        pytest.skip(f"nbval runs the answer keys under {name} on Python {version} (tests/test_pythons.py)")
    env = perturb.environ(name, sys.executable, dict(os.environ), tmp_path)
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "solutions", "-p", "no:cacheprovider", "-q", "--color=no"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=1200,
    )
    failed = perturb.failed_cells(run.stdout)
    assert run.returncode == 0, (
        f"nbval under {perturb.PERTURBATIONS[name]}: {len(failed)} cells differ from the answer key: "
        f"{failed}\n" + run.stdout[-6000:]
    )


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
