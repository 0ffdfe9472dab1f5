"""Disguised copies of an answer, as a student hiding a copy would make them: variables
renamed, independent statements reordered, the layout redone, comments changed or removed, the
code moved into a wrapper function. The copy computes what the original computes."""

import ast
import io
import random
import textwrap
import tokenize

from tests.catalogue.mutant import Mutant
from tests.support.graded import SOLUTION

WORDS = ["acc", "out", "res", "tmp", "val", "buf", "cur", "arr", "mat", "tot", "part", "grid", "cell", "row"]


def local_names(body: str) -> set[str]:
    """Names the code binds itself (assignments, loop variables, inner functions' arguments)."""
    names = set()
    for node in ast.walk(ast.parse(body)):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            names.add(node.id)
        elif isinstance(node, ast.arg):
            names.add(node.arg)
        elif isinstance(node, ast.FunctionDef):
            names.add(node.name)
    return names - {"self"}


def rename(body: str, rng: random.Random) -> str:
    names = sorted(local_names(body))
    fresh = {n: f"{rng.choice(WORDS)}_{i}{rng.choice('xyzq')}" for i, n in enumerate(names)}
    out, previous = [], ""
    for t in tokenize.generate_tokens(io.StringIO(body).readline):
        text = fresh.get(t.string, t.string) if t.type == tokenize.NAME and previous != "." else t.string
        out.append((t.type, text))
        previous = t.string
    return tokenize.untokenize(out)


def _uses(stmt: ast.stmt) -> tuple[set[str], set[str]]:
    stored = {n.id for n in ast.walk(stmt) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}
    loaded = {n.id for n in ast.walk(stmt) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}
    return stored, loaded


def _simple(stmt: ast.stmt) -> bool:
    return isinstance(stmt, ast.Assign | ast.AugAssign | ast.AnnAssign | ast.FunctionDef | ast.Import)


def reorder(tree: ast.Module, rng: random.Random) -> None:
    """Swap neighbouring statements of every block where neither needs what the other binds."""
    for node in ast.walk(tree):
        block = getattr(node, "body", None)
        if not isinstance(block, list):
            continue
        i = 0
        while i + 1 < len(block):
            a, b = block[i], block[i + 1]
            (sa, la), (sb, lb) = _uses(a), _uses(b)
            if _simple(a) and _simple(b) and not (sa & lb or sb & la or sa & sb) and rng.random() < 0.8:
                block[i], block[i + 1] = b, a
                i += 2
            else:
                i += 1


def disguise(body: str, parameters: list[str], seed: int, wrapper: bool = True) -> str:
    """``body`` (a solution region, unindented) disguised every way at once."""
    rng = random.Random(seed)
    tree = ast.parse(rename(body, rng))
    reorder(tree, rng)
    lines = ast.unparse(tree).splitlines()  # the layout redone, every comment gone
    spaced = []
    for line in lines:
        spaced.append(line)
        if rng.random() < 0.3 and not line.rstrip().endswith(":"):
            spaced.append(" " * (len(line) - len(line.lstrip())) + "# step " + rng.choice(WORDS))
    code = "\n".join(spaced)
    if wrapper and "super()" not in code:
        inner = rng.choice(["_work", "helper", "_impl", "compute"])
        args = ", ".join(parameters)
        code = f"def {inner}({args}):\n{textwrap.indent(code, '    ')}\n\nreturn {inner}({args})"
    return code


def parameters(cell: str, region: int) -> list[str]:
    """The arguments of the function whose body holds solution region ``region`` of ``cell``."""
    stubbed, line, last = "", 0, 0
    for i, m in enumerate(SOLUTION.finditer(cell)):
        stubbed += cell[last : m.start()]
        if i == region:
            line = stubbed.count("\n") + 1
        stubbed += m["indent"] + "pass"
        last = m.end()
    tree = ast.parse(stubbed + cell[last:])
    best = None
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef) and node.lineno <= line:
            best = node if best is None or node.lineno > best.lineno else best
    assert best is not None, cell[:200]
    return [a.arg for a in best.args.args]


def disguised(mutant: Mutant, cell: str, seed: int, wrapper: bool = True) -> Mutant:
    """A catalogue entry's disguised copy, as an entry of its own (same exercise, region, hint)."""
    body = disguise(mutant.body, parameters(cell, mutant.region), seed, wrapper)
    return Mutant(mutant.exercise, f"{mutant.name} (disguised)", body, mutant.hint, mutant.region)
