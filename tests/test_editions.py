"""The lessons' translations and the editions made from them (convlab/grading/authoring/editions.py).

A catalogue follows its notebook as gettext catalogues follow code: a new text arrives untranslated,
a changed one keeps its old translation marked fuzzy beside the old English, a removed one goes.
The check names every way a translation can fail a student (missing, stale, fuzzy, a formula or
code span lost, a glossary term not used), and the course's own catalogues pass it. An edition
keeps every cell a grader reads: only markdown differs, plus the one line that sets its language.
"""

import csv
import re

import nbformat
import pytest

from convlab.grading.authoring import editions
from convlab.grading.authoring.editions import (
    catalogue_path,
    markup,
    missing_terms,
    problems,
    read,
    translated,
    updated,
    write,
)
from tests.support.notebooks import COURSE, assignments, load

LANG = "zh_CN"


def lesson(*texts: str, code: str = "x = 1") -> nbformat.NotebookNode:
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(code, id="setup")]
    nb.cells += [nbformat.v4.new_markdown_cell(t, id=f"text-{i}") for i, t in enumerate(texts)]
    return nb


def catalogue_of(nb, tmp_path, translations: dict[str, str]):
    path = tmp_path / "lesson.zh_CN.po"
    catalog = updated(nb, "lesson", LANG)
    for m in catalog:
        if m.id and m.context in translations:
            m.string = translations[m.context]
    write(catalog, path)
    return path


def test_a_changed_text_keeps_its_translation_fuzzy_a_new_one_arrives_empty_a_removed_one_goes(tmp_path):
    nb = lesson("The kernel slides.", "Padding adds zeros.", "Gone soon.")
    path = catalogue_of(
        nb, tmp_path, {"text-0": "核滑动。", "text-1": "填充补零。", "text-2": "很快就没了。"}
    )
    nb.cells[1].source = "The kernel slides over the input."  # changed
    del nb.cells[3]  # removed
    nb.cells.append(nbformat.v4.new_markdown_cell("A stride of two.", id="new"))
    write(updated(nb, "lesson", LANG, read(path)), path)
    entries = {m.context: m for m in read(path) if m.id}
    assert set(entries) == {"text-0", "text-1", "new"}
    assert entries["text-0"].fuzzy and entries["text-0"].string == "核滑动。"
    assert entries["text-0"].previous_id == ["The kernel slides."]  # for the translator (#| msgid)
    assert not entries["text-1"].fuzzy and entries["text-1"].string == "填充补零。"
    assert entries["new"].string == ""
    found = problems(nb, path, LANG)
    assert any("text-0: fuzzy" in p for p in found) and any("new: not translated" in p for p in found)
    assert len(found) == 2, found


def test_a_translator_who_reads_fixes_and_writes_a_fuzzy_entry_leaves_no_old_english(tmp_path):
    nb = lesson("The kernel slides.", "Padding adds zeros.")
    path = catalogue_of(nb, tmp_path, {"text-0": "核滑动。", "text-1": "填充补零。"})
    nb.cells[1].source = "The kernel slides over the input."
    nb.cells[2].source = "Padding adds zeros around the input."
    write(updated(nb, "lesson", LANG, read(path)), path)
    catalog = read(path)  # the translator's round trip: fix one, leave the other fuzzy
    for m in catalog:
        if m.context == "text-0":
            m.string = "核在输入上滑动。"
            m.flags.discard("fuzzy")
    write(catalog, path)
    write(read(path), path)  # and once more: nothing may pile up
    text = path.read_text(encoding="utf-8")
    assert "# |" not in text, text  # Babel's reading of "#| msgid" as a comment, written back
    assert text.count('#| msgid "The kernel slides."') == 0, text
    assert text.count('#| msgid "Padding adds zeros."') == 1, text
    entries = {m.context: m for m in read(path) if m.id}
    assert entries["text-1"].fuzzy and entries["text-1"].previous_id == ["Padding adds zeros."]
    (only,) = problems(nb, path, LANG)
    assert only.startswith(f"{path.name}, cell text-1: fuzzy"), only


