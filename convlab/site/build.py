"""make site: the course as a static website whose animations play, offline, from any host.

    python -m convlab.site [--out site/_build] [--jobs 2] [NN_topic ...]

Every notebook becomes one page, made from the answer key (``solutions/``) with the student
release's cells for every exercise (``notebooks/``): a solution never reaches the site, its
outputs (plots, the checks' lines) do. Each notebook is executed again for the page, because the
answer key keeps no widget state (``make release`` drops it) and a player needs its frames: the
state is embedded in the page and drawn by the widget manager of ipywidgets'
(``@jupyter-widgets/html-manager``), so Play and the step slider switch frames in the browser,
as in JupyterLab, with no kernel. The page is nbconvert's JupyterLab template (convlab/site/
templates/convlab/): the notebook as JupyterLab draws it, with every script it would fetch from a
CDN (the widget manager, RequireJS, MathJax, anywidget's front end) copied from
``site/node_modules`` (``npm ci --prefix site``, exact versions in site/package-lock.json) into
the site's ``_static/``. The index holds the course table of the README and how to start.
"""

from __future__ import annotations

import argparse
import html
import json
import os
import re
import shutil
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import nbformat

from convlab.grading.course import Course

HERE = Path(__file__).parent
TEMPLATES = HERE / "templates"
STATIC = "_static"
# what the site serves from npm: (package, file or folder inside it) -> path under _static/
FROM_NPM = [
    ("requirejs", "require.js", "require.js"),
    ("@jupyter-widgets/html-manager", "dist", "html-manager"),
    ("anywidget", "dist/index.js", "anywidget/index.js"),
    ("mathjax", "es5", "mathjax"),
]
CELL_TIMEOUT_S = 900


class SiteError(RuntimeError):
    """The site cannot be built (npm's packages missing, a notebook that raised)."""


def publishable(key: nbformat.NotebookNode, release: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """The answer key with the release's source in every nbgrader cell (the exercise stubs, the
    test cells as students get them) and no output under an answer cell."""
    released = {cell.id: cell for cell in release.cells}
    by_grade = {c.metadata.get("nbgrader", {}).get("grade_id"): c for c in release.cells}
    nb = nbformat.from_dict(json.loads(json.dumps(key)))
    for cell in nb.cells:
        grader = cell.metadata.get("nbgrader")
        if not grader:
            continue
        twin = released.get(cell.id) or by_grade.get(grader.get("grade_id"))
        if twin is None:
            raise SiteError(f"cell {grader.get('grade_id')!r} of the answer key is not in the release")
        cell.source = twin.source
        if grader.get("solution") and cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    return nb


def solution_regions(key: nbformat.NotebookNode) -> list[str]:
    """The text between ``### BEGIN SOLUTION`` and ``### END SOLUTION`` of every answer cell."""
    found = re.compile(r"### BEGIN SOLUTION\n(.*?)### END SOLUTION", re.S)
    return [m.group(1) for cell in key.cells for m in found.finditer(cell.source)]


def page_text(page: str) -> str:
    """A page's text as a reader sees it (highlighted code is one span per token in the HTML)."""
    return html.unescape(re.sub(r"<[^>]+>", "", page))


def leaked(key: nbformat.NotebookNode, page: str) -> list[str]:
    """The solutions of ``key`` that ``page`` shows (none, or the build refuses to write it)."""
    text = page_text(page)
    return [region for region in solution_regions(key) if region.strip() and region.strip() in text]


def executed(key: nbformat.NotebookNode, folder: Path) -> nbformat.NotebookNode:
    """The answer key run again, as a student's kernel runs it (not as the grader's: views draw
    their frames), with its widget state stored. Its figures carry their alt text as in JupyterLab:
    importing convlab in the kernel installs it (convlab/alt.py)."""
    from nbclient import NotebookClient

    nb = nbformat.from_dict(json.loads(json.dumps(key)))
    os.environ.pop("NBGRADER_EXECUTION", None)  # the kernel inherits this process's environment
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp) / folder.name
        shutil.copytree(folder, work)
        client = NotebookClient(
            nb,
            timeout=CELL_TIMEOUT_S,
            kernel_name="python3",
            resources={"metadata": {"path": str(work)}},
            store_widget_state=True,
            allow_errors=False,
        )
        client.execute()
    return nb


