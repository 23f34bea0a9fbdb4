"""The validation nodes wired in a real workflow and run by the engine: partition, learn,
cross-validate, tune, report, and draw, with specs propagated before any data."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from studio.core import Workflow

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def workflow(tmp_path) -> Workflow:
    csv = tmp_path / "penguins.csv"
    pd.read_csv(ROOT / "workspace_templates" / "penguins" / "penguins.csv").dropna().to_csv(
        csv, index=False
    )
    wf = Workflow.new("validated")
    wf.add_node("io.csv_reader", "Penguins", {"path": str(csv)})
    wf.add_node("manipulation.column_filter", "Numeric", {"columns": ["island", "sex", "year"]})
    wf.add_node(
        "validation.partitioning", "Split", {"column": "species", "validation_fraction": 0.15}
    )
    wf.add_node("learners.logistic_regression", "Learner", {"target": "species", "max_iter": 60})
    wf.add_node("validation.cross_validation", "CV", {"folds": 3})
    wf.add_node(
        "validation.parameter_search", "Search", {"search_space": {"C": [0.1, 1.0]}, "folds": 3}
    )
    wf.add_node("validation.validation_report", "Report")
    wf.add_node("scoring.predictor", "Predict")
    wf.add_node("scoring.roc_curve", "ROC", {"truth_column": "species"})
    wf.add_node("scoring.data_profile", "Profile")
    wf.connect("Penguins", 0, "Numeric", 0)
    wf.connect("Numeric", 0, "Split", 0)
    wf.connect("Split", "train", "Learner", 0)
    for node in ("CV", "Search"):
        wf.connect("Learner", "model", node, "model")
        wf.connect("Split", "train", node, "table")
    wf.connect("Search", "model", "Report", "model")
    wf.connect("Split", "train", "Report", "train")
    wf.connect("Split", "test", "Report", "test")
    wf.connect("Split", "validation", "Report", "validation")
    wf.connect("CV", "fold scores", "Report", "fold scores")
    wf.connect("Report", "model", "Predict", "model")
    wf.connect("Split", "test", "Predict", "table")
    wf.connect("Predict", 0, "ROC", 0)
    wf.connect("Split", "train", "Profile", 0)
    return wf


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_engine_runs_search_then_report_and_the_deployed_model_carries_the_result(workflow):
    workflow.run()
    for node in ("CV", "Search", "Report", "Predict", "ROC", "Profile"):
        assert workflow.state(node) == "executed", workflow.error(node)
    model = workflow.output("Report", "model")
    result = workflow.output("Report", "result").values
    assert model.validation == result
    assert {c["check"] for c in result["checks"]} >= {
        "held-out rows (test)",
        "overfitting (validation)",
        "cv spread",
        "target leakage",
    }
    assert result["status"] in ("pass", "warn")
    assert model.settings["parameter_search"]["best_params"]["C"] in (0.1, 1.0)
    assert workflow.output("ROC", "figure").png.startswith(b"\x89PNG")


def test_a_misnamed_group_column_is_reported_while_wiring(workflow):
    workflow.set_settings("CV", {"method": "group", "column": "colony", "folds": 3})
    report = workflow.configure()
    assert not report.ok
    assert any(p.startswith("CV: column:") and "'colony'" in p for p in report.problems()), (
        report.problems()
    )


def test_fold_scores_from_regression_folds_do_not_fit_a_classification_report(workflow):
    workflow.set_settings("Report", {"metric": "r2"})
    report = workflow.configure()
    assert any(p.startswith("Report: metric:") for p in report.problems()), report.problems()


def test_a_grid_value_the_learner_refuses_is_a_configure_error_before_any_data(workflow):
    workflow.set_setting("Search", "search_space", {"C": [1.0, -1]})
    problems = workflow.configure().problems()
    assert (
        "Search: search_space: C=-1 is not valid for Logistic Regression Learner: "
        "C must be greater than 0, not -1"
    ) in problems
