"""The checks' messages in two languages from one catalogue (convlab.i18n, issue 32).

English is the msgid itself, byte for byte; Chinese comes from convlab/locale/zh_CN's .po, with
the notes' terms (convlab/locale/glossary.csv). The class report's key stays English.
"""

from __future__ import annotations

import ast
import csv
import re
import textwrap
from pathlib import Path

import pytest
import torch

from convlab import i18n, i18n_sync
from convlab.checks import cross_correlation, runner
from convlab.failure import CheckFailure
from tests.catalogue import MUTANTS
from tests.support.graded import answer_key, execute_graded_cells, inject

ROOT = Path(__file__).resolve().parents[1]
PO = i18n_sync.catalogue("zh_CN")
CJK = re.compile(r"[\u4e00-\u9fff]")


def translations() -> dict[str, str]:
    return {m.id: m.string for m in i18n_sync.read(PO) if m.id}


@pytest.fixture(scope="module")
def extracted(tmp_path_factory) -> set[str]:
    """The msgids ``pybabel extract`` finds in the code now."""
    pot = tmp_path_factory.mktemp("pot") / "fresh.pot"
    i18n_sync.extract(pot)
    return i18n_sync.msgids(pot)


# --- the catalogue ------------------------------------------------------------------------


def test_template_is_up_to_date_with_the_code(extracted):
    stored = i18n_sync.msgids(i18n_sync.TEMPLATE)
    assert len(extracted) > 700  # every check's messages, not a handful
    assert extracted - stored == set(), "new messages: run python -m convlab.i18n_sync"
    assert stored - extracted == set(), "messages gone from the code: run python -m convlab.i18n_sync"


def test_every_msgid_has_a_chinese_translation_with_its_placeholders(extracted):
    assert i18n_sync.problems("zh_CN", extracted) == []


def test_a_missing_fuzzy_or_misplaced_translation_is_found(tmp_path):
    """The check above can fail: a catalogue with each fault is reported, entry by entry."""
    po = tmp_path / "convlab.po"
    po.write_text(
        'msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=utf-8\\n"\n\n'
        'msgid "wrong values"\nmsgstr ""\n\n'
        '#, fuzzy\nmsgid "wrong dtype"\nmsgstr "dtype 不对"\n\n'
        'msgid "expected {want}, got {got}"\nmsgstr "应为 {want}，得到 {gto}"\n\n'
        'msgid "gone"\nmsgstr "已删除"\n',
        encoding="utf-8",
    )
    wanted = {"wrong values", "wrong dtype", "expected {want}, got {got}", "not there"}
    found = i18n_sync.problems("zh_CN", wanted, po)
    assert found == [
        "zh_CN: placeholders ['gto', 'want'] in the translation of 'expected {want}, got {got}'",
        "zh_CN: no translation of 'not there'",
        "zh_CN: fuzzy translation of 'wrong dtype'",
        "zh_CN: no translation of 'wrong values'",
        "zh_CN: obsolete entry 'gone'",
    ]


# What a check's message is made of: these calls' text arguments (by position, then keyword).
MESSAGE_CALLS = {"fail": (1, 2, 3, "hint"), "Mistake": (0, 1), "Refusal": (1,), "Case": (0,), "Hints": ()}
MARKED = {"N_", "Msg"}


def _texts(node: ast.AST):
    """The literal texts in ``node``: itself, or the items of a list or tuple, or both branches."""
    if isinstance(node, ast.List | ast.Tuple):
        for item in node.elts:
            yield from _texts(item)
    elif isinstance(node, ast.IfExp):
        yield from _texts(node.body)
        yield from _texts(node.orelse)
    elif isinstance(node, ast.Constant) and isinstance(node.value, str) or isinstance(node, ast.JoinedStr):
        yield node


def _literal(text: ast.JoinedStr) -> str:
    return "".join(v.value for v in text.values if isinstance(v, ast.Constant))


