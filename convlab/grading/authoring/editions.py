"""The course in another language: one translation catalogue per notebook, an edition from each.

An author writes a lesson once, in English, in ``source/<id>/<id>.ipynb``. Its translation into
a language lives beside it, in ``source/<id>/<id>.<lang>.po`` (gettext, read and written with
Babel): one entry per markdown cell, keyed by the cell's id (the entry's ``msgctxt``), whose
``msgid`` is the English text of the cell and whose ``msgstr`` is the translation; and one per
lesson code cell with comments or shown words (titles, labels, printed sentences), translated
in those only (:func:`code_changes` refuses any other change). Exercises, points and tests
(nbgrader's cells) are never translated: they are the same cells in every edition.

``make release`` writes each language's edition from the English release and answer key:
``notebooks/<lang>/<id>/<id>.ipynb`` and ``solutions/<lang>/<id>/<id>.ipynb``. An edition is the
English notebook with each translated cell replaced by its translation, the language named in the
notebook's metadata (``convlab.edition``) and one line before the first code cell's code that
sets ``CONVLAB_LANG``, so that the checks, hints and widgets of a kernel running the edition
speak its language (:mod:`convlab.i18n`). Same file name, same cells, same grade ids: an edition's
submission is graded by the same nbgrader assignment, into the same gradebook, as the English.

``python -m convlab.grading.authoring.editions`` (run by ``make messages``) brings every
catalogue in step with its notebook: a new cell arrives untranslated, a changed one keeps its old
translation marked fuzzy with the old English beside it (``#| msgid``), a deleted one goes.
``make check-sync`` fails when a cell lacks a translation, a translation is fuzzy or stale, or a
translation does not keep its cell's code, formulas, links and headings (:func:`markup`).
"""

from __future__ import annotations

import argparse
import ast
import copy
import io
import re
import sys
import tokenize
from collections import Counter
from io import BytesIO
from pathlib import Path

import nbformat

LANGUAGES = ("zh_CN",)
# The first lines of an edition's first code cell: the language of its checks and widgets.
LANGUAGE_LINE = {
    "zh_CN": (
        'import os\n\nos.environ["CONVLAB_LANG"] = "zh_CN"  # 中文版：检查、提示与控件都用中文'
        '（改为 "en" 即为英文）\n\n'
    ),
}


class EditionError(RuntimeError):
    """An edition cannot be written: a cell of the notebook has no usable translation."""


def catalogue_path(notebook: Path, lang: str) -> Path:
    """``source/01_x/01_x.ipynb`` -> ``source/01_x/01_x.zh_CN.po``."""
    return notebook.with_name(f"{notebook.stem}.{lang}.po")


def texts(nb: nbformat.NotebookNode) -> list[tuple[str, str]]:
    """``(cell id, English text)`` of every cell a translation has: each markdown cell with text,
    and each lesson code cell (not an nbgrader cell: no answer, no test) with a comment or a
    string of words, whose comments and shown words (titles, labels, printed sentences) an
    edition says in its language, its code otherwise the same (:func:`code_changes`)."""
    return [(c.id, c.source) for c in nb.cells if _translatable(c)]


def _translatable(cell) -> bool:
    if cell.cell_type == "markdown":
        return bool(cell.source.strip())
    if cell.cell_type != "code" or "nbgrader" in cell.metadata:
        return False
    return any(
        kind == tokenize.COMMENT or (kind in _WORDS and _WORD.search(text))
        for kind, text in _tokens(cell.source)
    )


_WORD = re.compile(r"[A-Za-z]{3,}")
_MARKER = re.compile(r"#\s*(NBVAL_\w+)")
# what a translation of a code cell may change: comments, and the text of strings
_WORDS = {tokenize.STRING, getattr(tokenize, "FSTRING_MIDDLE", -1), getattr(tokenize, "TSTRING_MIDDLE", -1)}


