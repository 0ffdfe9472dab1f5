"""What the class got wrong: one self-contained HTML page for the instructor.

    python -m convlab.grading.results.report [--root COURSE] [--out autograder/report.html] [--lang zh_CN]

Reads what grading left (nbgrader's gradebook, ``autograder/mistakes.csv`` and
``grading-report.csv``, the review scan of the submissions) and writes one page that opens
offline, with, per assignment and exercise, the score distribution (a plot), the share of full
marks, and the mistakes the checks named, most frequent first, each with the hint the students
saw and one anonymised example; then the flagged submissions and those that hit a limit. A
paragraph at the top names the exercises the class found hardest.

The page is in one language (``--lang``: English by default, or a language of
``convlab/locale``), its own texts, the mistakes' names and the hints alike, whichever edition
each student handed in (:mod:`convlab.grading.results.language`); a student's example message is
shown as that student saw it.
"""

from __future__ import annotations

import argparse
import functools
import html
import io
import sys
import tokenize
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path

import nbformat

from convlab.grading.course import Course
from convlab.grading.results.exercises import Assignment, class_scores
from convlab.grading.results.grades import score_grid
from convlab.grading.results.language import UnknownLanguage, chosen, hint, mistake_name
from convlab.grading.results.mistakes import OTHER, UNNAMED, MistakeMade, read_mistakes
from convlab.grading.results.review import Flag, review
from convlab.grading.results.similarity import page as similarity
from convlab.grading.tables import read_csv
from convlab.i18n import ENGLISH, N_, Msg, languages, translate

# The page's own texts, as msgids (pybabel reads an N_ call in the code, not in an f-string)
TITLE = N_("convlab: what the class got wrong")
HEADING = N_("What the class got wrong")
NO_FAILED_CHECKS = N_("no failed checks")
AN_EXAMPLE = N_("an example")
NOTHING = N_("none")
NOT_GRADED = N_("no submissions graded")
FLAGGED = N_("Flagged for review")
STOPPED = N_("Stopped by a limit")
SEPARATOR = N_("; ")  # between the hardest exercises


@dataclass
class Ranked:
    """One mistake of one exercise: how many submissions made it, what they were told, an example."""

    mistake: str  # the name it is counted under (an English msgid, or one of mistakes.UNNAMED)
    count: int
    share: float  # of the exercise's submissions
    hint: str  # in the page's language
    message: str  # the most common first line of the failures (what "other" shows)
    example: str  # the answer cell of one submission that made it, without comments or names


@dataclass
class ExerciseResults:
    """One exercise's section of the report: the class's scores and its mistakes, ranked."""

    assignment: str
    name: str
    points: float
    scores: list[float]
    mistakes: list[Ranked]

    @property
    def mean(self) -> float:
        return sum(self.scores) / len(self.scores) if self.scores else 0.0

    @property
    def full_marks(self) -> float:
        return sum(s >= self.points for s in self.scores) / len(self.scores) if self.scores else 0.0


def anonymised(source: str, limit: int = 30) -> str:
    """An answer cell as code only: its comments (where names and notes go) and runs of blank
    lines removed. Code that does not parse keeps its lines, less those that are comments."""
    try:
        tokens = [
            t for t in tokenize.generate_tokens(io.StringIO(source).readline) if t.type != tokenize.COMMENT
        ]
        code = tokenize.untokenize(tokens)
    except (tokenize.TokenError, IndentationError, SyntaxError):
        code = "\n".join(line for line in source.splitlines() if not line.strip().startswith("#"))
    lines: list[str] = []
    for line in code.splitlines():
        if line.strip() or (lines and lines[-1].strip()):
            lines.append(line.rstrip())
    if len(lines) > limit:
        lines = [*lines[:limit], f"... ({len(lines) - limit} more lines)"]
    return "\n".join(lines).strip("\n")


@functools.cache
def _answer_cells(folder: Path) -> dict[str, str]:
    """grade_id -> source of every nbgrader cell of the graded notebooks in ``folder``, read once
    per run (the same submission is often the example of several mistakes)."""
    cells = {}
    for path in sorted(folder.glob("*.ipynb")):
        for cell in nbformat.read(path, as_version=4).cells:
            cells.setdefault(cell.get("metadata", {}).get("nbgrader", {}).get("grade_id"), cell.source)
    return cells


