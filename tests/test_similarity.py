"""The similarity detector without kernels: calibrated on the whole catalogue (its targets),
blind to what a disguise changes, deaf to the starter code, and safe with what students write."""

import html
import json

import nbformat

from convlab.grading.course import Course
from convlab.grading.results.similarity import page
from convlab.grading.results.similarity.command import analyse, write
from convlab.grading.results.similarity.evidence import Submission, score
from convlab.grading.results.similarity.normalize import Starter, answer, tokens
from tests.support.course import copy_course
from tests.support.disguise import disguise
from tests.support.notebooks import assignments, load
from tests.tools.similarity_calibration import FOUND, SHOWN, measure

LOOP = """kh, kw = K.shape
Y = torch.zeros((X.shape[0] - kh + 1, X.shape[1] - kw + 1))
for i in range(Y.shape[0]):
    for j in range(Y.shape[1]):
        Y[i, j] = (X[i:i + kh, j:j + kw] * K).sum()  # the window times the kernel
return Y"""


SLICES = """kh, kw = K.shape
oh, ow = X.shape[0] - kh + 1, X.shape[1] - kw + 1
Y = torch.zeros(oh, ow, dtype=torch.float64)
for a in range(kh):
    for b in range(kw):
        Y += X[a:a + oh, b:b + ow].double() * float(K[a, b])  # one shifted copy per kernel entry
return Y"""


def _cell(body: str) -> str:
    return "def corr2d(X, K):\n" + "\n".join("    " + line for line in body.splitlines())


def test_calibration_on_the_whole_catalogue():
    """The issue's targets, over the whole catalogue: at least 90 % of the disguised copies of
    answers long enough to judge found, at most 1 % of independent pairs shown."""
    figures = [f for aid in assignments() for f in measure(aid)]
    judged = [f for f in figures if f.judged]
    copies = [s for f in judged for s in f.copies]
    pairs = [s for f in judged for s in f.independent]
    from convlab.grading.results.similarity.evidence import THRESHOLD

    found = sum(s >= THRESHOLD for s in copies) / len(copies)
    shown = sum(s >= THRESHOLD for s in pairs) / len(pairs)
    print(f"catalogue: {found:.0%} of {len(copies)} copies found, {shown:.2%} of {len(pairs)} pairs shown")
    assert shown <= SHOWN, shown
    assert found >= FOUND, found


def test_a_disguise_leaves_the_normalized_code_as_it_was():
    original, _ = tokens(_cell(LOOP))
    renamed = _cell(disguise(LOOP, ["X", "K"], seed=3, wrapper=False))
    copy, _ = tokens(renamed)
    assert renamed != _cell(LOOP)
    assert sorted(t.text for t in copy) == sorted(t.text for t in original)  # reordered at most


def test_the_starter_code_is_nobodys_evidence():
    release = load("notebooks", "01_cross_correlation")
    given = Starter.of([c.source for c in release.cells if c.cell_type == "code"])
    stub = next(c.source for c in release.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "corr2d")
    assert answer(stub, given).size == 0 and not answer(stub, given).oddities
    assert answer(_cell(LOOP), given).size > 20


def test_a_rare_shared_mistake_weighs_more_than_a_common_one():
    def class_with(common: int) -> float:
        subs = [Submission(f"s{i}", answer(f"x = {i}", Starter.of([]))) for i in range(200)]
        for s in subs[:common]:
            s.wrong = {("kernel flipped", "got 5"): "kernel flipped"}
        _, total = score(subs, threshold=float("inf"))
        return float(total[0, 1])

    assert class_with(2) > 3 * class_with(100) > 0


def test_what_students_wrote_is_escaped_on_the_page_and_neutralised_in_the_csv(tmp_path):
    course_root = copy_course(tmp_path)
    course = Course(course_root)
    key = load("solutions", "01_cross_correlation")
    hostile = SLICES.replace("# one", "# </pre><script>alert(1)</script> one")
    for student in ("ann", "bob", "cat", "dan", "eve"):
        nb = nbformat.from_dict(key)
        if student in ("ann", "bob"):  # the others keep the key's answer
            cell = next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "corr2d")
            cell.source = _cell(hostile + "\n" * (student == "bob"))
        folder = course.autograded / student / "01_cross_correlation"
        folder.mkdir(parents=True)
        nbformat.write(nb, folder / "01_cross_correlation.ipynb")
    (course.workspace / "roster.csv").write_text('id,name\nann,=HYPERLINK("x")\nbob,<b>Bob</b>\n')
    result = analyse(course)
    write(course, result)
    pairs = [p for e in result["exercises"] for p in e["pairs"]]
    assert [(p["a"], p["b"]) for p in pairs] == [("ann", "bob")]
    section = page.section(course)
    assert "<script>" not in section and html.escape("</pre><script>") in section
    assert "<b>Bob</b>" not in section and "&lt;b&gt;Bob&lt;/b&gt;" in section
    assert "'=HYPERLINK" in (course.workspace / "similarity.csv").read_text()
    assert json.loads((course.workspace / "similarity.json").read_text())["exercises"]