def _tokens(source: str) -> list[tuple[int, str]]:
    try:
        return [(t.type, t.string) for t in tokenize.generate_tokens(io.StringIO(source).readline)]
    except (tokenize.TokenError, SyntaxError, IndentationError):
        return []


def code_changes(english: str, translation: str) -> list[str]:
    """How a code cell's translation changes more than comments and the words of its strings:
    the syntax trees of both, every text constant blanked (f-strings keep their expressions
    and format specs), must be the same, so that an edition runs what the English runs."""
    want, got = _shape(english), _shape(translation)
    if got is None:
        return ["the translation is not Python"]
    markers = [sorted(_MARKER.findall(text)) for text in (english, translation)]
    if markers[0] != markers[1]:  # nbval reads them: they are code, not comments
        return [f"the translation changes the nbval markers: {markers[0]} became {markers[1]}"]
    if want == got:
        return []
    a, b = want.splitlines(), got.splitlines()
    first = next((i for i, (x, y) in enumerate(zip(a, b, strict=False)) if x != y), min(len(a), len(b)))
    said = f"{_line(a, first)!r} became {_line(b, first)!r}"
    return [f"the code differs, not only comments and strings: {said}"]


def _line(lines: list[str], i: int) -> str:
    return lines[i].strip()[:120] if i < len(lines) else "(the end)"


class _Blanked(ast.NodeTransformer):
    def visit_Constant(self, node):  # noqa: N802 (ast's visitor names)
        return ast.Constant("") if isinstance(node.value, str) else node

    def visit_FormattedValue(self, node):  # noqa: N802
        node.value = self.visit(node.value)  # the expression is code; its format spec stays
        return node


def _shape(source: str) -> str | None:
    """The code of a cell without its comments and text: its syntax tree, strings blanked."""
    from IPython.core.inputtransformer2 import TransformerManager

    try:
        tree = ast.parse(TransformerManager().transform_cell(source))
    except SyntaxError:
        return None
    return ast.dump(_Blanked().visit(tree), indent=1)


def read(path: Path):
    """The catalogue at ``path``, each fuzzy entry's ``previous_id`` the old English it was made
    for (Babel writes ``#| msgid`` lines but does not read them back)."""
    from babel.messages.pofile import read_po

    with path.open("rb") as f:
        catalog = read_po(f)
    for message in catalog:  # Babel reads a "#| msgid" line as a translator's comment too
        message.user_comments = [c for c in message.user_comments if not c.startswith("|")]
    for context, old in previous(path).items():
        message = next((m for m in catalog if m.id and m.context == context), None)
        if message is not None:
            message.previous_id = [old]
    return catalog


def previous(path: Path) -> dict[str, str]:
    """``{cell id: the English a fuzzy translation was made for}``, from the ``#| msgid`` lines."""
    from babel.messages.pofile import denormalize

    found = {}
    for entry in path.read_text(encoding="utf-8").split("\n\n"):
        lines = entry.splitlines()
        old = [line[2:].strip() for line in lines if line.startswith("#| ")]
        context = [line for line in lines if line.startswith("msgctxt ")]
        if old and context and old[0].startswith("msgid "):
            old[0] = old[0][len("msgid ") :]
            found[denormalize(context[0][len("msgctxt ") :])] = denormalize("\n".join(old))
    return found


def write(catalog, path: Path) -> None:
    from babel.messages.pofile import write_po

    for message in catalog:  # the old English is kept only while the translation awaits a check
        if not message.fuzzy:
            message.previous_id = []
    out = BytesIO()
    # no wrapping: one line of the PO file per line of the markdown, as an author reads it
    write_po(out, catalog, width=0, sort_output=False, include_previous=True)
    path.write_bytes(out.getvalue())


