"""The class report's section on similar submissions: per exercise, the pairs shown, best
first, with their reasons and the two answer cells side by side, the shared parts marked.

Everything a student wrote (their code, their comments, a mistake's message, their name) is
HTML-escaped; the view needs no script (a ``details`` element unfolds it). The section's own
texts are in the report's language (``lang``); the evidence's reasons, computed by ``make
similarity``, stay as it wrote them.
"""

from __future__ import annotations

import html
import json

from convlab.grading.course import Course
from convlab.i18n import ENGLISH, N_, Msg, translate

STYLE = """
.pair-view { display: grid; grid-template-columns: minmax(0, 1fr) minmax(0, 1fr); gap: .6rem; }
.pair-view pre { max-height: 26rem; margin: .2rem 0; }
.pair-view h4 { margin: .3rem 0 0; font-size: .9rem; }
mark.shared { background: #ffe08a; }
tr.reviewed td { color: #777; }
.caveat { background: #fff6e5; padding: .8rem 1rem; border-radius: 6px; }
"""

# the section's own texts, as msgids (pybabel reads an N_ call in the code, not in an f-string)
HEADING = N_("Similar submissions: evidence to review")
REVIEWED = N_("reviewed: not a concern")
CHANGED = N_("reviewed before, but one of the answers has changed since")
SIDE_BY_SIDE = N_("side by side, shared code marked")
TO_MARK = N_("to mark it reviewed:")
CAVEAT = N_(
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


def _t(text, lang: str) -> str:
    return html.escape(translate(text, lang))


def _pair(e: dict, p: dict, lang: str = ENGLISH) -> str:
    reasons = "".join(f"<li>{html.escape(r)}</li>" for r in p["reasons"])
    status = ""
    if p["reviewed"]:
        status = (
            f"<p><b>{_t(REVIEWED, lang)}</b>" + (f" ({html.escape(p['note'])})" if p["note"] else "") + "</p>"
        )
    elif p["reviewed_before"]:
        status = f"<p>{_t(CHANGED, lang)}</p>"
    command = (
        f"python -m convlab.grading.results.similarity --not-a-concern {e['assignment']} {e['exercise']} "
        f"{p['a']} {p['b']} --note '...'"
    )
    view = (
        f'<details class="side-by-side"><summary>{_t(SIDE_BY_SIDE, lang)}</summary>'
        '<div class="pair-view">'
        f"<div><h4>{_who(p['a'], p['name_a'])}</h4><pre>{marked(p['source_a'], p['marks_a'])}</pre></div>"
        f"<div><h4>{_who(p['b'], p['name_b'])}</h4><pre>{marked(p['source_b'], p['marks_b'])}</pre></div>"
        f"</div><p>{_t(TO_MARK, lang)} <code>{html.escape(command)}</code></p></details>"
    )
    cluster = translate(Msg("group {n}", n=p["cluster"]), lang) if p["cluster"] else ""
    return (
        f'<tr class="pair{" reviewed" if p["reviewed"] else ""}"><td class="n">{p["rank"]}</td>'
        f"<td>{_who(p['a'], p['name_a'])}<br>{_who(p['b'], p['name_b'])}</td>"
        f'<td class="n">{p["score"]:.2f}</td><td>{html.escape(cluster)}</td>'
        f"<td><ul>{reasons}</ul>{status}{view}</td></tr>"
    )


def section(course: Course, lang: str = ENGLISH) -> str:
    """The section, from ``autograder/similarity.json`` (``make similarity``); a line saying how
    to get it when it has not been made."""
    path = course.workspace / "similarity.json"
    out = [f'<h2 id="similarity">{_t(HEADING, lang)}</h2>']
    if not path.exists():  # the catalogue's text, the command its placeholder: markup kept
        said = Msg("not computed: run {command}", command="<code>make similarity</code>")
        out.append(f'<p class="empty">{translate(said, lang)}</p>')
        return "\n".join(out)
    result = json.loads(path.read_text())
    out.append(f"<style>{STYLE}</style>")
    out.append(f'<p class="caveat">{_t(CAVEAT, lang)}</p>')
    when = html.escape(str(result.get("computed", "")))
    said = Msg(
        "A pair is listed from a score of {threshold:g}. Computed {when} by {command}: run it again "
        "after grading again.",
        threshold=float(result["threshold"]),
        when=when,
        command="<code>make similarity</code>",
    )
    out.append(f"<p>{translate(said, lang)}</p>")
    for e in result["exercises"]:
        if not e["submissions"]:
            continue
        title = f"{e['assignment']} {e['exercise']}"
        anchor = html.escape(f"similarity-{e['assignment']}-{e['exercise']}")
        out.append(f'<h3 id="{anchor}">{html.escape(title)}</h3>')
        if not e["pairs"]:
            said = Msg("no pair listed among {n} submissions", n=e["submissions"])
            out.append(f'<p class="empty">{_t(said, lang)}</p>')
            continue
        listed, reviewed = len(e["pairs"]), sum(p["reviewed"] for p in e["pairs"])
        said = (
            Msg("{listed} pairs listed among {n} submissions ({reviewed} reviewed: not a concern).",
                listed=listed, n=e["submissions"], reviewed=reviewed)
            if listed != 1
            else Msg("1 pair listed among {n} submissions ({reviewed} reviewed: not a concern).",
                     n=e["submissions"], reviewed=reviewed)
        )  # fmt: skip
        out.append(f"<p>{_t(said, lang)}</p>")
        for i, group in enumerate(e["clusters"], start=1):
            said = Msg("group {n}: {students} (linked by listed pairs)", n=i, students=", ".join(group))
            out.append(f"<p>{_t(said, lang)}</p>")
        heads = [N_("rank"), N_("students"), N_("score"), N_("group"), N_("evidence")]
        out.append(
            "<table><tr>"
            + "".join(f"<th>{_t(h, lang)}</th>" for h in heads)
            + "</tr>"
            + "".join(_pair(e, p, lang) for p in e["pairs"])
            + "</table>"
        )
    return "\n".join(out)