def unmarked_messages(root: Path = ROOT) -> list[str]:
    """Texts given to fail(), Mistake(), Hints(), Case() or Refusal() without N_ or Msg: a
    message pybabel cannot see, which would stay English in every language."""
    found = []
    for path in sorted((root / "convlab" / "checks").glob("*.py")):
        for call in ast.walk(ast.parse(path.read_text())):
            if not (isinstance(call, ast.Call) and isinstance(call.func, ast.Name)):
                continue
            slots = MESSAGE_CALLS.get(call.func.id)
            if slots is None:
                continue
            args = [a for i, a in enumerate(call.args) if i in slots]
            args += [k.value for k in call.keywords if k.arg in slots or call.func.id == "Hints"]
            for arg in args:
                for text in _texts(arg):
                    words = text.value if isinstance(text, ast.Constant) else _literal(text)
                    if re.search(r"[A-Za-z]{2,} [A-Za-z]{2,}", words):
                        found.append(f"{path.name}:{text.lineno}: {ast.unparse(text)[:80]}")
    return found


def test_every_message_of_the_checks_is_marked():
    assert unmarked_messages() == []


def test_an_unmarked_message_is_found(tmp_path):
    (tmp_path / "convlab" / "checks").mkdir(parents=True)
    (tmp_path / "convlab" / "checks" / "new.py").write_text(
        'fail("corr2d", N_("marked"), hint="an unmarked hint")\n'
        'Mistake(f"{name} read column by column", N_("marked too"), None)\n'
        'Case(Msg("{name} of shape {shape}", name=n, shape=s), {})\n'
    )
    assert [line.split(": ")[0] for line in unmarked_messages(tmp_path)] == ["new.py:1", "new.py:2"]


# --- terminology --------------------------------------------------------------------------

GLOSSARY = list(csv.DictReader((ROOT / "convlab" / "locale" / "glossary.csv").open(encoding="utf-8")))
# code inside a message (names, calls, indexing, keyword arguments, placeholders) is not prose
CODE = [
    r"`[^`]*`",
    r"'[^']*'",
    r"[\w.]+\((?:[^()]|\([^()]*\))*\)",
    r"[\w.]+\[[^\]]*\]",
    r"\w+=\S+",
    r"\{[^}]*\}",
    r"\((?:\s*[\w.]+\s*,)+\s*[\w.]+\s*\)",
    r"\w*\.[\w.]+",
    r"\b\w+ (?=[-+*/]?= )",
]


def prose(text: str) -> str:
    for pattern in CODE:
        text = re.sub(pattern, " ", text)
    return text


def glossary_misses(catalogue: dict[str, str]) -> list[str]:
    misses = []
    for row in GLOSSARY:
        term = re.compile(r"\b" + re.escape(row["english"]) + r"(s|es)?\b", re.IGNORECASE)
        misses += [
            f"{row['english']} ({row['chinese']}): {msgid!r} -> {text!r}"
            for msgid, text in catalogue.items()
            if term.search(prose(msgid)) and row["chinese"] not in text
        ]
    return misses


def test_the_glossary_holds_the_notes_terms():
    terms = {row["english"]: row["chinese"] for row in GLOSSARY}
    for english, chinese in [
        ("cross-correlation", "互相关"),
        ("kernel", "核"),
        ("padding", "填充"),
        ("stride", "步幅"),
        ("channel", "通道"),
        ("pooling", "汇聚"),
        ("receptive field", "感受野"),
        ("output shape", "输出形状"),
        ("batch normalization", "批量归一化"),
    ]:
        assert terms[english] == chinese


def test_each_translation_uses_the_glossary_term():
    catalogue = translations()
    assert glossary_misses(catalogue) == []
    # and the test can fail: 池化 for pooling, 步长 for stride (words the notes also use)
    bad = {"max pooling": "最大池化", "stride ignored": "忽略了步长"}
    assert len(glossary_misses(bad)) == 2


# --- at run time --------------------------------------------------------------------------


