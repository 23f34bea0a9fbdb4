"""Run ▸ Run Tests runs the test files beside the open workflow in the background and the
Tests dock shows each case, pass or fail, with the reason for every failure."""

from __future__ import annotations

import json
import shutil

from studio.core import Workflow
from tests.conftest import TEMPLATES


def _penguins(tmp_path, cases):
    folder = shutil.copytree(TEMPLATES / "penguins", tmp_path / "penguins")
    (folder / "penguins.knotwork-test.json").unlink()  # only the cases this test writes
    (folder / "quick.knotwork-test.json").write_text(
        json.dumps({"workflow": "penguins.knotwork.json", "cases": cases})
    )
    return folder / "penguins.knotwork.json"


CASES = [
    {
        "name": "split sizes",
        "expect": [{"check": "rows", "node": "Split", "port": "train", "equals": 206}],
    },
    {
        "name": "too many rows expected",
        "expect": [{"check": "rows", "node": "Split", "port": "test", "min": 100}],
    },
    {
        "name": "missing target refused",
        "settings": {"Roles": {"target": "beak"}},
        "expect": [{"check": "fails", "node": "Roles", "message": "not in the input table"}],
    },
]


def _run_tests(qtbot, window):
    tests = window.workflow_tests
    with qtbot.waitSignal(tests.finished, timeout=60_000) as blocker:
        tests.action.trigger()
    return blocker.args[0]


def test_run_tests_shows_each_case_with_the_reason_it_failed(qtbot, make_window, tmp_path):
    window = make_window(Workflow.load(_penguins(tmp_path, CASES)))
    assert "Run Tests" in [a.text().replace("&", "") for a in window.actions()]
    outcomes = _run_tests(qtbot, window)
    assert [o.path.name for o in outcomes] == ["quick.knotwork-test.json"]
    panel = window.workflow_tests.panel
    assert window.workflow_tests.dock.isVisible()
    results = panel.results()
    assert results["split sizes"] == ("PASS", [])
    assert results["missing target refused"] == ("PASS", [])
    verdict, reasons = results["too many rows expected"]
    assert verdict == "FAIL"
    assert reasons == ['"Split".test: expected at least 100 rows, got 69']
    assert panel.summary.text() == "2 passed, 1 failed (1 test file)"
    assert "Tests: 2 passed, 1 failed" in window.console.lines[-1]
    assert not window.busy()
    # The canvas's own workflow is untouched: no setting changed, nothing ran on it.
    wf = window.document.workflow
    assert wf.node("Roles").settings["target"] == "species"
    assert wf.output("Split") is None
    window.grab().save(str(tmp_path / "tests_dock.png"))


def test_run_tests_uses_the_unsaved_canvas_and_reports_a_bad_test_file(
    qtbot, make_window, tmp_path
):
    path = _penguins(tmp_path, CASES[:1])
    (path.parent / "broken.knotwork-test.json").write_text(
        json.dumps(
            {
                "workflow": "penguins.knotwork.json",
                "cases": [{"name": "c", "expect": [{"check": "rows", "node": "Splitt", "min": 1}]}],
            }
        )
    )
    window = make_window(Workflow.load(path))
    window.document.workflow.set_setting("Split", "train_fraction", 0.5)  # not saved
    _run_tests(qtbot, window)
    panel = window.workflow_tests.panel
    assert panel.results()["split sizes"] == (
        "FAIL",
        ['"Split".train: expected 206 rows, got 172'],
    )
    top = panel.tree.topLevelItem(0)
    assert (top.text(0), top.text(1)) == ("broken.knotwork-test.json", "ERROR")
    assert "case \"c\": expect[0] (rows): node: no node with id or label 'Splitt'" in (
        top.child(0).text(0)
    )


def test_run_tests_explains_what_is_missing_when_there_is_nothing_to_run(
    qtbot, make_window, tmp_path
):
    window = make_window()
    assert window.workflow_tests.run() is False
    assert "Save the workflow first" in window.workflow_tests.panel.summary.text()
    lonely = tmp_path / "lonely.knotwork.json"
    Workflow.load(TEMPLATES / "penguins" / "penguins.knotwork.json").save(lonely)
    window.document.replace(Workflow.load(lonely))
    assert window.workflow_tests.run() is False
    assert "add lonely.knotwork-test.json beside it" in window.workflow_tests.panel.summary.text()


def test_stop_cancels_the_running_case_and_unlocks_the_window(qtbot, make_window, tmp_path):
    accurate = {
        "name": "accurate",
        "expect": [{"check": "metric", "node": "Score test", "metric": "f1", "at_least": 0.9}],
    }
    window = make_window(Workflow.load(_penguins(tmp_path, [accurate])))
    tests = window.workflow_tests
    with qtbot.waitSignal(tests.finished, timeout=60_000):
        assert tests.run()
        assert window.busy() and tests.panel.stop_button.isEnabled()
        tests.panel.stop_button.click()  # long before the search is done
    assert tests.panel.results() == {"accurate": ("ERROR", ["cancelled"])}
    assert not window.busy() and tests.panel.run_button.isEnabled()