def answer_cell(course: Course, student: str, assignment: str, exercise: str) -> str:
    """The student's answer cell ``exercise`` as graded ('' if the notebook is not there)."""
    return _answer_cells(course.autograded / student / assignment).get(exercise, "")


def rank(
    course: Course, assignment: Assignment, exercise: str, mistakes: list[MistakeMade], lang: str = ENGLISH
) -> list[Ranked]:
    """The named mistakes of one exercise, most submissions first, then the unnamed ones
    (not attempted, not run, other); each with its most common hint, worded in ``lang``."""
    mine = [m for m in mistakes if m.assignment == assignment.name and m.exercise == exercise]
    n = len(assignment.by_exercise.get(exercise, {})) or 1
    by_name: dict[str, list[MistakeMade]] = defaultdict(list)
    for m in mine:
        by_name[m.mistake].append(m)
    ranked = []
    for name, made in by_name.items():
        students = sorted({m.student for m in made})
        given = Counter(hint(m, lang) for m in made).most_common(1)[0][0]
        message = Counter((m.message.splitlines() or [""])[0] for m in made).most_common(1)[0][0]
        example = anonymised(answer_cell(course, students[0], assignment.name, exercise))
        ranked.append(Ranked(name, len(students), len(students) / n, given, message, example))
    ranked.sort(
        key=lambda r: (
            r.mistake in UNNAMED,
            UNNAMED.index(r.mistake) if r.mistake in UNNAMED else 0,
            -r.count,
            r.mistake,
        )
    )
    return ranked


def gather(
    course: Course, lang: str = ENGLISH
) -> tuple[list[Assignment], list[ExerciseResults], list[Flag], list[dict], bool]:
    """(assignments, exercises, flags, the rows of submissions that hit a limit, whether
    mistakes were recorded)."""
    assignments = class_scores(course)
    path = course.workspace / "mistakes.csv"
    mistakes = read_mistakes(path)
    exercises = [
        ExerciseResults(
            a.name,
            name,
            points,
            list(a.by_exercise.get(name, {}).values()),
            rank(course, a, name, mistakes, lang),
        )
        for a in assignments
        for name, points in a.exercises.items()
    ]
    limits = [r for r in read_csv(course.workspace / "grading-report.csv") if r["outcome"] == "limit"]
    return assignments, exercises, review(course), limits, path.exists()


def distribution_svg(assignment: Assignment, exercises: list[ExerciseResults], lang: str = ENGLISH) -> str:
    """One small histogram per exercise (and the total first): students per score. The SVG keeps
    its texts as text (``svg.fonttype``), drawn by the browser's fonts, Chinese ones too."""
    import warnings

    import matplotlib
    import matplotlib.pyplot as plt
    from matplotlib.ticker import MaxNLocator

    panels = []
    total = (
        translate(N_("total"), lang),
        assignment.max_score,
        [assignment.net(s) for s in assignment.scores],
    )
    for title, top, scores in [total, *((e.name, e.points, e.scores) for e in exercises)]:
        top = max(1.0, float(top))
        panels.append((title, top, scores, translate(Msg("points / {top:g}", top=top), lang)))
    fig, axes = score_grid(panels, 5, (2.5, 1.9), translate(N_("submissions"), lang))
    for ax in list(axes.flat)[: len(panels)]:
        ax.tick_params(labelsize=7)
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    axes[0][0].yaxis.label.set_fontsize(8)
    buffer = io.StringIO()
    with warnings.catch_warnings(), matplotlib.rc_context({"svg.fonttype": "none"}):
        # the layout measures Chinese labels with a font that has no glyphs for them: the
        # sizes are near enough, and the browser draws them
        warnings.filterwarnings("ignore", message="Glyph .* missing from font")
        fig.tight_layout()
        fig.savefig(buffer, format="svg")
    plt.close(fig)
    svg = buffer.getvalue()
    return svg[svg.index("<svg") :]


