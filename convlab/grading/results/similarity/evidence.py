"""Every pair of one exercise's submissions, scored by the evidence of a shared origin.

Three kinds of evidence, each weighed by how rare it is in the class (``df``: how many of the
exercise's ``n`` submissions have it):

- **code**: each fingerprint (:mod:`.normalize`, the starter code removed) counts by its rarity
  ``ln(n / df) / ln(n / 2)``: 1 for code only the two of them wrote, 0 for code everyone wrote.
  The score is the share of the shorter answer's rare content (its fingerprints by their rarity)
  that the other answer has too. Two students who both wrote the lesson's obvious loop share
  common code, which counts for little; extra code around a copy (a wrapper, dead code) does not
  hide it, since the shorter answer is the measure. Answers shorter than
  :data:`MIN_FINGERPRINTS`, or with less rare content than :data:`MIN_RARE`, give no code
  evidence (a one-line answer looks the same whoever wrote it), nor does the very same
  normalized answer written by more than :data:`COMMON` of the class (the obvious solution).
- **the same wrong answer**: the same named mistake with the same failure message (which holds
  the wrong values), or the same unnamed wrong values, ``MISTAKE * min(1, log2(n / df) / 10)``
  each: a mistake 2 of 1,000 made weighs five times one 300 made.
- **shared oddities**: an identical comment, string, unusual name or piece of dead code that
  the starter code does not hold, ``ODDITY * min(1, log2(n / df) / 10)`` each.

The score is their sum (mistakes and oddities capped at :data:`CAP` each); a pair is shown
from :data:`THRESHOLD`, a value measured on the course's catalogue of independently written
answers and on disguised copies of them (``make similarity`` prints both shares per exercise).
The pairs are found by sparse matrix products over an index of fingerprints, never by
comparing answers two by two.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field

import torch

from convlab.grading.results.similarity.normalize import Answer, K

THRESHOLD = 0.75  # a pair at or above this is shown (calibrated: tests/tools/similarity_calibration.py)
MIN_FINGERPRINTS = 12  # fewer k-grams than this beyond the starter code: too short to tell
MIN_RARE = 4.0  # less rare content than this (4 fragments only the pair wrote): nothing to tell by
COMMON = 0.02  # an answer more than 2 % of the class wrote (and more than two students): no code evidence
MISTAKE = 0.5
ODDITY = 0.25
CAP = 0.5


@dataclass
class Submission:
    student: str
    answer: Answer
    wrong: dict[tuple[str, str], str] = field(default_factory=dict)  # (mistake, message) -> shown as


@dataclass
class Pair:
    a: str
    b: str
    score: float
    code: float
    mistakes: float
    oddities: float
    reasons: list[str]
    marks: tuple[list[tuple[int, int]], list[tuple[int, int]]]  # shared spans in a's and b's source


def code_weight(df: torch.Tensor, n: int) -> torch.Tensor:
    """Rarity of code ``df`` of ``n`` submissions have: 1 when only a pair has it, 0 when all do."""
    if n <= 2:  # two submissions: nothing is rare, whatever they share
        return torch.zeros_like(df, dtype=torch.float64)
    return (torch.log(n / df.double()) / math.log(n / 2)).clamp(0, 1)


def bits_weight(df: int, n: int) -> float:
    """Rarity in bits, as a share of 10 bits (1 in 1,024): absolute, so a class of ten never
    makes a shared mistake weigh as much as it does among a thousand."""
    return min(1.0, math.log2(max(n, 1) / max(df, 1)) / 10) if n > df else 0.0


def _incidence(sets: list[set], n: int) -> tuple[list, torch.Tensor, torch.Tensor]:
    """(the keys two or more submissions share, their document frequency, the submissions × keys
    incidence as a dense 0/1 matrix)."""
    counts: dict = {}
    for s in sets:
        for key in s:
            counts[key] = counts.get(key, 0) + 1
    shared = [k for k, c in counts.items() if c >= 2]
    column = {k: j for j, k in enumerate(shared)}
    rows, cols = [], []
    for i, s in enumerate(sets):
        for key in s:
            j = column.get(key)
            if j is not None:
                rows.append(i)
                cols.append(j)
    matrix = torch.zeros((n, len(shared)), dtype=torch.float32)
    if rows:
        matrix[torch.tensor(rows), torch.tensor(cols)] = 1.0
    df = torch.tensor([counts[k] for k in shared], dtype=torch.float64)
    return shared, df, matrix


def _products(matrix: torch.Tensor, weights: torch.Tensor) -> torch.Tensor:
    """(submissions × submissions): the weighted count of the keys each pair shares."""
    if matrix.shape[1] == 0:
        return torch.zeros((matrix.shape[0], matrix.shape[0]), dtype=torch.float32)
    weighted = (matrix * weights.float()).to_sparse_csr()
    return (weighted @ matrix.T.contiguous()).to_dense() if weighted.is_sparse_csr else weighted @ matrix.T


def score(subs: list[Submission], threshold: float = THRESHOLD) -> tuple[list[Pair], torch.Tensor]:
    """The pairs at or above ``threshold``, best first, and the matrix of every pair's score."""
    n = len(subs)
    if n < 2:
        return [], torch.zeros((n, n))
    prints, pdf, pm = _incidence([set(s.answer.fingerprints) for s in subs], n)
    weights = code_weight(pdf, n)
    code = _products(pm, weights)
    # the rare content of each answer: its shared fingerprints by their weight, its own ones 1 each
    alone = torch.tensor([float(s.answer.size) for s in subs]) - pm.sum(1)
    rare = (pm.double() @ weights).float() + alone
    size = torch.tensor([float(s.answer.size) for s in subs])
    shorter = torch.minimum(rare[:, None], rare[None, :])
    enough = (torch.minimum(size[:, None], size[None, :]) >= MIN_FINGERPRINTS) & (shorter >= MIN_RARE)
    code = torch.where(enough, (code / shorter.clamp(min=1e-9)).clamp(max=1), torch.zeros_like(code))
    # the very same normalized answer as many others wrote: the obvious solution, not a copy
    whole = [hash(tuple(t.text for t in s.answer.tokens)) for s in subs]
    often = Counter(whole)
    first = {h: i for i, h in reversed(list(enumerate(whole)))}
    group = torch.tensor([first[h] if often[h] > max(2, COMMON * n) else -1 - i for i, h in enumerate(whole)])
    code = torch.where(group[:, None] == group[None, :], torch.zeros_like(code), code)
    keys, kdf, km = _incidence([set(s.wrong) for s in subs], n)
    mistakes = _products(km, torch.tensor([MISTAKE * bits_weight(int(d), n) for d in kdf])).clamp(max=CAP)
    odd, odf, om = _incidence([set(s.answer.oddities) for s in subs], n)
    oddities = _products(om, torch.tensor([ODDITY * bits_weight(int(d), n) for d in odf])).clamp(max=CAP)
    total = code + mistakes + oddities
    total.fill_diagonal_(0)
    above = torch.triu(total >= threshold, diagonal=1).nonzero().tolist()
    counts = {
        "mistake": dict(zip(keys, kdf.tolist(), strict=True)),
        "oddity": dict(zip(odd, odf.tolist(), strict=True)),
        "print": dict(zip(prints, pdf.tolist(), strict=True)),
    }
    pairs = [
        _explain(
            subs[i],
            subs[j],
            float(total[i, j]),
            float(code[i, j]),
            float(mistakes[i, j]),
            float(oddities[i, j]),
            counts,
            n,
        )
        for i, j in above
    ]
    pairs.sort(key=lambda p: (-p.score, p.a, p.b))
    return pairs, total


