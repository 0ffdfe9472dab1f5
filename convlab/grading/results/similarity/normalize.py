"""One answer cell as evidence: its code with names, layout and comments normalized, cut into
fingerprints, and the oddities a copy tends to keep (comments, strings, unusual names, dead code).

The code is read with Python's own tokenizer. A name the course gives (a builtin, ``torch``, a
function or class the notebook defines, an attribute after ``.``) stays itself; every other
name becomes ``V``, so renaming variables changes nothing. Strings become ``S`` and comments,
blank lines and line breaks inside brackets go, so reformatting changes nothing either. A
fingerprint is the hash of ``K`` consecutive normalized tokens (winnowing with a window of one:
the answers are a few lines long, so every k-gram is kept), with where it lies in the source,
so a page can mark the shared parts.
"""

from __future__ import annotations

import ast
import builtins
import io
import keyword
import re
import tokenize
from dataclasses import dataclass, field

K = 5  # tokens per fingerprint: short enough that a reordered statement keeps most of its own
COURSE_NAMES = frozenset({"torch", "nn", "F", "np", "math", "itertools", "functools", "self", "super"})
BUILTINS = frozenset(dir(builtins))
FSTRING = frozenset(
    getattr(tokenize, n) for n in ("FSTRING_START", "FSTRING_MIDDLE", "FSTRING_END") if hasattr(tokenize, n)
)
_FALLBACK = re.compile(r"[A-Za-z_]\w*|\d[\w.]*|\S")  # for code the tokenizer refuses


@dataclass(frozen=True)
class Token:
    text: str  # normalized
    start: int  # character offsets in the source
    end: int


@dataclass
class Answer:
    """What one submission's answer cell offers as evidence."""

    source: str
    tokens: list[Token]
    fingerprints: dict[int, list[int]]  # hash -> the token indices where its k-gram starts
    oddities: dict[tuple[str, str], str] = field(default_factory=dict)  # (kind, key) -> as written

    @property
    def size(self) -> int:
        return len(self.fingerprints)


def _offsets(source: str) -> list[int]:
    starts, total = [], 0
    for line in source.splitlines(keepends=True):
        starts.append(total)
        total += len(line)
    return [*starts, total]


def _number(text: str) -> str:
    try:
        return repr(ast.literal_eval(text.replace("_", "")))
    except (ValueError, SyntaxError):
        return text


def tokens(source: str, kept: frozenset[str] = frozenset()) -> tuple[list[Token], list[tuple[str, str]]]:
    """The normalized tokens of ``source`` and its raw (comments, strings, local names), in order.
    ``kept``: names that stay themselves besides builtins and the course's modules."""
    keep = kept | COURSE_NAMES | BUILTINS
    starts = _offsets(source)
    out: list[Token] = []
    raw: list[tuple[str, str]] = []
    try:
        previous = ""
        for t in tokenize.generate_tokens(io.StringIO(source).readline):
            a = starts[t.start[0] - 1] + t.start[1] if t.start[0] - 1 < len(starts) else len(source)
            b = starts[t.end[0] - 1] + t.end[1] if t.end[0] - 1 < len(starts) else len(source)
            kind = t.type
            if kind == tokenize.COMMENT:
                raw.append(("comment", t.string))
                continue
            if kind in (tokenize.NL, tokenize.ENCODING, tokenize.ENDMARKER):
                continue
            if kind == tokenize.NEWLINE or (kind == tokenize.OP and t.string == ";"):
                text = "\n"
            elif kind == tokenize.INDENT:
                text = ">"
            elif kind == tokenize.DEDENT:
                text = "<"
            elif kind == tokenize.STRING:
                raw.append(("string", t.string))
                text = "S"
            elif kind == tokenize.NAME:
                if keyword.iskeyword(t.string) or t.string in keep or previous == ".":
                    text = t.string
                else:
                    raw.append(("name", t.string))
                    text = "V"
            elif kind == tokenize.NUMBER:
                text = _number(t.string)
            elif kind in FSTRING:
                text = "S"
            else:
                text = t.string
            if text == "S" and out and out[-1].text == "S":  # adjacent strings, f-string parts
                out[-1] = Token("S", out[-1].start, b)
            elif not (text == "\n" and (not out or out[-1].text in ("\n", ">", "<"))):
                out.append(Token(text, a, b))
            previous = t.string
    except (tokenize.TokenError, IndentationError, SyntaxError):
        out = []
        for m in _FALLBACK.finditer(source):
            word = m.group()
            text = word if keyword.iskeyword(word) or word in keep or not word[0].isalpha() else "V"
            out.append(Token(text, m.start(), m.end()))
    return out, raw