def updated(nb: nbformat.NotebookNode, name: str, lang: str, old=None):
    """The catalogue of ``nb`` in ``lang``, keeping what ``old`` already translates."""
    from babel.messages.catalog import Catalog

    catalog = Catalog(
        locale=lang, domain=name, project="convlab", copyright_holder="convlab maintainers",
        fuzzy=False,
    )  # fmt: skip
    if old is not None:
        catalog.creation_date = old.creation_date
    by_cell = {m.context: m for m in old if m.id} if old is not None else {}
    kinds = {c.id: c.cell_type for c in nb.cells}
    for index, (cell, text) in enumerate(texts(nb)):
        kind = "markdown" if kinds[cell] == "markdown" else "code: its comments and shown words only"
        comment = [f"{name}, cell {cell} ({kind}, {index + 1} of the notebook's texts)"]
        prev = by_cell.get(cell)
        if prev is None or not prev.string:
            catalog.add(text, "", context=cell, auto_comments=comment)
        elif prev.id == text:
            catalog.add(text, prev.string, context=cell, auto_comments=comment, flags=prev.flags,
                        previous_id=prev.previous_id)  # fmt: skip
        else:  # the English changed: the old translation stays, fuzzy, beside the old English
            catalog.add(text, prev.string, context=cell, auto_comments=comment, flags={"fuzzy"},
                        previous_id=[prev.id])  # fmt: skip
    return catalog


# What a translation keeps of its English, character for character: inline and fenced code,
# formulas, link and image targets, HTML tags, and the heading levels.
_FENCE = re.compile(r"```.*?```", re.S)
_CODE = re.compile(r"(`+)(.+?)\1", re.S)
_MATH = re.compile(r"\$\$.+?\$\$|\$[^$\n]+\$", re.S)
_TARGET = re.compile(r"\]\(([^)\s]+)")
_TAG = re.compile(r"</?[a-zA-Z][^>]*>")
_HEADING = re.compile(r"^(#+) ", re.M)


def markup(text: str) -> Counter:
    """The parts of a markdown text a translation must keep as they are, counted."""
    found = Counter()
    rest = _FENCE.sub(lambda m: found.update([("code block", m.group())]) or "", text)
    rest = _CODE.sub(lambda m: found.update([("code", m.group(2).strip())]) or "", rest)
    found.update(("formula", m.group()) for m in _MATH.finditer(rest))
    found.update(("link", m.group(1)) for m in _TARGET.finditer(rest))
    found.update(("tag", m.group()) for m in _TAG.finditer(rest))
    found.update(("heading", m.group(1)) for m in _HEADING.finditer(rest))
    return found


GLOSSARY = Path(__file__).resolve().parents[2] / "locale" / "glossary.csv"


def glossary(lang: str) -> dict[str, str]:
    """The notes' term for each concept: ``{"cross-correlation": "互相关", ...}``."""
    import csv

    column = {"zh_CN": "chinese"}[lang]
    with GLOSSARY.open(encoding="utf-8", newline="") as f:
        return {row["english"]: row[column] for row in csv.DictReader(f)}


def prose(text: str) -> str:
    """A markdown text without its code and formulas: what the glossary speaks of."""
    return _MATH.sub(" ", _CODE.sub(" ", _FENCE.sub(" ", text)))


def missing_terms(english: str, translation: str, terms: dict[str, str]) -> list[str]:
    """The glossary's terms the English uses (a plural too) whose translation the text lacks."""
    said, rendered = prose(english).lower(), prose(translation)
    return [
        f"{term} -> {theirs}"
        for term, theirs in terms.items()
        if re.search(rf"\b{re.escape(term)}(s|es)?\b", said) and theirs not in rendered
    ]


