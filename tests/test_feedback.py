"""The HTML nbgrader makes with the course's configuration runs no student script
(convlab/grading/results/feedback.py): the feedback page's template and its Content-Security-Policy, and
nbconvert's sanitizer in the Formgrader's exporter as well. A hostile submission's feedback,
graded on a real hub and opened in Chromium, is tests/test_grade_on_submit.py."""

from __future__ import annotations

import copy

from nbconvert.exporters import HTMLExporter
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from convlab.grading.course import Course
from tests.support.notebooks import ROOT

SCRIPT = "<script>document.title = 'PWNED'</script>"


def hostile():
    return new_notebook(
        cells=[
            new_markdown_cell(f"notes {SCRIPT} <img src=x onerror=alert(1)>"),
            new_code_cell(
                "display(...)",
                outputs=[
                    new_output("display_data", data={"text/html": f"<b>bold</b>{SCRIPT}"}),
                    new_output("display_data", data={"application/javascript": "alert(1)"}),
                    new_output("display_data", data={"image/png": "iVBORw0KGgo=", "text/plain": "<Figure>"}),
                    new_output("stream", text="corr2d: all 8 cases passed\n"),
                ],
            ),
        ]
    )


def test_the_feedback_page_forbids_every_script_and_escapes_the_students():
    config = copy.deepcopy(Course(ROOT).config)
    # as nbgrader's GenerateFeedback makes its exporter: the nested section applies to it alone
    config.HTMLExporter.merge(config.GenerateFeedback.HTMLExporter)
    exporter = HTMLExporter(config=config)
    resources = {"nbgrader": {"notebook": "n", "score": 1, "max_score": 2, "late_penalty": 0}}
    page, _ = exporter.from_notebook_node(hostile(), resources=resources)
    head = page.split("</head>")[0]
    assert head.index('http-equiv="Content-Security-Policy"') < head.index("<script")  # first
    policy = head.split('http-equiv="Content-Security-Policy"')[0].rsplit("<meta", 1)[1]
    assert "default-src 'none'" in policy and "unsafe-inline" not in policy.split("style-src")[0]
    body = page.split("<body", 1)[1]
    assert SCRIPT not in body and "onerror=alert" not in body.replace("onerror=alert(1)&gt;", "")
    assert "&lt;script&gt;" in body and "<b>bold</b>" in body
    assert "alert(1)" not in body.replace("onerror=alert(1)", "")  # the JavaScript output is dropped
    assert 'src="data:image/png;base64,iVBORw0KGgo="' in body and "all 8 cases passed" in body


def test_the_formgraders_views_sanitize_too(monkeypatch):
    """The Formgrader builds its exporter from the course's configuration (nbgrader_config.py)."""
    from nbgrader.server_extensions.formgrader.formgrader import FormgradeExtension

    monkeypatch.chdir(ROOT)
    formgrader = FormgradeExtension()
    formgrader.initialize([])
    exporter = HTMLExporter(config=formgrader.config)
    (sanitizer,) = [p for p in exporter._preprocessors if type(p).__name__ == "SanitizeHTML" and p.enabled]
    nb, _ = sanitizer(hostile(), {})
    assert SCRIPT not in nb.cells[0].source
    assert [list(o.get("data", {})) for o in nb.cells[1].outputs][:3] == [
        ["text/html"],
        [],
        ["image/png", "text/plain"],
    ]
    assert SCRIPT not in nb.cells[1].outputs[0].data["text/html"]