def test_a_message_is_its_english_text_and_translates_with_its_placeholders(monkeypatch):
    inner = i18n.Msg("{name} of shape {shape}", name="X", shape=(2, 3))
    outer = i18n.Msg("expected {expected}, got {got}", expected=inner, got=5)
    assert outer == "expected X of shape (2, 3), got 5" and type(str(outer)) is str
    monkeypatch.delenv("CONVLAB_LANG", raising=False)
    assert i18n.translate(outer) == "expected X of shape (2, 3), got 5"
    monkeypatch.setenv("CONVLAB_LANG", "zh_CN")
    assert i18n.translate(outer) == "应为 形状为 (2, 3) 的 X，得到 5"
    assert i18n.translate("a plain str: data, not a message") == "a plain str: data, not a message"


def flipped(X, K):
    """A student's corr2d that flips the kernel: a convolution (Tensor.unfold is allowed)."""
    kh, kw = K.shape
    return (X.unfold(0, kh, 1).unfold(1, kw, 1) * K.flip(0, 1)).sum((-2, -1))


@pytest.mark.parametrize("lang", ["en", "zh_CN"])
def test_the_class_report_key_stays_english(monkeypatch, lang):
    monkeypatch.setenv("CONVLAB_LANG", lang)
    with pytest.raises(CheckFailure) as failure:
        runner.run(cross_correlation.CORR2D, flipped, cross_correlation.CORR2D.part("all"))
    name = "kernel flipped: this is convolution, not cross-correlation"
    assert failure.value.mistake == name  # what the report counts, whatever the language
    record = failure.value.record("corr2d", "all")
    if lang == "en":
        assert record["problem"] == name and not CJK.search(record["message"])
    else:
        assert record["problem"] == "卷积核被翻转了：这是卷积，不是互相关"
        assert record["hint"].startswith("你的输出等于 X 与 K 的卷积") and name not in record["message"]


# Catalogued mistakes of three notebooks that the checks name (the catalogue's phrase is a
# message of its own), run as tests/test_catalogue.py runs them (in-process, here uncached).
NAMED = set(translations())
SAMPLED = [
    (aid, m)
    for aid in ("01_cross_correlation", "04_padding_stride", "07_pooling")
    for m in [m for m in MUTANTS[aid] if m.hint in NAMED][:3]
]


def _hint(message: str) -> str:
    """The hint of a message, its wrapped lines joined."""
    lines = message.split("\n")
    start = next(i for i, line in enumerate(lines) if line.startswith("  hint: "))
    return " ".join(line.strip() for line in lines[start:]).removeprefix("hint: ")


@pytest.mark.parametrize(("aid", "mutant"), SAMPLED, ids=[f"{a}-{m.exercise}-{m.name}" for a, m in SAMPLED])
def test_a_catalogued_mistake_in_either_language(monkeypatch, aid, mutant):
    nb = inject(answer_key(aid), mutant)
    monkeypatch.delenv("CONVLAB_LANG", raising=False)
    english = {t: m for t, m in execute_graded_cells(nb).items() if m}
    monkeypatch.setenv("CONVLAB_LANG", "zh_CN")
    chinese = {t: m for t, m in execute_graded_cells(nb).items() if m}
    assert english and english.keys() == chinese.keys()  # the same test cells fail
    catalogue = translations()
    named = [t for t, m in english.items() if mutant.hint in m]
    assert named, english  # as tests/test_catalogue.py: the catalogue's English phrase, unchanged
    squeeze = re.compile(r"\s+")
    for test_id in named:
        en, zh = english[test_id], chinese[test_id]
        assert not CJK.search(en)
        assert catalogue[mutant.hint] in zh and mutant.hint not in zh, zh  # the named mistake
        hint = _hint(en)
        assert hint in catalogue, f"the hint is no msgid: {hint!r}"
        assert squeeze.sub("", catalogue[hint]) in squeeze.sub("", zh), zh
        assert "提示：" in zh and "hint:" not in zh


# --- the widgets' texts -------------------------------------------------------------------


