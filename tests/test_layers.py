"""The package's layers: leaves at the bottom, the reference above them, checks and widgets
above that, the instructor's side (grading, and the hub above it) apart; no cycle anywhere;
the tamper guard records the same whatever a notebook imports first."""

import ast
import functools
import json
from pathlib import Path

import pytest

import convlab
from convlab.checks import exercises
from tests.support.course import python_c
from tests.support.notebooks import assignments, load

PACKAGE = Path(convlab.__file__).parent
LEAVES = {
    "convlab.failure",
    "convlab.geometry",
    "convlab.watch",
    "convlab.data",
    "convlab.timing",
    "convlab.columns",
    "convlab.fonts",
}


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(p): p for p in PACKAGE.rglob("*.py")}


def imports(name: str) -> set[str]:
    """The convlab modules ``name`` imports (anywhere in it), with the package ``__init__`` s
    that importing them runs, where ``name`` is not already inside that package."""
    found = set()
    for node in ast.walk(ast.parse(MODULES[name].read_text())):
        if isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            targets = [
                f"{node.module}.{a.name}" if f"{node.module}.{a.name}" in MODULES else node.module
                for a in node.names
            ]
        else:
            continue
        for target in targets:
            if not target.startswith("convlab"):
                continue
            parts = target.split(".")
            for i in range(2, len(parts) + 1):
                package = ".".join(parts[:i])
                if package in MODULES and not (name + ".").startswith(package + "."):
                    found.add(package)
    found.discard(name)
    return found


GRAPH = {name: imports(name) for name in MODULES}


def test_no_import_cycle_in_the_package():
    state: dict[str, str] = {}

    def visit(name: str, path: list[str]) -> None:
        state[name] = "open"
        for other in sorted(GRAPH[name]):
            if state.get(other) == "open":
                pytest.fail("import cycle: " + " -> ".join([*path, name, other]))
            if other not in state:
                visit(other, [*path, name])
        state[name] = "done"

    for name in sorted(GRAPH):
        if name not in state:
            visit(name, [])


def test_leaves_import_nothing_of_convlab_and_the_reference_only_leaves():
    for leaf in LEAVES:
        assert GRAPH[leaf] <= {"convlab"}, (leaf, GRAPH[leaf])
    assert GRAPH["convlab.oracle"] <= LEAVES | {"convlab"}, GRAPH["convlab.oracle"]


@pytest.mark.parametrize(
    ("side", "never"),
    [
        ("convlab.widgets", ("convlab.checks", "convlab.grading")),
        ("convlab.checks", ("convlab.widgets", "convlab.grading")),
        ("convlab.plots", ("convlab.checks", "convlab.widgets", "convlab.grading")),
    ],
)
def test_each_side_keeps_to_its_layer(side, never):
    for name, targets in GRAPH.items():
        if name == side or name.startswith(side + "."):
            bad = {t for t in targets if t.startswith(never)}
            assert not bad, f"{name} imports {bad}"


INSTRUCTOR_SIDE = ("convlab.grading", "convlab.hub", "convlab.site")  # site: make site, beside grading


def test_nothing_a_kernel_imports_reaches_the_instructor_side():
    student = [n for n in GRAPH if not n.startswith(INSTRUCTOR_SIDE)]
    for name in student:
        assert not {t for t in GRAPH[name] if t.startswith(INSTRUCTOR_SIDE)}, name


def test_grading_does_not_import_the_hub_that_serves_it():
    for name in (n for n in GRAPH if n.startswith("convlab.grading")):
        assert not {t for t in GRAPH[name] if t.startswith("convlab.hub")}, name


@pytest.mark.parametrize(
    ("module", "absent"),
    [
        ("convlab.oracle", ("convlab.checks", "convlab.widgets", "convlab.grading")),
        ("convlab.widgets", ("convlab.checks", "convlab.grading")),
        ("convlab.checks", ("convlab.widgets", "convlab.grading")),
    ],
)
def test_importing_a_layer_loads_nothing_above_or_beside_it(module, absent):
    code = (
        f"import {module}, sys\n"
        f"loaded = sorted(m for m in sys.modules if m.startswith({absent!r}))\n"
        "assert not loaded, loaded"
    )
    done = python_c(code)
    assert done.returncode == 0, done.stderr


def setup_cell(aid: str) -> str:
    return next(c.source for c in load("solutions", aid).cells if c.id == "setup")


REPLACE = """
import convlab.oracle as reference
reference.{function} = lambda *args, **kwargs: None
from convlab.failure import CheckFailure
try:
    {check}(lambda *args, **kwargs: None)
    print(json.dumps("ran"))
except CheckFailure as failure:
    print(json.dumps(str(failure)))
"""

# After the notebook's import cell, each replacement in a child forked there: the child starts
# from exactly what the import cell left (and no other replacement), and one interpreter per
# notebook runs the import cell, where one per case ran it twice. It prints, per function, the
# replacement's exit status and what it printed, or its traceback.
FORKED = """
import contextlib, io, json, os, traceback
outcomes = {{}}
for function, code in {cases!r}.items():
    read, write = os.pipe()
    if os.fork() == 0:
        os.close(read)
        said = io.StringIO()
        try:
            with contextlib.redirect_stdout(said):
                exec(compile(code, "<replace " + function + ">", "exec"), globals())
            outcome = [0, said.getvalue()]
        except BaseException:
            outcome = [1, said.getvalue() + traceback.format_exc()]
        os.write(write, json.dumps(outcome).encode())
        os._exit(0)
    os.close(write)
    with os.fdopen(read) as pipe:
        outcomes[function] = json.loads(pipe.read())
    os.wait()
print(json.dumps(outcomes))
"""