def test_the_check_prints_every_problem_one_line_each(tmp_path, capsys):
    nb = lesson(*[f"Text {i}." for i in range(75)])
    (tmp_path / "source" / "lesson").mkdir(parents=True)
    nbformat.write(nb, tmp_path / "source" / "lesson" / "lesson.ipynb")
    write(updated(nb, "lesson", LANG), tmp_path / "source" / "lesson" / f"lesson.{LANG}.po")
    assert editions.main(["--root", str(tmp_path), "--check"]) == 1
    lines = capsys.readouterr().out.splitlines()
    assert lines[:-1] == [f"lesson.{LANG}.po, cell text-{i}: not translated" for i in range(75)], lines
    assert lines[-1] == "lesson catalogues: 75 problems"


def test_the_check_names_a_stale_entry_a_lost_formula_or_code_span_and_a_missing_term(tmp_path):
    nb = lesson("The output is $2 \\times 2$ for `corr2d`.", "The stride moves the window.", "# Title")
    good = {
        "text-0": "对 `corr2d` 而言，输出为 $2 \\times 2$。",
        "text-1": "步幅决定窗口移动多远。",
        "text-2": "# 标题",
    }
    assert problems(nb, catalogue_of(nb, tmp_path, good), LANG) == []

    bad = good | {"text-0": "输出为 2×2。", "text-1": "窗口每次移动两格。", "text-2": "## 标题"}
    found = problems(nb, catalogue_of(nb, tmp_path, bad), LANG)
    assert any("text-0" in p and "formula '$2" in p and "code 'corr2d'" in p for p in found), found
    assert any("text-1" in p and "stride -> 步幅" in p for p in found), found
    assert any("text-2" in p and "heading" in p for p in found), found

    path = catalogue_of(nb, tmp_path, good)
    nb.cells[2].source = "# Another title"  # the English moved on; the catalogue did not
    assert any("text-1: the English has no entry" in p for p in problems(nb, path, LANG))
    nb.cells.pop(2)
    assert any("no such cell to translate" in p for p in problems(nb, path, LANG))


def test_markup_counts_what_a_translation_must_keep():
    text = "## A\nSee `X[0:2]` and $x_1$, $$y$$ [notes](notes.md) <kbd>Shift</kbd>\n```python\nf()\n```"
    assert markup(text) == {
        ("heading", "##"): 1, ("code", "X[0:2]"): 1, ("formula", "$x_1$"): 1, ("formula", "$$y$$"): 1,
        ("link", "notes.md"): 1, ("tag", "<kbd>"): 1, ("tag", "</kbd>"): 1,
        ("code block", "```python\nf()\n```"): 1,
    }  # fmt: skip


def test_glossary_terms_are_looked_for_in_prose_not_in_code():
    terms = {"kernel": "核", "stride": "步幅"}
    assert missing_terms("Pass `stride=2` to the kernel.", "把 `stride=2` 传给卷积核。", terms) == []
    assert missing_terms("Two strides.", "两步。", terms) == ["stride -> 步幅"]
    assert missing_terms("Kernels", "卷积核", terms) == []


def comment_translated(source: str) -> str:
    """A code cell with its comments said otherwise: what a translator may do."""
    return "\n".join(line.split("#")[0] + "# 译注" if "#" in line else line for line in source.split("\n"))


def test_an_edition_changes_only_texts_and_the_language_line(tmp_path):
    nb = load("notebooks", "01_cross_correlation")
    texts_of = dict(editions.texts(nb))
    translations = {
        cell: comment_translated(text) if nb.cells[[c.id for c in nb.cells].index(cell)].cell_type == "code"
        else f"译文 {i}"
        for i, (cell, text) in enumerate(texts_of.items())
    }  # fmt: skip
    edition = translated(nb, read(catalogue_of(nb, tmp_path, translations)), LANG)
    assert [c.id for c in edition.cells] == [c.id for c in nb.cells]
    code = [(a, b) for a, b in zip(nb.cells, edition.cells, strict=True) if a.cell_type == "code"]
    (first_en, first_zh), *rest = code
    assert first_zh.source.startswith(editions.LANGUAGE_LINE[LANG])
    for a, b in code:
        if "nbgrader" in a.metadata:  # answers and tests: the very same cells
            assert a == b
        else:
            b_code = b.source.removeprefix(editions.LANGUAGE_LINE[LANG]) if b is first_zh else b.source
            assert b_code == translations.get(a.id, a.source)
    for a, b in zip(nb.cells, edition.cells, strict=True):
        assert a.metadata == b.metadata
        if a.cell_type == "markdown":
            assert b.source.startswith("译文") and b.source != a.source
    assert any(a.source != b.source for a, b in rest if "nbgrader" not in a.metadata), (
        "a lesson cell's comments"
    )
    assert edition.metadata["convlab"]["edition"] == LANG and editions.edition_of(nb) == "en"