@pytest.mark.parametrize("lang", ["en", "zh_CN"])
def test_a_view_speaks_the_language(monkeypatch, lang):
    from convlab.widgets import corr2d, pooling
    from convlab.widgets.svg import announced

    monkeypatch.setenv("CONVLAB_LANG", lang)
    X, K = torch.arange(9.0).reshape(3, 3), torch.tensor([[0.0, 1.0], [2.0, 3.0]])
    first = corr2d.frames_for(X, K, padding=1)[0]
    pooled = pooling.frames_for(X, 2, stride=1, padding=1, mode="avg")[0]
    live = announced(first)  # the arithmetic and the step's caption, for the live region
    if lang == "en":
        assert "input X (grey: zero padding)" in first and "output (avg pooling)" in pooled
        assert live.startswith("Y[0, 0] = ") and "step 1 of 16" in live and not CJK.search(first + pooled)
    else:
        assert "输入 X（灰色：零填充）" in first and "输出（平均汇聚）" in pooled
        assert live.startswith("Y[0, 0] = ") and "第 1 步，共 16 步" in live
        assert "input X" not in first and "step 1 of" not in first + pooled


def test_a_wide_title_makes_room_for_itself():
    """A CJK character takes two monospace cells: the picture grows with the translated title."""
    from convlab.widgets.svg import Canvas, extent

    assert extent("input X") == 7 and extent("输入 X") == 6
    english, chinese = Canvas(), Canvas()
    english.text(0, 10, "input X")
    chinese.text(0, 10, "输入输入输入 X")
    assert chinese.width > english.width


@pytest.mark.parametrize("lang", ["fr_FR", "../locale/zh_CN", "zh_CN/../zh_CN", "zh_CN/", "*", " "])
def test_a_language_without_a_catalogue_gives_english(monkeypatch, lang):
    """CONVLAB_LANG as anyone may set it: a language with no catalogue, a path that reaches the
    Chinese one; each gives the English message, not an error in a check."""
    monkeypatch.setenv("CONVLAB_LANG", lang)
    with pytest.raises(CheckFailure) as failure:
        runner.run(cross_correlation.CORR2D, flipped, cross_correlation.CORR2D.part("all"))
    record = failure.value.record("corr2d", "all")
    assert record["problem"] == "kernel flipped: this is convolution, not cross-correlation"
    assert not CJK.search(record["message"])


# --- wrapping by columns ------------------------------------------------------------------


def test_a_chinese_hint_wraps_at_88_columns():
    """A hint's lines are at most 88 columns wide, a Chinese character two (textwrap counts
    characters and breaks only at spaces: the catalogue's long hints ran to 120 columns), and
    wrapping loses no character and starts no line with a closing mark."""
    from convlab.checks import wording
    from convlab.columns import NO_START, extent

    catalogue = translations()
    hints = [t for t in catalogue.values() if extent(t) > 120 and CJK.search(t)]
    assert len(hints) > 20
    old = [
        t
        for t in hints
        if max(map(extent, textwrap.wrap(t, 88, initial_indent="  提示：", subsequent_indent=" " * 8))) > 88
    ]
    assert old, "the catalogue holds no hint textwrap wraps too wide: this test checks nothing"
    for text in hints:
        # the Chinese text as a hint's msgid (in English, the label "hint: " and the msgid as it is)
        lines = wording.message("corr2d", "x", None, [], i18n.Msg(text)).split("\n")[1:]
        assert all(extent(line) <= 88 for line in lines), [extent(line) for line in lines]
        assert re.sub(r"\s", "", "".join(lines)) == re.sub(r"\s", "", "hint: " + text), text
        assert not any(line.strip()[0] in NO_START for line in lines[1:]), lines


def test_a_closing_mark_takes_the_character_before_it_down():
    from convlab.columns import wrap

    assert wrap("一二三四，五", 8) == ["一二三", "四，五"]  # not "一二三四" then "，五"
    assert wrap("一二三 四五六", 8) == ["一二三", "四五六"]
    english = "an input of n rows and a kernel of k rows give n - k + 1 output rows " * 3
    assert wrap(english, 40, "  hint: ", " " * 8) == textwrap.wrap(
        english, 40, initial_indent="  hint: ", subsequent_indent=" " * 8
    )
