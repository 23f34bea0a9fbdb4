"""Configure tells the actual cause: a node held back by an unconfigured upstream node names
it, and what the spec already shows (absent truth columns, missing values) is refused before
anything runs."""

from __future__ import annotations

import pytest

from studio.core import ConfigureError, NodeState, Workflow

from .builders import PENGUINS


def _scored(csv, truth: str = "species", learner: str = "learners.logistic_regression"):
    wf = Workflow.new("scored")
    wf.add_node("io.csv_reader", "Penguins", {"path": str(csv)})
    wf.add_node("manipulation.column_filter", "Numeric", {"columns": ["island", "sex", "year"]})
    wf.add_node("validation.partitioning", "Split", {"column": "species", "train_fraction": 0.7})
    wf.add_node(learner, "Learner", {"target": "species"})
    wf.add_node("scoring.predictor", "Predict")
    wf.add_node("scoring.scorer", "Score", {"truth_column": truth})
    wf.add_node("scoring.confusion_matrix", "Matrix", {"truth_column": truth})
    wf.add_node("scoring.roc_curve", "ROC", {"truth_column": truth})
    wf.connect("Penguins", 0, "Numeric", 0)
    wf.connect("Numeric", 0, "Split", 0)
    wf.connect("Split", 0, "Learner", 0)
    wf.connect("Learner", 0, "Predict", 0)
    wf.connect("Split", 1, "Predict", 1)
    for node in ("Score", "Matrix", "ROC"):
        wf.connect("Predict", 0, node, 0)
    return wf


def test_a_connected_node_behind_an_unconfigured_one_names_that_node_and_its_problem(tmp_path):
    wf = _scored(tmp_path / "nowhere.csv")
    wf.configure()
    assert wf.state("Split") == NodeState.UNCONFIGURED
    message = wf.error("Split")
    assert "not connected" not in message
    assert "input port 'table': waits for “Numeric”" in message
    assert "held back by “Penguins”" in message and "file not found" in message
    assert "waits for “Numeric”, held back by “Penguins”" in message
    assert "waits for “Split”" in wf.error("Learner")


def test_scoring_nodes_refuse_truth_values_the_spec_shows_missing(tmp_path):
    import pandas as pd

    from studio.core import Table
    from tests.conftest import run_node

    df = pd.read_csv(PENGUINS).dropna(subset=["bill_length_mm"])
    df.loc[df.index[:3], "species"] = None  # three rows nobody labelled
    predictions = Table(df.assign(prediction="Adelie", probability_Adelie=1.0))
    for type_id in ("scoring.scorer", "scoring.confusion_matrix", "scoring.roc_curve"):
        with pytest.raises(ConfigureError, match="'species' has missing values") as info:
            run_node(type_id, [predictions], truth_column="species")
        assert info.value.where == "truth_column"


def test_a_learner_refuses_missing_values_its_input_spec_already_shows():
    wf = _scored(PENGUINS)  # the raw file: bill and flipper measurements have gaps
    report = wf.configure()
    problem = report.errors[wf.node("Learner").id]
    assert problem.where == "features"
    assert "missing values in feature column(s) 'bill_length_mm'" in problem.message
    assert "Missing Value" in problem.message


def test_a_learner_that_accepts_missing_values_configures_on_the_same_spec():
    wf = _scored(PENGUINS, learner="learners.gradient_boosting_classifier")
    assert wf.node("Learner").id not in wf.configure().errors


def test_a_missing_value_node_clears_the_gaps_it_fills_from_the_spec():
    wf = _scored(PENGUINS)
    wf.add_node("preprocessing.missing_value", "Fill")
    wf.disconnect("Learner", 0)
    wf.connect("Split", 0, "Fill", 0)
    wf.connect("Fill", 0, "Learner", 0)
    report = wf.configure()
    assert report.ok, report.problems()
