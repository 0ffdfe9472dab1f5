"""The test run's timeline: the plugin records a span per test, and the report adds them up
per phase, worker and scope (the numbers CI prints after make test)."""

import json

from tests.tools import timeline

pytest_plugins = ["pytester"]


def spans(folder, phase, worker, *rows):
    folder.mkdir(parents=True, exist_ok=True)
    lines = [json.dumps({"test": t, "start": a, "stop": b}) for t, a, b in rows]
    (folder / f"{phase}-{worker}.jsonl").write_text("\n".join(lines) + "\n")


def test_report_adds_busy_idle_and_scopes(tmp_path, monkeypatch, capsys):
    folder = tmp_path / "timeline"
    spans(
        folder,
        "parallel",
        "gw0",
        ("tests/test_a.py::test_x", 100.0, 130.0),
        ("tests/test_a.py::test_y", 130.0, 140.0),
    )
    spans(folder, "parallel", "gw1", ("tests/test_b.py::TestK::test_z", 100.0, 105.5))
    monkeypatch.setattr(timeline, "FOLDER", folder)
    assert timeline.main(["--top", "5"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "parallel: 40 s wall, 3 tests"
    assert "  gw0: busy 40 s, idle 0 s at the end" in out
    assert "  gw1: busy 6 s, idle 34 s at the end" in out  # 5.5 s rounds to 6, 34.5 to 34 (even)
    scopes = [line.split() for line in out if line.strip().startswith(("40 s", "6 s"))]
    assert scopes == [["40", "s", "tests/test_a.py"], ["6", "s", "tests/test_b.py::TestK"]]


def test_report_without_a_run(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(timeline, "FOLDER", tmp_path / "none")
    assert timeline.main([]) == 1
    assert "run make test first" in capsys.readouterr().out


def test_plugin_records_every_test_once(pytester, monkeypatch):
    import tests.support.timeline as plugin

    folder = pytester.path / "artifacts"
    monkeypatch.setattr(plugin, "FOLDER", folder)
    monkeypatch.delenv("PYTEST_XDIST_WORKER", raising=False)  # this test's own run has no workers
    pytester.makepyfile(test_some="def test_one(): pass\ndef test_two(): assert False\n")
    result = pytester.runpytest_inprocess("-p", "tests.support.timeline", "-m", "not browser")
    result.assert_outcomes(passed=1, failed=1)
    recorded = [json.loads(line) for line in (folder / "parallel-main.jsonl").read_text().splitlines()]
    assert [r["test"] for r in recorded] == ["test_some.py::test_one", "test_some.py::test_two"]
    assert all(r["stop"] >= r["start"] for r in recorded)
