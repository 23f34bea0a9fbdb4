from __future__ import annotations

import threading

import pytest

from studio.core import NodeWarning, RunFinished, RunStarted, StateChanged, Workflow

from .builders import Wait, clean_penguins, make_catalog, starter, zero_ratio


@pytest.fixture
def wf(tmp_path) -> Workflow:
    return starter(csv=clean_penguins(tmp_path))


def test_the_starter_pipeline_runs_and_scores_test_accuracy(wf):
    result = wf.run()
    assert result.ok, result.errors
    metrics = result.output("Score", "metrics").values
    assert metrics["accuracy"] > 0.95
    assert metrics["rows"] == 100  # ceil(30% of the 333 clean rows)


def test_a_second_run_without_changes_executes_nothing(wf):
    wf.run()
    again = wf.run()
    assert again.executed == [] and again.ok
    assert again.state("Score") == "executed"


def test_changing_a_setting_reruns_only_that_node_and_its_descendants(wf):
    wf.run()
    wf.set_setting("Learner", "C", 0.5)
    result = wf.run()
    labels = {wf.node(n).label for n in result.executed}
    assert labels == {"Learner", "Predict", "Score"}


def test_changing_a_parameter_reruns_only_the_nodes_that_use_it(wf):
    wf.add_parameter("seed", "integer", 1)
    wf.set_setting("Split", "seed", "$seed")
    wf.run()
    assert wf.run(parameters={"seed": 1}).executed == []
    result = wf.run(parameters={"seed": "2"})
    assert {wf.node(n).label for n in result.executed} == {"Split", "Learner", "Predict", "Score"}


def test_unknown_or_mistyped_parameters_are_refused(wf):
    from studio.core import ParameterError

    wf.add_parameter("seed", "integer", 1)
    with pytest.raises(ParameterError, match="unknown parameter 'sed'"):
        wf.run(parameters={"sed": 3})
    with pytest.raises(ParameterError, match="'x' is not a valid integer"):
        wf.run(parameters={"seed": "x"})


@pytest.mark.parametrize("jobs", [1, 2])
def test_a_failing_node_fails_alone_its_descendants_wait_and_other_branches_finish(tmp_path, jobs):
    wf = starter(make_catalog(), csv=clean_penguins(tmp_path))
    wf.add_node("test.fail", "Broken")
    wf.add_node("manipulation.column_filter", "After broken", {"columns": ["body_mass_g"]})
    wf.connect("Numeric", 0, "Broken", 0)
    wf.connect("Broken", 0, "After broken", 0)
    result = wf.run(jobs=jobs)
    assert not result.ok
    assert result.state("Broken") == "failed"
    assert result.error("Broken") == "this node always fails"
    assert result.state("After broken") == "configured"
    assert result.state("Score") == "executed"


def test_running_with_two_jobs_gives_the_same_results_as_one(tmp_path):
    csv = clean_penguins(tmp_path)
    one = starter(csv=csv)
    two = starter(csv=csv)
    r1, r2 = one.run(jobs=1), two.run(jobs=2)
    assert r1.ok and r2.ok
    assert r1.output("Score").values == r2.output("Score").values
    assert r1.output("Predict").df.equals(r2.output("Predict").df)


def test_running_to_a_target_runs_only_its_ancestors(wf):
    result = wf.run(targets=["Learner"])
    assert {wf.node(n).label for n in result.executed} == {
        "Penguins",
        "Numeric",
        "Split",
        "Learner",
    }
    assert wf.state("Score") != "executed"


def test_cancelling_stops_a_running_node_and_leaves_the_rest_unexecuted(tmp_path):
    wf = starter(make_catalog(), csv=clean_penguins(tmp_path))
    wf.add_node("test.wait", "Slow", {"steps": 100000})
    wf.connect("Split", "train", "Slow", 0)
    wf.connect("Slow", 0, "Learner", 0)
    cancel = threading.Event()
    Wait.started.clear()
    done: dict = {}
    thread = threading.Thread(target=lambda: done.setdefault("r", wf.run(cancel=cancel)))
    thread.start()
    assert Wait.started.wait(30)
    cancel.set()
    thread.join(30)
    result = done["r"]
    assert result.cancelled and not result.ok
    assert result.state("Slow") == "configured"
    assert result.state("Score") != "executed"
    assert result.state("Split") == "executed"


def test_events_report_each_state_change_in_order(wf):
    seen = []
    wf.run(
        on_event=lambda e: seen.append(
            (type(e), wf.node(e.node).label if hasattr(e, "node") else None, e)
        )
    )
    score = [e.state for kind, label, e in seen if label == "Score" and kind is StateChanged]
    assert score == ["executing", "executed"]
    assert seen[0][0] is RunStarted and seen[-1][0] is RunFinished


def test_nodes_never_mutate_their_inputs(wf):
    result = wf.run()
    table = result.output("Split", "test")
    before = table.df.copy()
    wf.set_setting("Predict", "prediction_column", "species")  # overwrite an input column name
    wf.run()
    assert table.df.equals(before)


def test_run_errors_are_the_node_own_message_whether_found_by_configure_or_execute(wf):
    wf.set_setting("Learner", "target", "colour")
    result = wf.run()
    assert result.error("Learner").startswith("target: column(s) 'colour' not in the input table")


def test_changing_a_parameter_value_marks_its_users_stale_until_the_next_run(wf):
    wf.add_parameter("seed", "integer", 1)
    wf.set_setting("Split", "seed", "$seed")
    wf.run()
    wf.add_parameter("seed", "integer", 2)
    assert wf.state("Split") == "configured" and wf.state("Score") == "configured"
    assert wf.output("Split") is None
    assert wf.state("Penguins") == "executed"


def test_a_node_warning_reaches_the_run_result_and_the_events(tmp_path):
    wf = zero_ratio(tmp_path)
    seen = []
    result = wf.run(on_event=seen.append)
    note = 'expression "a / b": division by zero in 2 rows gave missing values'
    assert result.ok and result.warnings == {wf.node("Ratio").id: [note]}
    assert NodeWarning(wf.node("Ratio").id, note) in seen