def with_outputs(page: nbformat.NotebookNode, run: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """``page``'s cells (the release's source for exercises) with the outputs of ``run``."""
    outputs = {cell.id: cell for cell in run.cells}
    for cell in page.cells:
        if cell.cell_type != "code":
            continue
        grader = cell.metadata.get("nbgrader", {})
        if grader.get("solution"):
            continue
        ran = outputs[cell.id]
        cell.outputs, cell.execution_count = ran.outputs, ran.execution_count
    page.metadata["widgets"] = run.metadata.get("widgets", {})
    return page


def title_of(nb: nbformat.NotebookNode, aid: str) -> str:
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            found = re.search(r"^#\s+(.+)$", cell.source, re.M)
            if found:
                return re.sub(r"[`*_]", "", found.group(1)).strip()
    return aid


def render(nb: nbformat.NotebookNode, aid: str, nav: dict) -> str:
    from nbconvert import HTMLExporter

    exporter = HTMLExporter(
        template_name="convlab",
        extra_template_basedirs=[str(TEMPLATES)],
        widget_renderer_url=f"{STATIC}/html-manager/embed-amd.js",
        theme="light",
    )
    nb.metadata["title"] = nav["title"]
    body, _ = exporter.from_notebook_node(nb, resources={"static": STATIC, "aid": aid, **nav})
    return body


def build_one(aid: str, root: str, out: str, nav: dict) -> tuple[str, float]:
    """Execute and render one notebook into ``out/<aid>.html`` (a worker process's job)."""
    start = time.monotonic()
    course = Course(Path(root))
    key = nbformat.read(course.solution / aid / f"{aid}.ipynb", as_version=4)
    release = nbformat.read(course.release / aid / f"{aid}.ipynb", as_version=4)
    page = with_outputs(publishable(key, release), executed(key, course.solution / aid))
    text = render(page, aid, nav)
    shown = leaked(key, text)
    if shown:
        raise SiteError(f"{aid}: a solution would be published:\n{shown[0][:300]}")
    (Path(out) / f"{aid}.html").write_text(text, encoding="utf-8")
    shutil.copy2(course.release / aid / f"{aid}.ipynb", Path(out) / "notebooks" / f"{aid}.ipynb")
    return aid, time.monotonic() - start


def copy_npm(node_modules: Path, static: Path) -> None:
    for package, inside, target in FROM_NPM:
        src = node_modules / package / inside
        if not src.exists():
            raise SiteError(f"{src} is missing: install the site's packages with `npm ci --prefix site`")
        dest = static / target
        dest.parent.mkdir(parents=True, exist_ok=True)
        if src.is_dir():
            shutil.copytree(src, dest, dirs_exist_ok=True, ignore=shutil.ignore_patterns("*.map"))
        else:
            shutil.copy2(src, dest)
    shutil.copy2(HERE / "static" / "site.css", static / "site.css")


def course_table(readme: str) -> list[list[str]]:
    """The README's course table (``| notebook | you learn | ...``) as rows of cells."""
    lines = readme.splitlines()
    start = next((k for k, line in enumerate(lines) if line.startswith("| notebook | you learn")), None)
    if start is None:
        raise SiteError("README.md has no course table (a row beginning '| notebook | you learn')")
    rows = []
    for line in lines[start:]:
        if not line.startswith("|"):
            break
        if not re.fullmatch(r"\|[-:| ]+\|", line.strip()):  # not the |---|---| line
            rows.append([c.strip() for c in line.strip().strip("|").split(" | ")])
    return rows


def inline(text: str) -> str:
    """Markdown's `code` spans in a table cell, everything else escaped."""
    parts = text.split("`")
    return "".join(f"<code>{html.escape(p)}</code>" if k % 2 else html.escape(p) for k, p in enumerate(parts))


def index_page(rows: list[list[str]], titles: dict[str, str]) -> str:
    head, body = rows[0], rows[1:]
    out = []
    for cells in body:
        aid = cells[0].strip("`")
        first = (
            f'<a href="{aid}.html">{html.escape(titles.get(aid, aid))}</a>'
            if aid in titles
            else inline(cells[0])
        )
        out.append(
            '<tr><th scope="row">'
            + first
            + "</th>"
            + "".join(f"<td>{inline(c)}</td>" for c in cells[1:])
            + "</tr>"
        )
    header = "".join(f'<th scope="col">{html.escape(c)}</th>' for c in head)
    return (
        (HERE / "static" / "index.html")
        .read_text(encoding="utf-8")
        .format(header=header, rows="\n".join(out), static=STATIC)
    )


def build(root: Path, out: Path, ids: list[str] | None = None, jobs: int = 1, log=print) -> list[Path]:
    """Write the site into ``out``: one page per notebook, the index, _static/. Returns the pages."""
    course = Course(root)
    every = course.assignments()
    ids = ids or every
    unknown = sorted(set(ids) - set(every))
    if unknown:
        raise SiteError(f"no such notebooks: {', '.join(unknown)} (the course has {', '.join(every)})")
    node_modules = root / "site" / "node_modules"
    out.mkdir(parents=True, exist_ok=True)
    (out / "notebooks").mkdir(exist_ok=True)
    copy_npm(node_modules, out / STATIC)
    titles = {}
    for aid in every:
        titles[aid] = title_of(nbformat.read(course.release / aid / f"{aid}.ipynb", as_version=4), aid)
    navs = {}
    for k, aid in enumerate(every):

        def link(j):
            return {"href": f"{every[j]}.html", "title": titles[every[j]]} if 0 <= j < len(every) else None

        navs[aid] = {"title": titles[aid], "previous": link(k - 1), "next": link(k + 1)}
    jobs = max(1, min(jobs, len(ids)))
    log(f"building the site: {len(ids)} notebook{'s' * (len(ids) != 1)} into {out}, {jobs} at a time")
    with ProcessPoolExecutor(max_workers=jobs) as pool:
        futures = [pool.submit(build_one, aid, str(root), str(out), navs[aid]) for aid in ids]
        for future in futures:
            aid, seconds = future.result()
            log(f"  {aid}: {seconds:.0f} s")
    rows = course_table((root / "README.md").read_text(encoding="utf-8"))
    (out / "index.html").write_text(index_page(rows, titles), encoding="utf-8")
    # the whole student release, to start from: the notebooks and their files
    release = course.release
    shutil.make_archive(str(out / "convlab-notebooks"), "zip", root_dir=release.parent, base_dir=release.name)
    (out / ".nojekyll").write_text("")  # GitHub Pages: serve _static/ as it is (Jekyll skips _folders)
    return [out / "index.html", *(out / f"{aid}.html" for aid in ids)]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m convlab.site", description=__doc__.split("\n\n")[0])
    parser.add_argument("assignments", nargs="*", help="only these notebooks (default: all)")
    parser.add_argument("--out", type=Path, default=None, help="where to write it (default: site/_build)")
    parser.add_argument("--jobs", type=int, default=min(2, os.cpu_count() or 1), help="notebooks at a time")
    args = parser.parse_args(argv)
    root = Course(Path.cwd()).root
    out = args.out or root / "site" / "_build"
    try:
        pages = build(root, out, args.assignments or None, args.jobs)
    except SiteError as err:
        print(f"make site: {err}", file=sys.stderr)
        return 1
    print(f"{len(pages)} pages in {out}: open {out / 'index.html'}, or serve the folder from any static host")
    return 0