def test_a_code_cells_translation_may_change_its_comments_and_words_not_its_code():
    assert (
        editions.code_changes('x = f(1)  # one\nshow({"photo": x})', 'x = f(1)  # 一\nshow({"照片": x})')
        == []
    )
    assert editions.code_changes('print(f"took {t:.1f} s")', 'print(f"用时 {t:.1f} 秒")') == []
    assert editions.code_changes("%matplotlib inline\nx = 1  # a", "%matplotlib inline\nx = 1  # 一") == []
    for changed in ["x = f(2)", "y = f(1)", "x = g(1)", "x = f(1, 2)", "x = f(1)\ny = 2"]:
        assert editions.code_changes("x = f(1)", changed), changed
    assert editions.code_changes('print(f"took {t:.1f} s")', 'print(f"用时 {u:.1f} 秒")')
    assert editions.code_changes("x = f(1)", "x = f(1") == ["the translation is not Python"]
    assert editions.code_changes("# NBVAL_IGNORE_OUTPUT\nx = 1", "# 忽略输出\nx = 1")  # nbval's, not a note


def test_the_chinese_lesson_code_is_the_english_code_token_for_token():
    """Independently of the check's syntax trees: every code cell of each Chinese answer key is
    its English cell's tokens, comments and string texts aside (the first cell after its line)."""
    import io
    import tokenize

    def code(source: str) -> list:
        ignored = {tokenize.COMMENT, tokenize.NL, tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT}
        words = {tokenize.STRING, getattr(tokenize, "FSTRING_MIDDLE", -1)}
        tokens = tokenize.generate_tokens(io.StringIO(source).readline)
        return [(t.type, "" if t.type in words else t.string) for t in tokens if t.type not in ignored]

    for aid in assignments():
        english, chinese = load("solutions", aid), load("solutions", aid, edition=LANG)
        cells = [(a, b) for a, b in zip(english.cells, chinese.cells, strict=True) if a.cell_type == "code"]
        for i, (a, b) in enumerate(cells):
            b_source = b.source.removeprefix(editions.LANGUAGE_LINE[LANG]) if i == 0 else b.source
            if a.source.startswith("%") or "\n%" in a.source:
                continue  # a magic line is not Python to tokenize
            assert code(a.source) == code(b_source), (aid, a.id)
            if "nbgrader" in a.metadata:
                assert a.source == b_source, (aid, a.id)


def test_an_edition_is_refused_while_a_cell_lacks_its_translation(tmp_path):
    nb = lesson("One.", "Two.")
    with pytest.raises(editions.EditionError, match="text-1"):
        translated(nb, read(catalogue_of(nb, tmp_path, {"text-0": "一。"})), LANG)


@pytest.mark.parametrize("aid", assignments())
def test_every_lesson_text_is_translated_keeping_its_markup_and_the_glossary(aid):
    source = COURSE.notebook(COURSE.source, aid)
    for lang in editions.LANGUAGES:
        assert problems(nbformat.read(source, 4), catalogue_path(source, lang), lang) == []


@pytest.mark.parametrize("aid", assignments())
def test_the_chinese_edition_says_the_glossary_terms_and_the_same_numbers(aid):
    """Beyond the check's own rule: the glossary read here with csv, and every number of the
    English prose (not code, not formulas) said again in the Chinese (one-digit counts excepted:
    Chinese writes them as words, 两个, 四维)."""
    with open(editions.GLOSSARY, encoding="utf-8", newline="") as f:
        glossary = {row["english"]: row["chinese"] for row in csv.DictReader(f)}
    english, chinese = load("notebooks", aid), load("notebooks", aid, edition=LANG)
    for a, b in zip(english.cells, chinese.cells, strict=True):
        if a.cell_type != "markdown":
            continue
        prose_en, prose_zh = editions.prose(a.source), editions.prose(b.source)
        for term, theirs in glossary.items():
            if re.search(rf"\b{re.escape(term)}(s|es)?\b", prose_en, re.I):
                assert theirs in prose_zh, (aid, a.id, term)
        # a number of two digits or more, or with decimals: a result, not "2-D" (二维)
        numbers = re.compile(r"(?<![\w.])(?:\d{2,}|\d+\.\d+)(?![\w.])")
        assert set(numbers.findall(prose_en)) <= set(numbers.findall(prose_zh)), (aid, a.id)