def problems(nb: nbformat.NotebookNode, path: Path, lang: str) -> list[str]:
    """What keeps the catalogue at ``path`` from translating every text of ``nb`` into ``lang``."""
    if not path.is_file():
        return [f"{path}: missing (python -m convlab.grading.authoring.editions writes it)"]
    entries = {m.context: m for m in read(path) if m.id}
    terms, out = glossary(lang), []
    kinds = {c.id: c.cell_type for c in nb.cells}
    for cell, text in texts(nb):
        m = entries.pop(cell, None)
        where = f"{path.name}, cell {cell}"
        if m is None or m.id != text:
            out.append(f"{where}: the English has no entry (the catalogue is stale; make messages)")
        elif not m.string.strip():
            out.append(f"{where}: not translated")
        elif m.fuzzy:
            out.append(f"{where}: fuzzy (its English changed: check the translation, drop the flag)")
        elif kinds[cell] == "code":
            out += [f"{where}: {change}" for change in code_changes(text, m.string)]
        else:
            want, got = markup(text), markup(m.string)
            if want != got:
                lost = sorted(f"{k} {v!r}" for k, v in (want - got))
                added = sorted(f"{k} {v!r}" for k, v in (got - want))
                out.append(f"{where}: the translation changes the markup: lost {lost}, added {added}")
            lacking = missing_terms(text, m.string, terms)
            if lacking:
                out.append(f"{where}: the glossary's term is not used: {', '.join(lacking)}")
    out += [f"{path.name}, cell {cell}: no such cell to translate in the notebook" for cell in entries]
    return out


def problems_of(notebooks) -> list[str]:
    """:func:`problems` of every language's catalogue of each of ``notebooks`` (source paths)."""
    return [
        problem
        for notebook in notebooks
        for lang in LANGUAGES
        for problem in problems(nbformat.read(notebook, as_version=4), catalogue_path(notebook, lang), lang)
    ]


def translated(nb: nbformat.NotebookNode, catalog, lang: str) -> nbformat.NotebookNode:
    """``nb``'s ``lang`` edition: the same cells, each markdown text and each lesson code cell's
    comments and words replaced by their translation; the first code cell sets the language."""
    entries = {m.context: m for m in catalog if m.id}
    edition = copy.deepcopy(nb)
    for cell in edition.cells:
        if not _translatable(cell):
            continue
        m = entries.get(cell.id)
        if m is None or m.id != cell.source or not m.string.strip() or m.fuzzy:
            raise EditionError(f"cell {cell.id} has no current {lang} translation (make check-sync says why)")
        if cell.cell_type == "code" and code_changes(cell.source, m.string):
            raise EditionError(f"cell {cell.id}: its translation changes its code (make check-sync says how)")
        cell.source = m.string
    first = next((c for c in edition.cells if c.cell_type == "code"), None)
    if first is not None:
        first.source = LANGUAGE_LINE[lang] + first.source
    edition.metadata.setdefault("convlab", {})["edition"] = lang
    return edition


def edition_of(nb: nbformat.NotebookNode) -> str:
    """The language of a notebook: its ``convlab.edition``, English when it has none."""
    return nb.metadata.get("convlab", {}).get("edition", "en")


def update_all(source: Path) -> list[Path]:
    """Bring every catalogue under ``source`` in step with its notebook; the files written."""
    written = []
    for notebook in sorted(source.glob("*/*.ipynb")):
        nb = nbformat.read(notebook, as_version=4)
        for lang in LANGUAGES:
            path = catalogue_path(notebook, lang)
            old = read(path) if path.is_file() else None
            catalog = updated(nb, notebook.stem, lang, old)
            before = path.read_bytes() if path.is_file() else None
            write(catalog, path)
            if path.read_bytes() != before:
                written.append(path)
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m convlab.grading.authoring.editions", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--root", type=Path, default=Path.cwd(), help="the course (default: here)")
    parser.add_argument("--check", action="store_true", help="change nothing; list what is missing")
    args = parser.parse_args(argv)
    source = args.root / "source"
    if args.check:
        found = problems_of(sorted(source.glob("*/*.ipynb")))
        for problem in found:  # every one, one line each: a cut list hides what is still wrong
            print(problem)
        print(f"lesson catalogues: {len(found)} problems" if found else "lesson catalogues: in sync")
        return 1 if found else 0
    for path in update_all(source):
        print(f"  wrote {path.relative_to(args.root)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
