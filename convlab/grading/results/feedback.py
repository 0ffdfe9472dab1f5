"""The feedback nbgrader generates for this course runs no student script, wherever it is opened.

A submission's outputs and markdown are the student's: ``display(HTML("<script>..."))``, an
``<img onerror=...>`` in a markdown cell, a ``javascript:`` link. nbgrader's feedback page would
run them when staff open it (a browser, JupyterLab's *Trust HTML*, the Formgrader). Two layers,
both through nbconvert's and nbgrader's public configuration (``configure``, called from the
course's ``nbgrader_config.py``):

- nbconvert's own ``SanitizeHTML`` preprocessor, on every HTML export nbgrader makes with this
  configuration (the feedback, the Formgrader's views of a submission): HTML and markdown
  outputs and markdown cells keep their safe tags, scripts and event handlers are escaped into
  text, JavaScript and other active outputs are dropped. Plots (PNG, JPEG), text, the checks'
  messages and errors are kept as they are;
- the feedback page itself is nbgrader's ``feedback`` template extended
  (``templates/convlab_feedback``) with a Content-Security-Policy first in its head: no script
  runs, inline or loaded, and nothing is fetched from anywhere; images only from the page
  itself (``data:``), styles only its own. So even markup the sanitizer let through runs
  nothing. The cost: the page's math stays as its TeX source (MathJax is a script), as it does
  in JupyterLab's HTML viewer, which runs no script either.
"""

from __future__ import annotations

from pathlib import Path

import nbgrader

TEMPLATES = Path(__file__).with_name("templates")
SANITIZER = "nbconvert.preprocessors.sanitize.SanitizeHTML"


def configure(c) -> None:
    """Set the course's nbgrader configuration ``c`` to sanitize and to lock the feedback page."""
    formgrader = Path(nbgrader.__file__).parent / "server_extensions" / "formgrader"
    c.HTMLExporter.preprocessors = [SANITIZER]
    # the feedback's exporter only (its parent is nbgrader's GenerateFeedback): our template, which
    # extends nbgrader's, and what nbgrader itself puts on its paths (its templates, bootstrap's css)
    feedback = c.GenerateFeedback.HTMLExporter
    feedback.template_name = "convlab_feedback"
    feedback.extra_template_basedirs = [str(TEMPLATES), str(formgrader / "templates")]
    feedback.extra_template_paths = [
        str(formgrader / "templates"),
        str(formgrader / "static" / "node_modules" / "bootstrap" / "dist" / "css"),
    ]
