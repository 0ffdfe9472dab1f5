"""The class report's section on similar submissions: per exercise, the pairs shown, best
first, with their reasons and the two answer cells side by side, the shared parts marked.

Everything a student wrote (their code, their comments, a mistake's message, their name) is
HTML-escaped; the view needs no script (a ``details`` element unfolds it).
"""

from __future__ import annotations

import html
import json

from convlab.grading.course import Course

STYLE = """
.pair-view { display: grid; grid-template-columns: minmax(0, 1fr) minmax(0, 1fr); gap: .6rem; }
.pair-view pre { max-height: 26rem; margin: .2rem 0; }
.pair-view h4 { margin: .3rem 0 0; font-size: .9rem; }
mark.shared { background: #ffe08a; }
tr.reviewed td { color: #777; }
.caveat { background: #fff6e5; padding: .8rem 1rem; border-radius: 6px; }
"""

CAVEAT = (
    "This is evidence for you to review, never an accusation, and nothing here changes a score "
    "or a flag. A pair is listed when its two answers share more than independently written "
    "answers almost ever do: the same rare code once names, layout and comments are normalized "
    "and the starter code is left out; the same wrong answer (the same mistake with the same wrong "
    "values) where few others made it; the same comments, strings, unusual names or dead code. "
    "It is not proof: two students may have worked together as allowed, used the same source, or "
    "written the obvious solution; short answers cannot be told apart and are never listed for "
    "their code. Look at the two answers, then talk to the students. Mark a pair you have looked "
    "at with the command under it: it stays marked on every rerun until one of the answers changes."
)


def marked(source: str, spans: list[list[int]]) -> str:
    """``source`` escaped, the shared spans in ``<mark>``."""
    out, at = [], 0
    for start, end in sorted(spans):
        if start < at:
            start = at
        if end <= start:
            continue
        out.append(html.escape(source[at:start]))
        out.append(f'<mark class="shared">{html.escape(source[start:end])}</mark>')
        at = end
    out.append(html.escape(source[at:]))
    return "".join(out)


def _who(student: str, name: str) -> str:
    return html.escape(f"{student} ({name})" if name else student)


def _pair(e: dict, p: dict) -> str:
    reasons = "".join(f"<li>{html.escape(r)}</li>" for r in p["reasons"])
    status = ""
    if p["reviewed"]:
        status = (
            "<p><b>reviewed: not a concern</b>"
            + (f" ({html.escape(p['note'])})" if p["note"] else "")
            + "</p>"
        )
    elif p["reviewed_before"]:
        status = "<p>reviewed before, but one of the answers has changed since</p>"
    command = (
        f"python -m convlab.grading.results.similarity --not-a-concern {e['assignment']} {e['exercise']} "
        f"{p['a']} {p['b']} --note '...'"
    )
    view = (
        '<details class="side-by-side"><summary>side by side, shared code marked</summary>'
        '<div class="pair-view">'
        f"<div><h4>{_who(p['a'], p['name_a'])}</h4><pre>{marked(p['source_a'], p['marks_a'])}</pre></div>"
        f"<div><h4>{_who(p['b'], p['name_b'])}</h4><pre>{marked(p['source_b'], p['marks_b'])}</pre></div>"
        f"</div><p>to mark it reviewed: <code>{html.escape(command)}</code></p></details>"
    )
    cluster = f"group {p['cluster']}" if p["cluster"] else ""
    return (
        f'<tr class="pair{" reviewed" if p["reviewed"] else ""}"><td class="n">{p["rank"]}</td>'
        f"<td>{_who(p['a'], p['name_a'])}<br>{_who(p['b'], p['name_b'])}</td>"
        f'<td class="n">{p["score"]:.2f}</td><td>{html.escape(cluster)}</td>'
        f"<td><ul>{reasons}</ul>{status}{view}</td></tr>"
    )


def section(course: Course) -> str:
    """The section, from ``autograder/similarity.json`` (``make similarity``); a line saying how
    to get it when it has not been made."""
    path = course.workspace / "similarity.json"
    out = ['<h2 id="similarity">Similar submissions: evidence to review</h2>']
    if not path.exists():
        out.append('<p class="empty">not computed: run <code>make similarity</code></p>')
        return "\n".join(out)
    result = json.loads(path.read_text())
    out.append(f"<style>{STYLE}</style>")
    out.append(f'<p class="caveat">{html.escape(CAVEAT)}</p>')
    when = html.escape(str(result.get("computed", "")))
    out.append(
        f"<p>A pair is listed from a score of {result['threshold']:g}. Computed {when} by "
        "<code>make similarity</code>: run it again after grading again.</p>"
    )
    for e in result["exercises"]:
        if not e["submissions"]:
            continue
        title = f"{e['assignment']} {e['exercise']}"
        anchor = html.escape(f"similarity-{e['assignment']}-{e['exercise']}")
        out.append(f'<h3 id="{anchor}">{html.escape(title)}</h3>')
        if not e["pairs"]:
            out.append(f'<p class="empty">no pair listed among {e["submissions"]} submissions</p>')
            continue
        listed, reviewed = len(e["pairs"]), sum(p["reviewed"] for p in e["pairs"])
        out.append(
            f"<p>{listed} pair{'s' * (listed != 1)} listed among {e['submissions']} submissions"
            f" ({reviewed} reviewed: not a concern).</p>"
        )
        for i, group in enumerate(e["clusters"], start=1):
            out.append(f"<p>group {i}: {html.escape(', '.join(group))} (linked by listed pairs)</p>")
        out.append(
            "<table><tr><th>rank</th><th>students</th><th>score</th><th>group</th><th>evidence</th></tr>"
            + "".join(_pair(e, p) for p in e["pairs"])
            + "</table>"
        )
    return "\n".join(out)