def _spans(answer: Answer, shared: set[int], k: int) -> list[tuple[int, int]]:
    """The character spans of ``answer``'s source its shared fingerprints cover, merged."""
    covered = sorted({i + d for h in shared for i in answer.fingerprints.get(h, []) for d in range(k)})
    spans: list[tuple[int, int]] = []
    for i in covered:
        if i >= len(answer.tokens):
            continue
        t = answer.tokens[i]
        if t.text in ("\n", ">", "<"):
            continue
        if spans and t.start <= spans[-1][1] + 1 and not answer.source[spans[-1][1] : t.start].count("\n"):
            spans[-1] = (spans[-1][0], max(spans[-1][1], t.end))
        else:
            spans.append((t.start, t.end))
    return spans


def _explain(a: Submission, b: Submission, total, code, mistakes, oddities, counts, n) -> Pair:
    shared = set(a.answer.fingerprints) & set(b.answer.fingerprints)
    reasons = []
    if code > 0:
        alone = sum(1 for h in shared if counts["print"].get(h, 0) <= 2)
        reasons.append(
            f"code: {code:.0%} of the shorter answer's code, names, layout and comments normalized and the "
            f"starter code left out, is in both, weighed by how rare it is in the class "
            f"({len(shared)} shared fragments, {alone} of them written by these two only)"
        )
    elif shared:
        reasons.append("code: too short to tell (a few tokens beyond the starter code)")
    for key in sorted(set(a.wrong) & set(b.wrong)):
        df = int(counts["mistake"].get(key, 2))
        if bits_weight(df, n) > 0:  # what everyone did is no reason
            reasons.append(f"the same wrong answer, made by {df} of {n} submissions: {a.wrong[key]}")
    for key in sorted(set(a.answer.oddities) & set(b.answer.oddities)):
        df = int(counts["oddity"].get(key, 2))
        if bits_weight(df, n) > 0:
            reasons.append(f"the same {key[0]}, in {df} of {n} submissions: {a.answer.oddities[key]}")
    return Pair(
        a.student,
        b.student,
        total,
        code,
        mistakes,
        oddities,
        reasons,
        (_spans(a.answer, shared, K), _spans(b.answer, shared, K)),
    )


def clusters(pairs: list[Pair]) -> list[list[str]]:
    """Groups of students linked by shown pairs (connected components), largest first."""
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for p in pairs:
        parent[find(p.a)] = find(p.b)
    groups: dict[str, list[str]] = {}
    for x in parent:
        groups.setdefault(find(x), []).append(x)
    return sorted((sorted(g) for g in groups.values() if len(g) > 2), key=lambda g: (-len(g), g))
