"""The capture scope and its static inputs on several graph shapes, and the errors a
user gets when the workflow cannot be captured."""

from __future__ import annotations

import pytest

from studio.core import Workflow
from studio.deploy import CaptureError, capture

from .conftest import FEATURES, scoring_workflow


def test_scope_is_the_path_from_input_to_output_and_the_model_is_a_static_input(scoring_wf):
    scoring_wf.run()
    scope = capture(scoring_wf)
    assert scope.nodes == {"din", "predict", "dout"}
    assert (scope.input_node, scope.output_node) == ("din", "dout")
    assert [(lk.source, lk.target, lk.target_port) for lk in scope.static_inputs] == [
        ("learner", "predict", "model")
    ]
    assert scope.request_link.source == "split" and scope.request_link.source_port == "test"
    assert scope.order[0] == "din" and scope.order[-1] == "dout"


def test_nodes_between_input_and_output_join_the_scope_and_side_branches_do_not(penguins_csv):
    wf = scoring_workflow(penguins_csv, filter_in_scope=True)
    wf.add_node(
        "manipulation.column_filter",
        "Side branch",
        {"mode": "exclude", "columns": ["species"]},
        id="side",
    )
    wf.connect(
        "din", "table", "side", "table"
    )  # downstream of the input, but never reaches the output
    wf.run()
    scope = capture(wf)
    assert scope.nodes == {"din", "keep", "predict", "dout"}
    assert "side" not in scope.nodes
    assert [lk.source for lk in scope.static_inputs] == ["learner"]


def test_a_stateful_node_inside_the_scope_is_listed_to_keep_its_fitted_state(
    penguins_with_gaps_csv,
):
    wf = Workflow.new("impute in scope")
    wf.add_node("io.csv_reader", "Read", {"path": str(penguins_with_gaps_csv)}, id="read")
    wf.add_node("validation.partitioning", "Split", {"method": "random"}, id="split")
    wf.add_node("preprocessing.missing_value", "Impute train", id="imp_train")
    wf.add_node(
        "learners.logistic_regression",
        "Learner",
        {"target": "species", "features": FEATURES},
        id="learner",
    )
    wf.add_node("deployment.input", "Deployment Input", id="din")
    wf.add_node("preprocessing.missing_value", "Impute", id="imp")
    wf.add_node("scoring.predictor", "Predict", id="predict")
    wf.add_node("deployment.output", "Deployment Output", id="dout")
    wf.connect("read", 0, "split", 0)
    wf.connect("split", "train", "imp_train", 0)
    wf.connect("imp_train", "table", "learner", 0)
    wf.connect("split", "test", "din", 0)
    wf.connect("din", 0, "imp", 0)
    wf.connect("imp", "table", "predict", "table")
    wf.connect("learner", "model", "predict", "model")
    wf.connect("predict", 0, "dout", 0)
    assert wf.run().ok
    scope = capture(wf)
    assert scope.stateful_nodes == ["imp"]
    assert {lk.source for lk in scope.static_inputs} == {"learner"}


def test_a_transform_fitted_outside_the_scope_enters_as_a_static_input(penguins_with_gaps_csv):
    wf = Workflow.new("apply transform")
    wf.add_node("io.csv_reader", "Read", {"path": str(penguins_with_gaps_csv)}, id="read")
    wf.add_node("validation.partitioning", "Split", {"method": "random"}, id="split")
    wf.add_node("preprocessing.missing_value", "Impute", id="imp")
    wf.add_node(
        "learners.logistic_regression",
        "Learner",
        {"target": "species", "features": FEATURES},
        id="learner",
    )
    wf.add_node("deployment.input", "Deployment Input", id="din")
    wf.add_node("preprocessing.apply_transform", "Impute test", id="apply")
    wf.add_node("scoring.predictor", "Predict", id="predict")
    wf.add_node("deployment.output", "Deployment Output", id="dout")
    wf.connect("read", 0, "split", 0)
    wf.connect("split", "train", "imp", 0)
    wf.connect("imp", "table", "learner", 0)
    wf.connect("split", "test", "din", 0)
    wf.connect("imp", "transform", "apply", "transform")
    wf.connect("din", 0, "apply", "table")
    wf.connect("apply", 0, "predict", "table")
    wf.connect("learner", "model", "predict", "model")
    wf.connect("predict", 0, "dout", 0)
    assert wf.run().ok
    scope = capture(wf)
    assert scope.nodes == {"din", "apply", "predict", "dout"}
    assert sorted((lk.source, lk.target_port) for lk in scope.static_inputs) == [
        ("imp", "transform"),
        ("learner", "model"),
    ]
    assert scope.stateful_nodes == []


def test_a_workflow_without_a_deployment_input_is_refused_with_what_to_add(penguins_csv):
    wf = scoring_workflow(penguins_csv)
    wf.remove_node("din")
    with pytest.raises(CaptureError, match="no Deployment Input node"):
        capture(wf, require_results=False)


def test_several_deployment_outputs_must_be_chosen_between(scoring_wf):
    scoring_wf.add_node("deployment.output", "Second output", id="dout2")
    scoring_wf.connect("predict", 0, "dout2", 0)
    with pytest.raises(CaptureError, match="several Deployment Output nodes"):
        capture(scoring_wf, require_results=False)
    assert (
        capture(scoring_wf, output_node="Second output", require_results=False).output_node
        == "dout2"
    )


def test_an_output_not_downstream_of_the_input_is_refused(scoring_wf):
    scoring_wf.add_node("deployment.output", "Train rows out", id="elsewhere")
    scoring_wf.connect("split", "train", "elsewhere", 0)
    with pytest.raises(CaptureError, match="not downstream"):
        capture(scoring_wf, output_node="elsewhere", require_results=False)


def test_capturing_before_the_workflow_ran_asks_to_run_it(scoring_wf):
    with pytest.raises(CaptureError, match="not been executed"):
        capture(scoring_wf)
    scope = capture(scoring_wf, require_results=False)  # the studio's preview needs no results
    assert scope.nodes == {"din", "predict", "dout"}
    assert "body_mass_g" in scope.input_spec(scoring_wf).names
