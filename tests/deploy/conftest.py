"""Small real workflows built in code, and an isolated key folder per test."""

from __future__ import annotations

import pytest

from studio.core import Workflow

FEATURES = ["bill_length_mm", "bill_depth_mm", "flipper_length_mm", "body_mass_g"]


@pytest.fixture(autouse=True)
def knotwork_home(tmp_path, monkeypatch):
    """Keys go to a folder of this test, never the user's."""
    home = tmp_path / "knotwork-home"
    monkeypatch.setenv("KNOTWORK_HOME", str(home))
    return home


@pytest.fixture
def penguins_csv(tmp_path, penguins_df):
    """Penguins without missing values (Logistic Regression refuses NaN), as a real CSV file."""
    path = tmp_path / "penguins.csv"
    penguins_df.dropna().to_csv(path, index=False)
    return path


@pytest.fixture
def penguins_with_gaps_csv(tmp_path, penguins_df):
    path = tmp_path / "penguins_gaps.csv"
    penguins_df.to_csv(path, index=False)
    return path


def scoring_workflow(
    csv, *, filter_in_scope: bool = False, output_columns: list[str] | None = None
) -> Workflow:
    """Read → Split → (train) Logistic Regression; (test) Deployment Input → [Column Filter] → Predictor → Deployment Output."""
    wf = Workflow.new("penguins")
    wf.add_node("io.csv_reader", "Read", {"path": str(csv)}, id="read")
    wf.add_node(
        "validation.partitioning",
        "Split",
        {"method": "stratified", "column": "species", "train_fraction": 0.6},
        id="split",
    )
    wf.add_node(
        "learners.logistic_regression",
        "Learner",
        {"target": "species", "features": FEATURES},
        id="learner",
    )
    wf.add_node("deployment.input", "Deployment Input", id="din")
    wf.add_node("scoring.predictor", "Predict", id="predict")
    wf.add_node(
        "deployment.output", "Deployment Output", {"columns": output_columns or []}, id="dout"
    )
    wf.connect("read", "table", "split", "table")
    wf.connect("split", "train", "learner", "training data")
    wf.connect("split", "test", "din", "table")
    wf.connect("learner", "model", "predict", "model")
    if filter_in_scope:
        wf.add_node(
            "manipulation.column_filter",
            "Keep features",
            {"mode": "include", "columns": [*FEATURES, "species"]},
            id="keep",
        )
        wf.connect("din", "table", "keep", "table")
        wf.connect("keep", "table", "predict", "table")
    else:
        wf.connect("din", "table", "predict", "table")
    wf.connect("predict", "predictions", "dout", "table")
    return wf


@pytest.fixture
def scoring_wf(penguins_csv):
    return scoring_workflow(penguins_csv)
