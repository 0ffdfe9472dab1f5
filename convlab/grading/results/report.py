"""What the class got wrong: one self-contained HTML page for the instructor.

    python -m convlab.grading.results.report [--root COURSE] [--out autograder/report.html]

Reads what grading left (nbgrader's gradebook, ``autograder/mistakes.csv`` and
``grading-report.csv``, the review scan of the submissions) and writes one page that opens
offline, with, per assignment and exercise, the score distribution (a plot), the share of full
marks, and the mistakes the checks named, most frequent first, each with the hint the students
saw and one anonymised example; then the flagged submissions and those that hit a limit. A
paragraph at the top names the exercises the class found hardest.
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
from convlab.grading.results.mistakes import OTHER, UNNAMED, MistakeMade, read_mistakes
from convlab.grading.results.review import Flag, review
from convlab.grading.results.similarity import page as similarity
from convlab.grading.tables import read_csv


@dataclass
class Ranked:
    """One mistake of one exercise: how many submissions made it, what they were told, an example."""

    mistake: str
    count: int
    share: float  # of the exercise's submissions
    hint: str
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


def rank(course: Course, assignment: Assignment, exercise: str, mistakes: list[MistakeMade]) -> list[Ranked]:
    """The named mistakes of one exercise, most submissions first, then the unnamed ones
    (not attempted, not run, other)."""
    mine = [m for m in mistakes if m.assignment == assignment.name and m.exercise == exercise]
    n = len(assignment.by_exercise.get(exercise, {})) or 1
    by_name: dict[str, list[MistakeMade]] = defaultdict(list)
    for m in mine:
        by_name[m.mistake].append(m)
    ranked = []
    for name, made in by_name.items():
        students = sorted({m.student for m in made})
        hint = Counter(m.hint for m in made).most_common(1)[0][0]
        message = Counter((m.message.splitlines() or [""])[0] for m in made).most_common(1)[0][0]
        example = anonymised(answer_cell(course, students[0], assignment.name, exercise))
        ranked.append(Ranked(name, len(students), len(students) / n, hint, message, example))
    ranked.sort(
        key=lambda r: (
            r.mistake in UNNAMED,
            UNNAMED.index(r.mistake) if r.mistake in UNNAMED else 0,
            -r.count,
            r.mistake,
        )
    )
    return ranked


def gather(course: Course) -> tuple[list[Assignment], list[ExerciseResults], list[Flag], list[dict], bool]:
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
            rank(course, a, name, mistakes),
        )
        for a in assignments
        for name, points in a.exercises.items()
    ]
    limits = [r for r in read_csv(course.workspace / "grading-report.csv") if r["outcome"] == "limit"]
    return assignments, exercises, review(course), limits, path.exists()


def distribution_svg(assignment: Assignment, exercises: list[ExerciseResults]) -> str:
    """One small histogram per exercise (and the total first): students per score."""
    import matplotlib
    import matplotlib.pyplot as plt
    from matplotlib.ticker import MaxNLocator

    panels = []
    total = ("total", assignment.max_score, [assignment.net(s) for s in assignment.scores])
    for title, top, scores in [total, *((e.name, e.points, e.scores) for e in exercises)]:
        top = max(1.0, float(top))
        panels.append((title, top, scores, f"points / {top:g}"))
    fig, axes = score_grid(panels, 5, (2.5, 1.9), "submissions")
    for ax in list(axes.flat)[: len(panels)]:
        ax.tick_params(labelsize=7)
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    axes[0][0].yaxis.label.set_fontsize(8)
    fig.tight_layout()
    buffer = io.StringIO()
    with matplotlib.rc_context({"svg.fonttype": "none"}):
        fig.savefig(buffer, format="svg")
    plt.close(fig)
    svg = buffer.getvalue()
    return svg[svg.index("<svg") :]


def overview(assignments: list[Assignment], exercises: list[ExerciseResults]) -> str:
    """The paragraph at the top: how many were graded, and the three hardest exercises."""
    students = {s for a in assignments for s in a.scores}
    attempted = [e for e in exercises if e.scores and e.points]
    text = (
        f"{len(students)} students, {sum(len(a.scores) for a in assignments)} graded submissions "
        f"in {sum(bool(a.scores) for a in assignments)} of {len(assignments)} assignments."
    )
    if not attempted:
        return text + " No exercise has been graded yet."
    hardest = sorted(attempted, key=lambda e: (e.mean / e.points, e.full_marks))[:3]
    parts = []
    for e in hardest:
        named = [r for r in e.mistakes if r.mistake not in UNNAMED]
        top = f"; most common mistake: {named[0].mistake} ({named[0].share:.0%})" if named else ""
        parts.append(
            f"{e.name} in {e.assignment} (on average {e.mean:.1f} of {e.points:g} points, "
            f"{e.full_marks:.0%} full marks{top})"
        )
    return text + " The class found these exercises hardest: " + "; ".join(parts) + "."


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


def _mistake_rows(exercise: ExerciseResults) -> str:
    if not exercise.mistakes:
        return '<p class="empty">no failed checks</p>'
    rows = []
    for r in exercise.mistakes:
        name = f"other: {r.message}" if r.mistake == OTHER and r.message else r.mistake
        example = (
            f"<details><summary>an example</summary><pre>{html.escape(r.example)}</pre></details>"
            if r.example
            else ""
        )
        rows.append(
            f'<tr class="mistake"><td class="n">{r.count}</td><td class="n">{r.share:.0%}</td>'
            f"<td><b>{html.escape(name)}</b>{example}</td><td>{html.escape(r.hint)}</td></tr>"
        )
    return (
        "<table><tr><th>submissions</th><th>share</th><th>mistake</th><th>hint the students saw</th></tr>"
        + "".join(rows)
        + "</table>"
    )


def render(assignments, exercises, flags, limits, recorded: bool, extra: str = "") -> str:
    out = [
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>",
        "<title>convlab: what the class got wrong</title>",
        f"<style>{STYLE}</style></head><body>",
        "<h1>What the class got wrong</h1>",
        f'<p class="summary">{html.escape(overview(assignments, exercises))}</p>',
    ]
    if not recorded:
        out.append(
            '<p class="empty">No mistakes were recorded: autograder/mistakes.csv is written by '
            "<code>make autograde</code> (plain <code>nbgrader autograde</code> does not write it).</p>"
        )
    for a in assignments:
        mine = [e for e in exercises if e.assignment == a.name]
        out.append(f'<h2 id="{html.escape(a.name)}">{html.escape(a.name)}</h2>')
        if not a.scores:
            out.append('<p class="empty">no submissions graded</p>')
            continue
        mean = sum(a.net(s) for s in a.scores) / len(a.scores)
        late = f", {len(a.penalties)} with a late penalty" if a.penalties else ""
        out.append(
            f"<p>{len(a.scores)} submissions, on average {mean:.1f} of {a.max_score:g} points{late}.</p>"
        )
        out.append(f'<figure class="plot">{distribution_svg(a, mine)}</figure>')
        out.append(
            "<table><tr><th>exercise</th><th>points</th><th>average</th><th>full marks</th></tr>"
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
            out.append(_mistake_rows(e))
    out.append("<h2>Flagged for review</h2>")
    out.append(
        "<table><tr><th>student</th><th>assignment</th><th>reason</th></tr>"
        + "".join(
            f"<tr><td>{html.escape(f.student)}</td><td>{html.escape(f.assignment)}</td>"
            f"<td>{html.escape(f.reason)}</td></tr>"
            for f in flags
        )
        + "</table>"
        if flags
        else '<p class="empty">none</p>'
    )
    out.append("<h2>Stopped by a limit</h2>")
    out.append(
        "<table><tr><th>student</th><th>assignment</th><th>what happened</th></tr>"
        + "".join(
            f"<tr><td>{html.escape(r['student'])}</td><td>{html.escape(r['assignment'])}</td>"
            f"<td>{html.escape(r['reasons'])}</td></tr>"
            for r in limits
        )
        + "</table>"
        if limits
        else '<p class="empty">none</p>'
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
    args = parser.parse_args(argv)
    course = Course(args.root)
    assignments, exercises, flags, limits, recorded = gather(course)
    if not any(a.scores for a in assignments):
        print("nothing graded yet: run `make autograde` first", file=sys.stderr)
        return 1
    out = args.out or course.workspace / "report.html"
    partial = out.with_name(f".{out.name}.partial")
    partial.write_text(render(assignments, exercises, flags, limits, recorded, similarity.section(course)))
    partial.replace(out)
    counted = sum(r.count for e in exercises for r in e.mistakes)
    print(
        f"{out}: {len(assignments)} assignments, {len(exercises)} exercises, {counted} mistakes counted, "
        f"{len(flags)} flags, {len(limits)} stopped by a limit",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