def _hash(texts: list[str]) -> int:
    """A k-gram's fingerprint: Python's hash of its tokens, 64 bits (equal only within one run,
    which is all an index built and read in one run needs)."""
    return hash(tuple(texts))


def fingerprints(toks: list[Token], k: int = K) -> dict[int, list[int]]:
    """hash of every k-gram -> where it starts (token indices)."""
    texts = [t.text for t in toks]
    found: dict[int, list[int]] = {}
    for i in range(max(0, len(texts) - k + 1)):
        found.setdefault(_hash(texts[i : i + k]), []).append(i)
    if 0 < len(texts) < k:  # shorter than one k-gram: the whole of it
        found.setdefault(_hash(texts), []).append(0)
    return found


def _comment(text: str) -> str:
    return " ".join(text.lstrip("#").lower().split())


def _string(text: str) -> str:
    try:
        value = ast.literal_eval(text)
    except (ValueError, SyntaxError):
        value = text
    return " ".join(str(value).split())


def dead_code(source: str) -> list[str]:
    """Statements that can never run or do nothing: after a return, raise, break or continue in
    their block, under ``if False``/``if 0``, a ``pass`` beside other statements, a bare value."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return []
    found = []
    for node in ast.walk(tree):
        for name in ("body", "orelse", "finalbody"):
            block = getattr(node, name, None)
            if not isinstance(block, list) or not block or not isinstance(block[0], ast.stmt):
                continue
            for i, stmt in enumerate(block):
                if isinstance(stmt, ast.Return | ast.Raise | ast.Break | ast.Continue) and block[i + 1 :]:
                    found += [ast.unparse(s) for s in block[i + 1 :]]
                    break
                if isinstance(stmt, ast.Pass) and len(block) > 1:
                    found.append("pass")
                if (
                    isinstance(stmt, ast.Expr)
                    and isinstance(stmt.value, ast.Constant | ast.Name | ast.Attribute)
                    and not (
                        i == 0 and isinstance(stmt.value, ast.Constant) and isinstance(stmt.value.value, str)
                    )
                ):
                    found.append(ast.unparse(stmt))
        if isinstance(node, ast.If) and isinstance(node.test, ast.Constant) and not node.test.value:
            found.append(ast.unparse(node))
    return found


def defined_names(source: str) -> set[str]:
    """The names a notebook's cell defines or imports at its top level (functions, classes,
    modules): those stay themselves when code is normalized."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return set()
    names = set()
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.add(node.name)
        elif isinstance(node, ast.Import | ast.ImportFrom):
            names.update((a.asname or a.name).split(".")[0] for a in node.names)
    return names


@dataclass
class Starter:
    """What every student was given for one notebook: its fingerprints, comments, strings and
    names are nobody's evidence."""

    kept: frozenset[str]
    fingerprints: set[int]
    oddities: set[tuple[str, str]]

    @classmethod
    def of(cls, cells: list[str]) -> Starter:
        kept = frozenset(n for c in cells for n in defined_names(c))
        prints: set[int] = set()
        odd: set[tuple[str, str]] = set()
        for cell in cells:
            toks, raw = tokens(cell, kept)
            prints |= set(fingerprints(toks))
            odd |= {_oddity(kind, text) for kind, text in raw}
        return cls(kept, prints, odd)


def _oddity(kind: str, text: str) -> tuple[str, str]:
    if kind == "comment":
        return kind, _comment(text)
    if kind == "string":
        return kind, _string(text)
    return kind, text


def answer(source: str, starter: Starter) -> Answer:
    """The evidence of one answer cell, less everything the starter code holds."""
    toks, raw = tokens(source, starter.kept)
    prints = {h: at for h, at in fingerprints(toks).items() if h not in starter.fingerprints}
    odd: dict[tuple[str, str], str] = {}
    for kind, text in raw:
        key = _oddity(kind, text)
        long_enough = {"comment": 8, "string": 5, "name": 3}[kind]
        if len(key[1]) >= long_enough and key not in starter.oddities:
            odd.setdefault(key, text)
    for stmt in dead_code(source):
        dead, _ = tokens(stmt, starter.kept)
        odd.setdefault(("dead code", " ".join(t.text for t in dead)), stmt)
    return Answer(source, toks, prints, odd)