def overview(assignments: list[Assignment], exercises: list[ExerciseResults], lang: str = ENGLISH) -> str:
    """The paragraph at the top: how many were graded, and the three hardest exercises."""
    students = {s for a in assignments for s in a.scores}
    attempted = [e for e in exercises if e.scores and e.points]
    counts = Msg(
        "{students} students, {submissions} graded submissions in {graded} of {assignments} assignments.",
        students=len(students),
        submissions=sum(len(a.scores) for a in assignments),
        graded=sum(bool(a.scores) for a in assignments),
        assignments=len(assignments),
    )
    if not attempted:
        return translate(Msg("{counts} No exercise has been graded yet.", counts=counts), lang)
    hardest = sorted(attempted, key=lambda e: (e.mean / e.points, e.full_marks))[:3]
    parts = []
    for e in hardest:
        named = [r for r in e.mistakes if r.mistake not in UNNAMED]
        facts = dict(
            exercise=e.name, assignment=e.assignment, mean=e.mean, points=e.points, full=e.full_marks
        )
        if named:
            part = Msg(
                "{exercise} in {assignment} (on average {mean:.1f} of {points:g} points, {full:.0%} full "
                "marks; most common mistake: {mistake} ({share:.0%}))",
                **facts,
                mistake=mistake_name(named[0].mistake, lang),
                share=named[0].share,
            )
        else:
            part = Msg(
                "{exercise} in {assignment} (on average {mean:.1f} of {points:g} points, {full:.0%} full "
                "marks)",
                **facts,
            )
        parts.append(translate(part, lang))
    separator = translate(SEPARATOR, lang)
    hardest_text = Msg(
        "{counts} The class found these exercises hardest: {exercises}.",
        counts=counts,
        exercises=separator.join(parts),
    )
    return translate(hardest_text, lang)


STYLE = """
body { font: 15px/1.45 system-ui, sans-serif; max-width: 72rem; margin: 2rem auto; padding: 0 1rem; }
body { color: #222; } h1 { font-size: 1.6rem; } h3 { margin-bottom: .3rem; }
h2 { margin-top: 2.5rem; border-bottom: 1px solid #ccc; }
table { border-collapse: collapse; margin: .5rem 0 1rem; }
td, th { padding: .25rem .6rem; border-bottom: 1px solid #eee; text-align: left; vertical-align: top; }
th { background: #f4f4f4; } td.n { text-align: right; white-space: nowrap; }
pre { background: #f7f7f7; padding: .5rem; max-height: 18rem; overflow: auto; font-size: 12px; }
details summary { cursor: pointer; color: #335; }
.summary { background: #eef3fb; padding: .8rem 1rem; border-radius: 6px; }
.empty { color: #666; font-style: italic; } svg { max-width: 100%; height: auto; }
"""


def _anchor(*names: str) -> str:
    return html.escape("-".join(names))


def _t(text, lang: str) -> str:
    """A text of the page itself, in ``lang``, escaped."""
    return html.escape(translate(text, lang))


def _head(lang: str, *columns: str) -> str:
    return "<tr>" + "".join(f"<th>{_t(c, lang)}</th>" for c in columns) + "</tr>"


def _mistake_rows(exercise: ExerciseResults, lang: str = ENGLISH) -> str:
    if not exercise.mistakes:
        return f'<p class="empty">{_t(NO_FAILED_CHECKS, lang)}</p>'
    rows = []
    for r in exercise.mistakes:
        name = mistake_name(r.mistake, lang)
        if r.mistake == OTHER and r.message:  # the student's own error, as they saw it
            name = translate(Msg("other: {message}", message=r.message), lang)
        example = (
            f"<details><summary>{_t(AN_EXAMPLE, lang)}</summary><pre>{html.escape(r.example)}</pre></details>"
            if r.example
            else ""
        )
        rows.append(
            f'<tr class="mistake"><td class="n">{r.count}</td><td class="n">{r.share:.0%}</td>'
            f"<td><b>{html.escape(name)}</b>{example}</td><td>{html.escape(r.hint)}</td></tr>"
        )
    head = _head(lang, N_("submissions"), N_("share"), N_("mistake"), N_("hint the students saw"))
    return f"<table>{head}" + "".join(rows) + "</table>"


def _none(lang: str) -> str:
    return f'<p class="empty">{_t(NOTHING, lang)}</p>'