FUNCTIONS = ["corr2d", "pool2d"]


@functools.cache  # once per notebook: its tests, one per function, read their case from it
def replaced(aid: str) -> dict[str, list]:
    """function -> [exit status, what it printed]: the notebook's own import cell in a fresh
    interpreter, then, in a child forked after it, that reference function replaced, as a
    student might to make the check agree with a wrong answer, and the check run."""
    setup = setup_cell(aid)
    check = next(word.strip("(), ") for word in setup.split() if word.strip("(), ").startswith("check_"))
    cases = {function: REPLACE.format(function=function, check=check) for function in FUNCTIONS}
    done = python_c("import json\n" + setup + FORKED.format(cases=cases))
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("aid", assignments())
@pytest.mark.parametrize("function", FUNCTIONS)
def test_a_replaced_reference_stops_the_next_check_whatever_was_imported_first(aid, function):
    """The notebook's own import cell, in a fresh interpreter; then a reference function is
    replaced, as a student might to make the check agree with a wrong answer."""
    status, printed = replaced(aid)[function]
    assert status == 0, printed
    said = json.loads(printed.strip().splitlines()[-1])
    assert "not checked, because the notebook replaced" in said, said
    assert f"convlab.oracle.{function}" in said, said


def test_the_reference_imported_before_the_widgets_and_checks_is_still_guarded():
    code = (
        "import convlab.oracle, convlab.widgets, convlab.checks.runner\n"
        "from convlab.checks import check_pad2d, CheckFailure\n"
        "convlab.oracle.pad2d = lambda X, padding: X\n"
        "try:\n    check_pad2d(lambda X, padding: X)\nexcept CheckFailure as f:\n    print(f)\n"
    )
    done = python_c(code)
    assert "replaced: convlab.oracle.pad2d" in done.stdout, done.stdout + done.stderr


def source_test_cells(aid: str) -> dict[str, int]:
    return {
        c.metadata.nbgrader.grade_id: c.metadata.nbgrader.points
        for c in load("source", aid).cells
        if c.metadata.get("nbgrader", {}).get("grade")
    }


def test_every_test_cell_has_the_points_its_check_declares():
    declared = {cell: points for ex in exercises() for cell, points in ex.test_cells().items()}
    in_source = {cell: points for aid in assignments() for cell, points in source_test_cells(aid).items()}
    assert declared == in_source
    assert sum(ex.points for ex in exercises()) == sum(in_source.values())


def test_a_check_names_its_parts_as_the_test_cells_call_them():
    from convlab.checks import check_corr2d

    with pytest.raises(ValueError, match="cases must be 'examples', 'random' or 'all', not 'some'"):
        check_corr2d(lambda X, K: X, cases="some")
    assert list(__import__("inspect").signature(check_corr2d).parameters) == ["corr2d", "cases"]


# The instructor's side by role: each room of convlab.grading imports only the shared modules and
# the rooms below it (results < engine < recording); authoring needs only the shared ones.
SHARED = {f"convlab.grading.{m}" for m in ("course", "environ", "tables", "roster")} | {"convlab.grading"}
ROOMS = ("convlab.grading.results", "convlab.grading.engine", "convlab.grading.recording")
AUTHORING = "convlab.grading.authoring"


def room_of(name: str) -> str:
    for room in (*ROOMS, AUTHORING):
        if name == room or name.startswith(room + "."):
            return room
    return "shared" if name in SHARED else name


def test_every_grading_module_is_in_a_room_or_shared():
    loose = {
        n
        for n in GRAPH
        if n.startswith("convlab.grading")
        and room_of(n) not in {*ROOMS, AUTHORING, "shared"}
        and n != "convlab.grading.__main__"
    }
    assert not loose, f"modules of convlab.grading in no room: {sorted(loose)}"


def test_each_grading_room_imports_only_the_rooms_below_it():
    allowed = {"shared": {"shared"}, AUTHORING: {"shared", AUTHORING}}
    for k, room in enumerate(ROOMS):
        allowed[room] = {"shared", *ROOMS[: k + 1]}
    for name, targets in GRAPH.items():
        if not name.startswith("convlab.grading") or name == "convlab.grading.__main__":
            continue
        grading = {room_of(t) for t in targets if t.startswith("convlab.grading")}
        assert grading <= allowed[room_of(name)], f"{name} imports {sorted(grading - allowed[room_of(name)])}"


def test_fingerprints_and_the_state_import_no_orchestrator():
    """The hub stamps what it deployed with the recording's fingerprints, without loading a grader."""
    assert GRAPH["convlab.grading.recording.fingerprints"] <= {"convlab"}, GRAPH[
        "convlab.grading.recording.fingerprints"
    ]
    assert "convlab.grading.recording.autograde" not in GRAPH["convlab.grading.recording.state"]
    assert "convlab.grading.recording.autograde" not in GRAPH["convlab.hub.deploy"]