def render(
    assignments, exercises, flags, limits, recorded: bool, extra: str = "", lang: str = ENGLISH
) -> str:
    code = "<code>{}</code>".format
    out = [
        f"<!doctype html><html lang='{html.escape(lang.replace('_', '-'))}'><head><meta charset='utf-8'>",
        f"<title>{_t(TITLE, lang)}</title>",
        f"<style>{STYLE}</style></head><body>",
        f"<h1>{_t(HEADING, lang)}</h1>",
        f'<p class="summary">{html.escape(overview(assignments, exercises, lang))}</p>',
    ]
    if not recorded:  # the catalogue's own text, the commands its placeholders: markup kept
        said = Msg(
            "No mistakes were recorded: autograder/mistakes.csv is written by {make_autograde} "
            "(plain {nbgrader_autograde} does not write it).",
            make_autograde=code("make autograde"),
            nbgrader_autograde=code("nbgrader autograde"),
        )
        out.append(f'<p class="empty">{translate(said, lang)}</p>')
    for a in assignments:
        mine = [e for e in exercises if e.assignment == a.name]
        out.append(f'<h2 id="{html.escape(a.name)}">{html.escape(a.name)}</h2>')
        if not a.scores:
            out.append(f'<p class="empty">{_t(NOT_GRADED, lang)}</p>')
            continue
        facts = dict(n=len(a.scores), mean=sum(a.net(s) for s in a.scores) / len(a.scores), top=a.max_score)
        if a.penalties:
            said = Msg(
                "{n} submissions, on average {mean:.1f} of {top:g} points, {late} with a late penalty.",
                **facts,
                late=len(a.penalties),
            )
        else:
            said = Msg("{n} submissions, on average {mean:.1f} of {top:g} points.", **facts)
        out.append(f"<p>{_t(said, lang)}</p>")
        out.append(f'<figure class="plot">{distribution_svg(a, mine, lang)}</figure>')
        out.append(
            "<table>"
            + _head(lang, N_("exercise"), N_("points"), N_("average"), N_("full marks"))
            + "".join(
                f'<tr><td><a href="#{_anchor(a.name, e.name)}">{html.escape(e.name)}</a></td>'
                f'<td class="n">{e.points:g}</td><td class="n">{e.mean:.2f}</td>'
                f'<td class="n">{e.full_marks:.0%}</td></tr>'
                for e in mine
            )
            + "</table>"
        )
        for e in mine:
            out.append(f'<h3 id="{_anchor(a.name, e.name)}">{html.escape(e.name)}</h3>')
            out.append(_mistake_rows(e, lang))
    out.append(f"<h2>{_t(FLAGGED, lang)}</h2>")
    out.append(
        "<table>"
        + _head(lang, N_("student"), N_("assignment"), N_("reason"))
        + "".join(
            f"<tr><td>{html.escape(f.student)}</td><td>{html.escape(f.assignment)}</td>"
            f"<td>{_t(f.reason, lang)}</td></tr>"
            for f in flags
        )
        + "</table>"
        if flags
        else _none(lang)
    )
    out.append(f"<h2>{_t(STOPPED, lang)}</h2>")
    out.append(
        "<table>"
        + _head(lang, N_("student"), N_("assignment"), N_("what happened"))
        + "".join(
            f"<tr><td>{html.escape(r['student'])}</td><td>{html.escape(r['assignment'])}</td>"
            f"<td>{html.escape(r['reasons'])}</td></tr>"  # grading-report.csv's words, in English
            for r in limits
        )
        + "</table>"
        if limits
        else _none(lang)
    )
    out.append(extra)  # the similar submissions (convlab.grading.results.similarity.page)
    out.append("</body></html>")
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m convlab.grading.results.report", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--root", type=Path, default=Path.cwd(), help="the course (default: here)")
    parser.add_argument("--out", type=Path, help="the page to write (default: autograder/report.html)")
    parser.add_argument(
        "--lang",
        default=ENGLISH,
        help=f"the page's language, whatever edition each student used: {', '.join(languages())} "
        "(default: en)",
    )
    args = parser.parse_args(argv)
    try:
        lang = chosen(args.lang)
    except UnknownLanguage as err:
        print(f"make report: {err}", file=sys.stderr)
        return 2
    course = Course(args.root)
    assignments, exercises, flags, limits, recorded = gather(course, lang)
    if not any(a.scores for a in assignments):
        print("nothing graded yet: run `make autograde` first", file=sys.stderr)
        return 1
    out = args.out or course.workspace / "report.html"
    partial = out.with_name(f".{out.name}.partial")
    page = render(assignments, exercises, flags, limits, recorded, similarity.section(course, lang), lang)
    partial.write_text(page, encoding="utf-8")
    partial.replace(out)
    counted = sum(r.count for e in exercises for r in e.mistakes)
    print(
        f"{out}: {len(assignments)} assignments, {len(exercises)} exercises, {counted} mistakes counted, "
        f"{len(flags)} flags, {len(limits)} stopped by a limit ({lang})",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
